using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace OlState.Tests
{
    /// <summary>
    /// SetStateAsync, WaitForStateAsync and WatchAsync (ABI 1.2) on the
    /// simulator. Every wait has a generous bound; nothing asserts a speed.
    /// </summary>
    public class AsyncTests
    {
        internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
        private static int _n;

        internal static string Fresh() => "cs-async-" + Interlocked.Increment(ref _n) + "-" + Guid.NewGuid().ToString("N").Substring(0, 6);

        internal static OlStateSession Open(string profile, Delivery delivery = Delivery.Queued, SynchronizationContext? context = null)
        {
            Sim.Touch();
            return OlStateSession.Open(new OlStateOptions
            {
                Profile = profile, Provider = Provider.Simulator, Delivery = delivery, SynchronizationContext = context,
            });
        }

        internal static int NativeSubscriptions(OlStateSession s) =>
            (int)typeof(OlStateSession).GetProperty("NativeSubscriptions",
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(s)!;

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task BackToBackAsyncChangesThenWaitNeverBusy(Delivery delivery)
        {
            using var s = Open(Fresh(), delivery);
            var done = new ConcurrentQueue<ConnectionStateChange>();
            using var sub = s.Subscribe(c => { if (c.Kind == ChangeKind.ChangeDone) done.Enqueue(c); });
            for (int i = 0; i < 25; i++)
            {
                await s.SetStateAsync(ConnectionState.Offline).WaitAsync(Bound);
                Assert.Equal(ConnectionState.Offline, s.State);
                await s.SetStateAsync(ConnectionState.Online).WaitAsync(Bound);   // BUSY here without the wait for CHANGE_DONE
                await s.WaitForStateAsync(ConnectionState.Online, Bound);
                Assert.Equal(ConnectionState.Online, s.State);
            }
            // Every change ran to its end: 50 CHANGE_DONE reached the session.
            var deadline = DateTime.UtcNow + Bound;
            while (done.Count < 50 && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Equal(50, done.Count);
            // The waits' subscriptions are all released (the last one just
            // after its handler returned): only the test's own remains.
            while (NativeSubscriptions(s) != 1 && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Equal(1, NativeSubscriptions(s));
        }

        [Fact]
        public async Task ContinuationsNeverRunOnOlstatesThread()
        {
            // Without a SynchronizationContext the task completes from olstate's
            // dispatcher thread, but its continuations go to the thread pool: a
            // slow continuation must not hold up the session's events. Each
            // wait below is still pending when its continuation is attached (the
            // state changes only afterwards), so ExecuteSynchronously would run
            // it on the completing thread if the task allowed that.
            var p = Fresh();
            using var s = Open(p);
            var olstateThreads = new ConcurrentDictionary<int, bool>();
            s.StateChanged += (_, _) => olstateThreads[Environment.CurrentManagedThreadId] = true;
            var ran = new ConcurrentQueue<(int Id, bool Pool)>();
            for (int i = 0; i < 20; i++)
            {
                var target = i % 2 == 0 ? ConnectionState.Offline : ConnectionState.Online;
                var wait = s.WaitForStateAsync(target, Bound);
                Assert.False(wait.IsCompleted);
                var continuation = wait.ContinueWith(_ =>
                    ran.Enqueue((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread)),
                    TaskContinuationOptions.ExecuteSynchronously);
                OlState.Testing.Simulator.SetState(p, target, wait: false);   // the user clicks
                await continuation.WaitAsync(Bound);
            }
            Assert.Equal(20, ran.Count);
            Assert.NotEmpty(olstateThreads);   // the handler saw olstate's thread
            Assert.All(ran, r =>
            {
                Assert.True(r.Pool, $"a continuation ran on thread {r.Id}, not a thread-pool thread");
                Assert.False(olstateThreads.ContainsKey(r.Id), $"a continuation ran on olstate's thread {r.Id}");
            });

            // SetStateAsync's task is the same kind: where it is still pending
            // when the continuation is attached, the continuation runs on the pool.
            for (int i = 0; i < 20; i++)
            {
                var set = s.SetStateAsync(i % 2 == 0 ? ConnectionState.Offline : ConnectionState.Online);
                bool pending = !set.IsCompleted;
                var continuation = set.ContinueWith(_ =>
                {
                    if (pending) Assert.True(Thread.CurrentThread.IsThreadPoolThread && !olstateThreads.ContainsKey(Environment.CurrentManagedThreadId));
                }, TaskContinuationOptions.ExecuteSynchronously);
                await continuation.WaitAsync(Bound);   // rethrows the assertion's failure
            }
        }

        [Fact]
        public async Task SetStateAsyncFaultsAndTheCurrentState()
        {
            using var s = Open(Fresh());
            // Already there: done at once, no change.
            await s.SetStateAsync(ConnectionState.Online).WaitAsync(Bound);
            Sim.FailNext(Sim.CallSetState, 0x8000000A);
            var busy = await Assert.ThrowsAsync<OlStateException>(() => s.SetStateAsync(ConnectionState.Offline));
            Assert.Equal(ResultCode.Busy, busy.Code);
            var bad = await Assert.ThrowsAsync<OlStateException>(() => s.SetStateAsync((ConnectionState)7));
            Assert.Equal(ResultCode.InvalidArgument, bad.Code);
            Assert.Equal(0, NativeSubscriptions(s));
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.SetStateAsync(ConnectionState.Offline, cancelled.Token));
            Assert.Equal(ConnectionState.Online, s.State);   // a cancelled token asks for nothing
        }

        [Fact]
        public async Task WaitForStateFollowsTheUserTimesOutAndCancels()
        {
            var p = Fresh();
            using var s = Open(p);
            await s.WaitForStateAsync(ConnectionState.Online, TimeSpan.Zero);   // already there
            await Assert.ThrowsAsync<TimeoutException>(() => s.WaitForStateAsync(ConnectionState.Offline, TimeSpan.Zero));
            await Assert.ThrowsAsync<TimeoutException>(() => s.WaitForStateAsync(ConnectionState.Offline, TimeSpan.FromMilliseconds(200)));

            var offline = s.WaitForStateAsync(ConnectionState.Offline, Bound);
            Assert.False(offline.IsCompleted);
            OlState.Testing.Simulator.SetState(p, ConnectionState.Offline, wait: false);   // the user clicks Work Offline
            await offline;
            // Its subscription is released just after the handler that ended it returned.
            var deadline = DateTime.UtcNow + Bound;
            while (NativeSubscriptions(s) != 0 && DateTime.UtcNow < deadline) await Task.Delay(5);

            using var cts = new CancellationTokenSource();
            var online = s.WaitForStateAsync(ConnectionState.Online, cts.Token);
            Assert.Equal(1, NativeSubscriptions(s));
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => online);
            Assert.Equal(0, NativeSubscriptions(s));   // cancelling released the wait's subscription
            Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.WaitForStateAsync(ConnectionState.Online, TimeSpan.FromMilliseconds(-5)); });   // a usage error, thrown at the call
        }

        [Fact]
        public async Task ManyWaitersHoldNoThreads()
        {
            var p = Fresh();
            using var s = Open(p);
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            int before = process.Threads.Count;
            var waits = Enumerable.Range(0, 500).Select(_ => s.WaitForStateAsync(ConnectionState.Offline, Bound)).ToArray();
            process.Refresh();
            // A thread per waiter would add 500; allow the runtime its own.
            Assert.InRange(process.Threads.Count, 0, before + 50);
            s.SetState(ConnectionState.Offline);
            await Task.WhenAll(waits).WaitAsync(Bound);
        }

        [Fact]
        public async Task DisposeEndsWaitsWithObjectDisposed()
        {
            var s = Open(Fresh());
            var waiting = s.WaitForStateAsync(ConnectionState.Offline);
            s.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(Bound));
        }

        [Fact]
        public async Task EveryCallAfterDisposeIsObjectDisposed()
        {
            OlStateSession kept;
            await using (var s = Open(Fresh()))
            {
                kept = s;
                Assert.Equal(ConnectionState.Online, s.State);
            }
            Assert.Throws<ObjectDisposedException>(() => kept.State);
            Assert.Throws<ObjectDisposedException>(() => kept.Capabilities);
            Assert.Throws<ObjectDisposedException>(() => kept.Info);
            Assert.Throws<ObjectDisposedException>(() => kept.SetState(ConnectionState.Offline));
            Assert.Throws<ObjectDisposedException>(() => kept.Subscribe(_ => { }));
            Assert.Throws<ObjectDisposedException>(() => kept.StateChanged += (_, _) => { });
            Assert.Throws<ObjectDisposedException>(() => kept.WatchAsync());
            await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.SetStateAsync(ConnectionState.Offline));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.WaitForStateAsync(ConnectionState.Offline));
            await kept.DisposeAsync();   // twice is fine
        }

        [Fact]
        public void StateChangedReleasesItsSubscriptionWithTheLastHandler()
        {
            using var s = Open(Fresh());
            var calls = 0;
            EventHandler<ConnectionStateChangedEventArgs> a = (_, _) => Interlocked.Increment(ref calls);
            EventHandler<ConnectionStateChangedEventArgs> b = (_, _) => Interlocked.Increment(ref calls);
            Assert.Equal(0, NativeSubscriptions(s));
            s.StateChanged += a;
            s.StateChanged += b;
            Assert.Equal(1, NativeSubscriptions(s));   // one native subscription serves both
            s.StateChanged -= a;
            Assert.Equal(1, NativeSubscriptions(s));
            s.StateChanged -= b;
            Assert.Equal(0, NativeSubscriptions(s));   // released with the last handler
            s.StateChanged += a;                       // and made again with a new first one
            Assert.Equal(1, NativeSubscriptions(s));
            s.SetState(ConnectionState.Offline, block: true);
            var deadline = DateTime.UtcNow + Bound;
            while (Volatile.Read(ref calls) < 3 && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.Equal(3, Volatile.Read(ref calls));
            s.StateChanged -= a;
            Assert.Equal(0, NativeSubscriptions(s));
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task WatchAsyncSubscribesWhenCalled(Delivery delivery)
        {
            // A change between the call and the first iteration is never lost
            // (it was, 3 times in 6, when the stream subscribed at MoveNextAsync).
            using var s = Open(Fresh(), delivery);
            for (int i = 0; i < 100; i++)
            {
                var target = s.State == ConnectionState.Online ? ConnectionState.Offline : ConnectionState.Online;
                var stream = s.WatchAsync();
                s.SetState(target, block: true);
                var kinds = new List<ChangeKind>();
                using var cts = new CancellationTokenSource(Bound);
                await foreach (var c in stream.WithCancellation(cts.Token))
                {
                    Assert.Equal(target, c.NewState);
                    kinds.Add(c.Kind);
                    if (c.Kind == ChangeKind.ChangeDone) break;
                }
                Assert.Equal(new[] { ChangeKind.ChangeStart, ChangeKind.Change, ChangeKind.ChangeDone }, kinds);
            }
            Assert.Equal(0, NativeSubscriptions(s));   // each stream's subscription ended with its loop
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task WatchAsyncStartsWithTheCurrentState(Delivery delivery)
        {
            using var s = Open(Fresh(), delivery);
            s.SetState(ConnectionState.Offline, block: true);
            using var cts = new CancellationTokenSource(Bound);
            var stream = s.WatchAsync(startWithCurrentState: true, cts.Token);
            s.SetState(ConnectionState.Online, block: true);
            var seen = new List<ConnectionStateChange>();
            await foreach (var c in stream)
            {
                seen.Add(c);
                if (c.Kind == ChangeKind.ChangeDone) break;
            }
            Assert.Equal(new[] { ChangeKind.Current, ChangeKind.ChangeStart, ChangeKind.Change, ChangeKind.ChangeDone },
                seen.Select(c => c.Kind));
            Assert.Equal(ConnectionState.Offline, seen[0].NewState);
            Assert.Equal(ConnectionState.Online, seen[3].NewState);
            Assert.Throws<InvalidOperationException>(() => stream.GetAsyncEnumerator());   // once only
        }

        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task ConcurrentSetsWaitsAndDisposeAllEnd(Delivery delivery)
        {
            // Every task ends, with its result or an expected failure: Busy
            // (another change in flight), a timeout, or the session disposed.
            for (int round = 0; round < 10; round++)
            {
                var s = Open(Fresh(), delivery);
                var unexpected = new ConcurrentQueue<Exception>();
                var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
                {
                    for (int i = 0; i < 20; i++)
                    {
                        var state = (i + w) % 2 == 0 ? ConnectionState.Offline : ConnectionState.Online;
                        try
                        {
                            if (w % 2 == 0) await s.SetStateAsync(state);
                            else await s.WaitForStateAsync(state, TimeSpan.FromMilliseconds(20));
                        }
                        catch (OlStateException e) when (e.Code == ResultCode.Busy) { }
                        catch (TimeoutException) { }
                        catch (ObjectDisposedException) { return; }
                        catch (Exception e) { unexpected.Enqueue(e); return; }
                    }
                })).ToArray();
                await Task.Delay(20 * round);
                s.Dispose();
                await Task.WhenAll(workers).WaitAsync(Bound);
                Assert.Empty(unexpected);
                Assert.Equal(0, NativeSubscriptions(s));   // every wait's subscription released
            }
        }
    }
}
