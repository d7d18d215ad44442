package olstate_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

const long = 20 * time.Second

func within(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(long):
		t.Fatalf("timed out: %s", what)
	}
}

func deliveries() []olstate.Delivery { return []olstate.Delivery{olstate.Queued, olstate.Inline} }

func TestMain(m *testing.M) {
	if os.Getenv("OLSTATE_GO_EXIT_HELPER") == "1" {
		exitWithOpenSession()
	}
	code := m.Run()
	if code == 0 {
		// Every handle handed to olstate was deleted exactly once: a second
		// release would have panicked on the closed channel, a missing one
		// shows here.
		deadline := time.Now().Add(long)
		for olstate.LiveHandles() != 0 && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if n := olstate.LiveHandles(); n != 0 {
			println("olstate: handles never released:", n)
			code = 1
		}
	}
	os.Exit(code)
}

// The helper process: sessions, subscriptions and a watcher are live, a
// change is in flight, and the process exits without closing anything.
func exitWithOpenSession() {
	for _, d := range deliveries() {
		s, err := olstate.Open("go-exit-helper", olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(d))
		if err != nil {
			println(err.Error())
			os.Exit(3)
		}
		if _, err := s.Subscribe(func(olstate.Event) { time.Sleep(time.Millisecond) }); err != nil {
			os.Exit(4)
		}
		if _, err := s.Watch(context.Background()); err != nil {
			os.Exit(5)
		}
	}
	go simulator.Storm("go-exit-helper", 2, 50)
	time.Sleep(5 * time.Millisecond)
	os.Stdout.WriteString("helper-exiting\n")
	os.Exit(0)
}

func TestProcessExitWithOpenSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), long)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OLSTATE_GO_EXIT_HELPER=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "helper-exiting") {
		t.Fatalf("helper: %v (context: %v)\n%s", err, ctx.Err(), out)
	}
}

func TestSubscriptionCloseInsideCallback(t *testing.T) {
	for _, d := range deliveries() {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		subs := make(chan *olstate.Subscription, 1)
		var calls, afterClose int32
		var closed int32
		result := make(chan error, 1)
		sub, err := s.Subscribe(func(e olstate.Event) {
			atomic.AddInt32(&calls, 1)
			if atomic.LoadInt32(&closed) == 1 {
				atomic.AddInt32(&afterClose, 1)
				return
			}
			self := <-subs // handed in after Subscribe returned
			atomic.StoreInt32(&closed, 1)
			result <- self.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		subs <- sub
		if err := s.SetState(olstate.Offline, true); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-result:
			if err != nil {
				t.Fatalf("%v: close inside: %v", d, err)
			}
		case <-time.After(long):
			t.Fatal("close inside the callback hung")
		}
		within(t, "release after close inside", sub.Done())
		// More changes reach nobody.
		if err := s.SetState(olstate.Online, true); err != nil {
			t.Fatal(err)
		}
		simulator.WaitIdle(p)
		if n := atomic.LoadInt32(&calls); n != 1 || atomic.LoadInt32(&afterClose) != 0 {
			t.Fatalf("%v: %d calls, %d after close", d, n, afterClose)
		}
		if err := sub.Close(); !errors.Is(err, olstate.ErrInvalidHandle) {
			t.Fatalf("second close: %v", err)
		}
	}
}

// fn closes its own subscription while another goroutine's Close is waiting
// for fn to return: neither may wait for the other.
func TestCloseFromInsideWhileClosingOutside(t *testing.T) {
	for _, d := range deliveries() {
		s := open(t, freshProfile(t), olstate.WithDelivery(d))
		entered := make(chan struct{})
		subs := make(chan *olstate.Subscription, 1)
		var once sync.Once
		inner := make(chan error, 1)
		sub, err := s.Subscribe(func(olstate.Event) {
			once.Do(func() {
				self := <-subs
				close(entered)
				time.Sleep(50 * time.Millisecond) // the outside Close is waiting now
				inner <- self.Close()
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		subs <- sub
		if err := s.SetState(olstate.Offline, false); err != nil {
			t.Fatal(err)
		}
		within(t, "first call", entered)
		outer := make(chan error, 1)
		go func() { outer <- sub.Close() }()
		var errs []error
		for i := 0; i < 2; i++ {
			select {
			case err := <-inner:
				errs = append(errs, err)
			case err := <-outer:
				errs = append(errs, err)
			case <-time.After(long):
				t.Fatalf("%v: deadlock between Close inside and outside", d)
			}
		}
		// One of them unsubscribed; the other was told it is closed already.
		if !((errs[0] == nil && errors.Is(errs[1], olstate.ErrInvalidHandle)) ||
			(errs[1] == nil && errors.Is(errs[0], olstate.ErrInvalidHandle))) {
			t.Fatalf("%v: %v", d, errs)
		}
		within(t, "release", sub.Done())
	}
}

func TestCallsAfterClose(t *testing.T) {
	s := open(t, freshProfile(t))
	sub, err := s.Subscribe(func(olstate.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	before := olstate.LiveHandles()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close ran the pending release.
	select {
	case <-sub.Done():
	default:
		t.Fatal("Close returned before the subscription's release ran")
	}
	if olstate.LiveHandles() != before-1 {
		t.Fatalf("handles %d -> %d", before, olstate.LiveHandles())
	}
	checks := map[string]error{}
	_, checks["Capabilities"] = s.Capabilities()
	_, checks["State"] = s.State()
	checks["SetState"] = s.SetState(olstate.Offline, false)
	_, checks["Info"] = s.Info()
	_, checks["Subscribe"] = s.Subscribe(func(olstate.Event) {})
	_, checks["Watch"] = s.Watch(context.Background())
	checks["Subscription.Close"] = sub.Close()
	checks["Close"] = s.Close()
	for name, err := range checks {
		var oe *olstate.Error
		if !errors.Is(err, olstate.ErrInvalidHandle) || !errors.As(err, &oe) || oe.Message == "" {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	// The failed Subscribe and Watch released their handles before returning.
	if olstate.LiveHandles() != before-1 {
		t.Fatalf("failed subscribes kept handles: %d -> %d", before, olstate.LiveHandles())
	}
}

func TestOptionsInfoAndArguments(t *testing.T) {
	// The default profile, through the default provider (the simulator here).
	s, err := olstate.Open("")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info()
	if err != nil || info.Profile != "Outlook" || info.Provider != olstate.ProviderSimulator ||
		!strings.Contains(info.ProviderPath, "olstate_sim") {
		t.Fatalf("default: %+v %v", info, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The simulator as a provider library by full path.
	p := freshProfile(t) + " – ünïcode"
	s = open(t, p, olstate.WithProviderPath(info.ProviderPath))
	info2, err := s.Info()
	if err != nil || info2.Provider != olstate.ProviderLibrary || info2.ProviderPath != info.ProviderPath || info2.Profile != p {
		t.Fatalf("library: %+v %v", info2, err)
	}
	if st, err := s.State(); err != nil || st != olstate.Online {
		t.Fatalf("state %v %v", st, err)
	}
	// The same profile through another session sees the same object.
	s2 := open(t, p)
	if err := s2.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	if st, err := s.State(); err != nil || st != olstate.Offline {
		t.Fatalf("shared state %v %v", st, err)
	}
	// Setting the state it already has: OK, no event. (Subscribed before
	// s2's change: a Queued subscription also gets events that reached the
	// session before it subscribed but were not yet dispatched.)
	c := newCollect()
	if _, err := s.Subscribe(c.add); err != nil {
		t.Fatal(err)
	}
	waitDone := func(from int, to olstate.State) int {
		for n := from + 1; ; n++ {
			ev := c.wait(t, n)
			if e := ev[n-1]; e.Kind == olstate.ChangeDone && e.NewState == to {
				return n
			}
		}
	}
	if err := s2.SetState(olstate.Online, true); err != nil {
		t.Fatal(err)
	}
	mark := waitDone(0, olstate.Online)
	if err := s.SetState(olstate.Online, true); err != nil {
		t.Fatal(err)
	}
	if err := s2.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	end := waitDone(mark, olstate.Offline)
	if ev := c.wait(t, end); end != mark+3 || ev[mark].Kind != olstate.ChangeStart || ev[mark].Sequence != ev[mark-1].Sequence+1 {
		t.Fatalf("a same-state request sent events: %+v", ev[mark-1:])
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	bad := map[string]error{}
	_, bad["Outlook provider on Linux"] = olstate.Open(p, olstate.WithProvider(olstate.ProviderOutlook))
	_, bad["object-model provider on Linux"] = olstate.Open(p, olstate.WithProvider(olstate.ProviderObjectModel))
	_, bad["NUL in profile"] = olstate.Open("a\x00b")
	_, bad["NUL in path"] = olstate.Open(p, olstate.WithProviderPath("/x\x00y"))
	_, bad["library without path"] = olstate.Open(p, olstate.WithProvider(olstate.ProviderLibrary))
	_, bad["missing library"] = olstate.Open(p, olstate.WithProviderPath("/nonexistent/libnothing.so"))
	_, bad["unknown provider"] = olstate.Open(p, olstate.WithProvider(olstate.Provider(77)))
	_, bad["unknown delivery"] = olstate.Open(p, olstate.WithDelivery(olstate.Delivery(9)))
	bad["bad state"] = s.SetState(olstate.State(3), false)
	_, bad["nil func"] = s.Subscribe(nil)
	want := map[string]error{
		"Outlook provider on Linux":      olstate.ErrNotSupported,
		"object-model provider on Linux": olstate.ErrNotSupported,
		"NUL in profile":                 olstate.ErrInvalidArgument,
		"NUL in path":                    olstate.ErrInvalidArgument,
		"library without path":           olstate.ErrInvalidArgument,
		"missing library":                olstate.ErrProviderNotFound,
		"unknown provider":               olstate.ErrInvalidArgument,
		"unknown delivery":               olstate.ErrInvalidArgument,
		"bad state":                      olstate.ErrInvalidArgument,
		"nil func":                       olstate.ErrInvalidArgument,
	}
	for name, err := range bad {
		if !errors.Is(err, want[name]) || !strings.HasPrefix(err.Error(), "olstate: ") {
			t.Errorf("%s: %v, want %v", name, err, want[name])
		}
	}
}

func TestMoreErrorMapping(t *testing.T) {
	simulator.Reset()
	defer simulator.Reset()
	p := freshProfile(t)
	const eFail, eNotImpl, ePending = 0x80004005, 0x80004001, 0x8000000A
	opens := []struct {
		call simulator.Call
		hr   uint32
		want error
	}{
		{simulator.CallQueryInterface, 0x80004002, olstate.ErrProviderFailed},
		{simulator.CallGetCapabilities, eFail, olstate.ErrProviderFailed},
		{simulator.CallAdvise, 0x8007000E, olstate.ErrOutOfMemory},
	}
	for _, c := range opens {
		simulator.FailNext(c.call, c.hr, 1)
		s, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator))
		simulator.FailNext(c.call, 0, 0)
		var oe *olstate.Error
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, c.want) || !errors.As(err, &oe) || uint32(oe.HResult) != c.hr || !strings.Contains(oe.Message, "0x") {
			t.Errorf("open, call %d fails with %#x: %v", c.call, c.hr, err)
		}
	}
	simulator.SetMisbehaviour(simulator.MisbehaveOpenNull)
	_, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator))
	simulator.SetMisbehaviour(0)
	if !errors.Is(err, olstate.ErrProviderFailed) {
		t.Errorf("NULL object: %v", err)
	}

	s := open(t, p)
	simulator.FailNext(simulator.CallGetState, eFail, 1)
	if _, err := s.State(); !errors.Is(err, olstate.ErrProviderFailed) || uint32(err.(*olstate.Error).HResult) != eFail {
		t.Errorf("GetState: %v", err)
	}
	// SetState first reads the current state (a same-state request is a
	// no-op), then asks for the change.
	for _, c := range []struct {
		hr   uint32
		want error
	}{{eFail, olstate.ErrProviderFailed}, {eNotImpl, olstate.ErrNotSupported}, {ePending, olstate.ErrBusy}} {
		simulator.FailNext(simulator.CallSetState, c.hr, 1)
		err := s.SetState(olstate.Offline, true)
		simulator.FailNext(simulator.CallSetState, 0, 0)
		if !errors.Is(err, c.want) || uint32(err.(*olstate.Error).HResult) != c.hr {
			t.Errorf("SetCurrentState fails with %#x: %v", c.hr, err)
		}
	}
	if st, err := s.State(); err != nil || st != olstate.Online {
		t.Fatalf("state after failed changes: %v %v", st, err)
	}
	// A real BUSY: a change in flight (the callback holds DONE back in Inline).
	si := open(t, freshProfile(t), olstate.WithDelivery(olstate.Inline))
	hold := make(chan struct{})
	started := make(chan struct{})
	var once sync.Once
	if _, err := si.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeStart {
			once.Do(func() { close(started) })
			<-hold
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := si.SetState(olstate.Offline, false); err != nil {
		t.Fatal(err)
	}
	within(t, "change start", started)
	busy := si.SetState(olstate.Online, false)
	close(hold)
	if !errors.Is(busy, olstate.ErrBusy) {
		t.Fatalf("second change while the first is in flight: %v", busy)
	}
}

// A provider that notifies after Unadvise (a late notification) never
// reaches a closed session's funcs.
func TestNoCallAfterSessionClose(t *testing.T) {
	simulator.SetMisbehaviour(simulator.MisbehaveLateNotify)
	defer simulator.SetMisbehaviour(0)
	for _, d := range deliveries() {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		var calls, late int32
		var closed int32
		sub, err := s.Subscribe(func(olstate.Event) {
			atomic.AddInt32(&calls, 1)
			if atomic.LoadInt32(&closed) == 1 {
				atomic.AddInt32(&late, 1)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetState(olstate.Offline, true); err != nil {
			t.Fatal(err)
		}
		go simulator.Storm(p, 2, 20)
		time.Sleep(2 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		atomic.StoreInt32(&closed, 1)
		within(t, "release", sub.Done())
		simulator.WaitIdle(p)
		if atomic.LoadInt32(&late) != 0 {
			t.Fatalf("%v: %d calls after Close returned", d, late)
		}
	}
}

func TestDroppedEventsAreFlagged(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p) // Queued: olstate's queue holds 256 events
	gate := make(chan struct{})
	c := newCollect()
	var once sync.Once
	if _, err := s.Subscribe(func(e olstate.Event) {
		once.Do(func() { <-gate })
		c.add(e)
	}); err != nil {
		t.Fatal(err)
	}
	const notifications = 3 * 400
	if err := simulator.Storm(p, 1, 400); err != nil {
		t.Fatalf("storm: %v", err)
	}
	close(gate)
	deadline := time.After(long)
	for {
		ev := c.wait(t, 1)
		if ev[len(ev)-1].Sequence == notifications {
			break
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("the last notification never came (%d events)", len(ev))
		}
	}
	ev := c.wait(t, 1)
	if len(ev) >= notifications {
		t.Fatalf("nothing dropped: %d events", len(ev))
	}
	flagged := 0
	if ev[0].Dropped != (ev[0].Sequence != 1) {
		t.Fatalf("first event: %+v", ev[0])
	} else if ev[0].Dropped {
		flagged++
	}
	for i := 1; i < len(ev); i++ {
		gap := ev[i].Sequence != ev[i-1].Sequence+1
		if ev[i].Sequence <= ev[i-1].Sequence {
			t.Fatalf("out of order at %d: %d after %d", i, ev[i].Sequence, ev[i-1].Sequence)
		}
		if gap != ev[i].Dropped {
			t.Fatalf("event %d (seq %d after %d): Dropped=%v", i, ev[i].Sequence, ev[i-1].Sequence, ev[i].Dropped)
		}
		if ev[i].Dropped {
			flagged++
		}
	}
	if flagged == 0 {
		t.Fatal("no event flagged")
	}
}

func TestGCPressureWhileSubscribed(t *testing.T) {
	for _, d := range deliveries() {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		stop := make(chan struct{})
		gcDone := make(chan struct{})
		go func() {
			defer close(gcDone)
			for {
				select {
				case <-stop:
					return
				default:
					runtime.GC()
				}
			}
		}()
		const changes = 40
		collectors := make([]*collect, 4)
		for i := range collectors {
			c := newCollect()
			collectors[i] = c
			payload := make([]byte, 1<<16) // garbage the func keeps alive
			if _, err := s.Subscribe(func(e olstate.Event) {
				payload[e.Sequence%uint64(len(payload))]++
				c.add(e)
			}); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		events, err := s.Watch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := olstate.Offline
		for i := 0; i < changes; i++ {
			if err := s.SetState(want, true); err != nil {
				t.Fatal(err)
			}
			want = olstate.Online + olstate.Offline - want
			_ = make([]byte, 1<<20)
		}
		for i := 0; i < 3*changes; i++ {
			select {
			case e := <-events:
				if d == olstate.Queued && e.Sequence != uint64(i+1) {
					t.Fatalf("watch: event %d has sequence %d", i, e.Sequence)
				}
			case <-time.After(long):
				t.Fatalf("watch: %d events", i)
			}
		}
		cancel()
		for range events {
		}
		close(stop)
		<-gcDone
		for i, c := range collectors {
			ev := c.wait(t, 3*changes)
			if d != olstate.Queued {
				continue
			}
			for j, e := range ev {
				kind := olstate.EventKind(j%3 + 1)
				if e.Sequence != uint64(j+1) || e.Kind != kind {
					t.Fatalf("collector %d: event %d: %+v", i, j, e)
				}
			}
		}
	}
}

func leakSession(t *testing.T, p string, calls *int64) <-chan struct{} {
	s, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(olstate.Inline))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(func(olstate.Event) {
		atomic.AddInt64(calls, 1)
		time.Sleep(100 * time.Microsecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub.Done() // neither s nor sub stays reachable
}

func TestFinalizerClosesLeakedSession(t *testing.T) {
	p := freshProfile(t)
	simulator.SetDelivery(p, simulator.DeliveryPool, 3)
	var calls int64
	done := leakSession(t, p, &calls)
	// Notifications keep arriving while the finalizer closes the session.
	stop := make(chan struct{})
	storming := make(chan struct{})
	go func() {
		defer close(storming)
		for {
			select {
			case <-stop:
				return
			default:
				simulator.Storm(p, 2, 5)
			}
		}
	}()
	deadline := time.After(long)
	for released := false; !released; {
		runtime.GC()
		select {
		case <-done:
			released = true
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatal("the leaked session was never closed by its finalizer")
		}
	}
	close(stop)
	<-storming
	simulator.WaitIdle(p)
	if atomic.LoadInt64(&calls) == 0 {
		t.Log("no call before the finalizer ran")
	}
}

// Many goroutines use one session at once; then it closes under them.
func TestConcurrentUseAndCloseUnderLoad(t *testing.T) {
	for _, d := range deliveries() {
		p := freshProfile(t)
		simulator.SetDelivery(p, simulator.DeliveryPool, 4)
		s, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(d))
		if err != nil {
			t.Fatal(err)
		}
		base := olstate.LiveHandles()
		var wg sync.WaitGroup
		var closedSeen int64
		errc := make(chan error, 100)
		ok := func(err error) bool {
			switch {
			case err == nil || errors.Is(err, olstate.ErrBusy):
				return true
			case errors.Is(err, olstate.ErrInvalidHandle):
				atomic.AddInt64(&closedSeen, 1)
				return false
			}
			select {
			case errc <- err:
			default:
			}
			return false
		}
		var watchers sync.WaitGroup
		for g := 0; g < 12; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; ; i++ {
					var err error
					switch (g + i) % 5 {
					case 0:
						_, err = s.State()
					case 1:
						err = s.SetState(olstate.State(1+i%2), false)
					case 2:
						var sub *olstate.Subscription
						sub, err = s.Subscribe(func(olstate.Event) {})
						if err == nil {
							runtime.Gosched()
							if e := sub.Close(); e != nil && !errors.Is(e, olstate.ErrInvalidHandle) {
								err = e
							}
						}
					case 3:
						ctx, cancel := context.WithCancel(context.Background())
						var ch <-chan olstate.Event
						ch, err = s.Watch(ctx)
						if err == nil {
							watchers.Add(1)
							go func() {
								defer watchers.Done()
								for range ch {
								}
							}()
						}
						if i%2 == 0 {
							cancel()
						} else {
							defer cancel()
						}
					case 4:
						_, err = s.Capabilities()
					}
					if !ok(err) {
						return
					}
					if i%7 == 0 {
						simulator.SendRaw(p, 2, 3, 2, 1, 0, 2)
					}
				}
			}(g)
		}
		time.Sleep(300 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		stopped := make(chan struct{})
		go func() { wg.Wait(); watchers.Wait(); close(stopped) }()
		within(t, "every goroutine and watcher ends after Close", stopped)
		select {
		case err := <-errc:
			t.Fatalf("%v: unexpected error: %v", d, err)
		default:
		}
		if atomic.LoadInt64(&closedSeen) != 12 {
			t.Fatalf("%v: %d goroutines saw the close", d, closedSeen)
		}
		if n := olstate.LiveHandles(); n != base {
			t.Fatalf("%v: handles %d after close, %d before", d, n, base)
		}
		simulator.WaitIdle(p)
	}
}

func TestPanicHandlerThatPanics(t *testing.T) {
	var reported int32
	olstate.SetPanicHandler(func(sub uint64, r interface{}) {
		atomic.AddInt32(&reported, 1)
		panic("the handler panics too")
	})
	defer olstate.SetPanicHandler(nil)
	s := open(t, freshProfile(t), olstate.WithDelivery(olstate.Inline))
	c := newCollect()
	if _, err := s.Subscribe(func(e olstate.Event) {
		c.add(e)
		panic(errors.New("boom"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Online, true); err != nil { // still subscribed
		t.Fatal(err)
	}
	c.wait(t, 6)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if atomic.LoadInt32(&reported) != 6 {
		t.Fatalf("reported %d", reported)
	}
}

func TestBlockingSetStateInsideQueuedCallback(t *testing.T) {
	s := open(t, freshProfile(t))
	result := make(chan error, 1)
	var once sync.Once
	if _, err := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeDone {
			once.Do(func() { result <- s.SetState(olstate.Online, true) })
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(olstate.Offline, false); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("blocking SetState on the dispatcher thread: %v", err)
		}
	case <-time.After(long):
		t.Fatal("blocking SetState inside a Queued callback hung")
	}
	if st, _ := s.State(); st != olstate.Online {
		t.Fatalf("state %v", st)
	}
}

func TestWatchEdges(t *testing.T) {
	// A context already done: the channel closes at once.
	s := open(t, freshProfile(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closedCh := make(chan struct{})
	go func() {
		for range ch {
		}
		close(closedCh)
	}()
	within(t, "watch with a done context", closedCh)

	// A reader that stopped reading: the func blocks on the full channel
	// (Queued: olstate then drops and flags); cancelling still ends it.
	p := freshProfile(t)
	s = open(t, p)
	ctx, cancel = context.WithCancel(context.Background())
	ch, err = s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	simulator.Storm(p, 1, 300) // 900 notifications, more than the channel holds
	for len(ch) < cap(ch) {    // the func is now blocked on the full channel
		select {
		case <-time.After(time.Millisecond):
		case <-time.After(long):
			t.Fatalf("the channel never filled: %d", len(ch))
		}
	}
	cancel()
	n := 0
	drained := make(chan struct{})
	go func() {
		for range ch {
			n++
		}
		close(drained)
	}()
	within(t, "watch with a stalled reader, cancelled", drained)
	if n < cap(ch) || n > 900 {
		t.Fatalf("%d events", n)
	}
	// The session still works.
	if err := s.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}

	// Inline delivery from several provider threads.
	p = freshProfile(t)
	simulator.SetDelivery(p, simulator.DeliveryPool, 4)
	s = open(t, p, olstate.WithDelivery(olstate.Inline))
	ch, err = s.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	simulator.Storm(p, 4, 20)
	for i := 0; i < 4*20*3; i++ {
		select {
		case <-ch:
		case <-time.After(long):
			t.Fatalf("inline watch: %d events", i)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, open := <-ch; open {
		t.Fatal("event after Close")
	}
}
