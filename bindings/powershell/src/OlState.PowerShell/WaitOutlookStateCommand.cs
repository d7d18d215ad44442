using System;
using System.Management.Automation;
using System.Threading;

namespace OlState.PowerShell
{
    /// <summary>
    /// Wait-OutlookState: returns once Outlook is in the state; a terminating
    /// error (ErrorId OlState.WaitTimeout) when -Timeout passes first, so a
    /// scheduled task's script exits non-zero.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "OutlookState")]
    [OutputType(typeof(OutlookState))]
    public sealed class WaitOutlookStateCommand : OlStateCmdlet
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Online or Offline.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateSet("Online", "Offline")]
        public string State { get; set; } = "";

        /// <summary>Seconds to wait at most; no limit when omitted.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public double Timeout { get; set; } = -1;

        /// <summary>Through a bridge: keep waiting while the host is away (Outlook restarting).</summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <summary>Write the state object once reached.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var target = (ConnectionState)Enum.Parse(typeof(ConnectionState), State, ignoreCase: true);
            using var session = OpenSession(Reconnect);
            var profile = session.Info.Profile;
            try
            {
                using var waiter = new StateWaiter(session, target, Reconnect);
                var limit = Timeout < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Timeout);
                if (!waiter.Wait(limit, _stop.Token))
                    ThrowTerminatingError(TimeoutError(target, Timeout, profile));
                if (PassThru) WriteObject(new OutlookState(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, profile);
            }
            catch (OperationCanceledException) { }
        }

        /// <inheritdoc/>
        protected override void StopProcessing() => _stop.Cancel();

        internal static ErrorRecord TimeoutError(ConnectionState target, double seconds, string profile) =>
            new ErrorRecord(new TimeoutException($"Outlook profile '{profile}' did not become {target} within {seconds} s"),
                "OlState.WaitTimeout", ErrorCategory.OperationTimeout, profile);
    }
}
