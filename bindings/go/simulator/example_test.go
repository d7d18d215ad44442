package simulator_test

import (
	"fmt"
	"sync"
	"time"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

// Syncer is the code under test, a user's own: it pauses its work while
// Outlook is offline.
type Syncer struct {
	mu     sync.Mutex
	paused bool
	sub    *olstate.Subscription
}

func NewSyncer(s *olstate.Session) (*Syncer, error) {
	y := &Syncer{}
	sub, err := s.Subscribe(func(e olstate.Event) {
		if e.Kind == olstate.ChangeDone {
			y.mu.Lock()
			y.paused = e.NewState == olstate.Offline
			y.mu.Unlock()
		}
	})
	y.sub = sub
	return y, err
}

func (y *Syncer) Paused() bool {
	y.mu.Lock()
	defer y.mu.Unlock()
	return y.paused
}

// testSyncer is the README's "Testing your own code" snippet, word for word.
func testSyncer() error {
	_ = simulator.Reset()
	s, err := olstate.Open("my-test", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		return err
	}
	defer s.Close()
	syncer, _ := NewSyncer(s)                                // your code
	_ = simulator.SetState("my-test", olstate.Offline, true) // the user clicks Work Offline
	for deadline := time.Now().Add(10 * time.Second); !syncer.Paused() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Println("paused while offline:", syncer.Paused())
	_ = simulator.FailNext(simulator.CallOpen, 0x80040115, 1) // MAPI_E_NETWORK_ERROR
	_, err = olstate.Open("my-test", olstate.WithProvider(olstate.ProviderSimulator))
	fmt.Println("open failed:", err != nil)
	return nil
}

// Testing your own code's reaction to Outlook going offline: the
// simulator plays the user clicking Work Offline, then Outlook failing the
// next open, as a broken MAPI profile would.
func Example() {
	if err := testSyncer(); err != nil {
		fmt.Println(err)
	}
	_ = simulator.Reset()
	// Output:
	// paused while offline: true
	// open failed: true
}
