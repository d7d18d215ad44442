// Package simctl drives olstate's simulator from the binding's tests and
// examples through its control API (olstate_sim.h). It links the same
// libolstate_sim that olstate loads: -lolstate_sim is looked up in the
// folder pkg-config names for olstate (the build's shim folder, or the
// installed libdir, where the simulator sits next to libolstate), so the
// process holds one simulator.
//
// The header comes from the source tree (shim/sim, found from this folder)
// or, after an install, from olstate's include folder.
package simctl

/*
#cgo pkg-config: olstate
#cgo CFLAGS: -I${SRCDIR}/../../../../shim/sim
#cgo LDFLAGS: -lolstate_sim
#include <stdlib.h>
#include <olstate_sim.h>
*/
import "C"

import "unsafe"

// Calls that FailNext can make fail.
const (
	CallOpen            = C.OLSTATE_SIM_CALL_OPEN
	CallQueryInterface  = C.OLSTATE_SIM_CALL_QUERY_INTERFACE
	CallGetCapabilities = C.OLSTATE_SIM_CALL_GET_CAPABILITIES
	CallGetState        = C.OLSTATE_SIM_CALL_GET_STATE
	CallSetState        = C.OLSTATE_SIM_CALL_SET_STATE
	CallAdvise          = C.OLSTATE_SIM_CALL_ADVISE
	CallUnadvise        = C.OLSTATE_SIM_CALL_UNADVISE
)

// Delivery modes of the simulator.
const (
	DeliveryThread = C.OLSTATE_SIM_DELIVERY_THREAD
	DeliverySync   = C.OLSTATE_SIM_DELIVERY_SYNC
	DeliveryPool   = C.OLSTATE_SIM_DELIVERY_POOL
)

func withProfile(profile string, f func(*C.char) C.int32_t) int32 {
	p := C.CString(profile)
	defer C.free(unsafe.Pointer(p))
	return int32(f(p))
}

// Reset restores every profile's defaults and clears faults.
func Reset() int32 { return int32(C.olstate_sim_reset()) }

// SetState changes the state as the user would (wait: until DONE was delivered).
func SetState(profile string, state uint32, wait bool) int32 {
	w := C.int32_t(0)
	if wait {
		w = 1
	}
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_set_state(p, C.uint32_t(state), w) })
}

// SetCapabilities sets what GetCapabilities reports.
func SetCapabilities(profile string, caps uint32) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_set_capabilities(p, C.uint32_t(caps)) })
}

// FailNext makes the next count calls of `call` fail with hr.
func FailNext(call uint32, hr uint32, count uint32) int32 {
	return int32(C.olstate_sim_fail_next(C.uint32_t(call), C.int32_t(int32(hr)), C.uint32_t(count)))
}

// SetProfileKnown makes HrOpenOfflineObj answer MAPI_E_NOT_FOUND (known=false).
func SetProfileKnown(profile string, known bool) int32 {
	k := C.int32_t(0)
	if known {
		k = 1
	}
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_set_profile_known(p, k) })
}

// SetDelivery selects how the profile's object notifies.
func SetDelivery(profile string, mode, threads uint32) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_delivery(p, C.uint32_t(mode), C.uint32_t(threads))
	})
}

// SendRaw sends count raw notifications.
func SendRaw(profile string, kind, mask, oldState, newState, size, count uint32) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_send_raw(p, C.uint32_t(kind), C.uint32_t(mask), C.uint32_t(oldState),
			C.uint32_t(newState), C.uint32_t(size), C.uint32_t(count))
	})
}

// WaitIdle returns when everything queued for the profile was delivered.
func WaitIdle(profile string) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_wait_idle(p) })
}

// GetState reads the profile's state as the simulator has it.
func GetState(profile string) (uint32, int32) {
	var st C.uint32_t
	hr := withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_get_state(p, &st) })
	return uint32(st), hr
}

// Misbehaviours (SetMisbehaviour), a bit mask.
const (
	MisbehaveOpenNull       = C.OLSTATE_SIM_MISBEHAVE_OPEN_NULL
	MisbehaveLateNotify     = C.OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY
	MisbehaveNotifyInAdvise = C.OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE
	MisbehaveSlowUnadvise   = C.OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE
)

// SetMisbehaviour sets the misbehaviour mask (all profiles).
func SetMisbehaviour(mask uint32) int32 {
	return int32(C.olstate_sim_set_misbehaviour(C.uint32_t(mask)))
}

// SendNull calls Notify(NULL) on every advised sink of the profile.
func SendNull(profile string) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_send_null(p) })
}

// Storm sends count full changes' worth of notifications from threads
// threads at once; it returns when all were delivered to the sinks.
func Storm(profile string, threads, count uint32) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_storm(p, C.uint32_t(threads), C.uint32_t(count))
	})
}

// UnadviseAll drops every sink advised on the profile's object.
func UnadviseAll(profile string) int32 {
	return withProfile(profile, func(p *C.char) C.int32_t { return C.olstate_sim_unadvise_all(p) })
}

// LiveObjects counts offline objects some client holds a reference on.
func LiveObjects() uint32 { return uint32(C.olstate_sim_live_objects()) }

// HeldSinks counts references the simulator holds on sinks.
func HeldSinks() uint32 { return uint32(C.olstate_sim_held_sinks()) }

// OutstandingRefs counts references clients hold on offline objects.
func OutstandingRefs() uint32 { return uint32(C.olstate_sim_outstanding_refs()) }

// AdvisedSinks counts sinks currently advised.
func AdvisedSinks() uint32 { return uint32(C.olstate_sim_advised_sinks()) }
