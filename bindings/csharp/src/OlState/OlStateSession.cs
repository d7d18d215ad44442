using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using OlState.Interop;

namespace OlState
{
    /// <summary>Owns an olstate_session: olstate_close runs exactly once, and
    /// never while a P/Invoke that uses the handle is in progress.</summary>
    internal sealed class SessionHandle : SafeHandle
    {
        public SessionHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        internal void Set(IntPtr h) => SetHandle(h);

        // May run on the finalizer thread for a leaked session; olstate_close
        // then waits only for callbacks already running.
        protected override bool ReleaseHandle()
        {
            NativeMethods.olstate_close(handle);
            return true;
        }
    }

    /// <summary>
    /// An open session on Outlook's offline state (or the simulator's). Thread
    /// safe. Dispose it to stop every subscription: when Dispose returns (from
    /// outside a handler) no handler of this session runs any more on olstate's
    /// threads; with <see cref="OlStateOptions.SynchronizationContext"/>, calls
    /// posted there but not started yet are skipped (so a Dispose on the
    /// context's thread is final).
    /// </summary>
    public sealed unsafe partial class OlStateSession : IDisposable, IAsyncDisposable
    {
        private readonly SessionHandle _handle;
        private readonly bool _reconnect;
        private readonly SynchronizationContext? _context;
        private readonly object _gate = new object();
        private List<Action>? _onClose = new List<Action>();
        private int _disposed;

        static OlStateSession()
        {
            OlStateNative.EnsureLoaded();
        }

        private OlStateSession(SessionHandle handle, OlStateOptions options)
        {
            _handle = handle;
            _reconnect = options.Reconnect;
            _context = options.SynchronizationContext;
        }

        /// <summary>Opens a profile (null: the default profile) with the default provider.</summary>
        public static OlStateSession Open(string? profile = null) => Open(new OlStateOptions { Profile = profile });

        /// <summary>Opens a session as the options say.</summary>
        public static OlStateSession Open(OlStateOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Endpoint != null)
            {
                if (options.Provider != Provider.Bridge)
                    throw new ArgumentException($"an Endpoint needs Provider.Bridge, not Provider.{options.Provider}", nameof(options));
                if (options.ProviderPath != null)
                    throw new ArgumentException("give either a ProviderPath or an Endpoint, not both", nameof(options));
            }
            CheckAbi();
            var profile = NativeMethods.ToUtf8(options.Profile);
            var path = NativeMethods.ToUtf8(options.Endpoint ?? options.ProviderPath);
            uint pollMs = ConnectionPollMs(options.ConnectionPollInterval);
            // A reference of our own for the call; the session takes its own.
            IntPtr application = options.Application == null ? IntPtr.Zero : OutlookApplication.Dispatch(options.Application);
            var handle = new SessionHandle();
            IntPtr raw;
            try
            {
                fixed (byte* p = profile)
                fixed (byte* pp = path)
                {
                    var o = new OpenOptions
                    {
                        StructSize = (uint)sizeof(OpenOptions),
                        Profile = p,
                        Provider = (uint)options.Provider,
                        ProviderPath = pp,
                        Delivery = (uint)options.Delivery,
                        Flags = (options.Reconnect ? NativeMethods.OpenReconnect : 0u) |
                                (options.NoFallback ? NativeMethods.OpenNoFallback : 0u),
                        Application = application,
                        ConnectionPollMs = pollMs,
                    };
                    int r = NativeMethods.olstate_open_ex(&o, &raw);
                    if (r != 0) throw Failure(r);
                    handle.Set(raw);  // owned by the SafeHandle from here
                }
            }
            finally
            {
                if (application != IntPtr.Zero) Marshal.Release(application);
            }
            return new OlStateSession(handle, options);
        }

        // ConnectionPollInterval in whole milliseconds for connection_poll_ms:
        // a fraction rounds up (0.5 ms must not become 0, the default), and
        // anything beyond uint's range saturates so that the library refuses
        // it as out of range (InvalidArgument) like any interval over a day.
        private static uint ConnectionPollMs(TimeSpan interval)
        {
            if (interval < TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(OlStateOptions.ConnectionPollInterval), "ConnectionPollInterval is negative");
            double ms = Math.Ceiling(interval.Ticks / (double)TimeSpan.TicksPerMillisecond);
            return ms >= uint.MaxValue ? uint.MaxValue : (uint)ms;
        }

        /// <summary>The native library's version, e.g. "1.0.0".</summary>
        public static string LibraryVersion
        {
            get { OlStateNative.EnsureLoaded(); return NativeMethods.FromUtf8(NativeMethods.olstate_version_string()); }
        }

        /// <summary>
        /// Facts about the session, read from the library at each call: a
        /// bridge session's profile follows the host it is connected to (also
        /// after <see cref="ChangeKind.ProviderBack"/>); before any host it is
        /// the one asked for, or empty.
        /// </summary>
        public SessionInfo Info
        {
            get
            {
                var native = new Interop.SessionInfo { StructSize = (uint)sizeof(Interop.SessionInfo) };
                bool added = false;
                try
                {
                    // The strings live as long as the session: copy them while it is held.
                    Check(NativeMethods.olstate_get_session_info(Acquire(ref added), &native));
                    return new SessionInfo((Provider)native.Provider, NativeMethods.FromUtf8(native.Profile),
                        NativeMethods.FromUtf8(native.ProviderPath));
                }
                finally { if (added) _handle.DangerousRelease(); }
            }
        }

        /// <summary>The capabilities read at open.</summary>
        public Capabilities Capabilities
        {
            get
            {
                uint v = 0;
                bool added = false;
                try { Check(NativeMethods.olstate_capabilities(Acquire(ref added), &v)); }
                finally { if (added) _handle.DangerousRelease(); }
                return (Capabilities)v;
            }
        }

        /// <summary>The current state.</summary>
        public ConnectionState State
        {
            get
            {
                uint v = 0;
                bool added = false;
                try { Check(NativeMethods.olstate_get_state(Acquire(ref added), &v)); }
                finally { if (added) _handle.DangerousRelease(); }
                return (ConnectionState)v;
            }
        }

        /// <summary>
        /// Asks for a change. With <paramref name="block"/> it returns when the
        /// change is complete (inside an Inline handler that is refused with
        /// <see cref="ResultCode.WouldDeadlock"/>); otherwise once it started.
        /// Throws <see cref="ResultCode.Busy"/> while another change is in flight.
        /// </summary>
        public void SetState(ConnectionState state, bool block = false)
        {
            bool added = false;
            try { Check(NativeMethods.olstate_set_state(Acquire(ref added), (uint)state, block ? 1u : 0u)); }
            finally { if (added) _handle.DangerousRelease(); }
        }

        /// <summary>
        /// Receives exceptions thrown by handlers (they never reach native
        /// code). Without a listener they are written to Trace.
        /// </summary>
        public static event EventHandler<UnhandledCallbackExceptionEventArgs>? UnhandledCallbackException;

        /// <summary>
        /// Closes the session (safe from inside a handler: it does not wait
        /// there). Every later call throws <see cref="ObjectDisposedException"/>;
        /// pending <see cref="WaitForStateAsync(ConnectionState, CancellationToken)"/> /
        /// <see cref="SetStateAsync"/> tasks fail with it; streams from
        /// <see cref="WatchAsync(CancellationToken)"/> end.
        /// </summary>
        public void Dispose()
        {
            List<Action>? closing;
            lock (_gate)
            {
                Volatile.Write(ref _disposed, 1);
                closing = _onClose;
                _onClose = null;
            }
            _handle.Dispose();
            if (closing != null) foreach (var a in closing) a();
        }

        /// <summary>
        /// <see cref="Dispose"/> for <c>await using</c>. It completes at once:
        /// closing waits only for handlers already running on olstate's
        /// threads, never for a SynchronizationContext.
        /// </summary>
        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        /// <summary>Dispose was called.</summary>
        internal bool IsDisposed => Volatile.Read(ref _disposed) == 1;

        internal void Unsubscribe(ulong token)
        {
            bool added = false;
            try
            {
                _handle.DangerousAddRef(ref added);
                NativeMethods.olstate_unsubscribe(_handle.DangerousGetHandle(), token);
            }
            catch (ObjectDisposedException)
            {
                // The session closed first: that stopped the subscription too.
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
        }

        internal static void ReportHandlerException(Exception exception, ConnectionStateChange change)
        {
            try
            {
                var listeners = UnhandledCallbackException;
                if (listeners != null) listeners(null, new UnhandledCallbackExceptionEventArgs(exception, change));
                else Trace.TraceError("olstate: a handler threw: " + exception);
            }
            catch
            {
                // A throwing listener must not reach native code either.
            }
        }

        internal bool AddOnClose(Action a)
        {
            lock (_gate)
            {
                if (_onClose == null) return false;
                _onClose.Add(a);
                return true;
            }
        }

        internal void RemoveOnClose(Action a)
        {
            lock (_gate) _onClose?.Remove(a);
        }

        // Holds the handle for a call (so Dispose cannot close it under the
        // call); the caller releases it in a finally (ReleaseHandleRef).
        internal IntPtr Acquire(ref bool added)
        {
            try
            {
                _handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(OlStateSession), "the olstate session is disposed");
            }
            return _handle.DangerousGetHandle();
        }

        internal void ReleaseHandleRef() => _handle.DangerousRelease();

        // Reads the error on this thread right after the failing call, before
        // anything else can overwrite it.
        internal static void Check(int result)
        {
            if (result != 0) throw Failure(result);
        }

        internal static OlStateException Failure(int code) =>
            new OlStateException((ResultCode)code, NativeMethods.FromUtf8(NativeMethods.olstate_last_error_message()),
                NativeMethods.olstate_last_error_hresult());

        private static int _abiChecked;

        internal static void CheckAbi()
        {
            if (Volatile.Read(ref _abiChecked) == 1) return;
            uint have = NativeMethods.olstate_abi_version();
            uint want = NativeMethods.AbiVersion;
            if (have >> 16 != want >> 16 || (have & 0xFFFF) < (want & 0xFFFF))
                throw new OlStateException(ResultCode.IncompatibleLibrary,
                    $"the olstate library ({OlStateNative.LoadedPath ?? "from the default search"}) has ABI {have >> 16}.{have & 0xFFFF}; " +
                    $"this assembly needs {want >> 16}.{want & 0xFFFF} or a later {want >> 16}.x", 0);
            Volatile.Write(ref _abiChecked, 1);
        }
    }
}
