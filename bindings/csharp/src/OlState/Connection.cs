using System;

namespace OlState
{
    /// <summary>
    /// How Outlook is connected to Exchange (ABI 1.3): the values of Outlook's
    /// <c>OlExchangeConnectionMode</c> (<c>NameSpace.ExchangeConnectionMode</c>
    /// for the session, <c>Account.ExchangeConnectionMode</c> per account), plus
    /// <see cref="Unknown"/>. Values a later library adds pass through as
    /// their number.
    /// </summary>
    public enum ConnectionMode : uint
    {
        /// <summary>olNoExchange: the profile (or account) has no Exchange.</summary>
        NoExchange = 0,
        /// <summary>olOffline: classic offline, or Work Offline.</summary>
        Offline = 100,
        /// <summary>olCachedOffline: cached mode, Work Offline.</summary>
        CachedOffline = 200,
        /// <summary>olDisconnected: the connection to Exchange is down.</summary>
        Disconnected = 300,
        /// <summary>olCachedDisconnected: cached mode with the connection down; the cache may be stale.</summary>
        CachedDisconnected = 400,
        /// <summary>olCachedConnectedHeaders: cached, connected over a slow link (headers only).</summary>
        CachedConnectedHeaders = 500,
        /// <summary>olCachedConnectedDrizzle: cached, connected: headers first, then full items.</summary>
        CachedConnectedDrizzle = 600,
        /// <summary>olCachedConnectedFull: cached and connected.</summary>
        CachedConnectedFull = 700,
        /// <summary>olOnline: classic online mode.</summary>
        Online = 800,
        /// <summary>
        /// Not an Outlook value: the side of an <see cref="ChangeKind.AccountChanged"/>
        /// event where the account did not exist (added: the old mode; removed: the new one).
        /// </summary>
        Unknown = 0xFFFFFFFF,
    }

    /// <summary>What kind of account it is: the values of Outlook's <c>OlAccountType</c> (ABI 1.3).</summary>
    public enum AccountType : uint
    {
        /// <summary>olExchange.</summary>
        Exchange = 0,
        /// <summary>olImap.</summary>
        Imap = 1,
        /// <summary>olPop3.</summary>
        Pop3 = 2,
        /// <summary>olHttp.</summary>
        Http = 3,
        /// <summary>olEas: Exchange ActiveSync.</summary>
        Eas = 4,
        /// <summary>olOtherAccount: another or an unknown kind.</summary>
        Other = 5,
    }

    /// <summary>Questions about a <see cref="ConnectionMode"/>.</summary>
    public static class ConnectionModeExtensions
    {
        /// <summary>
        /// Connected to Exchange: cached with headers, drizzle or full items,
        /// or online (<see cref="ConnectionMode.CachedConnectedHeaders"/> to
        /// <see cref="ConnectionMode.Online"/>). False for the offline and
        /// disconnected modes, for <see cref="ConnectionMode.NoExchange"/> and
        /// <see cref="ConnectionMode.Unknown"/>.
        /// </summary>
        public static bool IsConnected(this ConnectionMode mode) =>
            mode >= ConnectionMode.CachedConnectedHeaders && mode <= ConnectionMode.Online;
    }

    /// <summary>One account of the profile, as Outlook reported it when it was read (immutable).</summary>
    public sealed class Account : IEquatable<Account>
    {
        /// <summary>Creates an account (for tests of your own code; olstate makes them from what Outlook reports).</summary>
        public Account(string displayName, string smtpAddress, AccountType type, ConnectionMode connectionMode)
        {
            DisplayName = displayName ?? throw new ArgumentNullException(nameof(displayName));
            SmtpAddress = smtpAddress ?? throw new ArgumentNullException(nameof(smtpAddress));
            Type = type;
            ConnectionMode = connectionMode;
        }

        /// <summary><c>Account.DisplayName</c>.</summary>
        public string DisplayName { get; }
        /// <summary><c>Account.SmtpAddress</c>; empty when it cannot be read without Outlook's object-model guard prompting.</summary>
        public string SmtpAddress { get; }
        /// <summary><c>Account.AccountType</c>.</summary>
        public AccountType Type { get; }
        /// <summary><c>Account.ExchangeConnectionMode</c>; <see cref="ConnectionMode.NoExchange"/> for an account that is not Exchange.</summary>
        public ConnectionMode ConnectionMode { get; }

        /// <inheritdoc />
        public bool Equals(Account? other) =>
            other != null && DisplayName == other.DisplayName && SmtpAddress == other.SmtpAddress &&
            Type == other.Type && ConnectionMode == other.ConnectionMode;

        /// <inheritdoc />
        public override bool Equals(object? obj) => Equals(obj as Account);

        /// <inheritdoc />
        public override int GetHashCode() =>
            ((DisplayName.GetHashCode() * 31 + SmtpAddress.GetHashCode()) * 31 + (int)Type) * 31 + (int)ConnectionMode;

        /// <inheritdoc />
        public override string ToString() => $"{DisplayName} <{SmtpAddress}> {Type} {ConnectionMode}";
    }
}
