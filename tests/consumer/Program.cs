// The .NET consumer: the simulator plays the user going offline; the
// session's handler prints the events.
using System;
using OlState;
using OlState.Testing;

using var session = OlStateSession.Open(new OlStateOptions
{
    Profile = "consumer-dotnet", Provider = Provider.Simulator, Delivery = Delivery.Inline,
});
session.StateChanged += (_, e) => Console.WriteLine("dotnet: " + e.Change);
Simulator.SetState("consumer-dotnet", ConnectionState.Offline);
Console.WriteLine("dotnet: loaded " + OlStateNative.LoadedPath);
