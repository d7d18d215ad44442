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

    private static SetStateFn? _set;
    private static GetStateFn? _get;
    private static CounterFn? _sinks;

    public static void Load(string path)
    {
        var lib = NativeLibrary.Load(path);
        _set = Marshal.GetDelegateForFunctionPointer<SetStateFn>(NativeLibrary.GetExport(lib, "olstate_sim_set_state"));
        _get = Marshal.GetDelegateForFunctionPointer<GetStateFn>(NativeLibrary.GetExport(lib, "olstate_sim_get_state"));
        _sinks = Marshal.GetDelegateForFunctionPointer<CounterFn>(NativeLibrary.GetExport(lib, "olstate_sim_advised_sinks"));
    }

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
