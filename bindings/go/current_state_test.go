package olstate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// followed is the state a subscriber knows from its events alone: Current,
// then the NewState of each Change/ChangeDone. It checks on the way that
// Current comes first, once, and that the change after it numbers one more.
func followed(t *testing.T, events []olstate.Event) olstate.State {
	t.Helper()
	if len(events) == 0 || events[0].Kind != olstate.Current {
		t.Fatalf("the first event is not Current: %v", events)
	}
	first := events[0]
	if first.OldState != first.NewState || first.Dropped {
		t.Fatalf("Current carries %v -> %v (dropped %v)", first.OldState, first.NewState, first.Dropped)
	}
	state := first.NewState
	for i, e := range events[1:] {
		switch e.Kind {
		case olstate.Current:
			t.Fatalf("a second Current at %d: %v", i+1, events)
		case olstate.Change, olstate.ChangeDone:
			state = e.NewState
		}
		if i == 0 && e.Sequence != first.Sequence+1 {
			t.Fatalf("Current has sequence %d, the next event %d", first.Sequence, e.Sequence)
		}
	}
	return state
}

// Subscribing WithCurrentState while the user changes the state on another
// thread, many times, with both deliveries: Current is always first, the
// change follows it in order, so what the events say ends equal to the
// session's state. (Reading State() and then subscribing loses the change
// when it lands in between; without the option there is no Current.)
func TestSubscribeWithCurrentStateRacesAChange(t *testing.T) {
	for _, d := range deliveries() {
		p := freshProfile(t)
		s := open(t, p, olstate.WithDelivery(d))
		target := olstate.Offline
		for i := 0; i < 300; i++ {
			c := newCollect()
			changed := make(chan error, 1)
			go func(to olstate.State) { changed <- simulator.SetState(p, to, false) }(target)
			sub, err := s.Subscribe(c.add, olstate.WithCurrentState())
			if err != nil {
				t.Fatalf("%v round %d: subscribe: %v", d, i, err)
			}
			if err := <-changed; err != nil {
				t.Fatalf("%v round %d: user change: %v", d, i, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), long)
			if err := s.WaitState(ctx, target); err != nil {
				t.Fatalf("%v round %d: wait: %v", d, i, err)
			}
			cancel()
			deadline := time.Now().Add(long)
			for followed(t, c.wait(t, 1)) != target {
				if time.Now().After(deadline) {
					t.Fatalf("%v round %d: the events never reached %v: %v", d, i, target, c.wait(t, 1))
				}
				time.Sleep(time.Millisecond)
			}
			if err := sub.Close(); err != nil {
				t.Fatal(err)
			}
			if target == olstate.Offline {
				target = olstate.Online
			} else {
				target = olstate.Offline
			}
		}
	}
}

// Watch WithCurrentState: the channel starts with the state, then the
// change made right after, in order; without the option it has no Current.
func TestWatchWithCurrentState(t *testing.T) {
	for _, d := range deliveries() {
		s := open(t, freshProfile(t), olstate.WithDelivery(d))
		ctx, cancel := context.WithTimeout(context.Background(), long)
		events, err := s.Watch(ctx, olstate.WithCurrentState())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetState(olstate.Offline, false); err != nil {
			t.Fatal(err)
		}
		var kinds []olstate.EventKind
		for e := range events {
			kinds = append(kinds, e.Kind)
			if e.Kind == olstate.Current && e.NewState != olstate.Online {
				t.Fatalf("%v: Current says %v", d, e.NewState)
			}
			if e.Kind == olstate.ChangeDone {
				break
			}
		}
		cancel()
		want := []olstate.EventKind{olstate.Current, olstate.ChangeStart, olstate.Change, olstate.ChangeDone}
		if len(kinds) != len(want) {
			t.Fatalf("%v: got %v, want %v", d, kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("%v: got %v, want %v", d, kinds, want)
			}
		}

		// The default stays as it was: no Current.
		plain := newCollect()
		sub, err := s.Subscribe(plain.add)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetStateContext(context.Background(), olstate.Online); err != nil {
			t.Fatal(err)
		}
		if got := plain.wait(t, 3); got[0].Kind != olstate.ChangeStart {
			t.Fatalf("%v: a plain subscription starts with %v", d, got[0].Kind)
		}
		_ = sub.Close()
	}
	if olstate.Current.String() != "current" {
		t.Fatalf("Current is named %q", olstate.Current)
	}
}

// WithCurrentState needs the state: on a closed session the subscribe fails
// (and its func is released, as for any failing subscribe).
func TestSubscribeWithCurrentStateErrors(t *testing.T) {
	s := open(t, freshProfile(t))
	_ = s.Close()
	before := olstate.LiveHandles()
	if _, err := s.Subscribe(func(olstate.Event) {}, olstate.WithCurrentState()); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("closed session: want ErrInvalidHandle, got %v", err)
	}
	if _, err := s.Watch(context.Background(), olstate.WithCurrentState()); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("Watch on a closed session: want ErrInvalidHandle, got %v", err)
	}
	if olstate.LiveHandles() != before {
		t.Fatalf("failed subscribes kept handles: %d -> %d", before, olstate.LiveHandles())
	}
}
