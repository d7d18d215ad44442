package olstate_test

import (
	"context"
	"errors"
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
