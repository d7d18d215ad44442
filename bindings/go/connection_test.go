package olstate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// Outlook's Exchange connection (ABI 1.3) through the package: the mode,
// Offline, the accounts, their events (both deliveries, and through a
// bridge), WaitConnection, a failing poll and a session that cannot report
// them, driven by the simulator.

var modeSteps = []olstate.ConnectionMode{
	olstate.ConnectionCachedDisconnected, olstate.ConnectionCachedOffline,
	olstate.ConnectionCachedConnectedHeaders, olstate.ConnectionCachedConnectedDrizzle,
	olstate.ConnectionCachedConnectedFull, olstate.ConnectionOffline, olstate.ConnectionOnline,
	olstate.ConnectionNoExchange, olstate.ConnectionDisconnected,
}

// playModes sets each step twice (the second changes nothing: no event).
func playModes(t *testing.T, profile string) {
	t.Helper()
	for _, m := range modeSteps {
		for i := 0; i < 2; i++ {
			if err := simulator.SetConnectionMode(profile, m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// expectModes reads the steps' ConnectionChanged events, in order, once
// each, then checks that no other one follows once the simulator is idle.
func expectModes(t *testing.T, profile string, events <-chan olstate.Event) {
	t.Helper()
	old, last := olstate.ConnectionCachedConnectedFull, uint64(0)
	for _, m := range modeSteps {
		e := nextOf(t, events, olstate.ConnectionChanged)
		if e.OldMode() != old || e.NewMode() != m || e.Sequence <= last || e.Dropped {
			t.Fatalf("got %v %v -> %v (#%d, after #%d), want %v -> %v", e.Kind, e.OldMode(), e.NewMode(),
				e.Sequence, last, old, m)
		}
		old, last = m, e.Sequence
	}
	noMore(t, profile, events, olstate.ConnectionChanged)
}

func noMore(t *testing.T, profile string, events <-chan olstate.Event, kind olstate.EventKind) {
	t.Helper()
	if err := simulator.WaitIdle(profile); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case e := <-events:
			if e.Kind == kind {
				t.Fatalf("an extra event: %v %v -> %v", e.Kind, e.OldMode(), e.NewMode())
			}
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func TestConnectionModeSequenceInOrderOncePerChange(t *testing.T) {
	for _, d := range deliveries() {
		t.Run(d.String(), func(t *testing.T) {
			p := freshProfile(t)
			s := open(t, p, olstate.WithDelivery(d))
			if caps, _ := s.Capabilities(); !caps.Has(olstate.CapConnectionMode) {
				t.Fatalf("capabilities %v", caps)
			}
			if m, err := s.ConnectionMode(); err != nil || m != olstate.ConnectionCachedConnectedFull {
				t.Fatalf("ConnectionMode() = %v, %v", m, err)
			}
			events := watch(t, s)
			playModes(t, p)
			expectModes(t, p, events)
			if m, _ := s.ConnectionMode(); m != olstate.ConnectionDisconnected {
				t.Fatalf("after the sequence: %v", m)
			}
		})
	}
}

func TestConnectionModeSequenceThroughABridge(t *testing.T) {
	p := freshProfile(t)
	host := open(t, p)
	b := startBridge(t, host, olstate.BridgeOptions{Endpoint: endpointIn(t)})
	client := openClient(t, b.Endpoint())
	if caps, _ := client.Capabilities(); !caps.Has(olstate.CapConnectionMode) {
		t.Fatalf("bridge client capabilities %v", caps)
	}
	events := watch(t, client)
	playModes(t, p)
	expectModes(t, p, events)
	if m, err := client.ConnectionMode(); err != nil || m != olstate.ConnectionDisconnected {
		t.Fatalf("client ConnectionMode() = %v, %v", m, err)
	}
}

func TestOfflineFollowsTheMode(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p)
	for _, c := range []struct {
		mode    olstate.ConnectionMode
		offline bool
	}{{olstate.ConnectionCachedDisconnected, true}, {olstate.ConnectionOnline, false}, {olstate.ConnectionOffline, true}} {
		if err := simulator.SetConnectionMode(p, c.mode); err != nil {
			t.Fatal(err)
		}
		if off, err := s.Offline(); err != nil || off != c.offline {
			t.Fatalf("%v: Offline() = %v, %v", c.mode, off, err)
		}
	}
}

func TestAccountsAddChangeRemove(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p)
	accounts, err := s.Accounts()
	want := olstate.Account{DisplayName: simulator.DefaultAccount, SMTPAddress: simulator.DefaultAccount,
		Type: olstate.AccountExchange, Mode: olstate.ConnectionCachedConnectedFull}
	if err != nil || len(accounts) != 1 || accounts[0] != want {
		t.Fatalf("Accounts() = %+v, %v", accounts, err)
	}
	events := watch(t, s)
	account := func(old, new olstate.ConnectionMode) {
		t.Helper()
		if e := nextOf(t, events, olstate.AccountChanged); e.OldMode() != old || e.NewMode() != new {
			t.Fatalf("AccountChanged %v -> %v, want %v -> %v", e.OldMode(), e.NewMode(), old, new)
		}
	}
	if err := simulator.AddAccount(p, "Home (IMAP)", "me@home.example", olstate.AccountIMAP, olstate.ConnectionNoExchange); err != nil {
		t.Fatal(err)
	}
	account(olstate.ConnectionUnknown, olstate.ConnectionNoExchange)
	if err := simulator.AddAccount(p, "Shared ☃", "", olstate.AccountEAS, olstate.ConnectionCachedDisconnected); err != nil {
		t.Fatal(err)
	}
	account(olstate.ConnectionUnknown, olstate.ConnectionCachedDisconnected)
	accounts, _ = s.Accounts()
	if len(accounts) != 3 ||
		accounts[1] != (olstate.Account{"Home (IMAP)", "me@home.example", olstate.AccountIMAP, olstate.ConnectionNoExchange}) ||
		accounts[2] != (olstate.Account{"Shared ☃", "", olstate.AccountEAS, olstate.ConnectionCachedDisconnected}) {
		t.Fatalf("Accounts() = %+v", accounts)
	}
	if err := simulator.SetAccountMode(p, simulator.DefaultAccount, olstate.ConnectionCachedDisconnected); err != nil {
		t.Fatal(err)
	}
	account(olstate.ConnectionCachedConnectedFull, olstate.ConnectionCachedDisconnected)
	if err := simulator.RemoveAccount(p, "Home (IMAP)"); err != nil {
		t.Fatal(err)
	}
	account(olstate.ConnectionNoExchange, olstate.ConnectionUnknown)
	accounts, _ = s.Accounts()
	if len(accounts) != 2 || accounts[0].Mode != olstate.ConnectionCachedDisconnected || accounts[1].DisplayName != "Shared ☃" {
		t.Fatalf("Accounts() = %+v", accounts)
	}
	noMore(t, p, events, olstate.AccountChanged)
	if m, _ := s.ConnectionMode(); m != olstate.ConnectionCachedConnectedFull {
		t.Fatalf("an account change moved the session's mode: %v", m)
	}
}

func TestFailingPollIsProviderFailedWithAMessage(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p)
	if err := simulator.FailNext(simulator.CallPollConnection, 0x80004005, 3); err != nil {
		t.Fatal(err)
	}
	defer simulator.FailNext(simulator.CallPollConnection, 0, 0)
	_, e1 := s.ConnectionMode()
	_, e2 := s.Offline()
	_, e3 := s.Accounts()
	for _, err := range []error{e1, e2, e3} {
		var oe *olstate.Error
		if !errors.Is(err, olstate.ErrProviderFailed) || !errors.As(err, &oe) || oe.Message == "" {
			t.Fatalf("a failing poll: %v", err)
		}
	}
	if m, err := s.ConnectionMode(); err != nil || m != olstate.ConnectionCachedConnectedFull {
		t.Fatalf("after the fault: %v, %v", m, err)
	}
}

func TestWithoutTheCapabilityIsNotSupported(t *testing.T) {
	p := freshProfile(t)
	if err := simulator.SetConnectionReported(p, false); err != nil {
		t.Fatal(err)
	}
	defer simulator.SetConnectionReported(p, true)
	s := open(t, p)
	if caps, _ := s.Capabilities(); caps.Has(olstate.CapConnectionMode) {
		t.Fatalf("capabilities %v", caps)
	}
	_, e1 := s.ConnectionMode()
	_, e2 := s.Offline()
	_, e3 := s.Accounts()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, e4 := s.WaitConnection(ctx, olstate.ConnectionMode.Connected) // at once: not the deadline's error
	for _, err := range []error{e1, e2, e3, e4} {
		var oe *olstate.Error
		if !errors.Is(err, olstate.ErrNotSupported) || !errors.As(err, &oe) || oe.Message == "" {
			t.Fatalf("no connection capability: %v", err)
		}
	}
}

func TestWaitConnection(t *testing.T) {
	p := freshProfile(t)
	s := open(t, p)
	if err := simulator.SetConnectionMode(p, olstate.ConnectionCachedDisconnected); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = simulator.SetConnectionMode(p, olstate.ConnectionCachedConnectedHeaders)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := s.WaitConnection(ctx, olstate.ConnectionMode.Connected)
	if err != nil || m != olstate.ConnectionCachedConnectedHeaders {
		t.Fatalf("WaitConnection = %v, %v", m, err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	m, err = s.WaitConnection(short, func(m olstate.ConnectionMode) bool { return m == olstate.ConnectionOffline })
	if !errors.Is(err, context.DeadlineExceeded) || m != olstate.ConnectionCachedConnectedHeaders {
		t.Fatalf("WaitConnection past its deadline = %v, %v", m, err)
	}
}

func TestConnectionNames(t *testing.T) {
	if s := olstate.ConnectionCachedDisconnected.String(); s != "cached_disconnected" {
		t.Fatal(s)
	}
	if s := olstate.ConnectionMode(650).String(); s != "ConnectionMode(650)" {
		t.Fatal(s)
	}
	if olstate.ConnectionMode(650).Connected() || olstate.ConnectionCachedDisconnected.Connected() || !olstate.ConnectionOnline.Connected() {
		t.Fatal("Connected() is wrong")
	}
	if s := olstate.AccountEAS.String() + " " + olstate.ConnectionChanged.String() + " " + olstate.AccountChanged.String(); s != "eas connection_changed account_changed" {
		t.Fatal(s)
	}
}

func TestWaitConnectionEndsWhenTheBridgeHostGoesAway(t *testing.T) {
	p := freshProfile(t)
	host := open(t, p)
	if err := simulator.SetConnectionMode(p, olstate.ConnectionCachedDisconnected); err != nil {
		t.Fatal(err)
	}
	b := startBridge(t, host, olstate.BridgeOptions{Endpoint: endpointIn(t)})
	client := openClient(t, b.Endpoint())
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = b.Stop()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), bridgeWait)
	defer cancel()
	if _, err := client.WaitConnection(ctx, olstate.ConnectionMode.Connected); !errors.Is(err, olstate.ErrProviderNotFound) {
		t.Fatalf("WaitConnection across a lost host: %v", err)
	}
}
