using System;
using System.Threading;
using System.Threading.Tasks;
using OlState.Interop;

namespace OlState
{
    /// <summary>
    /// One asynchronous wait for a state, without a thread blocked on it: a
    /// subscription watches for the CHANGE_DONE (or PROVIDER_BACK) that reaches
    /// the state, and olstate_wait_state with a zero timeout says whether it is
    /// already reached (asked after subscribing, so nothing falls between).
    /// It ends exactly once: reached, failed, timed out, cancelled, or the
    /// session disposed. The task's continuations never run on olstate's
    /// threads: on the session's SynchronizationContext if it has one, else on
    /// the thread pool.
    /// </summary>
    internal sealed unsafe class StateWait
    {
        private readonly OlStateSession _session;
        private readonly ConnectionState _state;
        private readonly bool _reconnects;
        private readonly SynchronizationContext? _context;
        private readonly TaskCompletionSource<bool> _done;
        private readonly Action _onClose;
        private readonly object _gate = new object();
        private IDisposable? _subscription;
        private CancellationTokenSource? _timeout;
        private Timer? _recheck;
        private CancellationTokenRegistration _cancelled, _timedOut;
        private int _finished;

        private StateWait(OlStateSession session, ConnectionState state, bool reconnects, SynchronizationContext? context)
        {
            _session = session;
            _state = state;
            _reconnects = reconnects;
            _context = context;
            // With a context the task completes inside a call posted there, so
            // its continuations (even ConfigureAwait(false) ones) run there;
            // without, never inline on olstate's thread or the caller's.
            _done = new TaskCompletionSource<bool>(context != null
                ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
            _onClose = () => Fail(new ObjectDisposedException(nameof(OlStateSession), "the olstate session was disposed while waiting"));
        }

        /// <summary>
        /// Waits for <paramref name="state"/>; with <paramref name="setFirst"/>
        /// asks for the change first (olstate_set_state, asynchronous) once the
        /// wait is in place, so the change's end cannot be missed.
        /// </summary>
        public static Task Start(OlStateSession session, ConnectionState state, TimeSpan timeout,
            CancellationToken cancellationToken, bool setFirst, bool reconnects, SynchronizationContext? context)
        {
            CheckTimeout(timeout);
            session.ThrowIfDisposed();
            var wait = new StateWait(session, state, reconnects, context);
            wait.Begin(timeout, cancellationToken, setFirst);
            return wait._done.Task;
        }

        /// <summary>The limits every wait of the binding accepts.</summary>
        internal static void CheckTimeout(TimeSpan timeout)
        {
            if (timeout != Timeout.InfiniteTimeSpan && (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a wait takes a timeout from 0 to int.MaxValue ms, or Timeout.InfiniteTimeSpan");
        }

        private void Begin(TimeSpan timeout, CancellationToken cancellationToken, bool setFirst)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Cancel(cancellationToken);
                return;
            }
            if (!_session.AddOnClose(_onClose))
            {
                _onClose();
                return;
            }
            try
            {
                var subscription = SubscribeFromNow();
                bool over;
                lock (_gate)
                {
                    over = Volatile.Read(ref _finished) != 0;
                    if (!over) _subscription = subscription;
                }
                if (over)
                {
                    subscription.Dispose();  // already over (the session closed)
                    return;
                }
                if (setFirst) SetState();
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }
            // Look before the timer starts: a zero timeout still looks once.
            Recheck();
            lock (_gate)
            {
                if (Volatile.Read(ref _finished) != 0) return;
                _cancelled = cancellationToken.Register(() => Cancel(cancellationToken));
                // The library's own waits look again this often although
                // nothing was notified: a provider may change state silently.
                _recheck = new Timer(_ => Recheck(), null, RecheckEvery, RecheckEvery);
                if (timeout != Timeout.InfiniteTimeSpan)
                {
                    _timeout = new CancellationTokenSource(timeout);
                    _timedOut = _timeout.Token.Register(() => Fail(new TimeoutException(
                        $"the olstate session did not reach {_state} within {timeout}")));
                }
            }
        }

        private static readonly TimeSpan RecheckEvery = TimeSpan.FromMilliseconds(500);

        // A subscription that gets only what is notified from now on: with
        // CURRENT_STATE the events a Queued session still holds in its queue
        // are not delivered to it (a plain one gets them: a stale ChangeDone
        // into the target, from a change before this wait, would end it
        // before its own change ran - SetStateAsync completing early on a
        // busy machine). CURRENT itself is ignored by OnEvent; the look in
        // Recheck answers "already there". A reconnecting bridge session with
        // no host cannot read a current state: then a plain one (the host's
        // ProviderBack comes first anyway).
        private IDisposable SubscribeFromNow()
        {
            try
            {
                return _session.SubscribeCore(OnEvent, startWithCurrentState: true, context: null);
            }
            catch (OlStateException e) when (_reconnects && e.Code == ResultCode.ProviderNotFound)
            {
                return _session.SubscribeCore(OnEvent, startWithCurrentState: false, context: null);
            }
        }

        private void SetState()
        {
            bool added = false;
            try { OlStateSession.Check(NativeMethods.olstate_set_state(_session.Acquire(ref added), (uint)_state, 0)); }
            finally { if (added) _session.ReleaseHandleRef(); }
        }

        // Already there (and no change in flight)? A zero-timeout look.
        private void Recheck()
        {
            if (Volatile.Read(ref _finished) != 0) return;
            int r;
            bool added = false;
            try
            {
                r = NativeMethods.olstate_wait_state(_session.Acquire(ref added), (uint)_state, 0);
                if (r != 0 && r != (int)ResultCode.Timeout && r != (int)ResultCode.WouldDeadlock)
                {
                    Fail(OlStateSession.Failure(r));
                    return;
                }
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }
            finally
            {
                if (added) _session.ReleaseHandleRef();
            }
            if (r == 0) Succeed();
            // On a provider notification thread (inside an Inline handler) the
            // look is refused: take it from the thread pool instead.
            else if (r == (int)ResultCode.WouldDeadlock) ThreadPool.QueueUserWorkItem(_ => Recheck());
        }

        private void OnEvent(ConnectionStateChange change)
        {
            switch (change.Kind)
            {
                case ChangeKind.ChangeDone:
                case ChangeKind.ProviderBack:
                    if (change.NewState == _state) { Succeed(); return; }
                    break;
                case ChangeKind.ProviderLost:
                    if (!_reconnects)
                    {
                        Fail(new OlStateException(ResultCode.ProviderNotFound,
                            $"the bridge host went away while waiting for {_state} (open with Reconnect to wait across a loss)", 0));
                        return;
                    }
                    break;
            }
            // Dropped events may have held the change's end: look again.
            if (change.Dropped) Recheck();
        }

        private void Succeed() => Finish(t => t.TrySetResult(true));

        private void Fail(Exception e) => Finish(t => t.TrySetException(e));

        private void Cancel(CancellationToken token) => Finish(t => t.TrySetCanceled(token));

        private void Finish(Action<TaskCompletionSource<bool>> complete)
        {
            if (Interlocked.Exchange(ref _finished, 1) != 0) return;
            IDisposable? subscription;
            CancellationTokenRegistration cancelled, timedOut;
            CancellationTokenSource? timeout;
            Timer? recheck;
            lock (_gate)
            {
                recheck = _recheck;
                // Begin sets these under the lock only while not finished.
                subscription = _subscription;
                cancelled = _cancelled;
                timedOut = _timedOut;
                timeout = _timeout;
                _subscription = null;
            }
            // Each is safe from its own callback (no wait there).
            subscription?.Dispose();
            cancelled.Dispose();
            timedOut.Dispose();
            timeout?.Dispose();
            recheck?.Dispose();
            _session.RemoveOnClose(_onClose);
            if (_context == null)
            {
                complete(_done);
                return;
            }
            try
            {
                _context.Post(_ => complete(_done), null);
            }
            catch
            {
                complete(_done);  // the context refuses work: complete here rather than never
            }
        }
    }
}
