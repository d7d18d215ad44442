package olstate

/*
#include "connection_glue.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
)

// ConnectionMode is how Outlook is connected to Exchange: Outlook's
// OlExchangeConnectionMode (NameSpace.ExchangeConnectionMode for the
// session, Account.ExchangeConnectionMode per account), ABI 1.3. Values a
// newer library adds pass through unchanged.
type ConnectionMode uint32

// Connection modes, equal to Outlook's values.
const (
	ConnectionNoExchange             ConnectionMode = C.OLSTATE_CONNECTION_NO_EXCHANGE              // olNoExchange
	ConnectionOffline                ConnectionMode = C.OLSTATE_CONNECTION_OFFLINE                  // olOffline: classic offline, or Work Offline
	ConnectionCachedOffline          ConnectionMode = C.OLSTATE_CONNECTION_CACHED_OFFLINE           // olCachedOffline: cached, Work Offline
	ConnectionDisconnected           ConnectionMode = C.OLSTATE_CONNECTION_DISCONNECTED             // olDisconnected: the connection is down
	ConnectionCachedDisconnected     ConnectionMode = C.OLSTATE_CONNECTION_CACHED_DISCONNECTED      // olCachedDisconnected: the cache may be stale
	ConnectionCachedConnectedHeaders ConnectionMode = C.OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS // olCachedConnectedHeaders: slow link
	ConnectionCachedConnectedDrizzle ConnectionMode = C.OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE // olCachedConnectedDrizzle
	ConnectionCachedConnectedFull    ConnectionMode = C.OLSTATE_CONNECTION_CACHED_CONNECTED_FULL    // olCachedConnectedFull
	ConnectionOnline                 ConnectionMode = C.OLSTATE_CONNECTION_ONLINE                   // olOnline: classic online mode
	// ConnectionUnknown is not an Outlook value: in an AccountChanged event,
	// the side on which the account did not exist.
	ConnectionUnknown ConnectionMode = C.OLSTATE_CONNECTION_UNKNOWN
)

var connectionModeNames = map[ConnectionMode]string{
	ConnectionNoExchange:             "no_exchange",
	ConnectionOffline:                "offline",
	ConnectionCachedOffline:          "cached_offline",
	ConnectionDisconnected:           "disconnected",
	ConnectionCachedDisconnected:     "cached_disconnected",
	ConnectionCachedConnectedHeaders: "cached_connected_headers",
	ConnectionCachedConnectedDrizzle: "cached_connected_drizzle",
	ConnectionCachedConnectedFull:    "cached_connected_full",
	ConnectionOnline:                 "online",
	ConnectionUnknown:                "none",
}

func (m ConnectionMode) String() string { return nameOr(connectionModeNames, m, "ConnectionMode") }

// nameOr names a value from its table, or as Type(value) when a newer
// library sent one this package does not know.
func nameOr[T ~uint32](names map[T]string, v T, typeName string) string {
	if name, ok := names[v]; ok {
		return name
	}
	return fmt.Sprintf("%s(%d)", typeName, uint32(v))
}

// Connected reports whether Exchange is reachable: the cached-connected
// modes and ConnectionOnline. Unknown values count as not connected.
func (m ConnectionMode) Connected() bool {
	switch m {
	case ConnectionCachedConnectedHeaders, ConnectionCachedConnectedDrizzle, ConnectionCachedConnectedFull,
		ConnectionOnline:
		return true
	}
	return false
}

// AccountType is an account's type: Outlook's OlAccountType (ABI 1.3).
type AccountType uint32

// Account types, equal to Outlook's values.
const (
	AccountExchange AccountType = C.OLSTATE_ACCOUNT_EXCHANGE // olExchange
	AccountIMAP     AccountType = C.OLSTATE_ACCOUNT_IMAP     // olImap
	AccountPOP3     AccountType = C.OLSTATE_ACCOUNT_POP3     // olPop3
	AccountHTTP     AccountType = C.OLSTATE_ACCOUNT_HTTP     // olHttp
	AccountEAS      AccountType = C.OLSTATE_ACCOUNT_EAS      // olEas: Exchange ActiveSync
	AccountOther    AccountType = C.OLSTATE_ACCOUNT_OTHER    // olOtherAccount
)

var accountTypeNames = map[AccountType]string{
	AccountExchange: "exchange", AccountIMAP: "imap", AccountPOP3: "pop3",
	AccountHTTP: "http", AccountEAS: "eas", AccountOther: "other",
}

func (t AccountType) String() string { return nameOr(accountTypeNames, t, "AccountType") }

// Account is one account of the profile, copied out of olstate's struct.
type Account struct {
	DisplayName string
	// SMTPAddress is "" when Outlook could not give it without its
	// object-model guard prompting.
	SMTPAddress string
	Type        AccountType
	// Mode is ConnectionNoExchange for an account that is not Exchange.
	Mode ConnectionMode
}

// OldMode is, for ConnectionChanged, the session's mode before the change;
// for AccountChanged the account's (ConnectionUnknown when it was just
// added). For other kinds it is meaningless: they carry states.
func (e Event) OldMode() ConnectionMode { return ConnectionMode(e.OldState) }

// NewMode is OldMode after the change (ConnectionUnknown for an account
// that was removed).
func (e Event) NewMode() ConnectionMode { return ConnectionMode(e.NewState) }

// ConnectionMode reports the session's Exchange connection mode, as the
// provider read it last. Errors: ErrNotSupported (the session lacks
// CapConnectionMode), ErrProviderFailed (the provider could not read it;
// the message says why), ErrProviderNotFound (a bridge host is gone).
func (s *Session) ConnectionMode() (ConnectionMode, error) {
	var v C.uint32_t
	err := check(C.olgo_get_connection_mode(s.handle, &v))
	runtime.KeepAlive(s)
	return ConnectionMode(v), err
}

// Offline reports Outlook's NameSpace.Offline: true when Outlook is not
// connected to Exchange. Errors as for ConnectionMode.
func (s *Session) Offline() (bool, error) {
	var v C.uint32_t
	err := check(C.olgo_get_offline(s.handle, &v))
	runtime.KeepAlive(s)
	return v != 0, err
}

// Accounts lists the profile's accounts in Outlook's order, one snapshot.
// Errors as for ConnectionMode.
func (s *Session) Accounts() ([]Account, error) {
	var raw [C.OLSTATE_MAX_ACCOUNTS]C.olstate_account
	var n C.uint32_t
	err := check(C.olgo_get_accounts(s.handle, &raw[0], &n))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	count := int(n)
	if count > len(raw) {
		count = len(raw)
	}
	accounts := make([]Account, 0, count)
	for _, a := range raw[:count] {
		accounts = append(accounts, Account{
			DisplayName: C.GoString(&a.display_name[0]),
			SMTPAddress: C.GoString(&a.smtp_address[0]),
			Type:        AccountType(a.account_type),
			Mode:        ConnectionMode(a.connection_mode),
		})
	}
	return accounts, nil
}

// WaitConnection returns once the session's connection mode satisfies want
// (ConnectionMode.Connected waits until Exchange is reachable): at once when
// the current mode does, else at the ConnectionChanged that brings one. It
// watches before it reads the mode, so no change is missed. It returns the
// mode reached; ctx.Err() when ctx ends first; the errors of
// ConnectionMode; ErrProviderNotFound when a bridge host goes away without
// WithReconnect (with it the wait goes on and reads the mode again at
// ProviderBack). Do not call it from a Queued callback of the same session:
// the change it waits for would be delivered on that very thread.
func (s *Session) WaitConnection(ctx context.Context, want func(ConnectionMode) bool) (ConnectionMode, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the watch
	events, err := s.Watch(ctx)
	if err != nil {
		return 0, err
	}
	mode, err := s.ConnectionMode()
	if err != nil {
		return mode, err
	}
	for !want(mode) {
		select {
		case <-ctx.Done():
			return mode, ctx.Err()
		case e, ok := <-events:
			if !ok { // the session closed, or its bridge host is gone for good
				if err := ctx.Err(); err != nil {
					return mode, err
				}
				if _, err := s.ConnectionMode(); err != nil {
					return mode, err
				}
				return mode, newError(ErrProviderNotFound.Code, "the bridge host went away while waiting for a connection mode")
			}
			switch e.Kind {
			case ConnectionChanged:
				mode = e.NewMode()
			case ProviderBack:
				if mode, err = s.ConnectionMode(); err != nil {
					return mode, err
				}
			}
		}
	}
	return mode, nil
}
