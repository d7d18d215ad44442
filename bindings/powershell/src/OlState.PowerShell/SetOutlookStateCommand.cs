using System;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>Set-OutlookState: asks Outlook to go online or offline (-WhatIf/-Confirm supported).</summary>
    [Cmdlet(VerbsCommon.Set, "OutlookState", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OutlookState))]
    public sealed class SetOutlookStateCommand : OlStateTargetCmdlet
    {
        /// <summary>Return only once the state is reached.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: seconds to wait at most (default 60).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public double Timeout { get; set; } = 60;

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var target = Target;
            using var session = OpenSession();
            var profile = session.Info.Profile;
            if (!ShouldProcess($"Outlook profile '{profile}'", $"Set the connection state to {target}"))
                return;
            try
            {
                if (Wait)
                {
                    if (!StateWaiter.SetAndWait(session, target, Timeout, StopToken))
                        ThrowTerminatingError(WaitOutlookStateCommand.TimeoutError(target, Timeout, profile));
                }
                else
                {
                    session.SetState(target);
                }
                if (PassThru) WriteObject(new OutlookState(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, profile);
            }
            catch (OperationCanceledException) { }
        }
    }
}
