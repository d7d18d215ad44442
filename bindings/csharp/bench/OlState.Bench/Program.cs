// Events per second delivered through the C# binding's OlStateSession.Subscribe
// (a delegate behind a GCHandle, reached through an UnmanagedCallersOnly
// trampoline) versus the C API used from the same process with a native C
// callback (libolstate_bench_callback, built in bench/), same configuration:
// simulator, SYNC provider delivery, interleaved repetitions, median; the
// ratio is taken within each repetition.
//
//   OLSTATE_LIBRARY_DIR=<build>/shim OLSTATE_BENCH_CALLBACK=<build>/bench/libolstate_bench_callback.so \
//       dotnet run -c Release --project bindings/csharp/bench/OlState.Bench -- [--quick]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using OlState;

internal static unsafe class Program
{
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenOptions
    {
        public uint StructSize;
        public byte* Profile;
        public uint Provider;
        public byte* ProviderPath;
        public uint Delivery;
        public uint Flags;
    }

    private static delegate* unmanaged[Cdecl]<OpenOptions*, IntPtr*, int> _openEx;
    private static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, ulong*, int> _subscribe;
    private static delegate* unmanaged[Cdecl]<IntPtr, int> _close;
    private static delegate* unmanaged[Cdecl]<byte*, uint, uint, int> _simSetDelivery;
    private static delegate* unmanaged[Cdecl]<byte*, uint, uint, uint, uint, uint, uint, int> _simSendRaw;
    private static delegate* unmanaged[Cdecl]<ulong*, ulong> _load;
    private static IntPtr _count;

    private static string Env(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException("set " + name);

    private static void Load()
    {
        var dir = Env("OLSTATE_LIBRARY_DIR");
        // The very files the binding loads (one simulator per process).
        var olstate = NativeLibrary.Load(Path.Combine(dir, "libolstate.so"));
        var sim = NativeLibrary.Load(Path.Combine(dir, "libolstate_sim.so"));
        var cb = NativeLibrary.Load(Env("OLSTATE_BENCH_CALLBACK"));
        _openEx = (delegate* unmanaged[Cdecl]<OpenOptions*, IntPtr*, int>)NativeLibrary.GetExport(olstate, "olstate_open_ex");
        _subscribe = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, ulong*, int>)NativeLibrary.GetExport(olstate, "olstate_subscribe");
        _close = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibrary.GetExport(olstate, "olstate_close");
        _simSetDelivery = (delegate* unmanaged[Cdecl]<byte*, uint, uint, int>)NativeLibrary.GetExport(sim, "olstate_sim_set_delivery");
        _simSendRaw = (delegate* unmanaged[Cdecl]<byte*, uint, uint, uint, uint, uint, uint, int>)NativeLibrary.GetExport(sim, "olstate_sim_send_raw");
        _count = NativeLibrary.GetExport(cb, "olstate_bench_count");
        _load = (delegate* unmanaged[Cdecl]<ulong*, ulong>)NativeLibrary.GetExport(cb, "olstate_bench_load");
    }

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private static void Send(byte[] profile, uint count)
    {
        // CHANGE, offline mask, ONLINE -> OFFLINE, count times, on this thread (SYNC).
        fixed (byte* p = profile)
            if (_simSendRaw(p, 2, 3, 2, 1, 0, count) != 0) throw new InvalidOperationException("olstate_sim_send_raw");
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s[s.Count / 2];
    }

    // Events/s of one path: INLINE sends n and times them; QUEUED sends
    // bursts of 128 (under the queue's 256) and waits for each burst.
    private static double Rate(byte[] profile, Func<ulong> count, Delivery delivery, uint n)
    {
        var start = count();
        var sw = Stopwatch.StartNew();
        if (delivery == Delivery.Inline) Send(profile, n);
        else
        {
            for (ulong sent = 0; sent < n;)
            {
                Send(profile, 128);
                sent += 128;
                while (count() - start < sent) Thread.Yield();
            }
        }
        return (count() - start) / sw.Elapsed.TotalSeconds;
    }

    private static (double c, double cs, double ratio) Measure(Delivery delivery, uint n, int reps)
    {
        var tag = delivery == Delivery.Inline ? "inline" : "queued";
        string cName = "cs-bench-c-" + tag, csName = "cs-bench-cs-" + tag;
        byte[] cProfile = Z(cName), csProfile = Z(csName);
        foreach (var p in new[] { cProfile, csProfile })
            fixed (byte* pp = p) _simSetDelivery(pp, 1 /* SYNC */, 0);

        // C API with the native C callback.
        var counter = (ulong*)NativeMemory.AllocZeroed(8);
        IntPtr cs = IntPtr.Zero;
        fixed (byte* pp = cProfile)
        {
            var o = new OpenOptions { StructSize = (uint)sizeof(OpenOptions), Profile = pp, Provider = 2, Delivery = (uint)delivery };
            if (_openEx(&o, &cs) != 0) throw new InvalidOperationException("olstate_open_ex");
        }
        ulong token = 0;
        if (_subscribe(cs, _count, (IntPtr)counter, IntPtr.Zero, &token) != 0) throw new InvalidOperationException("olstate_subscribe");

        // The binding.
        using var session = OlStateSession.Open(new OlStateOptions { Profile = csName, Provider = Provider.Simulator, Delivery = delivery });
        long csCount = 0;
        using var sub = session.Subscribe(_ => Interlocked.Increment(ref csCount));

        Func<ulong>[] counts = { () => _load(counter), () => (ulong)Interlocked.Read(ref csCount) };
        byte[][] profiles = { cProfile, csProfile };
        List<double> rc = new(), rcs = new(), ratios = new();
        for (int rep = 0; rep < reps; rep++)
        {
            var x = new double[2];
            for (int k = 0; k < 2; k++)
            {
                int i = (rep + k) % 2;  // rotate which path goes first
                x[i] = Rate(profiles[i], counts[i], delivery, n);
            }
            rc.Add(x[0]);
            rcs.Add(x[1]);
            ratios.Add(x[1] / x[0]);
        }
        _close(cs);
        NativeMemory.Free(counter);
        return (Median(rc), Median(rcs), Median(ratios));
    }

    private static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        uint n = quick ? 10000u : 50000u;
        int reps = quick ? 5 : 31;
        Load();
        Measure(Delivery.Inline, 2000, 3);  // warm up: JIT tiers, first-touch
        var inline = Measure(Delivery.Inline, n, reps);
        var queued = Measure(Delivery.Queued, n / 4, reps);
        Console.WriteLine($"C# binding, events/s (median of {reps} interleaved repetitions)");
        Console.WriteLine($"  INLINE: C API {inline.c:F0}   Subscribe (Action) {inline.cs:F0} ({inline.ratio:F3} of C)");
        Console.WriteLine($"  QUEUED: C API {queued.c:F0}   Subscribe (Action) {queued.cs:F0} ({queued.ratio:F3} of C)");
        Console.WriteLine(FormattableString.Invariant(
            $"{{\"binding\":\"csharp\",\"inline_c_events_per_s\":{inline.c:F0},\"inline_events_per_s\":{inline.cs:F0},\"inline_ratio_to_c\":{inline.ratio:F3},\"queued_c_events_per_s\":{queued.c:F0},\"queued_events_per_s\":{queued.cs:F0},\"queued_ratio_to_c\":{queued.ratio:F3}}}"));
        return 0;
    }
}
