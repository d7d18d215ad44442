using System;
using System.Threading;
using OlState.Testing;
using Xunit;

namespace OlState.Tests
{
    // What a user of the package writes: their own class that reacts to
    // Outlook going offline, tested with OlState.Testing.Simulator. The
    // README's "Testing your own code" section shows this file.
    public sealed class SyncService : IDisposable
    {
        private readonly OlStateSession _session;
        private readonly ManualResetEventSlim _paused = new ManualResetEventSlim(false);

        public SyncService(string profile)
        {
            _session = OlStateSession.Open(new OlStateOptions { Profile = profile, Provider = Provider.Simulator });
            if (_session.State == ConnectionState.Offline) _paused.Set();
            _session.StateChanged += (_, e) =>
            {
                if (e.Change.Kind != ChangeKind.ChangeDone) return;
                if (e.Change.NewState == ConnectionState.Offline) _paused.Set(); else _paused.Reset();
            };
        }

        public bool WaitUntilPaused(TimeSpan timeout) => _paused.Wait(timeout);
        public bool IsPaused => _paused.IsSet;
        public void Dispose() => _session.Dispose();
    }

    public class TestingYourCode
    {
        private const string Profile = "testing-your-code";

        [Fact]
        public void SyncPausesWhenOutlookGoesOffline()
        {
            Simulator.Reset();
            using var service = new SyncService(Profile);
            Assert.False(service.IsPaused);

            Simulator.SetState(Profile, ConnectionState.Offline);   // the user clicks Work Offline

            Assert.True(service.WaitUntilPaused(TimeSpan.FromSeconds(10)));
            Assert.Equal(ConnectionState.Offline, Simulator.GetState(Profile));
            Simulator.Reset();
        }

        [Fact]
        public void OpeningFailsLikeOutlookWhenTheSimulatorIsToldTo()
        {
            Simulator.Reset();
            Simulator.FailNext(SimulatedCall.Open, unchecked((int)0x80040115));   // MAPI_E_NETWORK_ERROR
            var e = Assert.Throws<OlStateException>(() => new SyncService(Profile));
            Assert.Equal(unchecked((int)0x80040115), e.NativeHResult);
            Simulator.Reset();
        }
    }
}
