// Package olstate follows and switches Microsoft Outlook's online/offline
// state through the olstate C library (Outlook's Offline State API without
// COM). On Linux it talks to olstate's simulator, which behaves like Outlook.
//
// Open a Session, then either Subscribe a func or Watch a channel:
//
//	s, err := olstate.Open("")                 // default profile
//	if err != nil { ... }
//	defer s.Close()
//	events, _ := s.Watch(ctx)
//	s.SetState(olstate.Offline, false)
//	for e := range events { fmt.Println(e.Kind, e.OldState, "->", e.NewState) }
//
// Threads: callbacks run on a thread olstate owns (Delivery Queued, the
// default: one at a time, in order) or on Outlook's notification thread
// (Delivery Inline: possibly concurrently, so the func must be safe for
// concurrent use). Callbacks may call any method, including closing their own
// Subscription or Session. A panic in a callback is recovered and reported to
// the handler set with SetPanicHandler; it never crosses into C.
//
// Linking: the package uses `#cgo pkg-config: olstate`. Install olstate
// (meson install gives olstate.pc), or point PKG_CONFIG_PATH at a meson build
// folder's meson-uninstalled directory.
package olstate

/*
#cgo pkg-config: olstate
#include <olstate.h>
#include "glue.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"log"
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
)

// Has reports whether every bit of c2 is set.
func (c Capabilities) Has(c2 Capabilities) bool { return c&c2 == c2 }

func (c Capabilities) String() string {
	switch c {
	case 0:
		return "none"
	case CapOffline:
		return "offline"
	case CapOnline:
		return "online"
	case CapOffline | CapOnline:
		return "offline|online"
	}
	return fmt.Sprintf("Capabilities(%#x)", uint32(c))
}

// EventKind says which step of a change an Event reports. Kinds this
// package does not know are passed through unchanged.
type EventKind uint32

// Event kinds. ProviderLost and ProviderBack are reserved for olstate's bridge.
const (
	ChangeStart  EventKind = C.OLSTATE_EVENT_CHANGE_START
	Change       EventKind = C.OLSTATE_EVENT_CHANGE
	ChangeDone   EventKind = C.OLSTATE_EVENT_CHANGE_DONE
	ProviderLost EventKind = 0x100
	ProviderBack EventKind = 0x101
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
	ProviderBridge    Provider = C.OLSTATE_PROVIDER_BRIDGE
)

// Delivery selects the thread callbacks run on.
type Delivery uint32

// Delivery modes.
const (
	Queued Delivery = C.OLSTATE_DELIVERY_QUEUED // one olstate thread per session, in order
	Inline Delivery = C.OLSTATE_DELIVERY_INLINE // the provider's thread, possibly concurrent
)

// Error is a failure reported by olstate: its result code, the HRESULT
// involved (0 if none) and olstate's message.
type Error struct {
	Code    int32
	HResult int32
	Message string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return "olstate: " + e.Message
	}
	return "olstate: " + resultName(e.Code)
}

// Is makes errors.Is(err, olstate.ErrBusy) match by code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// Sentinel errors, one per result code, for errors.Is.
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
	// ErrIncompatibleLibrary: the loaded olstate library has another major
	// ABI version, or an older minor one, than this package needs.
	ErrIncompatibleLibrary = &Error{Code: -1000}
)

func resultName(code int32) string {
	return C.GoString(C.olstate_result_name(C.olstate_result(code)))
}

func check(r C.olgo_result) error {
	if r.code == C.OLSTATE_OK {
		return nil
	}
	return &Error{Code: int32(r.code), HResult: int32(r.hresult), Message: C.GoString(&r.message[0])}
}

var abiOnce sync.Once
var abiErr error

// checkABI refuses a library of another major or an older minor version.
func checkABI() error {
	abiOnce.Do(func() {
		have := uint32(C.olstate_abi_version())
		if have>>16 != ABIVersion>>16 || have&0xFFFF < ABIVersion&0xFFFF {
			abiErr = &Error{Code: ErrIncompatibleLibrary.Code, Message: fmt.Sprintf(
				"the olstate library has ABI %d.%d, this package needs %d.%d or a later %d.x",
				have>>16, have&0xFFFF, ABIVersion>>16, ABIVersion&0xFFFF, ABIVersion>>16)}
		}
	})
	return abiErr
}

var panicMu sync.RWMutex
var panicHandler = func(subscription uint64, recovered interface{}) {
	log.Printf("olstate: callback of subscription %d panicked: %v", subscription, recovered)
}

// SetPanicHandler sets what receives a panic recovered from a callback: the
// subscription's token and the recovered value. The subscription stays
// active. The default logs it. nil restores the default.
func SetPanicHandler(h func(subscription uint64, recovered interface{})) {
	panicMu.Lock()
	defer panicMu.Unlock()
	if h == nil {
		h = func(subscription uint64, recovered interface{}) {
			log.Printf("olstate: callback of subscription %d panicked: %v", subscription, recovered)
		}
	}
	panicHandler = h
}

func reportPanic(subscription uint64, recovered interface{}) {
	panicMu.RLock()
	h := panicHandler
	panicMu.RUnlock()
	h(subscription, recovered)
}

// LibraryVersion is the loaded olstate library's version, e.g. "1.0.0".
func LibraryVersion() string { return C.GoString(C.olstate_version_string()) }
