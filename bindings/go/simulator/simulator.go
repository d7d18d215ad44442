// Package simulator drives olstate's simulator, the Outlook stand-in behind
// olstate.ProviderSimulator (the default provider outside Windows), so that
// your tests can act like the user (File, Work Offline: SetState) or like a
// failing Outlook (FailNext) and check how your code reacts.
//
//	s, _ := olstate.Open("my-test", olstate.WithProvider(olstate.ProviderSimulator))
//	defer s.Close()
//	simulator.SetState("my-test", olstate.Offline, true) // the user goes offline
//	// ... your code saw Offline through s ...
//
// It links the same libolstate_sim that olstate loads (found in the folder
// pkg-config names for olstate, where the simulator sits next to
// libolstate), so the process holds one simulator. Its state is per
// process: call Reset between tests and do not run tests that use it in
// parallel. The profile "" is the default profile.
//
// The functions after WaitIdle exist for olstate's own tests of misbehaving
// providers; they work for yours too.
package simulator

/*
#cgo pkg-config: olstate
#cgo CFLAGS: -I${SRCDIR}/../../../shim/sim
#cgo LDFLAGS: -lolstate_sim
#include <stdlib.h>
#include <olstate_sim.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	olstate "github.com/olstate/olstate/bindings/go"
)

// Call is a call of the Offline State API that FailNext can make fail.
type Call uint32

// The calls FailNext can make fail.
const (
	CallOpen            Call = C.OLSTATE_SIM_CALL_OPEN             // HrOpenOfflineObj: opening a session
	CallQueryInterface  Call = C.OLSTATE_SIM_CALL_QUERY_INTERFACE  // QueryInterface for IMAPIOfflineMgr
	CallGetCapabilities Call = C.OLSTATE_SIM_CALL_GET_CAPABILITIES // GetCapabilities
	CallGetState        Call = C.OLSTATE_SIM_CALL_GET_STATE        // GetCurrentState: reading the state
	CallSetState        Call = C.OLSTATE_SIM_CALL_SET_STATE        // SetCurrentState: switching the state
	CallAdvise          Call = C.OLSTATE_SIM_CALL_ADVISE           // Advise: subscribing
	CallUnadvise        Call = C.OLSTATE_SIM_CALL_UNADVISE         // Unadvise: unsubscribing
	// CallPollConnection: reading the Exchange connection (a poll of
	// Outlook's object model): ConnectionMode, Offline and Accounts fail.
	CallPollConnection Call = C.OLSTATE_SIM_CALL_POLL_CONNECTION
)

// Delivery is how the simulator sends notifications (SetDelivery).
type Delivery uint32

// The simulator's delivery modes.
const (
	DeliveryThread Delivery = C.OLSTATE_SIM_DELIVERY_THREAD // one provider thread (the default, as Outlook)
	DeliverySync   Delivery = C.OLSTATE_SIM_DELIVERY_SYNC   // inside the call that changes the state
	DeliveryPool   Delivery = C.OLSTATE_SIM_DELIVERY_POOL   // a pool of threads, possibly concurrent
)

// Error is a simulator call that failed, with its HRESULT.
type Error struct {
	Function string
	HResult  int32
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s failed with HRESULT %#08x", e.Function, uint32(e.HResult))
}

func check(function string, hr C.int32_t) error {
	if hr < 0 {
		return &Error{Function: function, HResult: int32(hr)}
	}
	return nil
}

func withProfile(function, profile string, f func(*C.char) C.int32_t) error {
	p := C.CString(profile)
	defer C.free(unsafe.Pointer(p))
	return check(function, f(p))
}

func boolInt(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}

// Reset puts every profile back online with both capabilities, default
// delivery, no faults and no misbehaviour.
func Reset() error { return check("olstate_sim_reset", C.olstate_sim_reset()) }

// SetState changes the state as the user would: every subscriber gets
// ChangeStart, Change, ChangeDone. With wait it returns once ChangeDone
// reached olstate (with Queued delivery your callback runs shortly after,
// on olstate's thread).
func SetState(profile string, state olstate.State, wait bool) error {
	return withProfile("olstate_sim_set_state", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_state(p, C.uint32_t(state), boolInt(wait))
	})
}

// State is the profile's state as the simulator holds it.
func State(profile string) (olstate.State, error) {
	var st C.uint32_t
	err := withProfile("olstate_sim_get_state", profile, func(p *C.char) C.int32_t { return C.olstate_sim_get_state(p, &st) })
	return olstate.State(st), err
}

// SetCapabilities sets what the profile reports as its capabilities.
func SetCapabilities(profile string, caps olstate.Capabilities) error {
	return withProfile("olstate_sim_set_capabilities", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_capabilities(p, C.uint32_t(caps))
	})
}

// FailNext makes the next count calls of call (any profile) fail with the
// HRESULT hr (e.g. 0x80040115, MAPI_E_NETWORK_ERROR); count 0 clears it.
func FailNext(call Call, hr uint32, count uint32) error {
	return check("olstate_sim_fail_next", C.olstate_sim_fail_next(C.uint32_t(call), C.int32_t(int32(hr)), C.uint32_t(count)))
}

// SetProfileKnown with known=false makes opening the profile fail as for a
// profile that does not exist (MAPI_E_NOT_FOUND).
func SetProfileKnown(profile string, known bool) error {
	return withProfile("olstate_sim_set_profile_known", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_profile_known(p, boolInt(known))
	})
}

// WaitIdle returns when every notification queued so far for the profile
// was delivered.
func WaitIdle(profile string) error {
	return withProfile("olstate_sim_wait_idle", profile, func(p *C.char) C.int32_t { return C.olstate_sim_wait_idle(p) })
}

// SetDelivery selects how the profile's object notifies; threads is the
// pool size for DeliveryPool.
func SetDelivery(profile string, mode Delivery, threads uint32) error {
	return withProfile("olstate_sim_set_delivery", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_set_delivery(p, C.uint32_t(mode), C.uint32_t(threads))
	})
}

// SendRaw sends count raw IMAPIOfflineNotify notifications without changing
// the state (size 0: the correct size): for notifications that are not about
// online/offline, wrong sizes and unknown types.
func SendRaw(profile string, kind, mask, oldState, newState, size, count uint32) error {
	return withProfile("olstate_sim_send_raw", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_send_raw(p, C.uint32_t(kind), C.uint32_t(mask), C.uint32_t(oldState),
			C.uint32_t(newState), C.uint32_t(size), C.uint32_t(count))
	})
}

// Misbehaviours (SetMisbehaviour), a bit mask.
const (
	MisbehaveOpenNull       = C.OLSTATE_SIM_MISBEHAVE_OPEN_NULL
	MisbehaveLateNotify     = C.OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY
	MisbehaveNotifyInAdvise = C.OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE
	MisbehaveSlowUnadvise   = C.OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE
)

// SetMisbehaviour sets the misbehaviour mask (all profiles).
func SetMisbehaviour(mask uint32) error {
	return check("olstate_sim_set_misbehaviour", C.olstate_sim_set_misbehaviour(C.uint32_t(mask)))
}

// SendNull calls Notify(NULL) on every advised sink of the profile.
func SendNull(profile string) error {
	return withProfile("olstate_sim_send_null", profile, func(p *C.char) C.int32_t { return C.olstate_sim_send_null(p) })
}

// Storm sends count full changes' worth of notifications from threads
// threads at once; it returns when all were delivered to the sinks.
func Storm(profile string, threads, count uint32) error {
	return withProfile("olstate_sim_storm", profile, func(p *C.char) C.int32_t {
		return C.olstate_sim_storm(p, C.uint32_t(threads), C.uint32_t(count))
	})
}

// UnadviseAll drops every sink advised on the profile's object, as Outlook
// does when it shuts down.
func UnadviseAll(profile string) error {
	return withProfile("olstate_sim_unadvise_all", profile, func(p *C.char) C.int32_t { return C.olstate_sim_unadvise_all(p) })
}

// LiveObjects counts offline objects some client holds a reference on.
func LiveObjects() uint32 { return uint32(C.olstate_sim_live_objects()) }

// HeldSinks counts references the simulator holds on sinks.
func HeldSinks() uint32 { return uint32(C.olstate_sim_held_sinks()) }

// OutstandingRefs counts references clients hold on offline objects.
func OutstandingRefs() uint32 { return uint32(C.olstate_sim_outstanding_refs()) }

// AdvisedSinks counts sinks currently advised.
func AdvisedSinks() uint32 { return uint32(C.olstate_sim_advised_sinks()) }
