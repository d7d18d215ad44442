using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OlState.Tests
{
    /// <summary>The simulator's control API: the same file olstate loads
    /// (next to the native library), so the process holds one simulator.</summary>
    internal static unsafe class Sim
    {
        public const uint CallOpen = 1, CallQueryInterface = 2, CallGetCapabilities = 3, CallGetState = 4,
            CallSetState = 5, CallAdvise = 6, CallUnadvise = 7;
        public const uint DeliveryThread = 0, DeliverySync = 1, DeliveryPool = 2;

        static Sim()
        {
            var dir = Environment.GetEnvironmentVariable("OLSTATE_LIBRARY_DIR")
                ?? throw new InvalidOperationException("set OLSTATE_LIBRARY_DIR to the folder of libolstate");
            var file = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "olstate_sim.dll" : "libolstate_sim.so";
            var handle = NativeLibrary.Load(Path.Combine(dir, file));
            NativeLibrary.SetDllImportResolver(typeof(Sim).Assembly, (name, _, _) =>
                name == "olstate_sim" ? handle : IntPtr.Zero);
        }

        public static void Touch() { }

        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_reset();
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_fail_next(uint call, int hresult, uint count);
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_set_capabilities(byte* profile, uint caps);
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_set_delivery(byte* profile, uint mode, uint threads);
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_send_raw(byte* profile, uint type, uint mask, uint oldState, uint newState, uint size, uint count);
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern int olstate_sim_wait_idle(byte* profile);
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern uint olstate_sim_outstanding_refs();
        [DllImport("olstate_sim", CallingConvention = CallingConvention.Cdecl)] public static extern uint olstate_sim_advised_sinks();

        private static byte[] Z(string s) => System.Text.Encoding.UTF8.GetBytes(s + "\0");

        public static void Reset() => olstate_sim_reset();
        public static void FailNext(uint call, uint hr, uint count = 1) => olstate_sim_fail_next(call, unchecked((int)hr), count);
        public static void SetCapabilities(string p, uint caps) { fixed (byte* b = Z(p)) olstate_sim_set_capabilities(b, caps); }
        public static void SetDelivery(string p, uint mode, uint threads) { fixed (byte* b = Z(p)) olstate_sim_set_delivery(b, mode, threads); }
        public static void SendRaw(string p, uint count) { fixed (byte* b = Z(p)) olstate_sim_send_raw(b, 2, 3, 2, 1, 0, count); }
        public static void WaitIdle(string p) { fixed (byte* b = Z(p)) olstate_sim_wait_idle(b); }
        public static uint OutstandingRefs => olstate_sim_outstanding_refs();
        public static uint AdvisedSinks => olstate_sim_advised_sinks();
    }
}
