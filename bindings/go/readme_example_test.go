package olstate_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// The README's Go snippets, each word for word as the body of a readme*
// function (TestReadmeSnippetsAreExamples checks that), run by the Example
// functions below against the simulator with their output checked.

func readmeFirstSteps(ctx context.Context) error {
	s, err := olstate.Open("") // "" = the default profile
	if err != nil {
		// On Windows outside Outlook the default provider is the bridge:
		// ErrProviderNotFound until Outlook (with the olstate add-in) runs.
		if errors.Is(err, olstate.ErrProviderNotFound) { /* Outlook is not running */
		}
		return err
	}
	defer s.Close()

	events, _ := s.Watch(ctx)              // closed when ctx is done or s closes
	_ = s.SetState(olstate.Offline, false) // false: return once the change started
	for e := range events {
		fmt.Println(e.Sequence, e.Kind, e.OldState, "->", e.NewState)
		if e.Kind == olstate.ChangeDone {
			break // the change is complete
		}
	}
	return nil
}

// The README's first snippet: watch the default profile go offline.
func ExampleOpen() {
	if err := readmeFirstSteps(context.Background()); err != nil {
		fmt.Println(err)
	}
	_ = simulator.SetState("Outlook", olstate.Online, true) // the simulator keeps its state
	// Output:
	// 1 change_start online -> offline
	// 2 change online -> offline
	// 3 change_done online -> offline
}

func readmeWaitAndSync(ctx context.Context, s *olstate.Session) error {
	// Two changes in a row: each call returns at its change's end (never ErrBusy).
	if err := s.SetStateContext(ctx, olstate.Offline); err != nil {
		return err
	}
	if err := s.SetStateContext(ctx, olstate.Online); err != nil {
		return err
	}
	// "Wait until Outlook is online, then sync", for at most a minute.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.WaitState(wctx, olstate.Online); err != nil {
		return err // context.DeadlineExceeded: Outlook stayed offline
	}
	fmt.Println("online: sync now")
	return nil
}

// runOnSimulator runs a README snippet that takes a session on a simulator
// session of its own, for a minute at most, and prints its error.
func runOnSimulator(profile string, snippet func(context.Context, *olstate.Session) error) {
	s, err := olstate.Open(profile, olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := snippet(ctx, s); err != nil {
		fmt.Println(err)
	}
}

// The README's waiting snippet.
func ExampleSession_WaitState() {
	runOnSimulator("example-wait", readmeWaitAndSync)
	// Output: online: sync now
}

func readmeFollowFromNow(ctx context.Context, s *olstate.Session) error {
	// The state as it is now, then every change after it: none slips in between.
	events, err := s.Watch(ctx, olstate.WithCurrentState())
	if err != nil {
		return err
	}
	_ = s.SetState(olstate.Offline, false)
	for e := range events {
		switch e.Kind {
		case olstate.Current:
			fmt.Println("Outlook is", e.NewState)
		case olstate.ChangeDone:
			fmt.Println("Outlook is now", e.NewState)
			return nil
		}
	}
	return nil
}

// The README's current-state snippet.
func ExampleWithCurrentState() {
	runOnSimulator("example-current", readmeFollowFromNow)
	// Output:
	// Outlook is online
	// Outlook is now offline
}

func readmeBridgeClient(ctx context.Context) error {
	s, err := olstate.Open("", // the profile the bridge serves
		olstate.WithProvider(olstate.ProviderBridge), // the current user's bridge
		olstate.WithReconnect(true))                  // wait for Outlook, survive restarts
	// olstate.WithEndpoint(path)                 // another endpoint (Bridge.Endpoint)
	if err != nil {
		return err
	}
	defer s.Close()
	events, _ := s.Watch(ctx)
	if state, err := s.State(); err == nil {
		fmt.Println("Outlook is", state)
	} // else ErrProviderNotFound: Outlook is not running (yet)
	for e := range events {
		switch e.Kind {
		case olstate.ProviderLost:
			fmt.Println("Outlook is gone; last known", e.NewState)
		case olstate.ProviderBack:
			fmt.Println("Outlook is back,", e.NewState)
		case olstate.ChangeDone:
			fmt.Println("Outlook is now", e.NewState)
		} // other kinds (later versions add some) are informational
	}
	return nil
}

// The README's bridge client, against a host in this process on the current
// user's endpoint (here in a private folder): each step waits for the line
// the previous one printed.
func ExampleWithReconnect() {
	restoreEnv := privateRuntimeDir()
	defer restoreEnv()
	host, err := olstate.Open("example-reconnect", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	bridge, _ := host.StartBridge(olstate.BridgeOptions{})

	lines, restoreStdout := teeStdout()
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- readmeBridgeClient(ctx) }()
	nextLine(lines) // "Outlook is online": the client follows
	_ = simulator.SetState("example-reconnect", olstate.Offline, true)
	nextLine(lines)
	_ = bridge.Stop() // Outlook exits
	nextLine(lines)
	bridge, _ = host.StartBridge(olstate.BridgeOptions{}) // Outlook is back
	defer bridge.Stop()
	nextLine(lines)
	cancel()
	err = <-result
	restoreStdout()
	fmt.Println("returned:", err)
	// Output:
	// Outlook is online
	// Outlook is now offline
	// Outlook is gone; last known offline
	// Outlook is back, offline
	// returned: <nil>
}

func readmeBridgeHost(ctx context.Context, profile string) error {
	s, err := olstate.Open(profile) // inside Outlook: the Outlook provider
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.StartBridge(olstate.BridgeOptions{AllowSetState: true})
	if err != nil {
		return err // ErrBusy: a bridge already serves it
	}
	defer b.Stop()
	log.Println("serving on", b.Endpoint())
	<-ctx.Done()
	return nil
}

// The README's bridge host, with a client that waits for it (it may start
// before or after the host) and then changes the state through it.
func ExampleSession_StartBridge_hosting() {
	restoreEnv := privateRuntimeDir()
	defer restoreEnv()
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- readmeBridgeHost(ctx, "example-host") }()

	client, err := olstate.Open("", olstate.WithProvider(olstate.ProviderBridge), olstate.WithReconnect(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	fmt.Println("client waits for online:", client.WaitState(wctx, olstate.Online))
	fmt.Println("client sets offline:", client.SetStateContext(wctx, olstate.Offline))
	_ = client.Close()
	cancel()
	fmt.Println("host returned:", <-result)
	// Output:
	// client waits for online: <nil>
	// client sets offline: <nil>
	// host returned: <nil>
}

// nextLine waits for the next printed line, for a minute at most (the
// example's output then shows what is missing).
func nextLine(lines <-chan string) {
	select {
	case <-lines:
	case <-time.After(time.Minute):
		fmt.Println("(no line within a minute)")
	}
}

// privateRuntimeDir points XDG_RUNTIME_DIR (where the current user's bridge
// endpoint lives) at a fresh 0700 folder; the func undoes it.
func privateRuntimeDir() func() {
	dir, _ := os.MkdirTemp("", "olstate-example-")
	old, had := os.LookupEnv("XDG_RUNTIME_DIR")
	_ = os.Setenv("XDG_RUNTIME_DIR", dir)
	return func() {
		if had {
			_ = os.Setenv("XDG_RUNTIME_DIR", old)
		} else {
			_ = os.Unsetenv("XDG_RUNTIME_DIR")
		}
		_ = os.RemoveAll(dir)
	}
}

// teeStdout passes what is printed on to the example's output and, line by
// line, to the channel, so that an example can act once a line appeared.
// restore puts os.Stdout back after every line was passed on.
func teeStdout() (lines <-chan string, restore func()) {
	out := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	ch := make(chan string, 64)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		for sc := bufio.NewScanner(r); sc.Scan(); {
			fmt.Fprintln(out, sc.Text())
			ch <- sc.Text()
		}
	}()
	return ch, func() {
		os.Stdout = out
		_ = w.Close()
		<-copied
		_ = r.Close()
	}
}
