using System;
using System.Threading;
using System.Threading.Tasks;

namespace OlState
{
    // Task-based changes and waits (ABI 1.2), none holding a thread while it waits.
    public sealed partial class OlStateSession
    {
        /// <summary>
        /// Asks for a change and completes when the session has reached
        /// <paramref name="state"/> (the change's <see cref="ChangeKind.ChangeDone"/>),
        /// so the next change is not refused with <see cref="ResultCode.Busy"/>.
        /// At once when the session is already there. Fails with
        /// <see cref="OlStateException"/> when the change is refused (Busy,
        /// NotSupported, ProviderFailed...) or a bridge host goes away without
        /// <see cref="OlStateOptions.Reconnect"/> (ProviderNotFound), with
        /// <see cref="ObjectDisposedException"/> when the session is disposed
        /// meanwhile. Cancelling <paramref name="cancellationToken"/> cancels
        /// the wait, not the change Outlook has started. If someone switches
        /// the state back before it is reached, the task waits for the state
        /// again: give a token with a timeout.
        /// </summary>
        public Task SetStateAsync(ConnectionState state, CancellationToken cancellationToken = default) =>
            StateWait.Start(this, state, Timeout.InfiniteTimeSpan, cancellationToken, setFirst: true, _reconnect, _context);

        /// <summary>
        /// Completes when the session's state is <paramref name="state"/>: at
        /// once when it is already there with no change in flight, else at the
        /// <see cref="ChangeKind.ChangeDone"/> (or <see cref="ChangeKind.ProviderBack"/>)
        /// that reaches it, whoever asked for the change. No thread waits
        /// meanwhile. Fails as <see cref="SetStateAsync"/> does (a bridge
        /// session opened with <see cref="OlStateOptions.Reconnect"/> keeps
        /// waiting across a loss); cancelled with <paramref name="cancellationToken"/>.
        /// </summary>
        public Task WaitForStateAsync(ConnectionState state, CancellationToken cancellationToken = default) =>
            StateWait.Start(this, state, Timeout.InfiniteTimeSpan, cancellationToken, setFirst: false, _reconnect, _context);

        /// <summary>
        /// <see cref="WaitForStateAsync(ConnectionState, CancellationToken)"/> for at
        /// most <paramref name="timeout"/>: fails with <see cref="TimeoutException"/>
        /// (as <c>Task.WaitAsync</c> does) when it runs out
        /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit; <see cref="TimeSpan.Zero"/>: look once).
        /// </summary>
        public Task WaitForStateAsync(ConnectionState state, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            StateWait.Start(this, state, timeout, cancellationToken, setFirst: false, _reconnect, _context);
    }
}
