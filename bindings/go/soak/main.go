// Command soak is the Go binding's soak program (scripts/soak.sh runs it):
// goroutines open sessions (Queued and Inline, alternating), subscribe,
// close subscriptions and sessions while the simulator toggles the state,
// until the time limit (first argument, seconds; default 20). It exits 1
// when a callback runs after Close returned, a subscription's Done is not
// closed by then (its release did not run), the simulator's counters do not
// return to zero, or the heap in use keeps growing after warm-up.
//
//	go run ./soak 20
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

const profile = "soak-go"

var failures, events, cycles int64

func fail(format string, args ...interface{}) {
	atomic.AddInt64(&failures, 1)
	fmt.Fprintf(os.Stderr, "go soak: FAIL: "+format+"\n", args...)
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func cycle(n int) {
	delivery := olstate.Queued
	if n%2 == 1 {
		delivery = olstate.Inline
	}
	s, err := olstate.Open(profile, olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(delivery))
	if err != nil {
		fail("open: %v", err)
		return
	}
	type entry struct {
		sub  *olstate.Subscription
		dead *int32
		now  bool
	}
	var subs []entry
	for i := 0; i < 1+n%3; i++ {
		dead := new(int32)
		sub, err := s.Subscribe(func(olstate.Event) {
			if atomic.LoadInt32(dead) != 0 {
				fail("callback after Close returned")
			}
			atomic.AddInt64(&events, 1)
		})
		if err != nil {
			fail("subscribe: %v", err)
			continue
		}
		subs = append(subs, entry{sub, dead, i%2 == 0})
	}
	time.Sleep(time.Duration(300+(n%7)*200) * time.Microsecond)
	var left []entry
	for _, e := range subs {
		if !e.now {
			left = append(left, e)
			continue
		}
		if err := e.sub.Close(); err != nil {
			fail("subscription close: %v", err)
		}
		atomic.StoreInt32(e.dead, 1)
		if !closed(e.sub.Done()) {
			fail("Subscription.Close returned before the release ran")
		}
	}
	if err := s.Close(); err != nil {
		fail("session close: %v", err)
	}
	for _, e := range left {
		atomic.StoreInt32(e.dead, 1)
		if !closed(e.sub.Done()) {
			fail("Session.Close returned before a release ran")
		}
	}
	atomic.AddInt64(&cycles, 1)
}

func main() {
	seconds := 20.0
	if len(os.Args) > 1 {
		if v, err := strconv.ParseFloat(os.Args[1], 64); err == nil {
			seconds = v
		}
	}
	simulator.SetDelivery(profile, 2, 3)
	start := time.Now()
	var stop int32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the user clicking Work Offline and back
		defer wg.Done()
		want := olstate.Offline
		for atomic.LoadInt32(&stop) == 0 {
			if simulator.SetState(profile, want, false) == nil {
				want = 3 - want
			}
			time.Sleep(300 * time.Microsecond)
		}
	}()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := w; atomic.LoadInt32(&stop) == 0; n++ {
				cycle(n)
			}
		}(w)
	}
	var heap []uint64
	for time.Since(start).Seconds() < seconds {
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = append(heap, m.HeapAlloc)
		// 4 workers, a session each, 3 references a session (ABI 1.3)
		if simulator.OutstandingRefs() > 12 {
			fail("more references held than open sessions")
		}
	}
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	simulator.WaitIdle(profile)
	busy := func() bool { return simulator.OutstandingRefs()+simulator.AdvisedSinks()+simulator.HeldSinks() != 0 }
	for deadline := time.Now().Add(10 * time.Second); busy() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if busy() {
		fail("simulator counters not back at zero")
	}
	var base, last uint64
	if n := len(heap); n >= 8 {
		for _, v := range heap[n/4 : n/2] {
			if v > base {
				base = v
			}
		}
		for _, v := range heap[n-n/4:] {
			if v > last {
				last = v
			}
		}
		if last > base+8<<20 {
			fail("Go heap grew from %d to %d bytes after warm-up", base, last)
		}
	}
	fmt.Printf("go soak: %.1f s, cycles %d, events %d, heap bytes warm %d last %d, failures %d\n",
		time.Since(start).Seconds(), atomic.LoadInt64(&cycles), atomic.LoadInt64(&events), base, last,
		atomic.LoadInt64(&failures))
	if atomic.LoadInt64(&failures) != 0 {
		os.Exit(1)
	}
}
