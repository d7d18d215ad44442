package olstate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	olstate "github.com/olstate/olstate/bindings/go"
)

// Watch Outlook (here: olstate's simulator, as on any machine without
// Outlook) go offline.
func ExampleSession_Watch() {
	s, err := olstate.Open("example-watch", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := s.Watch(ctx) // closed when ctx is done or s is closed
	if err != nil {
		fmt.Println(err)
		return
	}

	if err := s.SetState(olstate.Offline, true); err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 3; i++ {
		e := <-events
		fmt.Println(e.Sequence, e.Kind, e.OldState, "->", e.NewState)
	}

	_ = s.SetState(olstate.Online, true) // back online (the simulator keeps its state)
	cancel()
	for e := range events { // the channel ends after the cancel
		_ = e
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

	caps, _ := s.Capabilities()
	state, _ := s.State()
	fmt.Println("capabilities:", caps, "state:", state)

	sub, err := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeDone {
			fmt.Println("now", e.NewState)
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.SetState(olstate.Offline, true) // Inline: delivered before SetState returns
	_ = sub.Close()                       // the func is never called again
	_ = s.SetState(olstate.Online, true)
	// Output:
	// capabilities: offline|online|connection_mode state: online
	// now offline
}

// Errors match olstate's result codes with errors.Is; *olstate.Error holds
// the code, the HRESULT and olstate's message.
func ExampleError() {
	_, err := olstate.Open("example", olstate.WithProvider(olstate.ProviderBridge))
	if errors.Is(err, olstate.ErrProviderNotFound) {
		fmt.Println("no bridge is running")
	}
	var oe *olstate.Error
	if errors.As(err, &oe) {
		fmt.Println(oe.Code, oe.Message != "")
	}
	// Output:
	// no bridge is running
	// -3 true
}

// Info tells which provider and profile a session resolved to.
func ExampleSession_Info() {
	s, err := olstate.Open("") // the default profile through the default provider
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	info, _ := s.Info()
	fmt.Println(info.Provider == olstate.ProviderSimulator, info.Profile)
	// Output: true Outlook
}

// Host a bridge and follow it from a client with reconnect: the client is
// told when the host goes away and when a host serves the endpoint again.
// (Host and client share this process here; normally the host runs inside
// Outlook and the client is another program, which opens
// olstate.Open("", olstate.WithProvider(olstate.ProviderBridge),
// olstate.WithReconnect(true)) to reach the current user's bridge.)
func ExampleSession_StartBridge() {
	dir, _ := os.MkdirTemp("", "olstate-example-") // a private (0700) folder
	defer os.RemoveAll(dir)
	endpoint := filepath.Join(dir, "bridge.sock")

	host, err := olstate.Open("example-bridge", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	bridge, err := host.StartBridge(olstate.BridgeOptions{Endpoint: endpoint})
	if err != nil {
		fmt.Println(err)
		return
	}

	client, err := olstate.Open("", olstate.WithEndpoint(bridge.Endpoint()), olstate.WithReconnect(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	events, _ := client.Watch(context.Background())

	_ = bridge.Stop() // Outlook exits
	fmt.Println((<-events).Kind)
	_, err = client.State()
	fmt.Println(errors.Is(err, olstate.ErrProviderNotFound))

	bridge, _ = host.StartBridge(olstate.BridgeOptions{Endpoint: endpoint}) // Outlook is back
	defer bridge.Stop()
	e := <-events
	fmt.Println(e.Kind, e.NewState)
	// Output:
	// provider_lost
	// true
	// provider_back online
}
