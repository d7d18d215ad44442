using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OlState.Samples;
using OlState.Testing;
using Xunit;

namespace OlState.Tests
{
    /// <summary>
    /// The Exchange connection mode, the accounts and their events (ABI 1.3)
    /// on the simulator. Every wait has a generous bound; nothing asserts a speed.
    /// </summary>
    public class ConnectionTests
    {
        private static readonly TimeSpan Bound = AsyncTests.Bound;

        [Fact]
        public void AFreshProfileIsCachedAndConnectedWithOneExchangeAccount()
        {
            using var s = AsyncTests.Open(AsyncTests.Fresh());
            Assert.True(s.Capabilities.HasFlag(Capabilities.ConnectionMode));
            Assert.Equal(ConnectionMode.CachedConnectedFull, s.ConnectionMode);
            Assert.False(s.IsOffline);
            var account = Assert.Single(s.Accounts);
            Assert.Equal(new Account(Simulator.DefaultAccount, Simulator.DefaultAccount, AccountType.Exchange,
                ConnectionMode.CachedConnectedFull), account);
        }

        [Theory]
        [InlineData(ConnectionMode.Offline, true)]
        [InlineData(ConnectionMode.CachedDisconnected, true)]
        [InlineData(ConnectionMode.CachedConnectedHeaders, false)]
        [InlineData(ConnectionMode.Online, false)]
        [InlineData(ConnectionMode.NoExchange, false)]
        public void IsOfflineFollowsTheMode(ConnectionMode mode, bool offline)
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p);
            Simulator.SetConnectionMode(p, mode);
            Assert.Equal(mode, s.ConnectionMode);
            Assert.Equal(offline, s.IsOffline);
        }

        [Fact]
        public void IsConnectedMeansCachedConnectedOrOnline()
        {
            var connected = Enum.GetValues(typeof(ConnectionMode)).Cast<ConnectionMode>().Where(m => m.IsConnected());
            Assert.Equal(new[] { ConnectionMode.CachedConnectedHeaders, ConnectionMode.CachedConnectedDrizzle,
                ConnectionMode.CachedConnectedFull, ConnectionMode.Online }, connected.ToArray());
        }

        // The sequence; each step differs from the one before, so each is one change.
        private static readonly ConnectionMode[] Sequence =
        {
            ConnectionMode.CachedDisconnected, ConnectionMode.CachedConnectedHeaders, ConnectionMode.CachedConnectedFull,
            ConnectionMode.CachedOffline, ConnectionMode.CachedConnectedDrizzle, ConnectionMode.Online,
            ConnectionMode.Disconnected, ConnectionMode.NoExchange, ConnectionMode.CachedConnectedFull,
        };

        // Sets the sequence (from CachedConnectedFull), each mode twice: the
        // repeat changes nothing and must send nothing.
        private static void PlaySequence(string profile)
        {
            foreach (var mode in Sequence)
            {
                Simulator.SetConnectionMode(profile, mode);
                Simulator.SetConnectionMode(profile, mode);
            }
            Simulator.WaitIdle(profile);
        }

        private static (ConnectionMode, ConnectionMode)[] ExpectedPairs() =>
            Sequence.Select((m, i) => (i == 0 ? ConnectionMode.CachedConnectedFull : Sequence[i - 1], m)).ToArray();

        private static async Task<List<ConnectionStateChange>> Collected(ConcurrentQueue<ConnectionStateChange> seen, int count)
        {
            var deadline = DateTime.UtcNow + Bound;
            while (seen.Count < count && DateTime.UtcNow < deadline) await Task.Delay(5);
            await Task.Delay(200);   // room for a duplicate to show up (none may)
            return seen.ToList();
        }

        private static void AssertTheSequence(List<ConnectionStateChange> events)
        {
            Assert.All(events, e => Assert.Equal(ChangeKind.ConnectionChanged, e.Kind));
            Assert.Equal(ExpectedPairs(), events.Select(e => (e.OldMode!.Value, e.NewMode!.Value)).ToArray());
            for (int i = 1; i < events.Count; i++) Assert.Equal(events[i - 1].Sequence + 1, events[i].Sequence);
            Assert.All(events, e => Assert.False(e.Dropped));
            Assert.All(events, e => Assert.Equal(default, e.NewState));   // modes, not states
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task TheSequenceReachesHandlersInOrderOncePerChange(Delivery delivery)
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p, delivery);
            var viaSubscribe = new ConcurrentQueue<ConnectionStateChange>();
            var viaEvent = new ConcurrentQueue<ConnectionStateChange>();
            using var sub = s.Subscribe(c => viaSubscribe.Enqueue(c));
            s.StateChanged += (_, e) => viaEvent.Enqueue(e.Change);
            PlaySequence(p);
            AssertTheSequence(await Collected(viaSubscribe, Sequence.Length));
            AssertTheSequence(await Collected(viaEvent, Sequence.Length));
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task TheSequenceReachesAWatchInOrderOncePerChange(Delivery delivery)
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p, delivery);
            using var cts = new CancellationTokenSource(Bound);
            var stream = s.WatchAsync(cts.Token);   // subscribed here: nothing played below is lost
            PlaySequence(p);
            var events = new List<ConnectionStateChange>();
            await foreach (var change in stream)
            {
                events.Add(change);
                if (events.Count == Sequence.Length) break;
            }
            AssertTheSequence(events);
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task AccountsAddedChangedAndRemovedAreEventsAndTheList(Delivery delivery)
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p, delivery);
            var seen = new ConcurrentQueue<(ConnectionStateChange, IReadOnlyList<Account>)>();
            using var sub = s.Subscribe(c => seen.Enqueue((c, s.Accounts)));
            Simulator.AddAccount(p, "Shared Mailbox", "shared@example.com", AccountType.Exchange, ConnectionMode.CachedDisconnected);
            Simulator.AddAccount(p, "Private", "", AccountType.Imap, ConnectionMode.NoExchange);
            Simulator.SetAccountMode(p, "Shared Mailbox", ConnectionMode.CachedConnectedFull);
            Simulator.RemoveAccount(p, Simulator.DefaultAccount);
            Simulator.WaitIdle(p);

            var deadline = DateTime.UtcNow + Bound;
            while (seen.Count < 4 && DateTime.UtcNow < deadline) await Task.Delay(5);
            await Task.Delay(200);
            var events = seen.ToList();
            Assert.All(events, e => Assert.Equal(ChangeKind.AccountChanged, e.Item1.Kind));
            Assert.Equal(new[]
            {
                (ConnectionMode.Unknown, ConnectionMode.CachedDisconnected),
                (ConnectionMode.Unknown, ConnectionMode.NoExchange),
                (ConnectionMode.CachedDisconnected, ConnectionMode.CachedConnectedFull),
                (ConnectionMode.CachedConnectedFull, ConnectionMode.Unknown),
            }, events.Select(e => (e.Item1.OldMode!.Value, e.Item1.NewMode!.Value)).ToArray());
            // The list read in a handler shows its change or a later one (the simulator runs ahead).
            Assert.Contains(events[0].Item2, a => a.DisplayName == "Shared Mailbox");
            Assert.DoesNotContain(events[3].Item2, a => a.DisplayName == Simulator.DefaultAccount);

            Assert.Equal(new[]
            {
                new Account("Shared Mailbox", "shared@example.com", AccountType.Exchange, ConnectionMode.CachedConnectedFull),
                new Account("Private", "", AccountType.Imap, ConnectionMode.NoExchange),
            }, s.Accounts);
            Assert.Equal(ConnectionMode.CachedConnectedFull, s.ConnectionMode);   // accounts are not the session's mode
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task TheSequenceReachesABridgeClientInOrderOncePerChange(Delivery delivery)
        {
            var p = AsyncTests.Fresh();
            var dir = System.IO.Directory.CreateTempSubdirectory("olstate-cs-connection-");   // 0700
            try
            {
                using var host = AsyncTests.Open(p);
                using var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = System.IO.Path.Combine(dir.FullName, "b.sock") });
                using var client = OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge, Endpoint = bridge.Endpoint, Delivery = delivery });
                Assert.Equal(ConnectionMode.CachedConnectedFull, client.ConnectionMode);
                Assert.Equal(host.Accounts, client.Accounts);
                var seen = new ConcurrentQueue<ConnectionStateChange>();
                using var sub = client.Subscribe(c => seen.Enqueue(c));
                var connected = client.WaitForConnectionAsync(m => m == ConnectionMode.Online, Bound);
                PlaySequence(p);
                AssertTheSequence(await Collected(seen, Sequence.Length));
                Assert.Equal(ConnectionMode.Online, await connected);
                Assert.Equal(ConnectionMode.CachedConnectedFull, client.ConnectionMode);
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }

        [Fact]
        public async Task WaitForConnectionThroughABridgeEndsWithTheHostOrWaitsForItWithReconnect()
        {
            var dir = System.IO.Directory.CreateTempSubdirectory("olstate-cs-connection-");   // 0700
            var endpoint = System.IO.Path.Combine(dir.FullName, "b.sock");
            try
            {
                // Reconnect: opened before any host; the wait goes on until a host brings a connected mode.
                using var waiting = OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge, Endpoint = endpoint, Reconnect = true });
                var connected = waiting.WaitForConnectionAsync(m => m.IsConnected(), Bound);
                await Task.Delay(300);
                Assert.False(connected.IsCompleted);
                using (var host = AsyncTests.Open(AsyncTests.Fresh()))
                using (var bridge = OlStateBridge.Start(host, new OlStateBridgeOptions { Endpoint = endpoint }))
                {
                    Assert.Equal(ConnectionMode.CachedConnectedFull, await connected);

                    // Without Reconnect a lost host ends the wait.
                    using var client = OlStateSession.Open(new OlStateOptions { Provider = Provider.Bridge, Endpoint = endpoint });
                    var online = client.WaitForConnectionAsync(m => m == ConnectionMode.Online, Bound);
                    bridge.Dispose();
                    var lost = await Assert.ThrowsAsync<OlStateException>(() => online);
                    Assert.Equal(ResultCode.ProviderNotFound, lost.Code);
                    Assert.Contains("Reconnect", lost.Message);
                }
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }

        [Fact]
        public void AccountTextRoundTripsAsUtf8()
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p);
            var name = "Zürich – 東京 " + new string('x', 200);
            Simulator.AddAccount(p, name, "zoe@example.com", AccountType.Eas, ConnectionMode.NoExchange);
            Assert.Contains(new Account(name, "zoe@example.com", AccountType.Eas, ConnectionMode.NoExchange), s.Accounts);
        }

        [Fact]
        public async Task AFailingPollThrowsWithTheProvidersMessage()
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p);
            Simulator.FailNext(SimulatedCall.PollConnection, unchecked((int)0x80040115));   // MAPI_E_NETWORK_ERROR
            var e = Assert.Throws<OlStateException>(() => s.ConnectionMode);
            Assert.Equal(ResultCode.ProviderFailed, e.Code);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            Simulator.FailNext(SimulatedCall.PollConnection, unchecked((int)0x80040115));
            Assert.Equal(ResultCode.ProviderFailed, Assert.Throws<OlStateException>(() => s.Accounts).Code);
            Simulator.FailNext(SimulatedCall.PollConnection, unchecked((int)0x80040115));
            var wait = await Assert.ThrowsAsync<OlStateException>(() => s.WaitForConnectionAsync(m => m.IsConnected()));
            Assert.Equal(ResultCode.ProviderFailed, wait.Code);
            Assert.Equal(ConnectionMode.CachedConnectedFull, s.ConnectionMode);   // one failure, then it reads again
            Assert.Equal(0, AsyncTests.NativeSubscriptions(s));
        }

        [Fact]
        public async Task WithoutTheCapabilityEveryReadIsNotSupportedWithAClearMessage()
        {
            var p = AsyncTests.Fresh();
            Simulator.SetConnectionReported(p, false);
            try
            {
                using var s = AsyncTests.Open(p);
                Assert.False(s.Capabilities.HasFlag(Capabilities.ConnectionMode));
                foreach (var read in new Action[] { () => _ = s.ConnectionMode, () => _ = s.IsOffline, () => _ = s.Accounts })
                {
                    var e = Assert.Throws<OlStateException>(read);
                    Assert.Equal(ResultCode.NotSupported, e.Code);
                    Assert.Contains("Capabilities.ConnectionMode", e.Message);
                }
                var w = await Assert.ThrowsAsync<OlStateException>(() => s.WaitForConnectionAsync(m => true));
                Assert.Equal(ResultCode.NotSupported, w.Code);
            }
            finally
            {
                Simulator.SetConnectionReported(p, true);
            }
        }

        [Fact]
        public async Task WaitForConnectionCompletesAtOnceOrAtTheChangeThatBringsIt()
        {
            var p = AsyncTests.Fresh();
            using var s = AsyncTests.Open(p);
            Assert.Equal(ConnectionMode.CachedConnectedFull, await s.WaitForConnectionAsync(m => m.IsConnected()).WaitAsync(Bound));

            Simulator.SetConnectionMode(p, ConnectionMode.CachedDisconnected);
            Simulator.WaitIdle(p);
            var wait = s.WaitForConnectionAsync(m => m.IsConnected(), Bound);
            Simulator.SetConnectionMode(p, ConnectionMode.CachedOffline);   // not connected: still waiting
            Simulator.WaitIdle(p);
            await Task.Delay(100);
            Assert.False(wait.IsCompleted);
            Simulator.SetConnectionMode(p, ConnectionMode.CachedConnectedHeaders);
            Assert.Equal(ConnectionMode.CachedConnectedHeaders, await wait.WaitAsync(Bound));

            var deadline = DateTime.UtcNow + Bound;
            while (AsyncTests.NativeSubscriptions(s) != 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Equal(0, AsyncTests.NativeSubscriptions(s));   // each wait's subscription ended with it
        }

        [Fact]
        public async Task WaitForConnectionTimesOutCancelsAndEndsWithTheSession()
        {
            var p = AsyncTests.Fresh();
            var s = AsyncTests.Open(p);
            await Assert.ThrowsAsync<TimeoutException>(() => s.WaitForConnectionAsync(m => m == ConnectionMode.Online, TimeSpan.Zero));
            await Assert.ThrowsAsync<TimeoutException>(() => s.WaitForConnectionAsync(m => m == ConnectionMode.Online, TimeSpan.FromMilliseconds(200)));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.WaitForConnectionAsync(m => true, TimeSpan.FromSeconds(-2)));
            await Assert.ThrowsAsync<ArgumentNullException>(() => s.WaitForConnectionAsync(null!));

            using var cts = new CancellationTokenSource();
            var cancelled = s.WaitForConnectionAsync(m => m == ConnectionMode.Online, cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bound));

            var disposed = s.WaitForConnectionAsync(m => m == ConnectionMode.Online);
            s.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.WaitAsync(Bound));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => s.WaitForConnectionAsync(m => true));
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task ConnectionEventsAndWaitsRunOnTheSynchronizationContext(Delivery delivery)
        {
            var p = AsyncTests.Fresh();
            using var ui = new UiLoop();
            using var s = AsyncTests.Open(p, delivery, ui);
            var threads = new ConcurrentQueue<Thread>();
            s.StateChanged += (_, e) => { if (e.Change.Kind == ChangeKind.ConnectionChanged) threads.Enqueue(Thread.CurrentThread); };
            Simulator.SetConnectionMode(p, ConnectionMode.CachedDisconnected);
            Simulator.WaitIdle(p);
            var wait = s.WaitForConnectionAsync(m => m.IsConnected(), Bound);
            Thread? continued = null;
            var continuation = wait.ContinueWith(_ => continued = Thread.CurrentThread, TaskContinuationOptions.ExecuteSynchronously);
            Simulator.SetConnectionMode(p, ConnectionMode.CachedConnectedFull);
            await continuation.WaitAsync(Bound);
            Assert.Equal(ConnectionMode.CachedConnectedFull, await wait);
            Assert.Same(ui.Thread, continued);
            var deadline = DateTime.UtcNow + Bound;
            while (threads.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Equal(2, threads.Count);
            Assert.All(threads, t => Assert.Same(ui.Thread, t));
        }
    }
}
