using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using OlState.Interop;

namespace OlState
{
    // Following the session's events: handlers, the StateChanged event, streams.
    public sealed unsafe partial class OlStateSession
    {
        private EventHandler<ConnectionStateChangedEventArgs>? _stateChanged;
        private IDisposable? _stateChangedSubscription;
        private int _nativeSubscriptions;

        /// <summary>
        /// Calls <paramref name="handler"/> for every event of this session.
        /// Dispose the result to stop: once that returns (outside a handler),
        /// the handler is not running and never runs again. With Inline
        /// delivery calls may overlap; the handler must be thread safe then.
        /// With <see cref="OlStateOptions.SynchronizationContext"/> the calls are
        /// posted there.
        /// </summary>
        public IDisposable Subscribe(Action<ConnectionStateChange> handler) =>
            Subscribe(handler, startWithCurrentState: false);

        /// <summary>
        /// <see cref="Subscribe(Action{ConnectionStateChange})"/>; with
        /// <paramref name="startWithCurrentState"/> the first call is a
        /// <see cref="ChangeKind.Current"/> event carrying the state at the moment
        /// of subscribing, ordered before every later change (no gap between
        /// reading the state and following it).
        /// </summary>
        public IDisposable Subscribe(Action<ConnectionStateChange> handler, bool startWithCurrentState)
        {
            if (handler == null) throw new ArgumentNullException(nameof(handler));
            return SubscribeCore(handler, startWithCurrentState, _context);
        }

        /// <summary>
        /// Raised for every event. One native subscription serves all handlers:
        /// it is made with the first handler and released with the last one.
        /// </summary>
        public event EventHandler<ConnectionStateChangedEventArgs> StateChanged
        {
            add
            {
                if (value == null) return;
                lock (_gate)
                {
                    ThrowIfDisposed();
                    _stateChangedSubscription ??= Subscribe(c =>
                        Volatile.Read(ref _stateChanged)?.Invoke(this, new ConnectionStateChangedEventArgs(c)));
                    _stateChanged += value;
                }
            }
            remove
            {
                IDisposable? last = null;
                lock (_gate)
                {
                    _stateChanged -= value;
                    if (_stateChanged == null)
                    {
                        last = _stateChangedSubscription;
                        _stateChangedSubscription = null;
                    }
                }
                // Outside the lock: unsubscribing waits for a running handler,
                // which may itself be removing a handler.
                last?.Dispose();
            }
        }

        /// <summary>
        /// The session's events as an async stream, subscribed when this is
        /// called (so nothing happening before the first <c>MoveNextAsync</c> is
        /// lost). It ends when the session is disposed, and after the final
        /// <see cref="ChangeKind.ProviderLost"/> of a bridge session opened
        /// without <see cref="OlStateOptions.Reconnect"/>; it throws
        /// <see cref="OperationCanceledException"/> when
        /// <paramref name="cancellationToken"/> (or the enumerator's) is
        /// cancelled. Enumerate it once; its subscription ends with the
        /// enumeration (or with the session, if it is never enumerated).
        /// </summary>
        public IAsyncEnumerable<ConnectionStateChange> WatchAsync(CancellationToken cancellationToken = default) =>
            WatchAsync(startWithCurrentState: false, cancellationToken);

        /// <summary>
        /// <see cref="WatchAsync(CancellationToken)"/>; with
        /// <paramref name="startWithCurrentState"/> the first item is a
        /// <see cref="ChangeKind.Current"/> event with the state at the call.
        /// </summary>
        public IAsyncEnumerable<ConnectionStateChange> WatchAsync(bool startWithCurrentState,
            CancellationToken cancellationToken = default) =>
            new EventStream(this, startWithCurrentState, _reconnect, cancellationToken);

        /// <summary>Native subscriptions whose release has not run yet (tests read it).</summary>
        internal int NativeSubscriptions => Volatile.Read(ref _nativeSubscriptions);

        internal void NativeSubscriptionReleased() => Interlocked.Decrement(ref _nativeSubscriptions);

        internal void ThrowIfDisposed()
        {
            if (IsDisposed) throw new ObjectDisposedException(nameof(OlStateSession), "the olstate session is disposed");
        }

        // Every subscription goes through here: the binding's own (streams,
        // waits) pass no context and run on olstate's threads.
        internal IDisposable SubscribeCore(Action<ConnectionStateChange> handler, bool startWithCurrentState,
            SynchronizationContext? context)
        {
            var subscriber = new Subscriber(this, handler, context);
            Interlocked.Increment(ref _nativeSubscriptions);  // the release callback takes it back
            var gc = GCHandle.Alloc(subscriber);
            var contextPtr = GCHandle.ToIntPtr(gc);
            ulong token = 0;
            bool added = false;
            try
            {
                IntPtr h;
                try
                {
                    h = Acquire(ref added);
                }
                catch
                {
                    gc.Free();  // never reached olstate
                    NativeSubscriptionReleased();
                    throw;
                }
                // olstate owns the GCHandle from here: on failure its release ran.
                if (startWithCurrentState)
                {
                    var o = new SubscribeOptions
                    {
                        StructSize = (uint)sizeof(SubscribeOptions),
                        Flags = NativeMethods.SubscribeCurrentState,
                        Callback = Callbacks.EventPointer,
                        Context = contextPtr,
                        Release = Callbacks.ReleasePointer,
                    };
                    Check(NativeMethods.olstate_subscribe_ex(h, &o, &token));
                }
                else
                {
                    Check(NativeMethods.olstate_subscribe(h, Callbacks.EventPointer, contextPtr, Callbacks.ReleasePointer, &token));
                }
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
            return new Subscription(this, token, subscriber);
        }

        private sealed class Subscription : IDisposable
        {
            private readonly OlStateSession _session;
            private readonly ulong _token;
            private readonly Subscriber _subscriber;
            private int _disposed;

            public Subscription(OlStateSession session, ulong token, Subscriber subscriber)
            {
                _session = session;
                _token = token;
                _subscriber = subscriber;
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
                _subscriber.Stop();
                _session.Unsubscribe(_token);
            }
        }
    }
}
