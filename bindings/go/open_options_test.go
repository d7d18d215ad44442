package olstate_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
)

// The 1.3 open options (WithNoFallback, WithConnectionPollInterval): the
// library checks both, so each refusal below proves the option reached it.
func TestOpenOptionsOfOneThree(t *testing.T) {
	p := freshProfile(t)
	refused := func(what, mention string, opts ...olstate.Option) {
		t.Helper()
		s, err := olstate.Open(p, opts...)
		if err == nil {
			_ = s.Close()
			t.Fatalf("%s: opened", what)
		}
		var oe *olstate.Error
		if !errors.Is(err, olstate.ErrInvalidArgument) || !errors.As(err, &oe) || !strings.Contains(oe.Message, mention) {
			t.Fatalf("%s: %v, want ErrInvalidArgument naming %s", what, err, mention)
		}
	}
	refused("NoFallback with the simulator", "NO_FALLBACK",
		olstate.WithProvider(olstate.ProviderSimulator), olstate.WithNoFallback(true))
	refused("NoFallback with the bridge", "NO_FALLBACK",
		olstate.WithProvider(olstate.ProviderBridge), olstate.WithNoFallback(true))
	// Out of range whatever the provider: under 100 ms, over a day, beyond
	// uint32 milliseconds, half a millisecond (rounded up, not down to 0,
	// the default).
	for _, bad := range []time.Duration{50 * time.Millisecond, 24*time.Hour + time.Millisecond,
		60 * 24 * time.Hour, 500 * time.Microsecond} {
		refused("interval "+bad.String(), "connection_poll_ms", olstate.WithConnectionPollInterval(bad))
	}
	refused("negative interval", "negative", olstate.WithConnectionPollInterval(-time.Second))
	// The simulator reads no object model: the library refuses an interval.
	refused("interval with the simulator", "connection_poll_ms",
		olstate.WithProvider(olstate.ProviderSimulator), olstate.WithConnectionPollInterval(250*time.Millisecond))
	if runtime.GOOS == "windows" {
		return
	}
	// A valid interval passes the checks and meets the object-model
	// provider's own answer off Windows.
	if _, err := olstate.Open(p, olstate.WithProvider(olstate.ProviderObjectModel),
		olstate.WithConnectionPollInterval(250*time.Millisecond)); !errors.Is(err, olstate.ErrNotSupported) {
		t.Fatalf("object model with 250 ms: %v, want ErrNotSupported", err)
	}
	// Off Windows Auto is the simulator, which has no fallback: both options
	// are accepted (at the bounds too) and the session opens.
	for _, ok := range []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 24 * time.Hour} {
		s, err := olstate.Open(p, olstate.WithNoFallback(true), olstate.WithConnectionPollInterval(ok))
		if err != nil {
			t.Fatalf("Auto with NoFallback and %v: %v", ok, err)
		}
		info, err := s.Info()
		_ = s.Close()
		if err != nil || info.Provider != olstate.ProviderSimulator {
			t.Fatalf("Auto with %v: %+v, %v", ok, info, err)
		}
	}
}
