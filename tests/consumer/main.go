// The Go consumer: the simulator plays the user going offline.
package main

import (
	"fmt"
	"os"

	olstate "github.com/olstate/olstate/bindings/go"
	"github.com/olstate/olstate/bindings/go/simulator"
)

func main() {
	s, err := olstate.Open("consumer-go", olstate.WithProvider(olstate.ProviderSimulator))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer s.Close()
	events := make(chan olstate.Event, 8)
	sub, _ := s.Subscribe(func(e olstate.Event) { events <- e })
	defer sub.Close()
	if err := simulator.SetState("consumer-go", olstate.Offline, true); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for i := 0; i < 3; i++ {
		e := <-events
		fmt.Println("go:", e.Sequence, e.Kind, e.OldState, "->", e.NewState)
	}
}
