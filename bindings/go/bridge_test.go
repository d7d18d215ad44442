package olstate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
)

// The bridge through the package's API, host and client in this process: a
// simulator session published with StartBridge, a second session opened
// WithEndpoint on the bridge's endpoint (a socket in a private temporary
// folder). No timing assertions: every wait is for an event, with a generous
// timeout.

// bridgeWait is long enough for the client's reconnect backoff (capped at
// 2 s) many times over.
const bridgeWait = 60 * time.Second

// endpointIn returns a socket path in a fresh 0700 folder removed at cleanup.
func endpointIn(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "olstate-go-bridge-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return filepath.Join(dir, "bridge.sock")
}

func startBridge(t *testing.T, host *olstate.Session, opts olstate.BridgeOptions) *olstate.Bridge {
	t.Helper()
	b, err := host.StartBridge(opts)
	if err != nil {
		t.Fatalf("StartBridge: %v", err)
	}
	t.Cleanup(func() { _ = b.Stop() })
	return b
}

func openClient(t *testing.T, endpoint string, opts ...olstate.Option) *olstate.Session {
	t.Helper()
	s, err := olstate.Open("", append([]olstate.Option{olstate.WithEndpoint(endpoint)}, opts...)...)
	if err != nil {
		t.Fatalf("open the bridge at %s: %v", endpoint, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func watch(t *testing.T, s *olstate.Session) <-chan olstate.Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	return ch
}

// nextOf returns the next event of kind, skipping others.
func nextOf(t *testing.T, ch <-chan olstate.Event, kind olstate.EventKind) olstate.Event {
	t.Helper()
	deadline := time.After(bridgeWait)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("the channel closed before a %v event", kind)
			}
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %v event", kind)
		}
	}
}

func TestBridgeClientFollowsTheHostAndMayNotSetByDefault(t *testing.T) {
	host := open(t, freshProfile(t))
	ep := endpointIn(t)
	b := startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
	if b.Endpoint() != ep {
		t.Fatalf("Endpoint() = %q, want %q", b.Endpoint(), ep)
	}
	client := openClient(t, b.Endpoint())
	hostInfo, _ := host.Info()
	if info, _ := client.Info(); info.Provider != olstate.ProviderBridge || info.ProviderPath != ep || info.Profile != hostInfo.Profile {
		t.Fatalf("client info %+v", info)
	}
	if st, err := client.State(); err != nil || st != olstate.Online {
		t.Fatalf("State() = %v, %v", st, err)
	}
	events := watch(t, client)
	if err := host.SetState(olstate.Offline, true); err != nil {
		t.Fatal(err)
	}
	want := []olstate.EventKind{olstate.ChangeStart, olstate.Change, olstate.ChangeDone}
	for _, k := range want {
		e := nextOf(t, events, k)
		if e.OldState != olstate.Online || e.NewState != olstate.Offline {
			t.Fatalf("%v: %v -> %v", e.Kind, e.OldState, e.NewState)
		}
	}
	// Least privilege: the host did not allow SetState.
	err := client.SetState(olstate.Online, true)
	var oe *olstate.Error
	if !errors.Is(err, olstate.ErrNotSupported) || !errors.As(err, &oe) || oe.Message == "" {
		t.Fatalf("SetState through a read-only bridge: %v", err)
	}
	if st, _ := host.State(); st != olstate.Offline {
		t.Fatalf("host state %v", st)
	}
}

func TestBridgeClientSetsTheStateWhenAllowed(t *testing.T) {
	host := open(t, freshProfile(t))
	ep := endpointIn(t)
	startBridge(t, host, olstate.BridgeOptions{Endpoint: ep, AllowSetState: true, MaxClients: 4, QueueLength: 16})
	hostEvents := watch(t, host)
	client := openClient(t, ep)
	if err := client.SetState(olstate.Offline, true); err != nil {
		t.Fatalf("SetState through an allowing bridge: %v", err)
	}
	if e := nextOf(t, hostEvents, olstate.ChangeDone); e.NewState != olstate.Offline {
		t.Fatalf("host saw %v", e.NewState)
	}
	if st, _ := host.State(); st != olstate.Offline {
		t.Fatalf("host state %v", st)
	}
}

func TestBridgeStopIsProviderLostAndANewBridgeIsProviderBack(t *testing.T) {
	for _, d := range deliveries() {
		t.Run(d.String(), func(t *testing.T) {
			host := open(t, freshProfile(t))
			ep := endpointIn(t)
			b := startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
			client := openClient(t, ep, olstate.WithReconnect(true), olstate.WithDelivery(d))
			events := watch(t, client)

			if err := b.Stop(); err != nil {
				t.Fatal(err)
			}
			if err := b.Stop(); !errors.Is(err, olstate.ErrInvalidHandle) {
				t.Fatalf("second Stop: %v", err)
			}
			lost := nextOf(t, events, olstate.ProviderLost)
			if lost.NewState != olstate.Online || lost.Kind.String() != "provider_lost" {
				t.Fatalf("lost: %+v", lost)
			}
			if _, err := client.State(); !errors.Is(err, olstate.ErrProviderNotFound) {
				t.Fatalf("State while lost: %v", err)
			}

			// The state changes while nobody serves it; the next host reports it.
			if err := host.SetState(olstate.Offline, true); err != nil {
				t.Fatal(err)
			}
			startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
			back := nextOf(t, events, olstate.ProviderBack)
			if back.NewState != olstate.Offline || back.Kind.String() != "provider_back" {
				t.Fatalf("back: %+v", back)
			}
			if st, err := client.State(); err != nil || st != olstate.Offline {
				t.Fatalf("State after back: %v, %v", st, err)
			}
			if err := host.SetState(olstate.Online, true); err != nil {
				t.Fatal(err)
			}
			if e := nextOf(t, events, olstate.ChangeDone); e.NewState != olstate.Online {
				t.Fatalf("after back: %+v", e)
			}
		})
	}
}

func TestBridgeWithoutReconnectALostHostIsFinal(t *testing.T) {
	host := open(t, freshProfile(t))
	ep := endpointIn(t)
	b := startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
	client := openClient(t, ep)
	events := watch(t, client)
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	nextOf(t, events, olstate.ProviderLost)
	if _, err := client.State(); !errors.Is(err, olstate.ErrProviderNotFound) {
		t.Fatalf("State after loss: %v", err)
	}
	// The loss is final: the Watch channel closes, so a range over it ends.
	select {
	case e, ok := <-events:
		if ok {
			t.Fatalf("an event after the final ProviderLost: %+v", e)
		}
	case <-time.After(bridgeWait):
		t.Fatal("the Watch channel stayed open after the final ProviderLost")
	}
}

func TestBridgeReconnectOpensBeforeAnyHostRuns(t *testing.T) {
	ep := endpointIn(t)
	if _, err := olstate.Open("", olstate.WithEndpoint(ep)); !errors.Is(err, olstate.ErrProviderNotFound) {
		t.Fatalf("open with nobody there: %v", err)
	}
	client := openClient(t, ep, olstate.WithReconnect(true))
	events := watch(t, client)
	host := open(t, freshProfile(t))
	startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
	if back := nextOf(t, events, olstate.ProviderBack); back.NewState != olstate.Online {
		t.Fatalf("back: %+v", back)
	}
	if st, err := client.State(); err != nil || st != olstate.Online {
		t.Fatalf("State: %v, %v", st, err)
	}
}

func TestBridgeArguments(t *testing.T) {
	host := open(t, freshProfile(t))
	if _, err := host.StartBridge(olstate.BridgeOptions{Endpoint: "a\x00b"}); !errors.Is(err, olstate.ErrInvalidArgument) {
		t.Fatalf("NUL in the endpoint: %v", err)
	}
	// The library refuses reconnect with another provider.
	_, err := olstate.Open(freshProfile(t), olstate.WithProvider(olstate.ProviderSimulator), olstate.WithReconnect(true))
	if !errors.Is(err, olstate.ErrInvalidArgument) {
		t.Fatalf("reconnect with the simulator: %v", err)
	}
	// WithEndpoint implies the bridge provider.
	ep := endpointIn(t)
	startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
	// A second bridge on the same endpoint; a limit out of range.
	if _, err := host.StartBridge(olstate.BridgeOptions{Endpoint: ep}); !errors.Is(err, olstate.ErrBusy) {
		t.Fatalf("a second bridge on %s: %v", ep, err)
	}
	if _, err := host.StartBridge(olstate.BridgeOptions{Endpoint: ep + ".2", MaxClients: 5000}); !errors.Is(err, olstate.ErrInvalidArgument) {
		t.Fatalf("5000 clients: %v", err)
	}
	client := openClient(t, ep, olstate.WithProvider(olstate.ProviderSimulator), olstate.WithEndpoint(ep))
	if info, _ := client.Info(); info.Provider != olstate.ProviderBridge {
		t.Fatalf("provider %v", info.Provider)
	}
	// A closed session cannot be published.
	closed := open(t, freshProfile(t))
	_ = closed.Close()
	if _, err := closed.StartBridge(olstate.BridgeOptions{Endpoint: endpointIn(t)}); !errors.Is(err, olstate.ErrInvalidHandle) {
		t.Fatalf("closed session: %v", err)
	}
}

// With no endpoint anywhere, host and client meet at the current user's
// endpoint: $XDG_RUNTIME_DIR/olstate/bridge.sock, here in a private folder.
func TestBridgeDefaultEndpoint(t *testing.T) {
	runtimeDir := filepath.Dir(endpointIn(t))
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	host := open(t, freshProfile(t))
	b := startBridge(t, host, olstate.BridgeOptions{})
	if want := filepath.Join(runtimeDir, "olstate", "bridge.sock"); b.Endpoint() != want {
		t.Fatalf("Endpoint() = %q, want %q", b.Endpoint(), want)
	}
	client, err := olstate.Open("", olstate.WithProvider(olstate.ProviderBridge))
	if err != nil {
		t.Fatalf("open the default bridge: %v", err)
	}
	defer client.Close()
	if info, _ := client.Info(); info.ProviderPath != b.Endpoint() {
		t.Fatalf("client info %+v", info)
	}
}

// A bridge nobody stops is stopped by its finalizer once unreachable: its
// clients see ProviderLost.
func TestBridgeFinalizerStopsALeakedBridge(t *testing.T) {
	host := open(t, freshProfile(t))
	ep := endpointIn(t)
	func() {
		if _, err := host.StartBridge(olstate.BridgeOptions{Endpoint: ep}); err != nil {
			t.Fatal(err)
		}
	}()
	client := openClient(t, ep)
	events := watch(t, client)
	deadline := time.After(bridgeWait)
	for {
		runtime.GC()
		select {
		case e := <-events:
			if e.Kind == olstate.ProviderLost {
				return
			}
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatal("the leaked bridge was never stopped")
		}
	}
}

// Stop from inside a callback of the bridged session is refused (it would
// wait for the bridge's threads on the session's own thread); the bridge keeps
// serving and a later Stop from a goroutine works.
func TestBridgeStopInsideACallbackIsWouldDeadlock(t *testing.T) {
	for _, d := range deliveries() {
		t.Run(d.String(), func(t *testing.T) {
			host := open(t, freshProfile(t), olstate.WithDelivery(d))
			ep := endpointIn(t)
			b := startBridge(t, host, olstate.BridgeOptions{Endpoint: ep})
			results := make(chan error, 8)
			sub, err := host.Subscribe(func(e olstate.Event) {
				if e.Kind == olstate.ChangeDone {
					results <- b.Stop()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := host.SetState(olstate.Offline, false); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-results:
				if !errors.Is(err, olstate.ErrWouldDeadlock) {
					t.Fatalf("Stop inside a callback: %v", err)
				}
			case <-time.After(bridgeWait):
				t.Fatal("no callback")
			}
			_ = sub.Close()
			client := openClient(t, ep) // still serving
			if st, err := client.State(); err != nil || st != olstate.Offline {
				t.Fatalf("State through the bridge: %v, %v", st, err)
			}
			if err := b.Stop(); err != nil {
				t.Fatalf("Stop afterwards: %v", err)
			}
			_ = host.SetState(olstate.Online, true)
		})
	}
}
