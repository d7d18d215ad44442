using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace OlState.Tests
{
    /// <summary>
    /// The bridge through the binding, host and client in this process: a
    /// simulator session published with OlStateBridge.Start, a second session
    /// opened with Provider.Bridge on the bridge's endpoint (a socket in a
    /// private temporary folder). No timing assertions: every wait is for an
    /// event, with a generous timeout.
    /// </summary>
    public sealed class BridgeTests : IDisposable
    {
        // Long enough for the client's reconnect backoff (capped at 2 s) many times over.
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
        private static int _n;
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olstate-cs-bridge-");  // 0700

        public void Dispose()
        {
            try { _dir.Delete(recursive: true); } catch (IOException) { }
        }

        private string Endpoint(string name = "bridge.sock") => Path.Combine(_dir.FullName, name);

        private static string Fresh() => "cs-bridge-" + Interlocked.Increment(ref _n) + "-" + Guid.NewGuid().ToString("N").Substring(0, 6);

        private static OlStateSession Host(string profile)
        {
            Sim.Touch();
            return OlStateSession.Open(new OlStateOptions { Profile = profile, Provider = Provider.Simulator });
        }

        private static OlStateSession Client(string endpoint, bool reconnect = false, Delivery delivery = Delivery.Queued) =>
            OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge, Endpoint = endpoint, Reconnect = reconnect, Delivery = delivery });

        /// <summary>Events through Subscribe, waited for by kind.</summary>
        private sealed class Events : IDisposable
        {
            private readonly BlockingCollection<ConnectionStateChange> _queue = new BlockingCollection<ConnectionStateChange>();
            private readonly IDisposable _subscription;

            public Events(OlStateSession session) => _subscription = session.Subscribe(_queue.Add);

            public bool TryNext(ChangeKind kind, TimeSpan timeout)
            {
                var deadline = DateTime.UtcNow + timeout;
                while (true)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !_queue.TryTake(out var change, left)) return false;
                    if (change.Kind == kind) return true;
                }
            }

            public ConnectionStateChange Next(ChangeKind kind)
            {
                var deadline = DateTime.UtcNow + Wait;
                while (true)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !_queue.TryTake(out var change, left))
                        throw new TimeoutException("no " + kind + " event");
                    if (change.Kind == kind) return change;
                }
            }

            public void Dispose() => _subscription.Dispose();
        }

        [Fact]
        public void ClientFollowsTheHostAndMayNotSetByDefault()
        {
            using var host = Host(Fresh());
            using var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            Assert.Equal(Endpoint(), bridge.Endpoint);
            Assert.Same(host, bridge.Session);

            using var client = Client(bridge.Endpoint);
            Assert.Equal(Provider.Bridge, client.Info.Provider);
            Assert.Equal(bridge.Endpoint, client.Info.ProviderPath);
            Assert.Equal(host.Info.Profile, client.Info.Profile);
            Assert.Equal(ConnectionState.Online, client.State);
            Assert.Equal(Capabilities.Offline | Capabilities.Online, client.Capabilities);

            using var events = new Events(client);
            host.SetState(ConnectionState.Offline, block: true);
            foreach (var kind in new[] { ChangeKind.ChangeStart, ChangeKind.Change, ChangeKind.ChangeDone })
            {
                var e = events.Next(kind);
                Assert.Equal(ConnectionState.Online, e.OldState);
                Assert.Equal(ConnectionState.Offline, e.NewState);
            }
            Assert.Equal(ConnectionState.Offline, client.State);

            // Least privilege: the host did not allow SetState.
            var refused = Assert.Throws<OlStateException>(() => client.SetState(ConnectionState.Online, block: true));
            Assert.Equal(ResultCode.NotSupported, refused.Code);
            Assert.False(string.IsNullOrEmpty(refused.Message));
            Assert.Equal(ConnectionState.Offline, host.State);
        }

        [Fact]
        public void ClientSetsTheStateWhenAllowed()
        {
            using var host = Host(Fresh());
            using var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions
            {
                Endpoint = Endpoint(), AllowSetState = true, MaxClients = 4, QueueLength = 16,
            });
            using var hostEvents = new Events(host);
            using var client = Client(bridge.Endpoint);
            client.SetState(ConnectionState.Offline, block: true);
            Assert.Equal(ConnectionState.Offline, hostEvents.Next(ChangeKind.ChangeDone).NewState);
            Assert.Equal(ConnectionState.Offline, host.State);
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public void StopIsProviderLostAndANewBridgeIsProviderBack(Delivery delivery)
        {
            using var host = Host(Fresh());
            var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            using var client = Client(Endpoint(), reconnect: true, delivery);
            using var events = new Events(client);

            bridge.Stop();
            Assert.Equal(ResultCode.InvalidHandle, Assert.Throws<OlStateException>(() => bridge.Stop()).Code);
            bridge.Dispose();  // after Stop: nothing to do
            var lost = events.Next(ChangeKind.ProviderLost);
            Assert.Equal(ConnectionState.Online, lost.NewState);
            Assert.Equal("ProviderLost", lost.Kind.ToString());
            Assert.Equal(ResultCode.ProviderNotFound, Assert.Throws<OlStateException>(() => _ = client.State).Code);

            // The state changes while nobody serves it; the next host reports it.
            host.SetState(ConnectionState.Offline, block: true);
            using var again = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            var back = events.Next(ChangeKind.ProviderBack);
            Assert.Equal(ConnectionState.Offline, back.NewState);
            Assert.Equal(ConnectionState.Offline, client.State);

            host.SetState(ConnectionState.Online, block: true);
            Assert.Equal(ConnectionState.Online, events.Next(ChangeKind.ChangeDone).NewState);
        }

        [Fact]
        public void WithoutReconnectALostHostIsFinal()
        {
            using var host = Host(Fresh());
            var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            using var client = Client(Endpoint());
            using var events = new Events(client);
            bridge.Dispose();  // Dispose stops it too
            events.Next(ChangeKind.ProviderLost);
            Assert.Equal(ResultCode.ProviderNotFound, Assert.Throws<OlStateException>(() => _ = client.State).Code);
            Assert.Equal(ResultCode.InvalidHandle, Assert.Throws<OlStateException>(() => bridge.Stop()).Code);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void StartAndForget(OlStateSession host, string endpoint) =>
            OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = endpoint });

        [Fact]
        public void FinalizerStopsALeakedBridge()
        {
            using var host = Host(Fresh());
            StartAndForget(host, Endpoint());
            using var client = Client(Endpoint());
            using var events = new Events(client);
            var deadline = DateTime.UtcNow + Wait;
            while (true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                if (events.TryNext(ChangeKind.ProviderLost, TimeSpan.FromMilliseconds(50))) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the leaked bridge was never stopped");
            }
        }

        [Fact]
        public void ReconnectOpensBeforeAnyHostRuns()
        {
            Sim.Touch();
            Assert.Equal(ResultCode.ProviderNotFound, Assert.Throws<OlStateException>(() => Client(Endpoint())).Code);
            using var client = Client(Endpoint(), reconnect: true);
            using var events = new Events(client);
            using var host = Host(Fresh());
            using var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            Assert.Equal(ConnectionState.Online, events.Next(ChangeKind.ProviderBack).NewState);
            Assert.Equal(ConnectionState.Online, client.State);
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public void StopInsideAHandlerIsWouldDeadlock(Delivery delivery)
        {
            using var host = OlStateSession.Open(new OlStateOptions { Profile = Fresh(), Provider = Provider.Simulator, Delivery = delivery });
            var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            var results = new BlockingCollection<Exception?>();
            using (host.Subscribe(c =>
            {
                if (c.Kind != ChangeKind.ChangeDone) return;
                try { bridge.Stop(); results.Add(null); }
                catch (Exception e) { results.Add(e); }
                bridge.Dispose();  // refused as well, silently
            }))
            {
                host.SetState(ConnectionState.Offline);
                Assert.True(results.TryTake(out var error, Wait));
                Assert.Equal(ResultCode.WouldDeadlock, Assert.IsType<OlStateException>(error).Code);
            }
            using (var client = Client(Endpoint()))  // still serving
                Assert.Equal(ConnectionState.Offline, client.State);
            bridge.Stop();
            bridge.Dispose();
        }

        [Fact]
        public void ArgumentsAreChecked()
        {
            Sim.Touch();
            // An endpoint is for the bridge provider only, and not with a provider path.
            Assert.Throws<ArgumentException>(() => OlStateSession.Open(new OlStateOptions { Provider = Provider.Simulator, Endpoint = Endpoint() }));
            Assert.Throws<ArgumentException>(() => OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge, Endpoint = Endpoint(), ProviderPath = "/x" }));
            // The library refuses reconnect with another provider.
            Assert.Equal(ResultCode.InvalidArgument, Assert.Throws<OlStateException>(() =>
                OlStateSession.Open(new OlStateOptions { Provider = Provider.Simulator, Profile = Fresh(), Reconnect = true })).Code);
            Assert.Throws<ArgumentOutOfRangeException>(() => new OlStateBridgeOptions { MaxClients = -1 });
            Assert.Throws<ArgumentNullException>(() => OlStateBridge.Start(null!));

            // A second bridge on the same endpoint; a limit out of range.
            using (var host = Host(Fresh()))
            using (OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() }))
            {
                Assert.Equal(ResultCode.Busy, Assert.Throws<OlStateException>(() =>
                    OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() })).Code);
                Assert.Equal(ResultCode.InvalidArgument, Assert.Throws<OlStateException>(() =>
                    OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint("other.sock"), MaxClients = 5000 })).Code);
            }

            // A disposed session cannot be published.
            var closed = Host(Fresh());
            closed.Dispose();
            Assert.Throws<ObjectDisposedException>(() =>
                OlStateBridge.Start(closed, new OlStateBridgeOptions { Endpoint = Endpoint() }));
        }

        [Fact]
        public void UnknownEventKindsPassThrough()
        {
            var fromNative = typeof(ConnectionStateChange).GetMethod("FromNative", BindingFlags.NonPublic | BindingFlags.Static)!;
            ConnectionStateChange Make(uint kind, uint flags) =>
                (ConnectionStateChange)fromNative.Invoke(null, new object[] { kind, 2u, 1u, 7UL, 42UL, flags, 1_000_000UL })!;
            var lost = Make(0x100, 1);
            Assert.Equal(ChangeKind.ProviderLost, lost.Kind);
            Assert.True(lost.Dropped);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1), lost.Time);
            Assert.Equal(ChangeKind.ProviderBack, Make(0x101, 0).Kind);
            var unknown = Make(0x4242, 0x80);
            Assert.Equal((ChangeKind)0x4242, unknown.Kind);
            Assert.False(unknown.Dropped);
            Assert.Equal("#42 16962 Online -> Offline", unknown.ToString());
        }

        [Fact]
        public async Task WithoutReconnectStreamsEndAndWaitsFailAfterTheLoss()
        {
            using var host = Host(Fresh());
            var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() });
            using var client = Client(Endpoint());
            var stream = client.WatchAsync();
            var waiting = client.WaitForStateAsync(ConnectionState.Offline);
            bridge.Dispose();
            var seen = new System.Collections.Generic.List<ConnectionStateChange>();
            // Ends by itself after the final PROVIDER_LOST: no cancellation needed.
            await Task.Run(async () => { await foreach (var c in stream) seen.Add(c); }).WaitAsync(Wait);
            Assert.Equal(ChangeKind.ProviderLost, seen.Last().Kind);
            var lost = await Assert.ThrowsAsync<OlStateException>(() => waiting.WaitAsync(Wait));
            Assert.Equal(ResultCode.ProviderNotFound, lost.Code);
            var late = await Assert.ThrowsAsync<OlStateException>(() => client.WaitForStateAsync(ConnectionState.Online).WaitAsync(Wait));
            Assert.Equal(ResultCode.ProviderNotFound, late.Code);
        }

        [Fact]
        public async Task WithReconnectWaitsAcrossALossAndInfoFollowsTheHost()
        {
            Sim.Touch();
            using var client = Client(Endpoint(), reconnect: true);
            Assert.Equal("", client.Info.Profile);   // no host yet
            var offline = client.WaitForStateAsync(ConnectionState.Offline, Wait);
            var first = Fresh();
            using (var host = Host(first))
            using (var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = Endpoint() }))
            {
                await client.WaitForStateAsync(ConnectionState.Online, Wait);
                Assert.Equal(first, client.Info.Profile);   // read live: the host's profile
                Assert.False(offline.IsCompleted);
            }
            var second = Fresh();
            using var host2 = Host(second);
            host2.SetState(ConnectionState.Offline, block: true);
            using var bridge2 = OlStateBridge.Start(host2, new OlStateBridgeOptions { Endpoint = Endpoint() });
            await offline;   // reached through the second host's PROVIDER_BACK
            Assert.Equal(second, client.Info.Profile);
        }
    }
}
