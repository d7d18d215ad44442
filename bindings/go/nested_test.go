package olstate_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// With the simulator delivering on the thread that causes the change, an
// Inline callback runs inside this goroutine's own SetState; closing the
// session from there must not wait for that call.
func TestCloseInsideCallbackNestedInSetState(t *testing.T) {
	for _, d := range deliveries() {
		for _, block := range []bool{false, true} {
			p := freshProfile(t)
			simulator.SetDelivery(p, simulator.DeliverySync, 1)
			s := open(t, p, olstate.WithDelivery(d))
			var once sync.Once
			res := make(chan [2]error, 1)
			sub, err := s.Subscribe(func(e olstate.Event) {
				once.Do(func() {
					e1 := s.SetState(olstate.Online, true)
					e2 := s.Close()
					res <- [2]error{e1, e2}
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			outer := s.SetState(olstate.Offline, block)
			var r [2]error
			select {
			case r = <-res:
			case <-time.After(5 * time.Second):
				t.Fatalf("%v block=%v: hang", d, block)
			}
			within(t, "done", sub.Done())
			t.Logf("%v block=%v: outer=%v inner set=%v close=%v (%v)", d, block, outer, r[0], r[1], time.Since(start))
			if outer != nil && !errors.Is(outer, olstate.ErrInvalidHandle) {
				t.Errorf("outer SetState: %v", outer)
			}
			if r[1] != nil {
				t.Errorf("close inside: %v", r[1])
			}
			if d == olstate.Inline && !errors.Is(r[0], olstate.ErrWouldDeadlock) {
				t.Errorf("blocking set inside inline: %v", r[0])
			}
		}
	}
}

// A session closed from inside its callback, with a provider that is slow
// to unadvise and notifies late; the profile reopens at once and works.
func TestReopenAfterCloseInside(t *testing.T) {
	simulator.SetMisbehaviour(simulator.MisbehaveSlowUnadvise | simulator.MisbehaveLateNotify)
	defer simulator.SetMisbehaviour(0)
	for _, d := range deliveries() {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		var once sync.Once
		res := make(chan error, 1)
		sub, _ := s.Subscribe(func(e olstate.Event) { once.Do(func() { res <- s.Close() }) })
		_ = s.SetState(olstate.Offline, false)
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		// Let the first change finish first (a request made while it is in
		// flight races with it; see knownbug_test.go).
		within(t, "teardown after close inside", sub.Done())
		simulator.WaitIdle(p)
		s2 := open(t, p, olstate.WithDelivery(d))
		c := newCollect()
		if _, err := s2.Subscribe(c.add); err != nil {
			t.Fatal(err)
		}
		if err := s2.SetState(olstate.Online, true); err != nil {
			t.Fatalf("%v: set on second session: %v", d, err)
		}
		within(t, "done", sub.Done())
		simulator.WaitIdle(p)
		if ev := c.wait(t, 3); len(ev) != 3 || ev[2].Kind != olstate.ChangeDone || ev[2].NewState != olstate.Online {
			t.Fatalf("%v: second session: %+v", d, ev)
		}
	}
}
