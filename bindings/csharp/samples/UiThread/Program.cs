// olstate's events and async continuations on "the UI thread", without
// WinForms: OlStateOptions.SynchronizationContext set to the context of a
// UI thread (here UiLoop, a one-thread loop like Application.Run) has every
// handler and every SetStateAsync/WaitForStateAsync continuation run there,
// so add-in code can touch its controls directly. Exits 1 if anything ran
// elsewhere. Runs on olstate's simulator (Provider.Simulator).
using System;
using System.Threading;
using System.Threading.Tasks;
using OlState;
using OlState.Samples;

using var ui = new UiLoop();
var finished = new TaskCompletionSource<int>();
int offThread = 0;

void Check(string what)
{
    bool onUi = ui.IsCurrent;
    if (!onUi) Interlocked.Increment(ref offThread);
    Console.WriteLine($"{what} on {(onUi ? "the UI thread" : "thread " + Environment.CurrentManagedThreadId)}");
}

ui.Post(async _ =>
{
    try
    {
        // What an add-in's Startup does, on its UI thread:
        await using var session = OlStateSession.Open(new OlStateOptions
        {
            Profile = "csharp-ui-sample",
            Provider = Provider.Simulator,
            SynchronizationContext = SynchronizationContext.Current,   // the UI thread's
        });
        session.StateChanged += (_, e) => Check($"StateChanged {e.Change}");

        await session.SetStateAsync(ConnectionState.Offline);
        Check("after SetStateAsync(Offline)");
        await session.SetStateAsync(ConnectionState.Online);
        Check("after SetStateAsync(Online)");
        await session.WaitForStateAsync(ConnectionState.Online, TimeSpan.FromSeconds(30));
        Check("after WaitForStateAsync(Online)");
        finished.SetResult(0);
    }
    catch (Exception e)
    {
        finished.SetException(e);
    }
}, null);

await finished.Task.WaitAsync(TimeSpan.FromSeconds(60));
// Let the StateChanged calls already posted run before the verdict.
var drained = new TaskCompletionSource<bool>();
ui.Post(_ => drained.SetResult(true), null);
await drained.Task;
Console.WriteLine(offThread == 0 ? "everything ran on the UI thread" : $"{offThread} calls ran elsewhere");
return offThread == 0 ? 0 : 1;
