package olstate

/*
#include <olstate.h>
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
	"time"
)

// liveHandles counts subscription handles not yet released (tests check
// that each is deleted exactly once).
var liveHandles int64

func newSubscriberHandle(sub *subscriber) cgo.Handle {
	atomic.AddInt64(&liveHandles, 1)
	return cgo.NewHandle(sub)
}

// makeEvent copies olstate's event fields into an Event. Kinds this package
// does not know pass through unchanged.
func makeEvent(kind, oldState, newState uint32, subscription, sequence uint64, flags uint32, notifyTimeUs uint64) Event {
	return Event{
		Kind:         EventKind(kind),
		OldState:     State(oldState),
		NewState:     State(newState),
		Subscription: subscription,
		Sequence:     sequence,
		Dropped:      flags&C.OLSTATE_EVENT_FLAG_DROPPED != 0,
		Time:         time.UnixMicro(int64(notifyTimeUs)),
	}
}

// olgoDeliver runs on olstate's thread (or the provider's, Inline) for every
// event: it copies the event, which is valid only during this call, and
// calls the func. A panic stops here and goes to the panic handler; nothing
// unwinds into C.
//
//export olgoDeliver
func olgoDeliver(e *C.olstate_event, h C.uintptr_t) {
	ev := makeEvent(uint32(e.kind), uint32(e.old_state), uint32(e.new_state),
		uint64(e.subscription), uint64(e.sequence), uint32(e.flags), uint64(e.notify_time_us))
	defer func() {
		if r := recover(); r != nil {
			reportPanic(ev.Subscription, r)
		}
	}()
	cgo.Handle(h).Value().(*subscriber).fn(ev)
}

// olgoRelease runs exactly once per subscription, after its last call (or
// before a failing subscribe returns): the handle is deleted here and
// nowhere else.
//
//export olgoRelease
func olgoRelease(h C.uintptr_t) {
	handle := cgo.Handle(h)
	sub := handle.Value().(*subscriber)
	handle.Delete()
	atomic.AddInt64(&liveHandles, -1)
	close(sub.released)
}
