using System;
using System.Management.Automation;
using System.Threading;

namespace OlState.PowerShell
{
    /// <summary>
    /// What every OlState cmdlet shares: which Outlook to talk to (profile,
    /// provider, bridge endpoint), opening a session, and turning olstate's
    /// failures into PowerShell errors.
    /// </summary>
    public abstract class OlStateCmdlet : PSCmdlet
    {
        /// <summary>The MAPI profile; the default profile when omitted.</summary>
        [Parameter]
        [Alias("ProfileName")]
        [ValidateNotNullOrEmpty]
        public string? Profile { get; set; }

        /// <summary>Auto, Outlook, Simulator, Bridge or ObjectModel (Auto when omitted; Bridge with -Endpoint).</summary>
        [Parameter]
        [ValidateSet("Auto", "Outlook", "Simulator", "Bridge", "ObjectModel")]
        public string? Provider { get; set; }

        /// <summary>With -Provider Auto: the bridge alone, no fallback to ObjectModel when no bridge host answers.</summary>
        [Parameter]
        public SwitchParameter NoFallback { get; set; }

        /// <summary>
        /// Seconds between two reads of Outlook's object model by ObjectModel
        /// or Auto's fallback to it (0.1 to 86400; 0, the default: 5 s). The
        /// library checks the range and the provider (OlState.InvalidArgument).
        /// </summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public double ConnectionPollInterval { get; set; }

        /// <summary>The bridge endpoint to use (a socket path, a pipe name); implies -Provider Bridge.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled by Ctrl-C (StopProcessing): what every wait observes.</summary>
        internal CancellationToken StopToken => _stopping.Token;

        /// <inheritdoc/>
        protected override void StopProcessing() => _stopping.Cancel();

        internal OlStateSession OpenSession(bool reconnect = false)
        {
            var provider = Provider == null
                ? (Endpoint != null ? OlState.Provider.Bridge : OlState.Provider.Auto)
                : (OlState.Provider)Enum.Parse(typeof(OlState.Provider), Provider, ignoreCase: true);
            if (Endpoint != null && provider != OlState.Provider.Bridge)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Endpoint goes with -Provider Bridge"),
                    "OlState.EndpointWithoutBridge", ErrorCategory.InvalidArgument, Endpoint));
            try
            {
                return OlStateSession.Open(new OlStateOptions
                {
                    Profile = Profile,
                    Provider = provider,
                    Endpoint = Endpoint,
                    Reconnect = reconnect,
                    NoFallback = NoFallback,
                    ConnectionPollInterval = TimeSpan.FromTicks((long)Math.Round(ConnectionPollInterval * TimeSpan.TicksPerSecond)),
                });
            }
            catch (Exception e) when (e is OlStateException || e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                throw Terminate(e, Profile ?? "(default profile)");
            }
        }

        /// <summary>
        /// Subscribes <paramref name="handler"/>; with <paramref name="currentFirst"/>
        /// its first event is a Current one carrying the state now (ABI 1.2),
        /// ordered before every change. A reconnecting bridge session whose
        /// host is not there yet has no state to give: it is followed from the
        /// ProviderBack that carries the state instead of failing. Other
        /// failures are terminating errors.
        /// </summary>
        internal IDisposable Follow(OlStateSession session, Action<ConnectionStateChange> handler, bool currentFirst, bool reconnect)
        {
            try
            {
                try
                {
                    return session.Subscribe(handler, currentFirst);
                }
                catch (OlStateException e) when (currentFirst && reconnect && e.Code == ResultCode.ProviderNotFound)
                {
                    return session.Subscribe(handler, startWithCurrentState: false);
                }
            }
            catch (OlStateException e)
            {
                throw Terminate(e, Profile ?? "(default profile)");
            }
        }

        /// <summary>A terminating error for olstate's failure: ErrorId OlState.&lt;Code&gt;.</summary>
        internal Exception Terminate(Exception e, object? target)
        {
            ThrowTerminatingError(ToErrorRecord(e, target));
            return e;  // not reached: ThrowTerminatingError throws
        }

        internal static ErrorRecord ToErrorRecord(Exception e, object? target)
        {
            if (e is OlStateException o)
                return new ErrorRecord(o, "OlState." + o.Code, Category(o.Code), target);
            return new ErrorRecord(e, "OlState.NativeLibraryNotFound", ErrorCategory.ResourceUnavailable, target);
        }

        private static ErrorCategory Category(ResultCode code) => code switch
        {
            ResultCode.InvalidArgument => ErrorCategory.InvalidArgument,
            ResultCode.ProviderNotFound => ErrorCategory.ResourceUnavailable,
            ResultCode.ProfileNotFound => ErrorCategory.ObjectNotFound,
            ResultCode.NotSupported => ErrorCategory.NotImplemented,
            ResultCode.NotInOutlook => ErrorCategory.NotImplemented,
            ResultCode.Busy => ErrorCategory.ResourceBusy,
            ResultCode.WouldDeadlock => ErrorCategory.DeadlockDetected,
            ResultCode.IncompatibleLibrary => ErrorCategory.InvalidData,
            _ => ErrorCategory.NotSpecified,
        };
    }

    /// <summary>The cmdlets that name a target state (Set-, Wait-OutlookState).</summary>
    public abstract class OlStateTargetCmdlet : OlStateCmdlet
    {
        /// <summary>Online or Offline.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateSet("Online", "Offline")]
        public string State { get; set; } = "";

        /// <summary>Write the resulting state object.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        internal ConnectionState Target => (ConnectionState)Enum.Parse(typeof(ConnectionState), State, ignoreCase: true);
    }
}
