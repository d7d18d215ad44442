using System;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Get-OutlookKind: which Outlook this user has (classic or the new one;
    /// installed, running, chosen), without opening a session.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "OutlookKind")]
    [OutputType(typeof(OutlookDetection))]
    public sealed class GetOutlookKindCommand : PSCmdlet
    {
        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                WriteObject(OutlookDetection.Detect());
            }
            catch (Exception e) when (e is OlStateException || e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "OlState.DetectFailed", ErrorCategory.NotSpecified, null));
            }
        }
    }
}
