using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OlState.Testing;
using Xunit;

namespace OlState.Tests
{
    /// <summary>
    /// The README's C# blocks, compiled and run here: each lies between
    /// "// README: name" and "// README: end" in this file, and
    /// EveryBlockIsHereVerbatim fails when the README and this file differ.
    /// The code around a region supplies what the README leaves to the reader
    /// (a cancellationToken, an add-in's Application).
    /// </summary>
    public class ReadmeSnippets
    {
        [Fact]
        public void EveryBlockIsHereVerbatim()
        {
            var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
            var blocks = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline)
                .Select(m => Normalize(m.Groups[1].Value, dropUsingDirectives: true)).ToList();
            Assert.Equal(5, blocks.Count);   // a new block needs its region here
            var here = File.ReadAllText(SourceFile());
            var regions = Regex.Matches(here, @"// README: \w+\n(.*?)\n[ \t]*// README: end", RegexOptions.Singleline)
                .Select(m => Normalize(m.Groups[1].Value, dropUsingDirectives: false)).ToList();
            foreach (var block in blocks)
                Assert.True(regions.Contains(block), "README block not found verbatim in ReadmeSnippets.cs:\n" + block);
        }

        private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

        // Without common indentation and trailing blanks; a file's using
        // directives are not statements, so a method cannot hold them.
        private static string Normalize(string code, bool dropUsingDirectives)
        {
            var lines = code.Replace("\r", "").Split('\n').Select(l => l.TrimEnd())
                .Where(l => !(dropUsingDirectives && Regex.IsMatch(l, @"^using [\w.]+;$"))).ToList();
            while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
            while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
            int indent = lines.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            return string.Join("\n", lines.Select(l => l.Length >= indent ? l.Substring(indent) : l));
        }

        [Fact]
        public async Task FirstSteps()
        {
            Simulator.Reset();   // the default profile, online
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var cancellationToken = cts.Token;
            var seen = 0;
            var ex = await Record.ExceptionAsync(async () =>
            {
                // README: main
                // Inside an add-in, pass the profile Outlook has open:
                // Application.Session.CurrentProfileName
                await using var session = OlStateSession.Open(profile: null);
                Console.WriteLine($"{session.State}, capabilities {session.Capabilities}");

                session.StateChanged += (_, e) => Console.WriteLine(e.Change);   // #1 ChangeStart Online -> Offline ...

                // Wait until Outlook is online, then sync:
                await session.WaitForStateAsync(ConnectionState.Online, TimeSpan.FromMinutes(5), cancellationToken);

                // Each completes when its change is done, so the next one is never refused as Busy:
                await session.SetStateAsync(ConnectionState.Offline, cancellationToken);
                await session.SetStateAsync(ConnectionState.Online, cancellationToken);

                // The state now, then every change, until cancelled (or the session is disposed):
                await foreach (var change in session.WatchAsync(startWithCurrentState: true, cancellationToken))
                    Console.WriteLine(change);
                // README: end
                seen++;
            });
            Assert.IsAssignableFrom<OperationCanceledException>(ex);   // the endless loop ended by the token
            Assert.Equal(0, seen);
            Assert.Equal(ConnectionState.Online, Simulator.GetState(null));
        }

        [Fact]
        public async Task WaitUntilExchangeIsConnectedThenSync()
        {
            Simulator.Reset();
            Simulator.SetConnectionMode(null, ConnectionMode.CachedDisconnected);   // the network is gone
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var cancellationToken = cts.Token;
            await using var session = OlStateSession.Open(profile: null);
            var synced = new TaskCompletionSource<ConnectionMode>(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new SynchronizedWriter();
            var console = Console.Out;
            Console.SetOut(output);
            try
            {
                var snippet = Task.Run(async () =>
                {
                    // README: connection
                    // Connected: cached with headers, drizzle or full items, or online.
                    var mode = await session.WaitForConnectionAsync(m => m.IsConnected(), TimeSpan.FromMinutes(5), cancellationToken);
                    await SyncAsync(cancellationToken);   // your code

                    Console.WriteLine($"{mode}, offline: {session.IsOffline}");
                    foreach (var account in session.Accounts)   // a snapshot, in Outlook's order
                        Console.WriteLine($"{account.DisplayName} <{account.SmtpAddress}> {account.Type}: {account.ConnectionMode}");

                    session.StateChanged += (_, e) =>
                    {
                        if (e.Change.Kind == ChangeKind.ConnectionChanged)      // the session's mode
                            Console.WriteLine($"Exchange: {e.Change.OldMode} -> {e.Change.NewMode}");
                        else if (e.Change.Kind == ChangeKind.AccountChanged)    // added (from Unknown), removed (to Unknown), changed
                            Console.WriteLine($"an account: {e.Change.OldMode} -> {e.Change.NewMode}; now {session.Accounts.Count} accounts");
                    };
                    // README: end
                });
                Task SyncAsync(CancellationToken _)
                {
                    synced.TrySetResult(session.ConnectionMode);
                    return Task.CompletedTask;
                }
                await Task.Delay(300);
                Assert.False(synced.Task.IsCompleted);   // not while disconnected
                Simulator.SetConnectionMode(null, ConnectionMode.CachedConnectedDrizzle);
                Assert.Equal(ConnectionMode.CachedConnectedDrizzle, await synced.Task.WaitAsync(cancellationToken));
                await snippet.WaitAsync(cancellationToken);
                Simulator.SetConnectionMode(null, ConnectionMode.Online);
                Simulator.AddAccount(null, "Shared", "shared@example.com", AccountType.Exchange, ConnectionMode.Online);
                while (!output.ToString().Contains("an account: Unknown -> Online; now 2 accounts"))
                    await Task.Delay(20, cancellationToken);
                Assert.Contains("CachedConnectedDrizzle, offline: False", output.ToString());
                Assert.Contains("user@example.com <user@example.com> Exchange: CachedConnectedFull", output.ToString());
                Assert.Contains("Exchange: CachedConnectedDrizzle -> Online", output.ToString());
            }
            finally
            {
                Console.SetOut(console);
                Simulator.Reset();
            }
        }

        [Fact]
        public async Task BridgeClient()
        {
            using var runtime = PrivateRuntimeDir.Use();   // the current user's endpoint, in a folder of this test's
            var output = new SynchronizedWriter();
            var console = Console.Out;
            Console.SetOut(output);
            try { await RunBridgeClient(output); }
            finally { Console.SetOut(console); }
        }

        private static async Task RunBridgeClient(SynchronizedWriter output)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var cancellationToken = cts.Token;
            Sim.Touch();
            using var host = OlStateSession.Open(new OlStateOptions { Profile = "readme-bridge", Provider = Provider.Simulator });
            var client = Task.Run(async () =>
            {
                // README: bridge
                using var session = OlStateSession.Open(new OlStateOptions
                {
                    Provider = Provider.Bridge,   // the current user's bridge
                    Reconnect = true,             // wait for Outlook, survive restarts
                    // Endpoint = path,           // another endpoint (OlStateBridge.Endpoint)
                });
                await foreach (var change in session.WatchAsync(cancellationToken))
                {
                    switch (change.Kind)
                    {
                        case ChangeKind.ProviderLost: Console.WriteLine($"Outlook is gone (was {change.NewState})"); break;
                        case ChangeKind.ProviderBack: Console.WriteLine($"Outlook is back: {change.NewState}"); break;
                        case ChangeKind.ChangeDone:   Console.WriteLine($"Outlook is now {change.NewState}"); break;
                        default: break;               // other steps, and kinds added later
                    }
                }
                // README: end
            });
            var addIn = new ThisAddIn("readme-bridge");
            addIn.Startup();                  // the add-in's bridge: the client finds it
            // The client prints "back" if it opened before the add-in's bridge
            // ran; if after, it was connected from the start: then it prints
            // the changes the user makes.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            var state = ConnectionState.Online;
            while (!output.ToString().Contains("Outlook is back: Online") && !output.ToString().Contains("Outlook is now"))
            {
                Assert.False(client.IsCompleted, "the client ended: " + client.Exception + "; it printed: " + output);
                Assert.True(DateTime.UtcNow < deadline, "the client saw nothing of the add-in's bridge in 60 s");
                state = state == ConnectionState.Online ? ConnectionState.Offline : ConnectionState.Online;
                Simulator.SetState("readme-bridge", state);   // the user clicks Work Offline / Online
                await Task.Delay(200);
            }
            addIn.Shutdown();
            await Printed(output, "Outlook is gone (was ", client);
            cts.CancelAfter(TimeSpan.FromSeconds(1));
            var ex = await Record.ExceptionAsync(() => client.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.IsAssignableFrom<OperationCanceledException>(ex);
        }

        // Polls without holding a thread: the client's loop needs the pool.
        private static async Task Printed(SynchronizedWriter output, string text, Task client)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!output.ToString().Contains(text))
            {
                Assert.False(client.IsCompleted, "the client ended: " + client.Exception + "; it printed: " + output);
                Assert.True(DateTime.UtcNow < deadline, "no \"" + text + "\" in 60 s; the client printed: " + output);
                await Task.Delay(20);
            }
        }

        [Fact]
        public void TestingYourOwnCode()
        {
            // README: testing
            Simulator.Reset();
            using var service = new SyncService("my-test");              // your code, on Provider.Simulator
            Simulator.SetState("my-test", ConnectionState.Offline);      // the user clicks Work Offline
            Assert.True(service.WaitUntilPaused(TimeSpan.FromSeconds(10)));

            Simulator.FailNext(SimulatedCall.Open, unchecked((int)0x80040115));   // MAPI_E_NETWORK_ERROR
            Assert.Throws<OlStateException>(() => new SyncService("my-test"));
            // README: end
            Simulator.Reset();
        }
    }

    /// <summary>Console output kept for the test to read, from any thread.</summary>
    internal sealed class SynchronizedWriter : StringWriter
    {
        public override void Write(char value) { lock (this) base.Write(value); }
        public override void Write(string? value) { lock (this) base.Write(value); }
        public override void WriteLine(string? value) { lock (this) base.WriteLine(value); }
        public override string ToString() { lock (this) return base.ToString(); }
    }

    // README: addin
    public partial class ThisAddIn
    {
        private OlStateSession? _session;
        private OlStateBridge? _bridge;

        private void ThisAddIn_Startup(object sender, EventArgs e)
        {
            _session = OlStateSession.Open(Application.Session.CurrentProfileName);
            _bridge = OlStateBridge.Start(_session, new OlStateBridgeOptions { AllowSetState = false });
        }

        private void ThisAddIn_Shutdown(object sender, EventArgs e)
        {
            _bridge?.Dispose();   // clients see ProviderLost
            _session?.Dispose();
        }
    }
    // README: end

    /// <summary>What VSTO gives an add-in, reduced to what the README's add-in uses.</summary>
    public partial class ThisAddIn
    {
        public ThisAddIn(string profile) => Application = new OutlookApplication(profile);

        private OutlookApplication Application { get; }

        public void Startup() => ThisAddIn_Startup(this, EventArgs.Empty);
        public void Shutdown() => ThisAddIn_Shutdown(this, EventArgs.Empty);

        public sealed class OutlookApplication
        {
            public OutlookApplication(string profile) => Session = new OutlookNamespace(profile);
            public OutlookNamespace Session { get; }
        }

        public sealed class OutlookNamespace
        {
            public OutlookNamespace(string profile) => CurrentProfileName = profile;
            public string CurrentProfileName { get; }
        }
    }

    /// <summary>
    /// Points the current user's bridge endpoint ($XDG_RUNTIME_DIR, read by
    /// olstate at each use) at a private folder for a test, so the README's
    /// default-endpoint code never meets another process's bridge. The native
    /// environment is set through libc: .NET's own copy is not what olstate reads.
    /// </summary>
    internal sealed class PrivateRuntimeDir : IDisposable
    {
        private readonly string? _before = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olstate-cs-runtime-");   // 0700

        private PrivateRuntimeDir() => Set(_dir.FullName);

        public static PrivateRuntimeDir Use() => new PrivateRuntimeDir();

        public void Dispose()
        {
            Set(_before);
            try { _dir.Delete(recursive: true); } catch (IOException) { }
        }

        private static void Set(string? value)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;   // a named pipe per user there
            if (value == null) unsetenv("XDG_RUNTIME_DIR"); else setenv("XDG_RUNTIME_DIR", value, 1);
        }

        [DllImport("libc", CharSet = CharSet.Ansi)] private static extern int setenv(string name, string value, int overwrite);
        [DllImport("libc", CharSet = CharSet.Ansi)] private static extern int unsetenv(string name);
    }
}
