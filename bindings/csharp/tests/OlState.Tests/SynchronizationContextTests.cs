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

            Assert.Same(ui.Thread, await ContinuedOn(ui, () => s.SetStateAsync(ConnectionState.Offline)));
            // A wait already satisfied completes on the context too.
            Assert.Same(ui.Thread, await ContinuedOn(ui, () => s.WaitForStateAsync(ConnectionState.Offline)));

            var deadline = DateTime.UtcNow + AsyncTests.Bound;
            while (done.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.Single(done);
            Assert.Equal(6, threads.Count);   // three events, two handlers
            Assert.All(threads, t => Assert.Same(ui.Thread, t));
        }

        // The thread a synchronous continuation, attached on this thread, ran
        // on. The loop is held meanwhile, so the task cannot complete (there)
        // before the continuation is attached.
        private static async Task<Thread?> ContinuedOn(UiLoop ui, Func<Task> start)
        {
            Thread? ran = null;
            Task continuation;
            using (Hold(ui))
            {
                continuation = start().ContinueWith(_ => ran = Thread.CurrentThread, TaskContinuationOptions.ExecuteSynchronously);
                Assert.False(continuation.IsCompleted);
            }
            await continuation.WaitAsync(AsyncTests.Bound);
            return ran;
        }

        // Keeps the loop busy until disposed, then runs `then` there, ahead
        // of whatever was posted meanwhile.
        private static IDisposable Hold(UiLoop ui, Action? then = null)
        {
            var held = new ManualResetEventSlim();
            var release = new ManualResetEventSlim();
            ui.Post(_ => { held.Set(); release.Wait(); then?.Invoke(); }, null);
            Assert.True(held.Wait(AsyncTests.Bound));
            return new Release(release);
        }

        private sealed class Release : IDisposable
        {
            private readonly ManualResetEventSlim _event;
            public Release(ManualResetEventSlim e) => _event = e;
            public void Dispose() => _event.Set();
        }

        [Fact]
        public async Task NothingPostedRunsAfterDisposeOnTheContext()
        {
            using var ui = new UiLoop();
            var s = AsyncTests.Open(AsyncTests.Fresh(), Delivery.Inline, ui);
            int subscriptionCalls = 0, sessionCalls = 0;
            var subscription = s.Subscribe(_ => Interlocked.Increment(ref subscriptionCalls));
            s.StateChanged += (_, _) => Interlocked.Increment(ref sessionCalls);

            // The UI thread is busy while a change posts its calls; when
            // released, it first disposes the subscription: its calls, already
            // posted, never run; StateChanged's do.
            using (Hold(ui, then: () => subscription.Dispose()))
                s.SetState(ConnectionState.Offline, block: true);
            await Drain(ui);
            Assert.Equal(0, Volatile.Read(ref subscriptionCalls));
            Assert.Equal(3, Volatile.Read(ref sessionCalls));

            // The same with the session disposed first.
            using (Hold(ui, then: () => s.Dispose()))
                s.SetState(ConnectionState.Online, block: true);
            await Drain(ui);
            Assert.Equal(3, Volatile.Read(ref sessionCalls));
        }

        // Returns once everything posted so far has run.
        private static Task Drain(UiLoop ui)
        {
            var drained = new TaskCompletionSource<bool>();
            ui.Post(_ => drained.SetResult(true), null);
            return drained.Task.WaitAsync(AsyncTests.Bound);
        }
    }
}
