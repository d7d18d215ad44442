package olstate

/*
#include <stdlib.h>
#include <olstate.h>
#include "glue.h"
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

type options struct {
	provider     Provider
	providerPath string
	delivery     Delivery
	reconnect    bool
	noFallback   bool
	pollInterval time.Duration
}

// Option configures Open.
type Option func(*options)

// WithProvider selects the provider (default ProviderAuto: the simulator
// outside Windows, Outlook inside OUTLOOK.EXE).
func WithProvider(p Provider) Option { return func(o *options) { o.provider = p } }

// WithProviderPath loads the provider library at this full path (it must
// export HrOpenOfflineObj); it implies ProviderLibrary.
func WithProviderPath(path string) Option {
	return func(o *options) {
		o.provider = ProviderLibrary
		o.providerPath = path
	}
}

// WithEndpoint connects to the bridge serving this endpoint (a Unix socket
// path on POSIX, a pipe name on Windows, as Bridge.Endpoint reports it)
// instead of the current user's; it implies ProviderBridge.
func WithEndpoint(endpoint string) Option {
	return func(o *options) {
		o.provider = ProviderBridge
		o.providerPath = endpoint
	}
}

// WithReconnect(true), with ProviderBridge, keeps the session reconnecting
// with backoff whenever the bridge host is gone, also at Open (which then
// succeeds before any host runs): subscribers get ProviderLost when the host
// goes away and ProviderBack, with the current state, when one serves the
// endpoint again; calls in between fail with ErrProviderNotFound. Without it
// a lost host is final for the session. ProviderObjectModel and ProviderAuto
// (Windows outside Outlook) take it too; other providers refuse it
// (ErrInvalidArgument).
func WithReconnect(reconnect bool) Option { return func(o *options) { o.reconnect = reconnect } }

// WithNoFallback(true), with ProviderAuto only, makes Auto on Windows outside
// Outlook the bridge alone: no fallback to ProviderObjectModel when no bridge
// host answers. Inside Outlook and off Windows Auto has no fallback and the
// option changes nothing. Other providers refuse it (ErrInvalidArgument).
func WithNoFallback(noFallback bool) Option { return func(o *options) { o.noFallback = noFallback } }

// WithConnectionPollInterval sets how often Outlook's object model is read
// by ProviderObjectModel, and by ProviderAuto when it falls back to it: 100 ms
// to one day, 0 (the default) for the library's 5 s; a fraction of a
// millisecond counts as a whole one. Out of range (negative too), or with a
// provider that reads no object model, Open fails with ErrInvalidArgument.
func WithConnectionPollInterval(d time.Duration) Option {
	return func(o *options) { o.pollInterval = d }
}

// connectionPollMs is the interval as connection_poll_ms: a fraction of a
// millisecond rounds up (half a millisecond must not become 0, the
// library's default), and anything beyond uint32 saturates, which the
// library refuses as out of range like any interval over a day.
func connectionPollMs(d time.Duration) (uint32, error) {
	if d < 0 {
		return 0, newError(ErrInvalidArgument.Code, "the connection poll interval "+d.String()+" is negative")
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		return math.MaxUint32, nil
	}
	return uint32(ms), nil
}

// WithDelivery selects Queued (default) or Inline delivery.
func WithDelivery(d Delivery) Option { return func(o *options) { o.delivery = d } }

// Session is an open offline object of one profile. Its methods are safe for
// concurrent use. Close it when done; a finalizer closes a leaked session as
// a safety net, but Close is the contract.
type Session struct {
	handle *C.olstate_session
	once   sync.Once
	closed chan struct{} // closed when Close starts: watchers stop
	// closing is held (read) by Info while it copies the library's strings,
	// which live until olstate_close: Close marks the session closed under
	// the write side before it closes the handle, so no copy outlives them.
	closing sync.RWMutex
	// reconnects: a lost bridge host may come back; without it a
	// ProviderLost is final and ends every Watch channel.
	reconnects bool
}

// Info describes an open session.
type Info struct {
	Provider     Provider // the resolved provider (never ProviderAuto)
	Profile      string
	ProviderPath string // the provider library actually loaded; the endpoint for ProviderBridge
}

// Open opens the profile ("" for the default profile) and advises olstate's
// notification sink on it. It fails with ErrIncompatibleLibrary when the
// loaded olstate library has another major ABI version or an older minor
// one, and with ErrInvalidArgument for a name or path that holds a NUL byte.
func Open(profile string, opts ...Option) (*Session, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	o := options{provider: ProviderAuto, delivery: Queued}
	for _, opt := range opts {
		opt(&o)
	}
	if strings.IndexByte(profile, 0) >= 0 {
		return nil, newError(ErrInvalidArgument.Code, "the profile name holds a NUL byte")
	}
	if strings.IndexByte(o.providerPath, 0) >= 0 {
		return nil, newError(ErrInvalidArgument.Code, "the provider path holds a NUL byte")
	}
	var cprofile, cpath *C.char
	if profile != "" {
		cprofile = C.CString(profile)
		defer C.free(unsafe.Pointer(cprofile))
	}
	if o.providerPath != "" {
		cpath = C.CString(o.providerPath)
		defer C.free(unsafe.Pointer(cpath))
	}
	pollMs, err := connectionPollMs(o.pollInterval)
	if err != nil {
		return nil, err
	}
	flags := C.uint32_t(0)
	if o.reconnect {
		flags |= C.OLSTATE_OPEN_RECONNECT
	}
	if o.noFallback {
		flags |= C.OLSTATE_OPEN_NO_FALLBACK
	}
	var h *C.olstate_session
	if err := check(C.olgo_open(cprofile, C.uint32_t(o.provider), cpath, C.uint32_t(o.delivery), flags,
		C.uint32_t(pollMs), &h)); err != nil {
		return nil, err
	}
	s := &Session{handle: h, closed: make(chan struct{}), reconnects: o.reconnect}
	runtime.SetFinalizer(s, func(s *Session) { _ = s.Close() })
	return s, nil
}

// Close stops every subscription (waiting for callbacks running on other
// threads), releases Outlook's objects and ends every Watch channel. Called
// from inside one of the session's callbacks it does not wait. A second
// Close returns an error matching ErrInvalidHandle.
func (s *Session) Close() error {
	first := false
	s.closing.Lock()
	s.once.Do(func() {
		first = true
		close(s.closed)
	})
	s.closing.Unlock()
	err := check(C.olgo_close(s.handle))
	if first {
		runtime.SetFinalizer(s, nil)
	}
	runtime.KeepAlive(s)
	return err
}

// Capabilities reports which states the provider offers (read once at open).
func (s *Session) Capabilities() (Capabilities, error) {
	var v C.uint32_t
	err := check(C.olgo_capabilities(s.handle, &v))
	runtime.KeepAlive(s)
	return Capabilities(v), err
}

// State reports the current state.
func (s *Session) State() (State, error) {
	var v C.uint32_t
	err := check(C.olgo_get_state(s.handle, &v))
	runtime.KeepAlive(s)
	return State(v), err
}

// SetState asks for a change. With block it returns when the change is
// complete (not allowed inside an Inline callback: ErrWouldDeadlock); without,
// once it has started. ErrBusy while another change is in flight.
func (s *Session) SetState(state State, block bool) error {
	flags := C.uint32_t(C.OLSTATE_SET_DEFAULT)
	if block {
		flags = C.OLSTATE_SET_BLOCK
	}
	err := check(C.olgo_set_state(s.handle, C.uint32_t(state), flags))
	runtime.KeepAlive(s)
	return err
}

// waitSlice is how long one olstate_wait_state call may block, so that a
// cancelled context ends WaitState within about that long.
const waitSlice = 100 * time.Millisecond

// WaitState returns nil once the session's state is state with no change in
// progress (at once if it already is), ctx.Err() when ctx ends first, and
// olstate's error otherwise (ErrProviderNotFound when a bridge host goes
// away without reconnect, ErrInvalidHandle when the session is closed,
// ErrWouldDeadlock inside an Inline callback).
func (s *Session) WaitState(ctx context.Context, state State) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		slice := waitSlice
		if deadline, ok := ctx.Deadline(); ok {
			if left := time.Until(deadline); left < slice {
				slice = left
			}
			if slice < 0 {
				slice = 0
			}
		}
		err := check(C.olgo_wait_state(s.handle, C.uint32_t(state), C.uint32_t(slice/time.Millisecond)))
		runtime.KeepAlive(s)
		if err == nil || !errors.Is(err, ErrTimeout) {
			return err
		}
	}
}

// SetStateContext asks for a change and returns once it is complete (not
// merely started), or with ctx.Err() when ctx ends first (the change itself
// then still completes). Unlike SetState(state, true) it never blocks a
// thread inside olstate for longer than a moment, so it is cancellable.
func (s *Session) SetStateContext(ctx context.Context, state State) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.SetState(state, false); err != nil {
		return err
	}
	return s.WaitState(ctx, state)
}

// Info describes the session, read from the library at each call: a bridge
// session's profile follows the host it reaches (read it again after
// ProviderBack). After Close it returns ErrInvalidHandle.
func (s *Session) Info() (Info, error) {
	s.closing.RLock()
	defer s.closing.RUnlock()
	select {
	case <-s.closed:
		return Info{}, &Error{Code: ErrInvalidHandle.Code, Message: "the session is closed"}
	default:
	}
	var info C.olstate_session_info
	if err := check(C.olgo_info(s.handle, &info)); err != nil {
		return Info{}, err
	}
	out := Info{
		Provider:     Provider(info.provider),
		Profile:      C.GoString(info.profile),
		ProviderPath: C.GoString(info.provider_path),
	}
	runtime.KeepAlive(s)
	return out, nil
}

// structSizes: the sizes cgo compiled from olstate.h and the sizes the
// loaded library reports (OLSTATE_STRUCT_OPEN_OPTIONS, _EVENT, _SESSION_INFO,
// _BRIDGE_OPTIONS, _ACCOUNT).
func structSizes() (header, library [5]uint64) {
	header = [5]uint64{C.sizeof_olstate_open_options, C.sizeof_olstate_event, C.sizeof_olstate_session_info,
		C.sizeof_olstate_bridge_options, C.sizeof_olstate_account}
	library = [5]uint64{
		uint64(C.olstate_struct_size(C.OLSTATE_STRUCT_OPEN_OPTIONS)),
		uint64(C.olstate_struct_size(C.OLSTATE_STRUCT_EVENT)),
		uint64(C.olstate_struct_size(C.OLSTATE_STRUCT_SESSION_INFO)),
		uint64(C.olstate_struct_size(C.OLSTATE_STRUCT_BRIDGE_OPTIONS)),
		uint64(C.olstate_struct_size(C.OLSTATE_STRUCT_ACCOUNT)),
	}
	return
}
