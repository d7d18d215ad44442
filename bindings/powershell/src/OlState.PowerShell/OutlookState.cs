using System;

namespace OlState.PowerShell
{
    /// <summary>What Get-OutlookState returns: one profile's connection facts.</summary>
    public sealed class OutlookState
    {
        internal OutlookState(OlStateSession session)
        {
            var info = session.Info;
            Profile = info.Profile;
            Provider = info.Provider;
            ProviderPath = info.ProviderPath;
            Capabilities = session.Capabilities;
            State = session.State;
            LibraryVersion = OlStateSession.LibraryVersion;
        }

        /// <summary>Online or Offline.</summary>
        public ConnectionState State { get; }
        /// <summary>The states this Outlook can be switched to.</summary>
        public Capabilities Capabilities { get; }
        /// <summary>The MAPI profile.</summary>
        public string Profile { get; }
        /// <summary>Outlook, Simulator, Library or Bridge.</summary>
        public Provider Provider { get; }
        /// <summary>The provider library loaded, or the bridge endpoint.</summary>
        public string ProviderPath { get; }
        /// <summary>The olstate native library's version.</summary>
        public string LibraryVersion { get; }

        /// <inheritdoc/>
        public override string ToString() => $"{Profile}: {State}";
    }
}
