using System;
using System.Runtime.InteropServices;
using OlState.Interop;

namespace OlState.Testing
{
    /// <summary>A call of the Offline State API that <see cref="Simulator.FailNext"/> can make fail.</summary>
    public enum SimulatedCall : uint
    {
        /// <summary>HrOpenOfflineObj: opening a session.</summary>
        Open = 1,
        /// <summary>QueryInterface for IMAPIOfflineMgr.</summary>
        QueryInterface = 2,
        /// <summary>GetCapabilities.</summary>
        GetCapabilities = 3,
        /// <summary>GetCurrentState: reading the state.</summary>
        GetState = 4,
        /// <summary>SetCurrentState: switching the state.</summary>
        SetState = 5,
        /// <summary>Advise: subscribing.</summary>
        Advise = 6,
        /// <summary>Unadvise: unsubscribing.</summary>
        Unadvise = 7,
        /// <summary>
        /// Reading the Exchange connection (a poll of Outlook's object model, ABI 1.3):
        /// <see cref="OlStateSession.ConnectionMode"/>, <see cref="OlStateSession.IsOffline"/>
        /// and <see cref="OlStateSession.Accounts"/> throw <see cref="OlStateException"/>.
        /// </summary>
        PollConnection = 8,
    }

    /// <summary>
    /// Drives olstate's simulator, the Outlook stand-in behind
    /// <see cref="Provider.Simulator"/> (the default provider outside Windows):
    /// lets a test act like the user ("Work Offline") or like a failing
    /// Outlook, and check how the code under test reacts.
    /// </summary>
    /// <remarks>
    /// It drives the simulator file olstate itself loads (next to the olstate
    /// library), so sessions opened with <see cref="Provider.Simulator"/> see
    /// every change. A profile of <c>null</c> or "" is the default profile.
    /// State is per process: call <see cref="Reset"/> between tests, and run
    /// tests that use it one at a time.
    /// </remarks>
    public static unsafe class Simulator
    {
        /// <summary>Every profile back to online with both capabilities, no faults, and the
        /// default connection (<see cref="ConnectionMode.CachedConnectedFull"/>, one account).</summary>
        public static void Reset()
        {
            OlStateNative.EnsureSimulatorLoaded();
            Check(olstate_sim_reset(), "reset");
        }

        /// <summary>
        /// Changes the state as the user would (File, Work Offline): every
        /// subscriber gets ChangeStart, Change, ChangeDone. With
        /// <paramref name="wait"/> it returns once ChangeDone was delivered to
        /// the simulator's sinks (with <see cref="Delivery.Queued"/>, your
        /// handler runs shortly after, on olstate's thread).
        /// </summary>
        public static void SetState(string? profile, ConnectionState state, bool wait = true)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_set_state(p, (uint)state, wait ? 1 : 0), "set_state");
        }

        /// <summary>The profile's state as the simulator holds it.</summary>
        public static ConnectionState GetState(string? profile = null)
        {
            uint state = 0;
            fixed (byte* p = Profile(profile)) Check(olstate_sim_get_state(p, &state), "get_state");
            return (ConnectionState)state;
        }

        /// <summary>What the profile reports as its capabilities from now on.</summary>
        public static void SetCapabilities(string? profile, Capabilities capabilities)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_set_capabilities(p, (uint)capabilities), "set_capabilities");
        }

        /// <summary>
        /// Makes the next <paramref name="count"/> calls of <paramref name="call"/>
        /// (any profile) fail with <paramref name="hresult"/> (negative, e.g.
        /// <c>unchecked((int)0x80040115)</c>, MAPI_E_NETWORK_ERROR); a count of 0
        /// clears the fault.
        /// </summary>
        public static void FailNext(SimulatedCall call, int hresult, uint count = 1)
        {
            OlStateNative.EnsureSimulatorLoaded();
            Check(olstate_sim_fail_next((uint)call, hresult, count), "fail_next");
        }

        /// <summary>With <paramref name="known"/> false, opening the profile fails
        /// as for a profile that does not exist.</summary>
        public static void SetProfileKnown(string? profile, bool known)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_set_profile_known(p, known ? 1 : 0), "set_profile_known");
        }

        /// <summary>
        /// The profile's Exchange connection mode (<c>NameSpace.ExchangeConnectionMode</c>;
        /// a profile starts in <see cref="ConnectionMode.CachedConnectedFull"/> with one
        /// Exchange account, <see cref="DefaultAccount"/>). A new mode sends
        /// <see cref="ChangeKind.ConnectionChanged"/> to every session; the same mode sends nothing.
        /// </summary>
        public static void SetConnectionMode(string? profile, ConnectionMode mode)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_set_connection_mode(p, (uint)mode), "set_connection_mode");
        }

        /// <summary>The display name (and address) of the account every profile starts with.</summary>
        public const string DefaultAccount = "user@example.com";

        /// <summary>
        /// Adds an account at the end of the list (the display name is its key:
        /// unique per profile); sessions get <see cref="ChangeKind.AccountChanged"/>
        /// from <see cref="ConnectionMode.Unknown"/> to <paramref name="mode"/>.
        /// </summary>
        public static void AddAccount(string? profile, string displayName, string smtpAddress, AccountType type, ConnectionMode mode)
        {
            if (displayName == null) throw new ArgumentNullException(nameof(displayName));
            fixed (byte* p = Profile(profile))
            fixed (byte* n = NativeMethods.ToUtf8(displayName))
            fixed (byte* a = NativeMethods.ToUtf8(smtpAddress))
                Check(olstate_sim_add_account(p, n, a, (uint)type, (uint)mode), "add_account");
        }

        /// <summary>Removes the account of that display name (<see cref="ChangeKind.AccountChanged"/> to <see cref="ConnectionMode.Unknown"/>).</summary>
        public static void RemoveAccount(string? profile, string displayName)
        {
            if (displayName == null) throw new ArgumentNullException(nameof(displayName));
            fixed (byte* p = Profile(profile))
            fixed (byte* n = NativeMethods.ToUtf8(displayName))
                Check(olstate_sim_remove_account(p, n), "remove_account");
        }

        /// <summary>Changes one account's mode (<c>Account.ExchangeConnectionMode</c>).</summary>
        public static void SetAccountMode(string? profile, string displayName, ConnectionMode mode)
        {
            if (displayName == null) throw new ArgumentNullException(nameof(displayName));
            fixed (byte* p = Profile(profile))
            fixed (byte* n = NativeMethods.ToUtf8(displayName))
                Check(olstate_sim_set_account_mode(p, n, (uint)mode), "set_account_mode");
        }

        /// <summary>
        /// With <paramref name="reported"/> false, sessions opened from then on
        /// lack <see cref="Capabilities.ConnectionMode"/>, as with Outlook's MAPI
        /// DLL alone (true, the default, undoes it).
        /// </summary>
        public static void SetConnectionReported(string? profile, bool reported)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_set_connection_reported(p, reported ? 1 : 0), "set_connection_reported");
        }

        /// <summary>Returns when every notification queued so far for the profile was delivered.</summary>
        public static void WaitIdle(string? profile = null)
        {
            fixed (byte* p = Profile(profile)) Check(olstate_sim_wait_idle(p), "wait_idle");
        }

        // The profile as UTF-8, once the simulator is loaded (null stays null).
        private static byte[]? Profile(string? profile)
        {
            OlStateNative.EnsureSimulatorLoaded();
            return NativeMethods.ToUtf8(profile);
        }

        private static void Check(int hresult, string what)
        {
            if (hresult < 0)
                throw new InvalidOperationException("olstate_sim_" + what + " failed with HRESULT 0x" + hresult.ToString("X8"));
        }

        private const string Lib = OlStateNative.SimulatorLibrary;
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_reset();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_state(byte* profile, uint state, int wait);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_get_state(byte* profile, uint* state);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_capabilities(byte* profile, uint capabilities);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_fail_next(uint call, int hresult, uint count);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_profile_known(byte* profile, int known);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_wait_idle(byte* profile);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_connection_mode(byte* profile, uint mode);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_add_account(byte* profile, byte* displayName, byte* smtpAddress, uint type, uint mode);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_remove_account(byte* profile, byte* displayName);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_account_mode(byte* profile, byte* displayName, uint mode);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern int olstate_sim_set_connection_reported(byte* profile, int reported);
    }
}
