using System;
using System.Management.Automation;

namespace OlState.PowerShell
{
    /// <summary>
    /// Register-OutlookStateEvent: like Register-ObjectEvent for Outlook's
    /// state. -Action runs for each event with $Event, $EventArgs (an
    /// OutlookStateEventArgs) and $Event.MessageData; without -Action events
    /// queue for Wait-Event/Get-Event. Unregister-Event (or closing the
    /// PowerShell session) closes the olstate session.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "OutlookStateEvent")]
    [OutputType(typeof(PSEventJob))]
    public sealed class RegisterOutlookStateEventCommand : OlStateCmdlet
    {
        /// <summary>The name of the subscription (Get-EventSubscriber, Unregister-Event); a GUID when omitted.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? SourceIdentifier { get; set; }

        /// <summary>The script block to run for each event.</summary>
        [Parameter(Position = 1)]
        public ScriptBlock? Action { get; set; }

        /// <summary>Data passed to the action as $Event.MessageData.</summary>
        [Parameter]
        public PSObject? MessageData { get; set; }

        /// <summary>Through a bridge: wait for the host and survive Outlook restarts.</summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <summary>Start with a Current event carrying the state now, then every change (none lost in between).</summary>
        [Parameter]
        public SwitchParameter IncludeCurrentState { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var session = OpenSession(Reconnect);
            var source = new OutlookStateEventSource(session);
            PSEventSubscriber subscriber;
            try
            {
                // The event manager first, then olstate: a Current event
                // (delivered at once) finds PowerShell's handler in place.
                subscriber = Events.SubscribeEvent(source, nameof(OutlookStateEventSource.StateChanged),
                    SourceIdentifier ?? Guid.NewGuid().ToString(), MessageData, Action,
                    supportEvent: false, forwardEvent: false);
            }
            catch
            {
                source.Dispose();
                throw;
            }
            try
            {
                source.Start(Follow(session, source.Raise, IncludeCurrentState, Reconnect));
            }
            catch
            {
                Events.UnsubscribeEvent(subscriber);
                source.Dispose();
                throw;
            }
            // Closing the session when the subscriber goes (Unregister-Event, Remove-Job, runspace end).
            subscriber.Unsubscribed += (_, _) => source.Dispose();
            if (Action != null) WriteObject(subscriber.Action);
        }
    }

    /// <summary>The object whose StateChanged event Register-OutlookStateEvent subscribes to.</summary>
    public sealed class OutlookStateEventSource : IDisposable
    {
        private readonly OlStateSession _session;
        private IDisposable? _subscription;

        internal OutlookStateEventSource(OlStateSession session)
        {
            _session = session;
            Profile = session.Info.Profile;
        }

        // Once PowerShell listens to StateChanged: the olstate subscription feeding it.
        internal void Start(IDisposable subscription) => _subscription = subscription;

        internal void Raise(ConnectionStateChange c) => StateChanged?.Invoke(this, new OutlookStateEventArgs(c));

        /// <summary>The profile followed.</summary>
        public string Profile { get; }

        /// <summary>Raised on olstate's thread; PowerShell's event manager queues it to the runspace.</summary>
        public event EventHandler<OutlookStateEventArgs>? StateChanged;

        /// <summary>Ends the subscription and closes the session.</summary>
        public void Dispose()
        {
            _subscription?.Dispose();
            _session.Dispose();
        }
    }

    /// <summary>$EventArgs of an Outlook state event.</summary>
    public sealed class OutlookStateEventArgs : EventArgs
    {
        internal OutlookStateEventArgs(ConnectionStateChange change) => Change = change;

        /// <summary>The whole event.</summary>
        public ConnectionStateChange Change { get; }
        /// <summary>ChangeStart, Change, ChangeDone, ProviderLost, ProviderBack, ConnectionChanged, AccountChanged; Current first with -IncludeCurrentState.</summary>
        public ChangeKind Kind => Change.Kind;
        /// <summary>The state before.</summary>
        public ConnectionState OldState => Change.OldState;
        /// <summary>The state after.</summary>
        public ConnectionState NewState => Change.NewState;
        /// <summary>ConnectionChanged and AccountChanged (ABI 1.3): the Exchange connection mode before; otherwise null.</summary>
        public ConnectionMode? OldMode => Change.OldMode;
        /// <summary>ConnectionChanged and AccountChanged: the mode after; otherwise null.</summary>
        public ConnectionMode? NewMode => Change.NewMode;
        /// <summary>Per session: 1, 2, ... (a gap means events were dropped).</summary>
        public ulong Sequence => Change.Sequence;
        /// <summary>When olstate received it.</summary>
        public DateTimeOffset Time => Change.Time;
    }
}
