using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>Get-OutlookState: the state, capabilities, profile and provider, as an object.</summary>
    [Cmdlet(VerbsCommon.Get, "OutlookState")]
    [OutputType(typeof(OutlookState))]
    public sealed class GetOutlookStateCommand : OlStateCmdlet
    {
        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            using var session = OpenSession();
            try
            {
                WriteObject(new OutlookState(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, session.Info.Profile);
            }
        }
    }
}
