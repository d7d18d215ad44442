package olstate_test

import (
	"context"
	"fmt"

	"olstate"
)

// Watch Outlook (here: olstate's simulator) go offline.
func ExampleSession_Watch() {
	s, err := olstate.Open("example-watch", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, _ := s.Watch(ctx)

	_ = s.SetState(olstate.Offline, true)
	for i := 0; i < 3; i++ {
		e := <-events
		fmt.Println(e.Sequence, e.Kind, e.OldState, "->", e.NewState)
	}
	// Output:
	// 1 change_start online -> offline
	// 2 change online -> offline
	// 3 change_done online -> offline
}

// Subscribe a func; close the subscription when done.
func ExampleSession_Subscribe() {
	s, err := olstate.Open("example-subscribe",
		olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(olstate.Inline))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	sub, _ := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeDone {
			fmt.Println("now", e.NewState)
		}
	})
	_ = s.SetState(olstate.Offline, true) // Inline: delivered before SetState returns
	_ = sub.Close()
	// Output:
	// now offline
}
