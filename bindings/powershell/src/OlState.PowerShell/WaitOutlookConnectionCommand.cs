using System;
using System.Linq;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Wait-OutlookConnection: returns once the profile's Exchange connection
    /// mode is one of -Mode (without it: any connected mode, cached or online);
    /// a terminating error (ErrorId OlState.WaitTimeout) when -Timeout passes
    /// first, so a scheduled task's script exits non-zero.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "OutlookConnection")]
    [OutputType(typeof(OutlookConnection))]
    public sealed class WaitOutlookConnectionCommand : OlStateCmdlet
    {
        /// <summary>The modes to wait for; any connected mode (CachedConnectedHeaders to Online) when omitted.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public ConnectionMode[]? Mode { get; set; }

        /// <summary>Seconds to wait at most; no limit when omitted.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public double Timeout { get; set; } = -1;

        /// <summary>Through a bridge: keep waiting while the host is away (Outlook restarting).</summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <summary>Write the connection object once the mode is reached.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var modes = Mode;
            Func<ConnectionMode, bool> until = modes == null ? m => m.IsConnected() : m => modes.Contains(m);
            var wanted = modes == null ? "connected" : string.Join(" or ", modes);
            using var session = OpenSession(Reconnect);
            var profile = session.Info.Profile;
            try
            {
                if (!StateWaiter.WaitForConnection(session, until, Timeout, StopToken))
                    ThrowTerminatingError(new ErrorRecord(
                        new TimeoutException($"Outlook profile '{profile}' was not {wanted} within {Timeout} s"),
                        "OlState.WaitTimeout", ErrorCategory.OperationTimeout, profile));
                if (PassThru) WriteObject(new OutlookConnection(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, profile);
            }
            catch (OperationCanceledException) { }
        }
    }
}
