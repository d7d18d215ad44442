using System.Collections.Generic;
using System.Linq;

namespace OlState.PowerShell
{
    /// <summary>
    /// What Get-OutlookConnection returns: how one profile is connected to
    /// Exchange and its accounts (ABI 1.3), read in one go.
    /// </summary>
    public sealed class OutlookConnection
    {
        internal OutlookConnection(OlStateSession session)
        {
            var info = session.Info;
            Profile = info.Profile;
            Provider = info.Provider;
            ConnectionMode = session.ConnectionMode;
            IsOffline = session.IsOffline;
            Accounts = session.Accounts.ToArray();
        }

        /// <summary>The MAPI profile.</summary>
        public string Profile { get; }
        /// <summary>Outlook's NameSpace.ExchangeConnectionMode (CachedConnectedFull, CachedDisconnected, Online, ...).</summary>
        public ConnectionMode ConnectionMode { get; }
        /// <summary>Connected to Exchange: CachedConnectedHeaders to Online.</summary>
        public bool IsConnected => ConnectionMode.IsConnected();
        /// <summary>Outlook's NameSpace.Offline: true in the offline and disconnected modes.</summary>
        public bool IsOffline { get; }
        /// <summary>The profile's accounts in Outlook's order (DisplayName, SmtpAddress, Type, ConnectionMode).</summary>
        public IReadOnlyList<Account> Accounts { get; }
        /// <summary>Outlook, Simulator, Library or Bridge.</summary>
        public Provider Provider { get; }
    }
}
