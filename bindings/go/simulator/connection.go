package simulator

/*
#include <stdlib.h>
#include <olstate_sim.h>
*/
import "C"

import (
	"unsafe"

	olstate "github.com/olstate/olstate/bindings/go"
)

// Outlook's Exchange connection (ABI 1.3). A profile starts in
// ConnectionCachedConnectedFull with one Exchange account,
// DefaultAccount. Every change notifies the profile's sessions
// (ConnectionChanged, AccountChanged); a call that changes nothing notifies
// nothing. Account display names are the accounts' keys.

// DefaultAccount names (and addresses) the account every profile starts with.
const DefaultAccount = C.OLSTATE_SIM_DEFAULT_ACCOUNT

// SetConnectionMode changes the session's mode as Outlook's
// NameSpace.ExchangeConnectionMode would (the network goes, Work Offline...).
func SetConnectionMode(profile string, mode olstate.ConnectionMode) error {
	return withProfile("olstate_sim_set_connection_mode", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_connection_mode(p, C.uint32_t(mode))
	})
}

// AddAccount adds an account at the end of the list (smtp "" = unreadable).
func AddAccount(profile, displayName, smtp string, kind olstate.AccountType, mode olstate.ConnectionMode) error {
	name := C.CString(displayName)
	defer C.free(unsafe.Pointer(name))
	var address *C.char
	if smtp != "" {
		address = C.CString(smtp)
		defer C.free(unsafe.Pointer(address))
	}
	return withProfile("olstate_sim_add_account", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_add_account(p, name, address, C.uint32_t(kind), C.uint32_t(mode))
	})
}

// RemoveAccount removes the account of that display name.
func RemoveAccount(profile, displayName string) error {
	name := C.CString(displayName)
	defer C.free(unsafe.Pointer(name))
	return withProfile("olstate_sim_remove_account", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_remove_account(p, name)
	})
}

// SetAccountMode changes one account's mode (Account.ExchangeConnectionMode).
func SetAccountMode(profile, displayName string, mode olstate.ConnectionMode) error {
	name := C.CString(displayName)
	defer C.free(unsafe.Pointer(name))
	return withProfile("olstate_sim_set_account_mode", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_account_mode(p, name, C.uint32_t(mode))
	})
}

// SetConnectionReported with reported=false makes sessions opened from then
// on lack CapConnectionMode (Outlook's MAPI DLL alone): their connection
// calls fail with ErrNotSupported.
func SetConnectionReported(profile string, reported bool) error {
	return withProfile("olstate_sim_set_connection_reported", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_connection_reported(p, boolInt(reported))
	})
}
