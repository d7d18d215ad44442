// A session that holds the simulator's ChangeDone notification in its
// callback: the simulator notifies its sinks one after another in the order
// they were advised, so every session advised after this one has seen the
// change's Change but not its ChangeDone until Release. It shows a wait that
// ends at the change's end, not in its middle.
#nullable enable
using System;
using System.Threading;
using OlState;

public sealed class ChangeDoneHolder : IDisposable
{
    private readonly OlStateSession _session;
    private readonly IDisposable _subscription;
    private readonly ManualResetEventSlim _release = new ManualResetEventSlim(false);

    /// <summary>Set while a ChangeDone is held.</summary>
    public ManualResetEventSlim Holding { get; } = new ManualResetEventSlim(false);

    public ChangeDoneHolder(string profile)
    {
        // Inline: the callback runs on the simulator's notifying thread, so holding it holds the simulator.
        _session = OlStateSession.Open(new OlStateOptions { Profile = profile, Provider = Provider.Simulator, Delivery = Delivery.Inline });
        _subscription = _session.Subscribe(c =>
        {
            if (c.Kind != ChangeKind.ChangeDone) return;
            Holding.Set();
            _release.Wait(TimeSpan.FromSeconds(60));  // never holds the test process for ever
        });
    }

    public void Release() => _release.Set();

    public void Dispose()
    {
        _release.Set();
        _subscription.Dispose();
        _session.Dispose();
    }
}
