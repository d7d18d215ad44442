using System;
using System.Collections.Concurrent;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Watch-OutlookState: writes one object per event to the pipeline as it
    /// happens (with -IncludeCurrentState a Current object first), until Ctrl-C, -Count events, or (without -Reconnect) a bridge
    /// host going away.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "OutlookState")]
    [OutputType(typeof(ConnectionStateChange))]
    public sealed class WatchOutlookStateCommand : OlStateCmdlet
    {
        /// <summary>Stop after this many events.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Through a bridge: wait for the host and survive Outlook restarts (ProviderLost/ProviderBack events).</summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <summary>Start with a Current object carrying the state now, then every change (none lost in between).</summary>
        [Parameter]
        public SwitchParameter IncludeCurrentState { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            using var session = OpenSession(Reconnect);
            // Events arrive on olstate's thread; only this (the pipeline's) thread may write.
            using var queue = new BlockingCollection<ConnectionStateChange>();
            using (Follow(session, c => queue.Add(c), IncludeCurrentState, Reconnect))
            {
                int written = 0;
                try
                {
                    while (Count == 0 || written < Count)
                    {
                        var change = queue.Take(StopToken);
                        WriteObject(change);
                        written++;
                        if (change.Kind == ChangeKind.ProviderLost && !Reconnect) break;
                    }
                }
                catch (OperationCanceledException) { }
            }
        }
    }
}
