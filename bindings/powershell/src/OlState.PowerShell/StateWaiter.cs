using System;
using System.Threading;

namespace OlState.PowerShell
{
    /// <summary>
    /// The one place that waits for a state (Wait-OutlookState, Set-OutlookState -Wait).
    /// ABI 1.1 has no wait function, so it subscribes first and reads the
    /// state second: a change in between is seen by the subscription. When
    /// the library gains olstate_wait_state (ABI 1.2), only this class changes.
    /// </summary>
    internal sealed class StateWaiter : IDisposable
    {
        private readonly OlStateSession _session;
        private readonly ConnectionState _target;
        private readonly ManualResetEventSlim _reached = new ManualResetEventSlim(false);
        private readonly IDisposable _subscription;
        private readonly bool _reconnects;
        private volatile bool _lost;

        /// <summary>
        /// Subscribes at once: create it before asking for a change. A
        /// reconnecting bridge session keeps waiting while its host is away.
        /// </summary>
        public StateWaiter(OlStateSession session, ConnectionState target, bool reconnects = false)
        {
            _session = session;
            _target = target;
            _reconnects = reconnects;
            _subscription = session.Subscribe(OnChange);
        }

        private void OnChange(ConnectionStateChange c)
        {
            // After CHANGE the state *is* NewState; CHANGE_START only announces it.
            if ((c.Kind == ChangeKind.Change || c.Kind == ChangeKind.ChangeDone || c.Kind == ChangeKind.ProviderBack)
                && c.NewState == _target)
                _reached.Set();
            else if (c.Kind == ChangeKind.ProviderLost && !_reconnects)
            {
                _lost = true;
                _reached.Set();
            }
        }

        /// <summary>
        /// True once the state is reached; false on timeout. Throws
        /// OperationCanceledException when cancelled, OlStateException
        /// (ProviderNotFound) when a bridge host goes away.
        /// </summary>
        public bool Wait(TimeSpan timeout, CancellationToken cancel)
        {
            try
            {
                if (_session.State == _target) return true;
            }
            catch (OlStateException e) when (e.Code == ResultCode.ProviderNotFound && _reconnects)
            {
                // No host yet: its PROVIDER_BACK event carries the state.
            }
            if (!_reached.Wait(timeout, cancel)) return false;
            if (_lost && _session.State != _target)
                throw new OlStateException(ResultCode.ProviderNotFound, "the bridge host went away while waiting for " + _target, 0);
            return true;
        }

        public void Dispose()
        {
            _subscription.Dispose();
            _reached.Dispose();
        }
    }
}
