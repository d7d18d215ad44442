// Prints Outlook's connection-state events through WatchAsync. Without
// Outlook (Linux) it follows olstate's simulator and drives it through a
// few changes itself.
using System;
using System.Threading;
using System.Threading.Tasks;
using OlState;

int changes = args.Length > 0 ? int.Parse(args[0]) : 2;
using var session = OlStateSession.Open(new OlStateOptions { Profile = "csharp-sample", Provider = Provider.Simulator });
Console.WriteLine($"{session.Info.Provider} {session.Info.Profile}: {session.State}, capabilities {session.Capabilities}");

using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
// Subscribed here, at the call: the changes below are all seen, however
// late the loop starts.
var stream = session.WatchAsync(cts.Token);
var watcher = Task.Run(async () =>
{
    int seen = 0;
    await foreach (var change in stream)
    {
        Console.WriteLine(change);
        if (++seen == changes * 3) break;
    }
});
for (int i = 0; i < changes; i++)
{
    var next = session.State == ConnectionState.Online ? ConnectionState.Offline : ConnectionState.Online;
    await session.SetStateAsync(next, cts.Token);   // done at the change's end: the next one is never Busy
}
await watcher;
