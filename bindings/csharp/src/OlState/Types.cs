using System;

namespace OlState
{
    /// <summary>Outlook's connection state.</summary>
    public enum ConnectionState : uint
    {
        /// <summary>Working offline.</summary>
        Offline = 1,
        /// <summary>Connected.</summary>
        Online = 2,
    }

    /// <summary>Which states the provider can report and switch to.</summary>
    [Flags]
    public enum Capabilities : uint
    {
        /// <summary>Neither: the provider sends no state notifications.</summary>
        None = 0,
        /// <summary>Offline is supported.</summary>
        Offline = 1,
        /// <summary>Online is supported.</summary>
        Online = 2,
        /// <summary>The session reports Outlook's Exchange connection mode and accounts (ABI 1.3).</summary>
        ConnectionMode = 0x10000,
    }

    /// <summary>
    /// What an event reports: a step of a change, or (bridge sessions) the
    /// host going away and coming back. Values this version does not name are
    /// passed through unchanged (the raw number, e.g. <c>(ChangeKind)0x4242</c>):
    /// treat them as informational, later versions add kinds.
    /// </summary>
    public enum ChangeKind : uint
    {
        /// <summary>A change is about to take place.</summary>
        ChangeStart = 1,
        /// <summary>The change is taking place.</summary>
        Change = 2,
        /// <summary>The change has completed.</summary>
        ChangeDone = 3,
        /// <summary>
        /// Bridge sessions only (ABI 1.1, never dropped): the bridge host went
        /// away (Outlook exited, the add-in unloaded). <see cref="ConnectionStateChange.NewState"/>
        /// is the last state known; calls throw <see cref="ResultCode.ProviderNotFound"/>
        /// until <see cref="ProviderBack"/>.
        /// </summary>
        ProviderLost = 0x100,
        /// <summary>
        /// Bridge sessions opened with <see cref="OlStateOptions.Reconnect"/>
        /// (ABI 1.1, never dropped): reconnected; <see cref="ConnectionStateChange.NewState"/>
        /// is the current state.
        /// </summary>
        ProviderBack = 0x101,
        /// <summary>
        /// Only as the first event of a stream or subscription that asked to
        /// start with the current state (ABI 1.2): <see cref="ConnectionStateChange.OldState"/>
        /// and <see cref="ConnectionStateChange.NewState"/> are the session's
        /// state when it subscribed; every later change follows, in order.
        /// </summary>
        Current = 0x200,
        /// <summary>
        /// The session's Exchange connection mode changed (ABI 1.3, sessions with
        /// <see cref="Capabilities.ConnectionMode"/>): <see cref="ConnectionStateChange.OldMode"/>
        /// and <see cref="ConnectionStateChange.NewMode"/> are the modes before and after.
        /// </summary>
        ConnectionChanged = 0x300,
        /// <summary>
        /// An account was added, removed or changed its mode (ABI 1.3):
        /// <see cref="ConnectionStateChange.OldMode"/> / <see cref="ConnectionStateChange.NewMode"/>
        /// are its mode before and after (<see cref="OlState.ConnectionMode.Unknown"/> on the side
        /// where it did not exist); <see cref="OlStateSession.Accounts"/> reads the list,
        /// which already shows this change (or a later one) when the event arrives.
        /// </summary>
        AccountChanged = 0x301,
    }

    /// <summary>Who answers: Outlook, the simulator, a library, the bridge.</summary>
    public enum Provider : uint
    {
        /// <summary>Outlook inside OUTLOOK.EXE on Windows; the simulator elsewhere.</summary>
        Auto = 0,
        /// <summary>Outlook's MAPI DLL (only inside OUTLOOK.EXE).</summary>
        Outlook = 1,
        /// <summary>olstate's simulator, next to the native library.</summary>
        Simulator = 2,
        /// <summary>The library at <see cref="OlStateOptions.ProviderPath"/>.</summary>
        Library = 3,
        /// <summary>
        /// The olstate bridge, reached from another process than Outlook: the
        /// current user's endpoint, or <see cref="OlStateOptions.Endpoint"/>.
        /// Opening throws <see cref="ResultCode.ProviderNotFound"/> when no
        /// bridge serves it, unless <see cref="OlStateOptions.Reconnect"/> is
        /// set. A host publishes a session with <see cref="OlStateBridge.Start"/>.
        /// </summary>
        Bridge = 4,
        /// <summary>
        /// Windows (ABI 1.3): a running Outlook read from outside through its
        /// object model, read-only, no add-in needed. <see cref="Auto"/> outside
        /// OUTLOOK.EXE falls back to it when no bridge runs. Elsewhere opening
        /// throws <see cref="ResultCode.NotSupported"/>.
        /// </summary>
        ObjectModel = 5,
    }

    /// <summary>The thread handlers run on.</summary>
    public enum Delivery : uint
    {
        /// <summary>One olstate thread per session, one handler call at a time, in order.</summary>
        Queued = 0,
        /// <summary>The provider's notification thread: lowest latency, possibly concurrent.</summary>
        Inline = 1,
    }

    /// <summary>olstate's result codes.</summary>
    public enum ResultCode
    {
        /// <summary>Success.</summary>
        Ok = 0,
        /// <summary>A bad argument.</summary>
        InvalidArgument = -1,
        /// <summary>A closed session or unknown subscription.</summary>
        InvalidHandle = -2,
        /// <summary>No provider library could be found or loaded.</summary>
        ProviderNotFound = -3,
        /// <summary>The profile does not exist.</summary>
        ProfileNotFound = -4,
        /// <summary>Not supported by this provider or platform.</summary>
        NotSupported = -5,
        /// <summary>A state change is still in progress.</summary>
        Busy = -6,
        /// <summary>The provider failed; see the HRESULT.</summary>
        ProviderFailed = -7,
        /// <summary>Out of memory.</summary>
        OutOfMemory = -8,
        /// <summary>A bug in olstate.</summary>
        Internal = -9,
        /// <summary>The Outlook provider was asked for outside Outlook.</summary>
        NotInOutlook = -10,
        /// <summary>A blocking call on the provider's notification thread.</summary>
        WouldDeadlock = -11,
        /// <summary>The time given to a wait ran out (since ABI 1.2).</summary>
        Timeout = -12,
        /// <summary>The native library's ABI does not fit this assembly.</summary>
        IncompatibleLibrary = -1000,
    }

    /// <summary>A failure reported by olstate.</summary>
    public sealed class OlStateException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public OlStateException(ResultCode code, string message, int nativeHResult)
            : base(message)
        {
            Code = code;
            NativeHResult = nativeHResult;
        }

        /// <summary>olstate's result code.</summary>
        public ResultCode Code { get; }

        /// <summary>The HRESULT Outlook (or the simulator) returned, 0 if none.</summary>
        public int NativeHResult { get; }
    }

    /// <summary>
    /// One event: a step of a state change, the host of a bridge session going
    /// or coming back, or (ABI 1.3) a change of the Exchange connection mode or
    /// of an account.
    /// </summary>
    public sealed class ConnectionStateChange
    {
        internal ConnectionStateChange(ChangeKind kind, ConnectionState oldState, ConnectionState newState,
            ConnectionMode? oldMode, ConnectionMode? newMode,
            ulong subscription, ulong sequence, bool dropped, DateTimeOffset time)
        {
            Kind = kind;
            OldState = oldState;
            NewState = newState;
            OldMode = oldMode;
            NewMode = newMode;
            Subscription = subscription;
            Sequence = sequence;
            Dropped = dropped;
            Time = time;
        }

        /// <summary>Copies olstate's event fields; unknown kinds and states pass through as their numbers.</summary>
        /// <remarks>The connection kinds carry modes in the event's state fields: they become
        /// OldMode/NewMode, and their OldState/NewState are 0 (no online/offline state).</remarks>
        internal static ConnectionStateChange FromNative(uint kind, uint oldState, uint newState, ulong subscription,
            ulong sequence, uint flags, ulong notifyTimeUs)
        {
            bool modes = IsConnectionKind((ChangeKind)kind);
            return new ConnectionStateChange((ChangeKind)kind,
                modes ? default : (ConnectionState)oldState, modes ? default : (ConnectionState)newState,
                modes ? (ConnectionMode)oldState : null, modes ? (ConnectionMode)newState : null,
                subscription, sequence, (flags & Interop.NativeMethods.EventFlagDropped) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds((long)(notifyTimeUs / 1000)).AddTicks((long)(notifyTimeUs % 1000) * 10));
        }

        private static bool IsConnectionKind(ChangeKind kind) =>
            kind == ChangeKind.ConnectionChanged || kind == ChangeKind.AccountChanged;

        /// <summary>What the event reports.</summary>
        public ChangeKind Kind { get; }
        /// <summary>The state before the change (0 for <see cref="ChangeKind.ConnectionChanged"/> and
        /// <see cref="ChangeKind.AccountChanged"/>, which carry <see cref="OldMode"/> instead).</summary>
        public ConnectionState OldState { get; }
        /// <summary>The state after the change (0 for the connection kinds, which carry <see cref="NewMode"/>).</summary>
        public ConnectionState NewState { get; }
        /// <summary>For <see cref="ChangeKind.ConnectionChanged"/> and <see cref="ChangeKind.AccountChanged"/>
        /// (ABI 1.3): the mode before the change; null for the other kinds.</summary>
        public ConnectionMode? OldMode { get; }
        /// <summary>For the connection kinds: the mode after the change; null for the other kinds.</summary>
        public ConnectionMode? NewMode { get; }
        /// <summary>The native subscription this was delivered to.</summary>
        public ulong Subscription { get; }
        /// <summary>Per session: 1, 2, 3...; a gap means events were dropped.</summary>
        public ulong Sequence { get; }
        /// <summary>Events were dropped before this one (queue overflow).</summary>
        public bool Dropped { get; }
        /// <summary>When the provider's notification reached olstate.</summary>
        public DateTimeOffset Time { get; }

        /// <inheritdoc />
        public override string ToString() => OldMode.HasValue
            ? $"#{Sequence} {Kind} {OldMode} -> {NewMode}"
            : $"#{Sequence} {Kind} {OldState} -> {NewState}";
    }

    /// <summary>Arguments of <see cref="OlStateSession.StateChanged"/>.</summary>
    public sealed class ConnectionStateChangedEventArgs : EventArgs
    {
        internal ConnectionStateChangedEventArgs(ConnectionStateChange change) => Change = change;

        /// <summary>The event.</summary>
        public ConnectionStateChange Change { get; }
    }

    /// <summary>Arguments of <see cref="OlStateSession.UnhandledCallbackException"/>.</summary>
    public sealed class UnhandledCallbackExceptionEventArgs : EventArgs
    {
        internal UnhandledCallbackExceptionEventArgs(Exception exception, ConnectionStateChange change)
        {
            Exception = exception;
            Change = change;
        }

        /// <summary>What a handler threw.</summary>
        public Exception Exception { get; }
        /// <summary>The event being handled.</summary>
        public ConnectionStateChange Change { get; }
    }

    /// <summary>How to open a session.</summary>
    public sealed class OlStateOptions
    {
        /// <summary>The MAPI profile; null for the default profile. Inside Outlook, pass Namespace.CurrentProfileName.</summary>
        public string? Profile { get; set; }
        /// <summary>Who answers (default Auto).</summary>
        public Provider Provider { get; set; } = Provider.Auto;
        /// <summary>Full path of a provider library, with <see cref="OlState.Provider.Library"/>.</summary>
        public string? ProviderPath { get; set; }
        /// <summary>Where handlers run (default Queued).</summary>
        public Delivery Delivery { get; set; } = Delivery.Queued;
        /// <summary>
        /// With <see cref="OlState.Provider.Bridge"/>: the endpoint to connect to
        /// (a pipe name on Windows, a socket path elsewhere, as
        /// <see cref="OlStateBridge.Endpoint"/> reports it); null for the current
        /// user's. Given with another provider, or together with
        /// <see cref="ProviderPath"/>, Open throws <see cref="ArgumentException"/>.
        /// </summary>
        public string? Endpoint { get; set; }
        /// <summary>
        /// With <see cref="OlState.Provider.Bridge"/>: keep reconnecting, with
        /// backoff, whenever the bridge host is gone - also at open, which then
        /// succeeds before any host runs. Handlers get
        /// <see cref="ChangeKind.ProviderLost"/> when the host goes away and
        /// <see cref="ChangeKind.ProviderBack"/> (with the current state) when a
        /// host serves the endpoint again; calls in between throw
        /// <see cref="ResultCode.ProviderNotFound"/>. Without it (the default) a
        /// lost host is final for the session. Other providers refuse it
        /// (<see cref="ResultCode.InvalidArgument"/>).
        /// </summary>
        public bool Reconnect { get; set; }
        /// <summary>
        /// Where handlers and the completions of the session's Tasks run: null
        /// (the default) for olstate's threads (see <see cref="Delivery"/>);
        /// give <c>SynchronizationContext.Current</c> on a UI thread (an
        /// add-in's, a WinForms or WPF window's) to have every
        /// <see cref="OlStateSession.StateChanged"/> handler, every
        /// <see cref="OlStateSession.Subscribe(Action{ConnectionStateChange})"/> handler and every continuation of
        /// <see cref="OlStateSession.SetStateAsync"/> /
        /// <see cref="OlStateSession.WaitForStateAsync(ConnectionState, System.Threading.CancellationToken)"/>
        /// posted there, in order. olstate's threads never wait for the context.
        /// </summary>
        public System.Threading.SynchronizationContext? SynchronizationContext { get; set; }
        /// <summary>
        /// Inside Outlook (a VSTO or COM add-in, Windows): Outlook's
        /// <c>Application</c> object (VSTO: <c>Globals.ThisAddIn.Application</c>).
        /// The session then reads Outlook's Exchange connection mode and
        /// accounts from the object model, on the thread that opens it -
        /// which must be Outlook's main thread (open it in
        /// <c>ThisAddIn_Startup</c>) - and keeps a reference until it is
        /// disposed. Null (the default): no object model. Elsewhere than
        /// Windows, Open throws <see cref="PlatformNotSupportedException"/>.
        /// </summary>
        public object? Application { get; set; }
        /// <summary>
        /// The time between two reads of Outlook's object model (100 ms to one
        /// day; a fraction of a millisecond counts as a whole one):
        /// <see cref="TimeSpan.Zero"/> (the default) for the library's default,
        /// 5 s. It is for a session that reads the object model: one opened
        /// with <see cref="Application"/>, with
        /// <see cref="OlState.Provider.ObjectModel"/>, or with
        /// <see cref="OlState.Provider.Auto"/> (used when Auto falls back to
        /// the object model; on Linux Auto is the simulator, which ignores
        /// it). Other providers, and an interval out of range, throw
        /// <see cref="ResultCode.InvalidArgument"/>; a negative one throws
        /// <see cref="ArgumentOutOfRangeException"/>.
        /// </summary>
        public TimeSpan ConnectionPollInterval { get; set; }
        /// <summary>
        /// With <see cref="OlState.Provider.Auto"/> in a program outside Outlook
        /// (Windows): the bridge alone, never the fallback to
        /// <see cref="OlState.Provider.ObjectModel"/> when no bridge host
        /// answers (then Open throws <see cref="ResultCode.ProviderNotFound"/>,
        /// or waits for a host with <see cref="Reconnect"/>). Inside Outlook
        /// and on Linux, Auto has no fallback and ignores it. Other providers
        /// throw <see cref="ResultCode.InvalidArgument"/>.
        /// </summary>
        public bool NoFallback { get; set; }
    }

    /// <summary>
    /// How an <see cref="OlStateBridge"/> serves its clients. The defaults are
    /// least privilege: clients may read the state and follow its events but
    /// not change it, at most 16 clients, 64 events queued per client, on the
    /// current user's endpoint.
    /// </summary>
    public sealed class OlStateBridgeOptions
    {
        private int _maxClients, _queueLength;

        /// <summary>Clients may change the state (default false: their SetState throws <see cref="ResultCode.NotSupported"/>).</summary>
        public bool AllowSetState { get; set; }

        /// <summary>Clients connected at once at most (1 to 1024; more are refused); 0 for the default (16).</summary>
        public int MaxClients
        {
            get => _maxClients;
            set => _maxClients = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        /// <summary>Events held per client before the oldest is dropped (at most 65536); 0 for the default (64).</summary>
        public int QueueLength
        {
            get => _queueLength;
            set => _queueLength = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        /// <summary>
        /// Where to serve: a pipe name on Windows, an absolute socket path
        /// elsewhere (its folder is created 0700 if missing and must be owned by
        /// the user and closed to others);
        /// null for the current user's endpoint, which clients find without
        /// <see cref="OlStateOptions.Endpoint"/>.
        /// </summary>
        public string? Endpoint { get; set; }
    }

    /// <summary>Facts about an open session.</summary>
    public sealed class SessionInfo
    {
        internal SessionInfo(Provider provider, string profile, string providerPath)
        {
            Provider = provider;
            Profile = profile;
            ProviderPath = providerPath;
        }

        /// <summary>The resolved provider (never Auto).</summary>
        public Provider Provider { get; }
        /// <summary>The profile used.</summary>
        public string Profile { get; }
        /// <summary>The provider library actually loaded; the endpoint for <see cref="OlState.Provider.Bridge"/>.</summary>
        public string ProviderPath { get; }
    }
}
