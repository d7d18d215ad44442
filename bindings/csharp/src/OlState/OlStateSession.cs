using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Channels;
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
    /// outside a handler) no handler of this session runs any more.
    /// </summary>
    public sealed unsafe class OlStateSession : IDisposable
    {
        private readonly SessionHandle _handle;
        private readonly SessionInfo _info;
        private readonly object _gate = new object();
        private EventHandler<ConnectionStateChangedEventArgs>? _stateChanged;
        private IDisposable? _stateChangedSubscription;
        private List<Action>? _onClose = new List<Action>();

        static OlStateSession()
        {
            OlStateNative.EnsureLoaded();
        }

        private OlStateSession(SessionHandle handle, SessionInfo info)
        {
            _handle = handle;
            _info = info;
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
            var handle = new SessionHandle();
            IntPtr raw;
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
                    Flags = options.Reconnect ? NativeMethods.OpenReconnect : 0u,
                };
                int r = NativeMethods.olstate_open_ex(&o, &raw);
                if (r != 0) throw Failure(r);
                handle.Set(raw);  // owned by the SafeHandle from here
            }
            SessionInfo info;
            var native = new Interop.SessionInfo { StructSize = (uint)sizeof(Interop.SessionInfo) };
            int ri = NativeMethods.olstate_get_session_info(raw, &native);
            if (ri != 0)
            {
                var e = Failure(ri);
                handle.Dispose();
                throw e;
            }
            info = new SessionInfo((Provider)native.Provider, NativeMethods.FromUtf8(native.Profile),
                NativeMethods.FromUtf8(native.ProviderPath));
            return new OlStateSession(handle, info);
        }

        /// <summary>The native library's version, e.g. "1.0.0".</summary>
        public static string LibraryVersion
        {
            get { OlStateNative.EnsureLoaded(); return NativeMethods.FromUtf8(NativeMethods.olstate_version_string()); }
        }

        /// <summary>Facts about the session (copied at open: they never change).</summary>
        public SessionInfo Info => _info;

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
        /// Calls <paramref name="handler"/> for every event of this session.
        /// Dispose the result to stop: once that returns (outside a handler),
        /// the handler is not running and never runs again. With Inline
        /// delivery calls may overlap; the handler must be thread safe then.
        /// </summary>
        public IDisposable Subscribe(Action<ConnectionStateChange> handler)
        {
            if (handler == null) throw new ArgumentNullException(nameof(handler));
            var subscriber = new Subscriber(handler);
            var context = GCHandle.ToIntPtr(GCHandle.Alloc(subscriber));
            ulong token = 0;
            bool added = false;
            try
            {
                IntPtr h;
                try
                {
                    h = Acquire(ref added);
                }
                catch
                {
                    GCHandle.FromIntPtr(context).Free();  // never reached olstate
                    throw;
                }
                // olstate owns the GCHandle from here: on failure its release ran.
                Check(NativeMethods.olstate_subscribe(h, Callbacks.EventPointer, context, Callbacks.ReleasePointer, &token));
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
            return new Subscription(this, token, subscriber);
        }

        /// <summary>Raised for every event (one native subscription serves all handlers).</summary>
        public event EventHandler<ConnectionStateChangedEventArgs> StateChanged
        {
            add
            {
                lock (_gate)
                {
                    _stateChanged += value;
                    _stateChangedSubscription ??= Subscribe(c =>
                        Volatile.Read(ref _stateChanged)?.Invoke(this, new ConnectionStateChangedEventArgs(c)));
                }
            }
            remove
            {
                lock (_gate) _stateChanged -= value;
            }
        }

        /// <summary>
        /// The session's events as an async stream. It ends when the session is
        /// disposed, and throws <see cref="OperationCanceledException"/> when
        /// <paramref name="cancellationToken"/> is cancelled.
        /// </summary>
        public async IAsyncEnumerable<ConnectionStateChange> WatchAsync(
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var channel = Channel.CreateUnbounded<ConnectionStateChange>(
                new UnboundedChannelOptions { SingleReader = true });
            Action complete = () => channel.Writer.TryComplete();
            if (!AddOnClose(complete)) yield break;
            try
            {
                using (Subscribe(c => channel.Writer.TryWrite(c)))
                {
                    while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        while (channel.Reader.TryRead(out var change)) yield return change;
                    }
                }
            }
            finally
            {
                RemoveOnClose(complete);
            }
        }

        /// <summary>
        /// Receives exceptions thrown by handlers (they never reach native
        /// code). Without a listener they are written to Trace.
        /// </summary>
        public static event EventHandler<UnhandledCallbackExceptionEventArgs>? UnhandledCallbackException;

        /// <summary>Closes the session (safe from inside a handler: it does not wait there).</summary>
        public void Dispose()
        {
            List<Action>? closing;
            lock (_gate)
            {
                closing = _onClose;
                _onClose = null;
            }
            _handle.Dispose();
            if (closing != null) foreach (var a in closing) a();
        }

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

        private bool AddOnClose(Action a)
        {
            lock (_gate)
            {
                if (_onClose == null) return false;
                _onClose.Add(a);
                return true;
            }
        }

        private void RemoveOnClose(Action a)
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
                throw new OlStateException(ResultCode.InvalidHandle, "the session is disposed", 0);
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

        private sealed class Subscription : IDisposable
        {
            private readonly OlStateSession _session;
            private readonly ulong _token;
            private int _disposed;

            public Subscription(OlStateSession session, ulong token, Subscriber subscriber)
            {
                _session = session;
                _token = token;
                Subscriber = subscriber;
            }

            internal Subscriber Subscriber { get; }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0) _session.Unsubscribe(_token);
            }
        }
    }

    /// <summary>What a native subscription's context points to (through a GCHandle).</summary>
    internal sealed class Subscriber
    {
        private readonly Action<ConnectionStateChange> _handler;

        public Subscriber(Action<ConnectionStateChange> handler) => _handler = handler;

        public void Invoke(ConnectionStateChange change)
        {
            try
            {
                _handler(change);
            }
            catch (Exception e)
            {
                OlStateSession.ReportHandlerException(e, change);
            }
        }
    }
}
