using System;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Wait-OutlookState: returns once Outlook is in the state; a terminating
    /// error (ErrorId OlState.WaitTimeout) when -Timeout passes first, so a
    /// scheduled task's script exits non-zero.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "OutlookState")]
    [OutputType(typeof(OutlookState))]
    public sealed class WaitOutlookStateCommand : OlStateTargetCmdlet
    {
        /// <summary>Seconds to wait at most; no limit when omitted.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public double Timeout { get; set; } = -1;

        /// <summary>Through a bridge: keep waiting while the host is away (Outlook restarting).</summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var target = Target;
            using var session = OpenSession(Reconnect);
            var profile = session.Info.Profile;
            try
            {
                if (!StateWaiter.Wait(session, target, Timeout, StopToken))
                    ThrowTerminatingError(TimeoutError(target, Timeout, profile));
                if (PassThru) WriteObject(new OutlookState(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, profile);
            }
            catch (OperationCanceledException) { }
        }

        internal static ErrorRecord TimeoutError(ConnectionState target, double seconds, string profile) =>
            new ErrorRecord(new TimeoutException($"Outlook profile '{profile}' did not become {target} within {seconds} s"),
                "OlState.WaitTimeout", ErrorCategory.OperationTimeout, profile);
    }
}
