package olstate

/*
#include <stdlib.h>
#include <olstate.h>
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"
)

// BridgeOptions says how a Bridge serves its clients. The zero value is
// least privilege: clients may read the state and follow its events but not
// change it, at most 16 clients, 64 events queued per client, on the current
// user's endpoint.
type BridgeOptions struct {
	// AllowSetState lets clients change the state; without it their
	// SetState fails with ErrNotSupported.
	AllowSetState bool
	// MaxClients is the most clients connected at once (1..1024; more get
	// refused); 0 = the default (16).
	MaxClients uint32
	// QueueLength is how many events are held per client before the oldest
	// is dropped (the next one has Dropped set), at most 65536; 0 = the
	// default (64).
	QueueLength uint32
	// Endpoint is where to serve: an absolute Unix socket path on POSIX (its
	// folder is created 0700 if missing and must be owned by the user and
	// closed to others), a pipe name on
	// Windows; "" = the current user's endpoint, which ProviderBridge finds
	// without WithEndpoint.
	Endpoint string
}

// Bridge publishes a Session (in practice an Outlook-provider session inside
// OUTLOOK.EXE) on a local endpoint only the current user can reach, so that
// other processes follow it, and switch it if allowed, by opening
// ProviderBridge. Its methods are safe for concurrent use. Stop it when done;
// a finalizer stops a leaked bridge as a safety net only.
type Bridge struct {
	session  *Session // kept reachable: its finalizer must not close it under the bridge
	handle   *C.olstate_bridge
	endpoint string
	stopping int32 // atomic: 1 while a Stop is in progress or after one succeeded
}

// StartBridge publishes the session as opts say. The session must stay open
// while the bridge runs (closing it first disconnects every client).
//
// Errors: ErrInvalidHandle (the session is closed), ErrInvalidArgument (an
// endpoint holding a NUL byte, a limit out of range), ErrBusy (another bridge
// already serves the endpoint), ErrProviderFailed (the endpoint could not be
// created; the message says why), ErrOutOfMemory.
func (s *Session) StartBridge(opts BridgeOptions) (*Bridge, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	if strings.IndexByte(opts.Endpoint, 0) >= 0 {
		return nil, newError(ErrInvalidArgument.Code, "the bridge endpoint holds a NUL byte")
	}
	var cendpoint *C.char
	if opts.Endpoint != "" {
		cendpoint = C.CString(opts.Endpoint)
		defer C.free(unsafe.Pointer(cendpoint))
	}
	flags := C.uint32_t(0)
	if opts.AllowSetState {
		flags |= C.OLSTATE_BRIDGE_ALLOW_SET_STATE
	}
	const endpointSize = 4096
	buf := (*C.char)(C.malloc(endpointSize))
	defer C.free(unsafe.Pointer(buf))
	var h *C.olstate_bridge
	err := check(C.olgo_bridge_start(s.handle, flags, C.uint32_t(opts.MaxClients), C.uint32_t(opts.QueueLength),
		cendpoint, &h, buf, endpointSize))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	b := &Bridge{session: s, handle: h, endpoint: C.GoString(buf)}
	runtime.SetFinalizer(b, func(b *Bridge) { _ = b.Stop() })
	return b, nil
}

// Endpoint is where the bridge serves: what a client passes to WithEndpoint.
// It stays readable after Stop.
func (b *Bridge) Endpoint() string { return b.endpoint }

// Stop stops accepting clients, disconnects those connected (they get
// ProviderLost) and frees the bridge. Never call it from inside a callback
// of the bridged session: that returns ErrWouldDeadlock and the bridge keeps
// running (Stop it again from another goroutine).
//
// Only one Stop runs: another one, made while the first is in progress or
// after it succeeded, returns ErrInvalidHandle at once (no lock is held
// across olstate's wait for the bridge's threads).
func (b *Bridge) Stop() error {
	if !atomic.CompareAndSwapInt32(&b.stopping, 0, 1) {
		return newError(ErrInvalidHandle.Code, "the bridge is stopped or stopping")
	}
	if err := check(C.olgo_bridge_stop(b.handle)); err != nil {
		atomic.StoreInt32(&b.stopping, 0) // still running (ErrWouldDeadlock): stop it later
		return err
	}
	runtime.SetFinalizer(b, nil)
	return nil
}
