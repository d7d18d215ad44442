using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace OlState.Tests
{
    public class SessionTests
    {
        private static int _n;

        private static string Fresh() => "cs-" + Interlocked.Increment(ref _n) + "-" + Guid.NewGuid().ToString("N").Substring(0, 6);

        private static OlStateSession Open(string profile, Delivery delivery = Delivery.Queued)
        {
            Sim.Touch();
            return OlStateSession.Open(new OlStateOptions { Profile = profile, Provider = Provider.Simulator, Delivery = delivery });
        }

        private static List<ConnectionStateChange> WaitFor(ConcurrentQueue<ConnectionStateChange> q, int n)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (q.Count < n)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{q.Count} of {n} events");
                Thread.Sleep(1);
            }
            return q.ToList();
        }

        [Fact]
        public void BuildUnderTestIsTheOneAsked()
        {
            var tfm = typeof(OlStateSession).Assembly.GetCustomAttributes(typeof(System.Runtime.Versioning.TargetFrameworkAttribute), false)
                .Cast<System.Runtime.Versioning.TargetFrameworkAttribute>().Single().FrameworkName;
#if OLSTATE_NETSTANDARD
            Assert.StartsWith(".NETStandard", tfm);
#else
            Assert.StartsWith(".NETCoreApp", tfm);
#endif
            // The assembly and the native library carry meson.build's one version.
            var v = typeof(OlStateSession).Assembly.GetName().Version!;
            Assert.Equal($"{v.Major}.{v.Minor}.{v.Build}", OlStateSession.LibraryVersion);
        }

        [Fact]
        public unsafe void MirroredLayoutsMatchTheLibrary()
        {
            Sim.Touch();
            using var s = Open(Fresh());
            var asm = typeof(OlStateSession).Assembly;
            var native = asm.GetType("OlState.Interop.NativeMethods")!;
            var structSize = native.GetMethod("olstate_struct_size", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
            ulong Size(uint which)
            {
                var v = structSize.Invoke(null, new object[] { which })!;
                return v is UIntPtr u ? (ulong)u : (ulong)(nuint)v;
            }
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.OpenOptions")!), Size(1));
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.NativeEvent")!), Size(2));
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.SessionInfo")!), Size(3));
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.BridgeOptions")!), Size(4));
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.SubscribeOptions")!), Size(5));
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.NativeAccount")!), Size(6));
            Assert.Equal(16ul + 2 * 256, Size(6));
            Assert.Equal((ulong)(IntPtr.Size == 8 ? 24 : 20), Size(4));
            // The assembly reads the Exchange connection mode and accounts: it
            // needs ABI 1.3 (a 1.2 library is refused); the library may be any later 1.x.
            var abi = (uint)native.GetField("AbiVersion", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
            Assert.Equal((1u << 16) | 3u, abi);
            var have = (uint)native.GetMethod("olstate_abi_version", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.Invoke(null, null)!;
            Assert.Equal(1u, have >> 16);
            Assert.True((have & 0xFFFF) >= 3, $"the library's ABI 1.{have & 0xFFFF} is below the 1.3 this assembly needs");
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public void OrderPayloadStateAndInfo(Delivery delivery)
        {
            var p = Fresh();
            using var s = Open(p, delivery);
            Assert.Equal(Provider.Simulator, s.Info.Provider);
            Assert.Equal(p, s.Info.Profile);
            Assert.Contains("olstate_sim", s.Info.ProviderPath);
            Assert.Equal(Capabilities.Offline | Capabilities.Online | Capabilities.ConnectionMode, s.Capabilities);
            Assert.Equal(ConnectionState.Online, s.State);
            var q = new ConcurrentQueue<ConnectionStateChange>();
            var before = DateTimeOffset.UtcNow.AddSeconds(-1);
            using (s.Subscribe(q.Enqueue))
            {
                s.SetState(ConnectionState.Offline, block: true);
                var events = WaitFor(q, 3);
                Assert.Equal(new[] { ChangeKind.ChangeStart, ChangeKind.Change, ChangeKind.ChangeDone }, events.Select(e => e.Kind));
                Assert.All(events, e => Assert.Equal(ConnectionState.Online, e.OldState));
                Assert.All(events, e => Assert.Equal(ConnectionState.Offline, e.NewState));
                Assert.Equal(new ulong[] { 1, 2, 3 }, events.Select(e => e.Sequence));
                Assert.All(events, e => Assert.False(e.Dropped));
                Assert.All(events, e => Assert.True(e.Time > before && e.Time < DateTimeOffset.UtcNow.AddSeconds(1)));
            }
            Assert.Equal(ConnectionState.Offline, s.State);
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public void NoEventAfterDispose(Delivery delivery)
        {
            var p = Fresh();
            Sim.SetDelivery(p, Sim.DeliveryPool, 3);
            using var s = Open(p, delivery);
            int stop = 0;
            var traffic = new Thread(() => { while (Volatile.Read(ref stop) == 0) Sim.SendRaw(p, 10); });
            traffic.Start();
            for (int i = 0; i < 200; i++)
            {
                int disposed = 0, late = 0;
                var sub = s.Subscribe(_ => { if (Volatile.Read(ref disposed) == 1) Interlocked.Increment(ref late); });
                sub.Dispose();
                Volatile.Write(ref disposed, 1);
                Thread.Sleep(0);
                Assert.Equal(0, Volatile.Read(ref late));
            }
            Volatile.Write(ref stop, 1);
            traffic.Join();
            Sim.WaitIdle(p);
        }

        [Fact]
        public void StateChangedEventAndSessionDispose()
        {
            var p = Fresh();
            var s = Open(p);
            var q = new ConcurrentQueue<ConnectionStateChange>();
            object? sender = null;
            s.StateChanged += (o, e) => { sender = o; q.Enqueue(e.Change); };
            s.SetState(ConnectionState.Offline, true);
            WaitFor(q, 3);
            Assert.Same(s, sender);
            s.Dispose();
            var count = q.Count;
            Assert.Throws<ObjectDisposedException>(() => s.SetState(ConnectionState.Online));
            Assert.Equal(count, q.Count);
            s.Dispose();  // twice is fine
        }

        [Fact]
        public void ThrowingHandlerIsCaughtAndReported()
        {
            var reported = new ConcurrentQueue<Exception>();
            EventHandler<UnhandledCallbackExceptionEventArgs> h = (_, e) => reported.Enqueue(e.Exception);
            OlStateSession.UnhandledCallbackException += h;
            try
            {
                using var s = Open(Fresh());
                var q = new ConcurrentQueue<ConnectionStateChange>();
                using (s.Subscribe(c => { q.Enqueue(c); throw new InvalidOperationException("boom"); }))
                {
                    s.SetState(ConnectionState.Offline, true);
                    WaitFor(q, 3);
                }
                Assert.Equal(3, reported.Count);
                Assert.All(reported, e => Assert.Equal("boom", e.Message));
            }
            finally
            {
                OlStateSession.UnhandledCallbackException -= h;
            }
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public void DisposeInsideHandler(Delivery delivery)
        {
            var s = Open(Fresh(), delivery);
            var done = new ManualResetEventSlim();
            Exception? error = null;
            s.Subscribe(_ =>
            {
                try { s.Dispose(); } catch (Exception e) { error = e; }
                done.Set();
            });
            s.SetState(ConnectionState.Offline);
            Assert.True(done.Wait(10000));
            Assert.Null(error);
            Assert.Throws<ObjectDisposedException>(() => _ = s.State);

            // A subscription disposing itself from inside its handler.
            using var s2 = Open(Fresh(), delivery);
            IDisposable? self = null;
            int calls = 0;
            var first = new ManualResetEventSlim();
            self = s2.Subscribe(_ => { Interlocked.Increment(ref calls); self!.Dispose(); first.Set(); });
            s2.SetState(ConnectionState.Offline, true);
            Assert.True(first.Wait(10000));
            Thread.Sleep(50);
            Assert.Equal(1, Volatile.Read(ref calls));
        }

        [Fact]
        public void GcStressWhileSubscribed()
        {
            var p = Fresh();
            using var s = Open(p, Delivery.Inline);
            int calls = 0;
            for (int i = 0; i < 20; i++) s.Subscribe(_ => Interlocked.Increment(ref calls));  // never disposed: the session owns them
            for (int i = 0; i < 20; i++)
            {
                Sim.SendRaw(p, 5);
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Sim.WaitIdle(p);
            Assert.Equal(20 * 20 * 5, Volatile.Read(ref calls));
        }

        [Fact]
        public void ConcurrentSubscribe()
        {
            var p = Fresh();
            Sim.SetDelivery(p, Sim.DeliverySync, 0);  // SendRaw delivers before it returns
            using var s = Open(p, Delivery.Inline);
            int calls = 0, failures = 0;
            var tokens = new ConcurrentDictionary<ulong, byte>();
            Parallel.For(0, 8, _ =>
            {
                for (int i = 0; i < 50; i++)
                {
                    int mine = 0;
                    using (s.Subscribe(c => { Interlocked.Increment(ref calls); Interlocked.Increment(ref mine); tokens.TryAdd(c.Subscription, 0); }))
                        Sim.SendRaw(p, 1);
                    if (Volatile.Read(ref mine) < 1) Interlocked.Increment(ref failures);
                }
            });
            Assert.Equal(0, failures);                 // every subscription saw the event sent while it lived
            Assert.Equal(8 * 50, tokens.Count);        // 400 distinct subscriptions
            var after = Volatile.Read(ref calls);
            Sim.SendRaw(p, 3);
            Assert.Equal(after, Volatile.Read(ref calls));  // none is called after Dispose
        }

        [Fact]
        public async Task WatchAsyncDeliversAndCancels()
        {
            using var s = Open(Fresh());
            using var cts = new CancellationTokenSource();
            var seen = new List<ConnectionStateChange>();
            var reader = Task.Run(async () =>
            {
                await foreach (var c in s.WatchAsync(cts.Token))
                {
                    seen.Add(c);
                    if (seen.Count == 3) cts.Cancel();
                }
            });
            await Task.Delay(100);
            s.SetState(ConnectionState.Offline, true);
            var ex = await Record.ExceptionAsync(() => reader.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.IsAssignableFrom<OperationCanceledException>(ex);
            Assert.Equal(3, seen.Count);

            // Disposing the session ends the stream.
            var s2 = Open(Fresh());
            var ended = Task.Run(async () => { await foreach (var _ in s2.WatchAsync()) { } });
            await Task.Delay(100);
            s2.Dispose();
            await ended.WaitAsync(TimeSpan.FromSeconds(10));
        }

        [Fact]
        public void ExceptionMapping()
        {
            Sim.Reset();
            try
            {
                var p = Fresh();
                void Expect(ResultCode code, uint hr, Action a)
                {
                    var e = Assert.Throws<OlStateException>(a);
                    Assert.Equal(code, e.Code);
                    Assert.Equal(unchecked((int)hr), e.NativeHResult);
                    Assert.Contains(hr.ToString("X8"), e.Message);
                }
                Sim.FailNext(Sim.CallOpen, 0x80004005);
                Expect(ResultCode.ProviderFailed, 0x80004005, () => Open(p));
                Sim.FailNext(Sim.CallOpen, 0x8004010F);
                Expect(ResultCode.ProfileNotFound, 0x8004010F, () => Open(p));
                Sim.FailNext(Sim.CallOpen, 0x8007000E);
                Expect(ResultCode.OutOfMemory, 0x8007000E, () => Open(p));
                Sim.FailNext(Sim.CallAdvise, 0x80070057);
                Expect(ResultCode.ProviderFailed, 0x80070057, () => Open(p));
                Sim.FailNext(Sim.CallGetCapabilities, 0x80004001);
                Expect(ResultCode.NotSupported, 0x80004001, () => Open(p));

                Assert.Equal(ResultCode.ProviderNotFound, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge })).Code);
                Assert.Equal(ResultCode.InvalidArgument, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Library, ProviderPath = "relative.so" })).Code);
                Assert.Equal(ResultCode.ProviderNotFound, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Library, ProviderPath = "/nonexistent/x.so" })).Code);
                Assert.Equal(ResultCode.NotSupported, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Outlook })).Code);
                Assert.Equal(ResultCode.NotSupported, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.ObjectModel })).Code);
                // Outlook's object model (1.3): an interval needs an Application
                // (the library refuses it); an Application needs Windows (the
                // binding refuses it before any COM call).
                Assert.Equal(ResultCode.InvalidArgument, Assert.Throws<OlStateException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Simulator, Profile = p, ConnectionPollInterval = TimeSpan.FromSeconds(1) })).Code);
                Assert.Throws<ArgumentOutOfRangeException>(() =>
                    OlStateSession.Open(new OlStateOptions { Provider = Provider.Simulator, Profile = p, ConnectionPollInterval = TimeSpan.FromSeconds(-1) }));
                if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    Assert.Throws<PlatformNotSupportedException>(() =>
                        OlStateSession.Open(new OlStateOptions { Provider = Provider.Simulator, Profile = p, Application = new object() }));

                using var s = Open(p, Delivery.Inline);
                Sim.FailNext(Sim.CallSetState, 0x8000000A);
                Expect(ResultCode.Busy, 0x8000000A, () => s.SetState(ConnectionState.Offline));
                OlStateException? deadlock = null;
                var done = new ManualResetEventSlim();
                using (s.Subscribe(c =>
                {
                    if (c.Kind != ChangeKind.ChangeDone || done.IsSet) return;
                    try { s.SetState(ConnectionState.Online, block: true); }
                    catch (OlStateException e) { deadlock = e; }
                    done.Set();
                }))
                {
                    s.SetState(ConnectionState.Offline);
                    Assert.True(done.Wait(10000));
                }
                Assert.Equal(ResultCode.WouldDeadlock, deadlock?.Code);

                var none = Fresh();
                Sim.SetCapabilities(none, 0);
                using var n = Open(none);
                Assert.Equal(Capabilities.ConnectionMode, n.Capabilities);  // neither online nor offline
                Assert.Equal(ResultCode.NotSupported, Assert.Throws<OlStateException>(() => n.Subscribe(_ => { })).Code);
            }
            finally
            {
                Sim.Reset();
            }
        }

        [Fact]
        public void OpenOptionsOfOneThreeReachTheLibrary()
        {
            // NoFallback and ConnectionPollInterval are checked by the library:
            // each refusal below comes from C, so it proves the option got there.
            Sim.Touch();
            var p = Fresh();
            OlStateException Refused(OlStateOptions o)
            {
                var e = Assert.Throws<OlStateException>(() => OlStateSession.Open(o));
                Assert.Equal(ResultCode.InvalidArgument, e.Code);
                return e;
            }
            Assert.Contains("NO_FALLBACK", Refused(new OlStateOptions { Provider = Provider.Simulator, Profile = p, NoFallback = true }).Message);
            Assert.Contains("NO_FALLBACK", Refused(new OlStateOptions { Provider = Provider.Bridge, NoFallback = true }).Message);
            // Out of range whatever the provider (Auto may use it): under 100 ms,
            // over a day, beyond uint's milliseconds, and a fraction of 1 ms
            // (rounded up to 1 ms, not truncated to 0, the default).
            foreach (var bad in new[] { TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(86_400_001), TimeSpan.FromDays(60), TimeSpan.FromTicks(5_000) })
                Assert.Contains("connection_poll_ms", Refused(new OlStateOptions { Provider = Provider.Auto, Profile = p, ConnectionPollInterval = bad }).Message);
            Assert.Contains("connection_poll_ms", Refused(new OlStateOptions { Provider = Provider.Simulator, Profile = p, ConnectionPollInterval = TimeSpan.FromMilliseconds(250) }).Message);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            // A valid interval passes the checks and meets the object-model
            // provider's own answer off Windows.
            Assert.Equal(ResultCode.NotSupported, Assert.Throws<OlStateException>(() => OlStateSession.Open(new OlStateOptions
                { Provider = Provider.ObjectModel, ConnectionPollInterval = TimeSpan.FromMilliseconds(250) })).Code);
            // Off Windows Auto is the simulator, which has no fallback: both options
            // are accepted, at the bounds too, and the session opens.
            foreach (var ok in new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromDays(1) })
            {
                using var s = OlStateSession.Open(new OlStateOptions { Provider = Provider.Auto, Profile = p, NoFallback = true, ConnectionPollInterval = ok });
                Assert.Equal(Provider.Simulator, s.Info.Provider);
            }
        }

        [Fact]
        public void EveryReferenceReleased()
        {
            // Sessions closed from inside handlers in other tests finish on
            // olstate's threads: let the counter settle first.
            uint Settled()
            {
                uint last = Sim.OutstandingRefs;
                for (int stable = 0; stable < 20; )
                {
                    Thread.Sleep(5);
                    uint now = Sim.OutstandingRefs;
                    stable = now == last ? stable + 1 : 0;
                    last = now;
                }
                return last;
            }
            var before = Settled();
            var s = Open(Fresh());
            s.Subscribe(_ => { });
            // The manager, its IMAPIOffline interface and olstate's connection
            // interface (ABI 1.3): three references.
            Assert.Equal(before + 3, Sim.OutstandingRefs);
            s.Dispose();
            Assert.Equal(before, Sim.OutstandingRefs);
        }
    }
}
