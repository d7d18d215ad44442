using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using OlState.Samples;
using Xunit;

namespace OlState.Tests
{
    /// <summary>OlStateOptions.SynchronizationContext, with the UiThread sample's loop as the UI thread.</summary>
    public class SynchronizationContextTests
    {
        [Theory]
        [InlineData(Delivery.Queued)]
        [InlineData(Delivery.Inline)]
        public async Task HandlersAndContinuationsRunOnTheContext(Delivery delivery)
        {
            using var ui = new UiLoop();
            using var s = AsyncTests.Open(AsyncTests.Fresh(), delivery, ui);
            var threads = new ConcurrentQueue<Thread>();
            var done = new ConcurrentQueue<ConnectionStateChange>();
            s.StateChanged += (_, e) => { threads.Enqueue(Thread.CurrentThread); if (e.Change.Kind == ChangeKind.ChangeDone) done.Enqueue(e.Change); };
            using var sub = s.Subscribe(_ => threads.Enqueue(Thread.CurrentThread));

            // Continued from a pool thread (this test's), synchronously: the
            // continuation still runs on the context, where the task completed.
            Thread? after = null;
            await s.SetStateAsync(ConnectionState.Offline).ContinueWith(_ => after = Thread.CurrentThread,
                TaskContinuationOptions.ExecuteSynchronously).WaitAsync(AsyncTests.Bound);
            Assert.Same(ui.Thread, after);
            await s.WaitForStateAsync(ConnectionState.Offline).ContinueWith(_ => after = Thread.CurrentThread,
                TaskContinuationOptions.ExecuteSynchronously).WaitAsync(AsyncTests.Bound);
            Assert.Same(ui.Thread, after);

            var deadline = DateTime.UtcNow + AsyncTests.Bound;
            while (done.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Single(done);
            Assert.Equal(6, threads.Count);   // three events, two handlers
            Assert.All(threads, t => Assert.Same(ui.Thread, t));
        }

        [Fact]
        public async Task NothingPostedRunsAfterDisposeOnTheContext()
        {
            using var ui = new UiLoop();
            var p = AsyncTests.Fresh();
            var s = AsyncTests.Open(p, Delivery.Inline, ui);
            int late = 0, disposed = 0;
            s.StateChanged += (_, _) => { if (Volatile.Read(ref disposed) == 1) Interlocked.Increment(ref late); };
            var blocked = new ManualResetEventSlim();
            var release = new ManualResetEventSlim();
            ui.Post(_ => { blocked.Set(); release.Wait(); }, null);   // the UI thread is busy
            Assert.True(blocked.Wait(AsyncTests.Bound));
            s.SetState(ConnectionState.Offline, block: true);          // three calls posted behind it
            ui.Post(_ => { s.Dispose(); Volatile.Write(ref disposed, 1); }, null);
            var drained = new TaskCompletionSource<bool>();
            ui.Post(_ => drained.SetResult(true), null);
            release.Set();
            await drained.Task.WaitAsync(AsyncTests.Bound);
            // The posted calls ran before the Dispose that was posted after
            // them, and none after it.
            Assert.Equal(0, Volatile.Read(ref late));
        }
    }
}
