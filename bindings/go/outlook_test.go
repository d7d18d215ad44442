package olstate_test

import (
	"runtime"
	"sync"
	"testing"

	olstate "github.com/olstate/olstate/bindings/go"
)

// The Windows facts are tested in C under Wine (tests/win/detect_outlook.cpp).
func TestDetectOutlookOutsideWindowsFindsNone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Wine suite covers Windows")
	}
	info, err := olstate.DetectOutlook()
	if err != nil {
		t.Fatalf("DetectOutlook: %v", err)
	}
	if info != (olstate.OutlookInfo{Verdict: olstate.OutlookNone}) {
		t.Fatalf("outside Windows every fact is absent, got %+v", info)
	}
	if info.Verdict.String() != "none" {
		t.Fatalf("String: %q", info.Verdict.String())
	}
}

func TestOutlookKindValuesMatchTheHeader(t *testing.T) {
	got := []olstate.OutlookKind{olstate.OutlookNone, olstate.OutlookClassic, olstate.OutlookNew, olstate.OutlookBoth}
	for i, k := range got {
		if uint32(k) != uint32(i) {
			t.Fatalf("kind %v = %d, want %d", k, k, i)
		}
	}
	if olstate.OutlookKind(9).String() != "OutlookKind(9)" {
		t.Fatalf("unknown kind: %q", olstate.OutlookKind(9).String())
	}
}

func TestDetectOutlookFromManyGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := olstate.DetectOutlook(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
