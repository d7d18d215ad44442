using System;
using System.Collections.Concurrent;
using System.Threading;

namespace OlState.Samples
{
    /// <summary>
    /// A stand-in for a UI thread (WinForms, WPF, an Office add-in's): one
    /// thread running posted work in order, with its SynchronizationContext
    /// installed, as Application.Run would. Dispose ends the loop after the
    /// work already posted.
    /// </summary>
    public sealed class UiLoop : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback, object?)> _work = new();
        private readonly Thread _thread;

        public UiLoop()
        {
            _thread = new Thread(Run) { Name = "ui", IsBackground = true };
            _thread.Start();
        }

        /// <summary>The loop's thread.</summary>
        public Thread Thread => _thread;

        /// <summary>True on the loop's thread.</summary>
        public bool IsCurrent => Thread.CurrentThread == _thread;

        public override void Post(SendOrPostCallback d, object? state) => _work.Add((d, state));

        // Send would block the caller on the loop: what olstate never does.
        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("this loop takes posted work only");

        public override SynchronizationContext CreateCopy() => this;

        private void Run()
        {
            SetSynchronizationContext(this);
            foreach (var (d, state) in _work.GetConsumingEnumerable()) d(state);
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            if (!IsCurrent) _thread.Join();
        }
    }
}
