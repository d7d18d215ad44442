package olstate

/*
#include <olstate.h>
*/
import "C"

import (
	"runtime/cgo"
	"time"
)

// olgoDeliver runs on olstate's thread for every event: it copies the event
// and calls the func. A panic stops here and goes to the panic handler.
//
//export olgoDeliver
func olgoDeliver(e *C.olstate_event, h C.uintptr_t) {
	sub := cgo.Handle(h).Value().(*subscriber)
	ev := Event{
		Kind:         EventKind(e.kind),
		OldState:     State(e.old_state),
		NewState:     State(e.new_state),
		Subscription: uint64(e.subscription),
		Sequence:     uint64(e.sequence),
		Dropped:      e.flags&C.OLSTATE_EVENT_FLAG_DROPPED != 0,
		Time:         time.UnixMicro(int64(e.notify_time_us)),
	}
	defer func() {
		if r := recover(); r != nil {
			reportPanic(ev.Subscription, r)
		}
	}()
	sub.fn(ev)
}

// olgoRelease runs exactly once per subscription, after its last call (or
// when Subscribe fails): the handle is deleted here and nowhere else.
//
//export olgoRelease
func olgoRelease(h C.uintptr_t) {
	handle := cgo.Handle(h)
	sub := handle.Value().(*subscriber)
	handle.Delete()
	close(sub.released)
}
