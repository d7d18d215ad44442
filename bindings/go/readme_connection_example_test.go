package olstate_test

import (
	"context"
	"fmt"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// The README's "wait until Exchange is connected, then sync" snippet, word
// for word (TestReadmeSnippetsAreExamples), run against the simulator.

func readmeWaitConnection(ctx context.Context, s *olstate.Session) error {
	// Wait until Exchange is connected (at once if it is), then sync.
	mode, err := s.WaitConnection(ctx, olstate.ConnectionMode.Connected)
	if err != nil {
		return err // ctx.Err(), or ErrNotSupported: this session cannot tell
	}
	fmt.Println("Exchange:", mode) // sync now
	accounts, err := s.Accounts()
	if err != nil {
		return err
	}
	for _, a := range accounts {
		fmt.Println(a.DisplayName, a.Type, a.Mode)
	}
	return nil
}

// Outlook's network comes back while the program waits.
func ExampleSession_WaitConnection() {
	s, err := olstate.Open("readme-connection", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_ = simulator.SetConnectionMode("readme-connection", olstate.ConnectionCachedDisconnected)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = simulator.SetConnectionMode("readme-connection", olstate.ConnectionCachedConnectedFull)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := readmeWaitConnection(ctx, s); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Exchange: cached_connected_full
	// user@example.com exchange cached_connected_full
}
