using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Get-OutlookConnection: the profile's Exchange connection mode, Offline
    /// and accounts, as an object (ABI 1.3). A provider that cannot report
    /// them is the error OlState.NotSupported.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "OutlookConnection")]
    [OutputType(typeof(OutlookConnection))]
    public sealed class GetOutlookConnectionCommand : OlStateCmdlet
    {
        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            using var session = OpenSession();
            try
            {
                WriteObject(new OutlookConnection(session));
            }
            catch (OlStateException e)
            {
                throw Terminate(e, session.Info.Profile);
            }
        }
    }
}
