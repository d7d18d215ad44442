package olstate_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
)

// Two asynchronous changes in a row: SetStateContext returns at the end of
// the first, so the second is never refused with ErrBusy.
func TestSetStateContextBackToBack(t *testing.T) {
	s := open(t, "go-wait-b2b")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 100; i++ {
		if err := s.SetStateContext(ctx, olstate.Offline); err != nil {
			t.Fatalf("round %d offline: %v", i, err)
		}
		if err := s.SetStateContext(ctx, olstate.Online); err != nil {
			t.Fatalf("round %d online: %v", i, err)
		}
	}
}

func TestWaitStateHonoursContext(t *testing.T) {
	s := open(t, "go-wait-ctx")
	if err := s.WaitState(context.Background(), olstate.Online); err != nil {
		t.Fatalf("already online: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.WaitState(ctx, olstate.Offline); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want DeadlineExceeded, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the wait outlived its context by far")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.WaitState(ctx2, olstate.Offline) }()
	time.Sleep(50 * time.Millisecond)
	cancel2()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want Canceled, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not end the wait")
	}
	_ = s.Close()
	if err := s.WaitState(context.Background(), olstate.Offline); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("after Close: want ErrInvalidHandle, got %v", err)
	}
}

// SetStateContext: a context already done asks for nothing; a context that
// ends while the change is held up (an Inline func blocking its
// ChangeStart) ends the call with ctx.Err(), and the change still completes.
func TestSetStateContextHonoursCancellation(t *testing.T) {
	s := open(t, freshProfile(t), olstate.WithDelivery(olstate.Inline))
	done, cancel0 := context.WithCancel(context.Background())
	cancel0()
	if err := s.SetStateContext(done, olstate.Offline); !errors.Is(err, context.Canceled) {
		t.Fatalf("a done context: want Canceled, got %v", err)
	}
	if st, _ := s.State(); st != olstate.Online {
		t.Fatalf("a done context changed the state to %v", st)
	}

	hold := make(chan struct{})
	started := make(chan struct{}, 1)
	sub, err := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeStart {
			started <- struct{}{}
			<-hold // the change cannot finish while this func runs
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- s.SetStateContext(ctx, olstate.Offline) }()
	select {
	case <-started:
	case <-time.After(bridgeWait):
		t.Fatal("the change never started")
	}
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want Canceled, got %v", err)
		}
	case <-time.After(5 * time.Second):
		close(hold)
		t.Fatal("cancel did not end SetStateContext while the change was held up")
	}
	close(hold)
	wctx, wcancel := context.WithTimeout(context.Background(), bridgeWait)
	defer wcancel()
	if err := s.WaitState(wctx, olstate.Offline); err != nil {
		t.Fatalf("the cancelled call's change did not complete: %v", err)
	}
}

// A bridge session opened before any host runs reads its profile live: after
// ProviderBack it names the host's profile, and after the next ProviderBack
// the new host's.
func TestBridgeInfoFollowsTheHostAfterProviderBack(t *testing.T) {
	ep := endpointIn(t)
	client := openClient(t, ep, olstate.WithReconnect(true))
	if info, err := client.Info(); err != nil || info.Profile != "" || info.Provider != olstate.ProviderBridge {
		t.Fatalf("before any host: %+v, %v", info, err)
	}
	events := watch(t, client)
	for _, profile := range []string{freshProfile(t), freshProfile(t)} {
		host := open(t, profile)
		b := startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
		nextOf(t, events, olstate.ProviderBack)
		info, err := client.Info()
		if err != nil || info.Profile != profile || info.ProviderPath != ep {
			t.Fatalf("after ProviderBack from %q: %+v, %v", profile, info, err)
		}
		_ = b.Stop()
		nextOf(t, events, olstate.ProviderLost)
		_ = host.Close()
	}
	_ = client.Close()
	if _, err := client.Info(); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("Info after Close: %v", err)
	}
}

// Info racing Close never reads the library's strings after they are freed
// (go test -race and the C library's checks would show it).
func TestInfoRacingClose(t *testing.T) {
	for i := 0; i < 50; i++ {
		s := open(t, freshProfile(t))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if info, err := s.Info(); err == nil && info.Profile == "" {
						t.Error("an empty profile from an open session")
						return
					} else if err != nil && !errors.Is(err, olstate.ErrInvalidHandle) {
						t.Errorf("Info: %v", err)
						return
					}
				}
			}()
		}
		_ = s.Close()
		close(stop)
		wg.Wait()
	}
}
