using System;
using System.Threading;
using System.Threading.Tasks;

namespace OlState.PowerShell
{
    /// <summary>
    /// The one place that waits for a state (Wait-OutlookState, Set-OutlookState
    /// -Wait), over the library's wait (olstate_wait_state, ABI 1.2, through the
    /// C# binding's WaitForStateAsync / SetStateAsync): it ends at the
    /// CHANGE_DONE that reaches the state, so the next change is not refused
    /// with Busy, and a reconnecting bridge session keeps waiting while its host
    /// is away. The cmdlet's thread blocks on the task (a cmdlet has nothing
    /// else to do meanwhile); Ctrl-C cancels it through the stop token.
    /// </summary>
    internal static class StateWaiter
    {
        /// <summary>
        /// True once the session is in <paramref name="target"/>; false when
        /// <paramref name="seconds"/> pass first (negative: no limit). Throws
        /// OperationCanceledException when <paramref name="stop"/> is
        /// cancelled, OlStateException on olstate's failures
        /// (ProviderNotFound when a bridge host goes away without reconnect).
        /// </summary>
        public static bool Wait(OlStateSession session, ConnectionState target, double seconds, CancellationToken stop) =>
            Finish(session.WaitForStateAsync(target, Limit(seconds), stop));

        /// <summary>
        /// True once the session's Exchange connection mode satisfies
        /// <paramref name="until"/> (the binding's WaitForConnectionAsync, ABI
        /// 1.3); false when <paramref name="seconds"/> pass first. Throws as
        /// <see cref="Wait"/> does.
        /// </summary>
        public static bool WaitForConnection(OlStateSession session, Func<ConnectionMode, bool> until, double seconds,
            CancellationToken stop) =>
            Finish(session.WaitForConnectionAsync(until, Limit(seconds), stop));

        /// <summary>
        /// Asks for the change, then waits for it as <see cref="Wait"/> does
        /// (Busy and other refusals of the change throw OlStateException).
        /// </summary>
        public static bool SetAndWait(OlStateSession session, ConnectionState target, double seconds, CancellationToken stop)
        {
            using var timeout = new CancellationTokenSource();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
            var limit = Limit(seconds);
            if (limit != Timeout.InfiniteTimeSpan) timeout.CancelAfter(limit);
            try
            {
                return Finish(session.SetStateAsync(target, either.Token));
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return false;  // the time ran out, not Ctrl-C
            }
        }

        // Seconds as a wait's limit: the library counts milliseconds in an
        // int, so anything longer (about 24.8 days) is no limit at all.
        private static TimeSpan Limit(double seconds) =>
            seconds < 0 || seconds * 1000 >= int.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);

        private static bool Finish(Task wait)
        {
            try
            {
                wait.GetAwaiter().GetResult();
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }
}
