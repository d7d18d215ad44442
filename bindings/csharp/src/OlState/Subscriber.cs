using System;
using System.Threading;

namespace OlState
{
    /// <summary>
    /// What a native subscription's context points to (through a GCHandle):
    /// the handler, and where it runs. With a SynchronizationContext the call
    /// is posted there (olstate's thread never waits for it) and skipped if
    /// the subscription or the session was disposed before it got its turn,
    /// so a Dispose on the context's thread is the last word.
    /// </summary>
    internal sealed class Subscriber
    {
        private readonly OlStateSession _session;
        private readonly Action<ConnectionStateChange> _handler;
        private readonly SynchronizationContext? _context;
        private volatile bool _stopped;

        public Subscriber(OlStateSession session, Action<ConnectionStateChange> handler, SynchronizationContext? context)
        {
            _session = session;
            _handler = handler;
            _context = context;
        }

        /// <summary>No posted call that has not started yet will run.</summary>
        public void Stop() => _stopped = true;

        /// <summary>Called by olstate's release callback: the native subscription is gone.</summary>
        public void Released() => _session.NativeSubscriptionReleased();

        public void Invoke(ConnectionStateChange change)
        {
            if (_context == null)
            {
                Run(change);
                return;
            }
            try
            {
                _context.Post(state =>
                {
                    if (!_stopped && !_session.IsDisposed) Run((ConnectionStateChange)state!);
                }, change);
            }
            catch (Exception e)
            {
                // A context that refuses work (its loop ended) must not reach native code.
                OlStateSession.ReportHandlerException(e, change);
            }
        }

        private void Run(ConnectionStateChange change)
        {
            try
            {
                _handler(change);
            }
            catch (Exception e)
            {
                OlStateSession.ReportHandlerException(e, change);
            }
        }
    }
}
