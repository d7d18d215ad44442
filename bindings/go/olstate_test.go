package olstate_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

var profiles int64

func freshProfile(t *testing.T) string {
	return fmt.Sprintf("go-%s-%d", t.Name(), atomic.AddInt64(&profiles, 1))
}

func open(t *testing.T, profile string, opts ...olstate.Option) *olstate.Session {
	t.Helper()
	s, err := olstate.Open(profile, append([]olstate.Option{olstate.WithProvider(olstate.ProviderSimulator)}, opts...)...)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// collect gathers events and waits for a count with a timeout.
type collect struct {
	mu     sync.Mutex
	events []olstate.Event
	more   chan struct{}
}

func newCollect() *collect { return &collect{more: make(chan struct{}, 1024)} }

func (c *collect) add(e olstate.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
}

func (c *collect) wait(t *testing.T, n int) []olstate.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		if len(c.events) >= n {
			out := append([]olstate.Event(nil), c.events...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("timed out waiting for %d events", n)
		}
	}
}

func (c *collect) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

func TestVersionAndTypes(t *testing.T) {
	if olstate.LibraryVersion() == "" {
		t.Fatal("no library version")
	}
	if olstate.Online.String() != "online" || olstate.ChangeDone.String() != "change_done" {
		t.Fatal("names")
	}
	if olstate.EventKind(0x999).String() != "EventKind(0x999)" {
		t.Fatalf("unknown kinds pass through: %s", olstate.EventKind(0x999))
	}
	if !(olstate.CapOffline | olstate.CapOnline).Has(olstate.CapOnline) {
		t.Fatal("Has")
	}
}

func TestOrderPayloadAndInfo(t *testing.T) {
	for _, d := range []olstate.Delivery{olstate.Queued, olstate.Inline} {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		info, err := s.Info()
		if err != nil || info.Profile != p || info.Provider != olstate.ProviderSimulator || info.ProviderPath == "" {
			t.Fatalf("info %+v %v", info, err)
		}
		caps, err := s.Capabilities()
		if err != nil || caps != olstate.CapOffline|olstate.CapOnline|olstate.CapConnectionMode {
			t.Fatalf("caps %v %v", caps, err)
		}
		c := newCollect()
		sub, err := s.Subscribe(c.add)
		if err != nil {
			t.Fatal(err)
		}
		before := time.Now().Add(-time.Second)
		if err := s.SetState(olstate.Offline, true); err != nil {
			t.Fatal(err)
		}
		events := c.wait(t, 3)
		kinds := []olstate.EventKind{olstate.ChangeStart, olstate.Change, olstate.ChangeDone}
		for i, e := range events {
			if e.Kind != kinds[i] || e.OldState != olstate.Online || e.NewState != olstate.Offline ||
				e.Sequence != uint64(i+1) || e.Subscription != sub.Token() || e.Dropped || e.Time.Before(before) {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
		if st, err := s.State(); err != nil || st != olstate.Offline {
			t.Fatalf("state %v %v", st, err)
		}
	}
}

func TestNoEventAfterSubscriptionClose(t *testing.T) {
	for _, d := range []olstate.Delivery{olstate.Queued, olstate.Inline} {
		p := freshProfile(t)
		simulator.SetDelivery(p, simulator.DeliveryPool, 3)
		s := open(t, p, olstate.WithDelivery(d))
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
					simulator.SendRaw(p, 2, 3, 2, 1, 0, 10)
				}
			}
		}()
		for i := 0; i < 200; i++ {
			var closed int32
			var late int32
			sub, err := s.Subscribe(func(olstate.Event) {
				if atomic.LoadInt32(&closed) == 1 {
					atomic.AddInt32(&late, 1)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := sub.Close(); err != nil {
				t.Fatal(err)
			}
			atomic.StoreInt32(&closed, 1)
			<-sub.Done()
			if atomic.LoadInt32(&late) != 0 {
				t.Fatal("a call after Close returned")
			}
		}
		close(stop)
		simulator.WaitIdle(p)
	}
}

func TestWatchEndsOnCancelAndOnClose(t *testing.T) {
	s := open(t, freshProfile(t))
	ctx, cancel := context.WithCancel(context.Background())
	events, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		select {
		case <-events:
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
	}
	cancel()
	select {
	case _, ok := <-events:
		for ok {
			_, ok = <-events
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed on cancel")
	}

	s2 := open(t, freshProfile(t))
	events2, err := s2.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-events2:
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed on session close")
	}
}

func TestPanickingCallbackIsRecovered(t *testing.T) {
	var got int32
	olstate.SetPanicHandler(func(uint64, interface{}) { atomic.AddInt32(&got, 1) })
	defer olstate.SetPanicHandler(nil)
	s := open(t, freshProfile(t))
	c := newCollect()
	if _, err := s.Subscribe(func(e olstate.Event) {
		c.add(e)
		panic("boom")
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if atomic.LoadInt32(&got) != 3 {
		t.Fatalf("panics reported: %d", got)
	}
}

func TestCloseInsideCallback(t *testing.T) {
	for _, d := range []olstate.Delivery{olstate.Queued, olstate.Inline} {
		s := open(t, freshProfile(t), olstate.WithDelivery(d))
		result := make(chan error, 1)
		var once sync.Once
		sub, err := s.Subscribe(func(olstate.Event) {
			once.Do(func() { result <- s.Close() })
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetState(olstate.Offline, false); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-result:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("close inside callback hung")
		}
		select {
		case <-sub.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("not released after close")
		}
		if _, err := s.State(); !errors.Is(err, olstate.ErrInvalidHandle) {
			t.Fatalf("after close: %v", err)
		}
	}
}

func TestConcurrentSubscribeAndGC(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p, olstate.WithDelivery(olstate.Inline))
	var wg sync.WaitGroup
	var calls int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				sub, err := s.Subscribe(func(olstate.Event) { atomic.AddInt64(&calls, 1) })
				if err != nil {
					t.Error(err)
					return
				}
				simulator.SendRaw(p, 2, 3, 2, 1, 0, 1)
				runtime.GC()
				if err := sub.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	simulator.WaitIdle(p)
}

func TestErrorMapping(t *testing.T) {
	simulator.Reset()
	defer simulator.Reset()
	p := freshProfile(t)
	cases := []struct {
		call simulator.Call
		hr   uint32
		want error
	}{
		{simulator.CallOpen, 0x80004005, olstate.ErrProviderFailed},
		{simulator.CallOpen, 0x8004010F, olstate.ErrProfileNotFound},
		{simulator.CallOpen, 0x8007000E, olstate.ErrOutOfMemory},
		{simulator.CallAdvise, 0x80070057, olstate.ErrProviderFailed},
		{simulator.CallGetCapabilities, 0x80004001, olstate.ErrNotSupported},
	}
	for _, c := range cases {
		simulator.FailNext(c.call, c.hr, 1)
		_, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator))
		var oe *olstate.Error
		if !errors.Is(err, c.want) || !errors.As(err, &oe) || uint32(oe.HResult) != c.hr || oe.Message == "" {
			t.Fatalf("call %d hr %#x: %v", c.call, c.hr, err)
		}
		simulator.FailNext(c.call, 0, 0)
	}
	if _, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderBridge)); !errors.Is(err, olstate.ErrProviderNotFound) {
		t.Fatalf("bridge: %v", err)
	}
	if _, err := olstate.Open(p, olstate.WithProviderPath("relative.so")); !errors.Is(err, olstate.ErrInvalidArgument) {
		t.Fatalf("relative path: %v", err)
	}
	if _, err := olstate.Open("bad\xff", olstate.WithProvider(olstate.ProviderSimulator)); !errors.Is(err, olstate.ErrInvalidArgument) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	simulator.SetProfileKnown(p, false)
	if _, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator)); !errors.Is(err, olstate.ErrProfileNotFound) {
		t.Fatalf("unknown profile: %v", err)
	}
	simulator.SetProfileKnown(p, true)

	s := open(t, p, olstate.WithDelivery(olstate.Inline))
	simulator.FailNext(simulator.CallSetState, 0x8000000A, 1)
	if err := s.SetState(olstate.Offline, false); !errors.Is(err, olstate.ErrBusy) {
		t.Fatalf("busy: %v", err)
	}
	var deadlock error
	done := make(chan struct{})
	var once sync.Once
	if _, err := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeDone {
			once.Do(func() {
				deadlock = s.SetState(olstate.Online, true)
				close(done)
			})
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Offline, false); err != nil {
		t.Fatal(err)
	}
	<-done
	if !errors.Is(deadlock, olstate.ErrWouldDeadlock) {
		t.Fatalf("would deadlock: %v", deadlock)
	}
	simulator.SetCapabilities(p+"-nocaps", 0)
	s2 := open(t, p+"-nocaps")
	if _, err := s2.Subscribe(func(olstate.Event) {}); !errors.Is(err, olstate.ErrNotSupported) {
		t.Fatalf("no capabilities: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("double close: %v", err)
	}
}

func TestEverythingReleased(t *testing.T) {
	p := freshProfile(t)
	s, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(func(olstate.Event) {}); err != nil {
		t.Fatal(err)
	}
	before := simulator.OutstandingRefs()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if simulator.OutstandingRefs() >= before {
		t.Fatalf("references not released: %d -> %d", before, simulator.OutstandingRefs())
	}
}
