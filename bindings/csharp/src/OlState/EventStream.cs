using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace OlState
{
    /// <summary>
    /// What <see cref="OlStateSession.WatchAsync(bool, CancellationToken)"/>
    /// returns: subscribed at construction (not at the first MoveNextAsync), so
    /// an event between the call and the enumeration waits in the channel.
    /// </summary>
    internal sealed class EventStream : IAsyncEnumerable<ConnectionStateChange>
    {
        private readonly OlStateSession _session;
        private readonly CancellationToken _watchToken;
        private readonly Channel<ConnectionStateChange> _channel =
            Channel.CreateUnbounded<ConnectionStateChange>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Action _complete;
        private readonly IDisposable _subscription;
        private int _enumerated;

        public EventStream(OlStateSession session, bool startWithCurrentState, bool reconnects, CancellationToken watchToken)
        {
            _session = session;
            _watchToken = watchToken;
            _complete = () => _channel.Writer.TryComplete();
            if (!session.AddOnClose(_complete)) session.ThrowIfDisposed();
            try
            {
                _subscription = session.SubscribeCore(change =>
                {
                    _channel.Writer.TryWrite(change);
                    // Without reconnect a lost host is final: nothing follows.
                    if (change.Kind == ChangeKind.ProviderLost && !reconnects) _channel.Writer.TryComplete();
                }, startWithCurrentState, context: null);
            }
            catch
            {
                session.RemoveOnClose(_complete);
                throw;
            }
        }

        /// <summary>Ends the subscription of a stream that may never be enumerated (the binding's own waits).</summary>
        internal void Close()
        {
            _subscription.Dispose();
            _session.RemoveOnClose(_complete);
            _channel.Writer.TryComplete();
        }

        public IAsyncEnumerator<ConnectionStateChange> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _enumerated, 1) != 0)
                throw new InvalidOperationException("a WatchAsync stream can be enumerated once; call WatchAsync again for another");
            return Read(cancellationToken).GetAsyncEnumerator(default);
        }

        private async IAsyncEnumerable<ConnectionStateChange> Read([EnumeratorCancellation] CancellationToken enumeratorToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_watchToken, enumeratorToken);
            try
            {
                var reader = _channel.Reader;
                while (await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                {
                    while (reader.TryRead(out var change)) yield return change;
                }
            }
            finally
            {
                _subscription.Dispose();
                _session.RemoveOnClose(_complete);
            }
        }
    }
}
