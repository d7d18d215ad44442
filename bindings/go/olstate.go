// Package olstate follows and switches Microsoft Outlook's online/offline
// state through the olstate C library (Outlook's Offline State API without
// COM). Outside Windows it talks to olstate's simulator, which behaves like
// Outlook, so applications and their tests run anywhere.
//
// Open a Session, then either Subscribe a func or Watch a channel:
//
//	s, err := olstate.Open("")                 // "" = the default profile
//	if err != nil { ... }
//	defer s.Close()
//	events, _ := s.Watch(ctx)                 // closed when ctx is done or s closes
//	_ = s.SetState(olstate.Offline, false)
//	for e := range events { fmt.Println(e.Kind, e.OldState, "->", e.NewState) }
//
// # Errors
//
// Every failure is an *Error with olstate's result Code, the HResult
// involved and olstate's Message; errors.Is matches it against the sentinels
// (errors.Is(err, olstate.ErrBusy)). The message is read in C right after the
// failing call, on the same OS thread, so goroutines moving between threads
// never see another call's message.
//
// # Threads and callbacks
//
// With Queued delivery (the default) a session's callbacks run one at a time,
// in order, on a thread olstate owns. With Inline delivery they run on the
// provider's notification thread and may run concurrently, so the func must
// be safe for concurrent use; keep it short (it holds up Outlook's thread).
// A callback may call any method, including Close on its own Subscription or
// Session (that does not wait). Do not call Subscription.Close or
// Session.Close while holding a lock your callback also takes: they wait for
// running callbacks. A callback must not call runtime.Goexit (t.FailNow,
// t.Fatal): it runs on a cgo callback, and that would crash the program.
//
// A panic in a callback is recovered in the trampoline, before it can reach
// C, and handed to the func set with SetPanicHandler (default: log.Printf);
// the subscription stays active.
//
// # Lifetimes
//
// Go values cross into C only as runtime/cgo.Handle integers; C keeps no Go
// pointer. Each subscription's handle is deleted exactly once, in olstate's
// release callback, which olstate runs after the subscription's last call
// (or before a failing subscribe returns). Close every Session: a finalizer
// closes a leaked one as a safety net only (and never one that a subscribed
// func still refers to, since olstate keeps that func alive).
//
// # Linking
//
// The package uses `#cgo pkg-config: olstate`. Install olstate (meson install
// gives olstate.pc), or point PKG_CONFIG_PATH at a meson build folder's
// meson-uninstalled directory (and LD_LIBRARY_PATH at its shim folder).
package olstate

/*
#cgo pkg-config: olstate
#include <olstate.h>
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"log"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// ABIVersion is the olstate ABI this package was written for.
const ABIVersion = uint32(C.OLSTATE_ABI_VERSION)

// State is Outlook's connection state.
type State uint32

// States, equal to MAPI's values.
const (
	Offline State = C.OLSTATE_OFFLINE
	Online  State = C.OLSTATE_ONLINE
)

func (s State) String() string {
	switch s {
	case Offline:
		return "offline"
	case Online:
		return "online"
	}
	return fmt.Sprintf("State(%d)", uint32(s))
}

// Capabilities says which states the provider can report and switch to.
type Capabilities uint32

// Capability bits.
const (
	CapOffline Capabilities = C.OLSTATE_CAPABILITY_OFFLINE
	CapOnline  Capabilities = C.OLSTATE_CAPABILITY_ONLINE
	// CapConnectionMode (ABI 1.3): the session reports Outlook's Exchange
	// connection mode and accounts.
	CapConnectionMode Capabilities = C.OLSTATE_CAPABILITY_CONNECTION_MODE
)

// Has reports whether every bit of c2 is set.
func (c Capabilities) Has(c2 Capabilities) bool { return c&c2 == c2 }

func (c Capabilities) String() string {
	if c == 0 {
		return "none"
	}
	var names []string
	for _, n := range []struct {
		bit  Capabilities
		name string
	}{{CapOffline, "offline"}, {CapOnline, "online"}, {CapConnectionMode, "connection_mode"}} {
		if c.Has(n.bit) {
			names = append(names, n.name)
			c &^= n.bit
		}
	}
	if c != 0 {
		names = append(names, fmt.Sprintf("Capabilities(%#x)", uint32(c)))
	}
	return strings.Join(names, "|")
}

// EventKind says which step of a change an Event reports. Kinds this
// package does not know are passed through unchanged.
type EventKind uint32

// Event kinds. A change is reported as ChangeStart, Change, ChangeDone.
// ProviderLost and ProviderBack (ABI 1.1) come only to sessions opened with
// ProviderBridge and are never dropped on overflow.
const (
	ChangeStart EventKind = C.OLSTATE_EVENT_CHANGE_START
	Change      EventKind = C.OLSTATE_EVENT_CHANGE
	ChangeDone  EventKind = C.OLSTATE_EVENT_CHANGE_DONE
	// ProviderLost: the bridge host went away (Outlook exited, the add-in
	// unloaded). NewState is the last state known; calls fail with
	// ErrProviderNotFound until ProviderBack.
	ProviderLost EventKind = C.OLSTATE_EVENT_PROVIDER_LOST
	// ProviderBack: a session opened WithReconnect reached a host again;
	// NewState is the current state.
	ProviderBack EventKind = C.OLSTATE_EVENT_PROVIDER_BACK
	// Current (ABI 1.2) is the first event of a subscription made
	// WithCurrentState, and comes to no other: OldState = NewState = the
	// session's state when it subscribed; every later change follows it.
	Current EventKind = C.OLSTATE_EVENT_CURRENT
	// ConnectionChanged (ABI 1.3, sessions with CapConnectionMode): the
	// session's Exchange connection mode changed; Event.OldMode and
	// Event.NewMode are the modes before and after.
	ConnectionChanged EventKind = C.OLSTATE_EVENT_CONNECTION_CHANGED
	// AccountChanged (ABI 1.3): an account was added, removed or changed its
	// mode; OldMode/NewMode are its modes (ConnectionUnknown on the side
	// where it did not exist). Session.Accounts has the list.
	AccountChanged EventKind = C.OLSTATE_EVENT_ACCOUNT_CHANGED
)

func (k EventKind) String() string {
	switch k {
	case ChangeStart:
		return "change_start"
	case Change:
		return "change"
	case ChangeDone:
		return "change_done"
	case ProviderLost:
		return "provider_lost"
	case ProviderBack:
		return "provider_back"
	case Current:
		return "current"
	case ConnectionChanged:
		return "connection_changed"
	case AccountChanged:
		return "account_changed"
	}
	return fmt.Sprintf("EventKind(%#x)", uint32(k))
}

// Event is one notification, copied out of olstate's struct.
type Event struct {
	Kind         EventKind
	OldState     State
	NewState     State
	Subscription uint64    // the token of the subscription it was delivered to
	Sequence     uint64    // per session: 1, 2, 3...; a gap means events were dropped
	Dropped      bool      // events were dropped before this one (queue overflow)
	Time         time.Time // when the provider's notification reached olstate
}

// Provider selects who answers: Outlook, the simulator, a library, the bridge.
type Provider uint32

// Providers.
const (
	ProviderAuto      Provider = C.OLSTATE_PROVIDER_AUTO
	ProviderOutlook   Provider = C.OLSTATE_PROVIDER_OUTLOOK
	ProviderSimulator Provider = C.OLSTATE_PROVIDER_SIMULATOR
	ProviderLibrary   Provider = C.OLSTATE_PROVIDER_LIBRARY
	// ProviderBridge reaches a session published by a Bridge (in practice
	// inside Outlook) from another process: the current user's endpoint, or
	// the one given WithEndpoint. Open fails with ErrProviderNotFound when no
	// bridge serves it, unless WithReconnect(true).
	ProviderBridge Provider = C.OLSTATE_PROVIDER_BRIDGE
	// ProviderObjectModel (ABI 1.3, Windows) reads a running Outlook from
	// outside through its object model, read-only, with no add-in;
	// ProviderAuto outside OUTLOOK.EXE falls back to it when no bridge runs.
	// Elsewhere Open fails with ErrNotSupported.
	ProviderObjectModel Provider = C.OLSTATE_PROVIDER_OBJECT_MODEL
)

func (p Provider) String() string {
	switch p {
	case ProviderAuto:
		return "auto"
	case ProviderOutlook:
		return "outlook"
	case ProviderSimulator:
		return "simulator"
	case ProviderLibrary:
		return "library"
	case ProviderBridge:
		return "bridge"
	case ProviderObjectModel:
		return "object-model"
	}
	return fmt.Sprintf("Provider(%d)", uint32(p))
}

// Delivery selects the thread callbacks run on.
type Delivery uint32

// Delivery modes.
const (
	Queued Delivery = C.OLSTATE_DELIVERY_QUEUED // one olstate thread per session, in order
	Inline Delivery = C.OLSTATE_DELIVERY_INLINE // the provider's thread, possibly concurrent
)

func (d Delivery) String() string {
	switch d {
	case Queued:
		return "queued"
	case Inline:
		return "inline"
	}
	return fmt.Sprintf("Delivery(%d)", uint32(d))
}

// Error is a failure reported by olstate: its result code (OLSTATE_E_*,
// negative), the HRESULT involved (0 if none) and olstate's message, read on
// the OS thread of the failing call right after it returned.
type Error struct {
	Code    int32
	HResult int32
	Message string
}

func (e *Error) Error() string {
	name := codeName(e.Code)
	switch {
	case e.Message == "":
		return "olstate: " + name
	case strings.HasPrefix(e.Message, name):
		return "olstate: " + e.Message // olstate's messages start with the name
	}
	return "olstate: " + name + ": " + e.Message
}

// Is makes errors.Is(err, olstate.ErrBusy) match by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Code == e.Code
}

// Sentinel errors, one per result code, for errors.Is. The errors olstate
// returns are other *Error values with the same Code, an HResult and a Message.
var (
	ErrInvalidArgument  = &Error{Code: C.OLSTATE_E_INVALID_ARGUMENT}
	ErrInvalidHandle    = &Error{Code: C.OLSTATE_E_INVALID_HANDLE}
	ErrProviderNotFound = &Error{Code: C.OLSTATE_E_PROVIDER_NOT_FOUND}
	ErrProfileNotFound  = &Error{Code: C.OLSTATE_E_PROFILE_NOT_FOUND}
	ErrNotSupported     = &Error{Code: C.OLSTATE_E_NOT_SUPPORTED}
	ErrBusy             = &Error{Code: C.OLSTATE_E_BUSY}
	ErrProviderFailed   = &Error{Code: C.OLSTATE_E_PROVIDER_FAILED}
	ErrOutOfMemory      = &Error{Code: C.OLSTATE_E_OUT_OF_MEMORY}
	ErrInternal         = &Error{Code: C.OLSTATE_E_INTERNAL}
	ErrNotInOutlook     = &Error{Code: C.OLSTATE_E_NOT_IN_OUTLOOK}
	ErrWouldDeadlock    = &Error{Code: C.OLSTATE_E_WOULD_DEADLOCK}
	ErrTimeout          = &Error{Code: C.OLSTATE_E_TIMEOUT}
	// ErrIncompatibleLibrary: the loaded olstate library has another major
	// ABI version, or an older minor one, than this package was written for.
	// It is this package's own code, not one of olstate's.
	ErrIncompatibleLibrary = &Error{Code: codeIncompatibleLibrary}
)

const codeIncompatibleLibrary = -1000

// codeName names a result code: the library's own name for it
// (olstate_result_name, one list in olstate.h), or this package's own codes.
func codeName(code int32) string {
	if code == codeIncompatibleLibrary {
		return "incompatible olstate library"
	}
	if name := C.GoString(C.olstate_result_name(C.olstate_result(code))); name != "unknown" {
		return name
	}
	return fmt.Sprintf("result %d", code)
}

// newError is a failure this package detects itself (before calling C).
func newError(code int32, message string) error {
	return &Error{Code: code, Message: message}
}

func check(r C.olgo_result) error {
	if r.code == C.OLSTATE_OK {
		return nil
	}
	return &Error{Code: int32(r.code), HResult: int32(r.hresult), Message: C.GoString(&r.message[0])}
}

var abiOnce sync.Once
var abiErr error

// abiCompatible: same major, and a minor at least the one this package
// was written for.
func abiCompatible(have, want uint32) bool {
	return have>>16 == want>>16 && have&0xFFFF >= want&0xFFFF
}

// checkABI refuses a library of another major or an older minor version.
func checkABI() error {
	abiOnce.Do(func() {
		abiErr = abiError(uint32(C.olstate_abi_version()), ABIVersion)
	})
	return abiErr
}

func abiError(have, want uint32) error {
	if abiCompatible(have, want) {
		return nil
	}
	return newError(codeIncompatibleLibrary, fmt.Sprintf(
		"the loaded olstate library has ABI %d.%d; this package needs %d.%d or a later %d.x",
		have>>16, have&0xFFFF, want>>16, want&0xFFFF, want>>16))
}

// LibraryABIVersion is the loaded library's ABI version, (major << 16) | minor.
func LibraryABIVersion() uint32 { return uint32(C.olstate_abi_version()) }

var panicMu sync.RWMutex
var panicHandler = defaultPanicHandler

func defaultPanicHandler(subscription uint64, recovered interface{}) {
	log.Printf("olstate: callback of subscription %d panicked: %v\n%s", subscription, recovered, debug.Stack())
}

// SetPanicHandler sets what receives a panic recovered from a callback: the
// subscription's token and the recovered value. It runs on the callback's
// thread, inside the deferred recover (so debug.Stack() still shows the
// panicking frames); a panic in the handler itself is dropped. The
// subscription stays active. The default logs the value and the stack with
// log.Printf; nil restores it.
func SetPanicHandler(h func(subscription uint64, recovered interface{})) {
	panicMu.Lock()
	defer panicMu.Unlock()
	if h == nil {
		h = defaultPanicHandler
	}
	panicHandler = h
}

func reportPanic(subscription uint64, recovered interface{}) {
	defer func() { _ = recover() }() // nothing may unwind into C
	panicMu.RLock()
	h := panicHandler
	panicMu.RUnlock()
	h(subscription, recovered)
}

// LibraryVersion is the loaded olstate library's version, e.g. "1.0.0".
func LibraryVersion() string { return C.GoString(C.olstate_version_string()) }
