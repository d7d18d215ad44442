// The simulator's control API (shim/sim/olstate_sim.h) for the Pester tests,
// bound by full path to the very file the module's olstate loaded, so both
// act on one simulator. Acts like the user clicking Work Offline.
#nullable enable
using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

public static class OlStateSimulator
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int SetStateFn(byte[] profile, uint state, int wait);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int GetStateFn(byte[] profile, out uint state);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate uint CounterFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int SetModeFn(byte[] profile, uint mode);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int AddAccountFn(byte[] profile, byte[] name, byte[] smtp, uint type, uint mode);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int RemoveAccountFn(byte[] profile, byte[] name);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int ReportedFn(byte[] profile, int reported);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate int FailNextFn(uint call, int hresult, uint count);

    private static SetStateFn? _set;
    private static GetStateFn? _get;
    private static CounterFn? _sinks;
    private static SetModeFn? _setMode;
    private static AddAccountFn? _addAccount;
    private static RemoveAccountFn? _removeAccount;
    private static ReportedFn? _reported;
    private static FailNextFn? _failNext;

    public static void Load(string path)
    {
        var lib = NativeLibrary.Load(path);
        _set = Marshal.GetDelegateForFunctionPointer<SetStateFn>(NativeLibrary.GetExport(lib, "olstate_sim_set_state"));
        _get = Marshal.GetDelegateForFunctionPointer<GetStateFn>(NativeLibrary.GetExport(lib, "olstate_sim_get_state"));
        _sinks = Marshal.GetDelegateForFunctionPointer<CounterFn>(NativeLibrary.GetExport(lib, "olstate_sim_advised_sinks"));
        _setMode = Marshal.GetDelegateForFunctionPointer<SetModeFn>(NativeLibrary.GetExport(lib, "olstate_sim_set_connection_mode"));
        _addAccount = Marshal.GetDelegateForFunctionPointer<AddAccountFn>(NativeLibrary.GetExport(lib, "olstate_sim_add_account"));
        _removeAccount = Marshal.GetDelegateForFunctionPointer<RemoveAccountFn>(NativeLibrary.GetExport(lib, "olstate_sim_remove_account"));
        _reported = Marshal.GetDelegateForFunctionPointer<ReportedFn>(NativeLibrary.GetExport(lib, "olstate_sim_set_connection_reported"));
        _failNext = Marshal.GetDelegateForFunctionPointer<FailNextFn>(NativeLibrary.GetExport(lib, "olstate_sim_fail_next"));
    }

    private static void Check(int hr, string what)
    {
        if (hr < 0) throw new InvalidOperationException(what + ": 0x" + hr.ToString("X8"));
    }

    /// <summary>The Exchange connection mode (0, 100 ... 800); a new one notifies every session.</summary>
    public static void SetConnectionMode(string profile, uint mode) => Check(_setMode!(Utf8(profile), mode), "olstate_sim_set_connection_mode");

    /// <summary>Sets each mode in turn after a delay, on a thread of its own.</summary>
    public static Task SetConnectionModesLater(string profile, uint[] modes, int delayMs) =>
        Task.Run(async () => { await Task.Delay(delayMs); foreach (var m in modes) SetConnectionMode(profile, m); });

    public static void AddAccount(string profile, string name, string smtp, uint type, uint mode) =>
        Check(_addAccount!(Utf8(profile), Utf8(name), Utf8(smtp), type, mode), "olstate_sim_add_account");

    public static void RemoveAccount(string profile, string name) => Check(_removeAccount!(Utf8(profile), Utf8(name)), "olstate_sim_remove_account");

    /// <summary>false: sessions opened from now on lack the connection capability.</summary>
    public static void SetConnectionReported(string profile, bool reported) =>
        Check(_reported!(Utf8(profile), reported ? 1 : 0), "olstate_sim_set_connection_reported");

    /// <summary>The next read of the Exchange connection fails with this HRESULT.</summary>
    public static void FailNextPoll(int hresult) => Check(_failNext!(8, hresult, 1), "olstate_sim_fail_next");

    private static byte[] Utf8(string profile) => Encoding.UTF8.GetBytes(profile + "\0");

    /// <summary>1 offline, 2 online; the change's events reach every session.</summary>
    public static void SetState(string profile, uint state)
    {
        int hr = _set!(Utf8(profile), state, 1);
        if (hr < 0) throw new InvalidOperationException("olstate_sim_set_state: 0x" + hr.ToString("X8"));
    }

    public static uint GetState(string profile)
    {
        int hr = _get!(Utf8(profile), out var s);
        if (hr < 0) throw new InvalidOperationException("olstate_sim_get_state: 0x" + hr.ToString("X8"));
        return s;
    }

    public static uint AdvisedSinks() => _sinks!();

    /// <summary>Sets the state after a delay, on a thread of its own (no runspace needed).</summary>
    public static Task SetStateLater(string profile, uint state, int delayMs) =>
        Task.Run(async () => { await Task.Delay(delayMs); SetState(profile, state); });

    /// <summary>Toggles the state every intervalMs until cancelled (at most `times` changes).</summary>
    public static CancellationTokenSource ToggleInBackground(string profile, int intervalMs, int times)
    {
        var cts = new CancellationTokenSource();
        Task.Run(async () =>
        {
            for (int i = 0; i < times && !cts.IsCancellationRequested; i++)
            {
                SetState(profile, GetState(profile) == 2 ? 1u : 2u);
                try { await Task.Delay(intervalMs, cts.Token); } catch (OperationCanceledException) { }
            }
        });
        return cts;
    }
}
