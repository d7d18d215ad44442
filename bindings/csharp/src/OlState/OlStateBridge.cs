using System;
using System.Runtime.InteropServices;
using System.Threading;
using OlState.Interop;

namespace OlState
{
    /// <summary>Owns an olstate_bridge: olstate_bridge_stop runs exactly once
    /// (by <see cref="OlStateBridge.Stop"/>, Dispose or the finalizer), and
    /// never while a P/Invoke that uses the handle is in progress.</summary>
    internal sealed class BridgeHandle : SafeHandle
    {
        public BridgeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        internal void Set(IntPtr h) => SetHandle(h);

        protected override bool ReleaseHandle() => NativeMethods.olstate_bridge_stop(handle) == 0;
    }

    /// <summary>
    /// Publishes an open session to other processes of the same user, which
    /// open it with <see cref="Provider.Bridge"/>: on a named pipe (Windows) or
    /// a Unix socket that only the current user can reach. The usual host is an
    /// add-in inside Outlook publishing its Outlook-provider session:
    /// <code>
    /// _session = OlStateSession.Open(new OlStateOptions { Profile = Application.Session.CurrentProfileName });
    /// _bridge = OlStateBridge.Start(_session);            // read-only for clients
    /// ...
    /// _bridge.Dispose(); _session.Dispose();              // on shutdown
    /// </code>
    /// Thread safe. Stopping it (<see cref="Stop"/> or Dispose) disconnects every
    /// client, which then gets <see cref="ChangeKind.ProviderLost"/>. Never stop
    /// it from inside a handler of the bridged session. The session must stay
    /// open while the bridge runs; disposing it first disconnects every client.
    /// </summary>
    public sealed unsafe class OlStateBridge : IDisposable
    {
        private readonly BridgeHandle _handle;
        private int _stopping;  // 1 while a Stop is in progress or after one succeeded

        private OlStateBridge(BridgeHandle handle, OlStateSession session, string endpoint)
        {
            _handle = handle;
            Session = session;
            Endpoint = endpoint;
        }

        /// <summary>The session the bridge publishes (kept alive by the bridge).</summary>
        public OlStateSession Session { get; }

        /// <summary>
        /// The endpoint the bridge serves: what a client sets as
        /// <see cref="OlStateOptions.Endpoint"/> (not needed for the default one).
        /// </summary>
        public string Endpoint { get; }

        /// <summary>
        /// Publishes <paramref name="session"/> as <paramref name="options"/> say
        /// (null: the defaults). Throws <see cref="ObjectDisposedException"/> when
        /// the session is disposed, <see cref="OlStateException"/> with
        /// <see cref="ResultCode.InvalidArgument"/>, <see cref="ResultCode.Busy"/>
        /// (another bridge serves that endpoint) or
        /// <see cref="ResultCode.ProviderFailed"/> (the endpoint could not be
        /// created; the message says why).
        /// </summary>
        public static OlStateBridge Start(OlStateSession session, OlStateBridgeOptions? options = null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            options ??= new OlStateBridgeOptions();
            OlStateSession.CheckAbi();
            var endpoint = NativeMethods.ToUtf8(options.Endpoint);
            var handle = new BridgeHandle();
            IntPtr raw;
            bool added = false;
            try
            {
                IntPtr s = session.Acquire(ref added);
                fixed (byte* e = endpoint)
                {
                    var o = new BridgeOptions
                    {
                        StructSize = (uint)sizeof(BridgeOptions),
                        Flags = options.AllowSetState ? NativeMethods.BridgeAllowSetState : 0u,
                        MaxClients = (uint)options.MaxClients,
                        QueueLength = (uint)options.QueueLength,
                        Endpoint = e,
                    };
                    int r = NativeMethods.olstate_bridge_start(s, &o, &raw);
                    if (r != 0) throw OlStateSession.Failure(r);
                    handle.Set(raw);  // owned by the SafeHandle from here
                }
            }
            finally
            {
                if (added) session.ReleaseHandleRef();
            }
            byte* text = null;
            int re = NativeMethods.olstate_bridge_endpoint(raw, &text);
            if (re != 0)
            {
                var error = OlStateSession.Failure(re);
                handle.Dispose();
                throw error;
            }
            return new OlStateBridge(handle, session, NativeMethods.FromUtf8(text));
        }

        /// <summary>
        /// Stops the bridge, reporting failures that Dispose ignores: throws
        /// <see cref="OlStateException"/> with <see cref="ResultCode.WouldDeadlock"/>
        /// from inside a handler of the bridged session (the bridge keeps
        /// running then: stop it again from another thread), and
        /// <see cref="ResultCode.InvalidHandle"/> once stopped or while another
        /// Stop is in progress (no lock is held across olstate's wait for the
        /// bridge's threads).
        /// </summary>
        public void Stop()
        {
            if (Interlocked.CompareExchange(ref _stopping, 1, 0) != 0)
                throw new OlStateException(ResultCode.InvalidHandle, "the bridge is stopped or stopping", 0);
            bool added = false;
            try
            {
                try
                {
                    _handle.DangerousAddRef(ref added);
                }
                catch (ObjectDisposedException)
                {
                    throw new OlStateException(ResultCode.InvalidHandle, "the bridge is stopped", 0);
                }
                int r = NativeMethods.olstate_bridge_stop(_handle.DangerousGetHandle());
                if (r != 0)
                {
                    var error = OlStateSession.Failure(r);  // read on this thread, right after the call
                    Volatile.Write(ref _stopping, 0);      // still running
                    throw error;
                }
                _handle.SetHandleAsInvalid();  // stopped: ReleaseHandle must not run
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
        }

        /// <summary>
        /// Stops the bridge if it runs; failures are ignored (inside a handler of
        /// the bridged session, where stopping is refused, it keeps running until
        /// a later Stop or Dispose, or the finalizer). Safe to call twice.
        /// </summary>
        public void Dispose()
        {
            try
            {
                Stop();
            }
            catch (OlStateException)
            {
                // Stopped already, or refused (WouldDeadlock): see the summary.
            }
        }
    }
}
