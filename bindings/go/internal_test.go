package olstate

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestABICompatibility(t *testing.T) {
	want := uint32(1<<16 | 2)
	for _, c := range []struct {
		have uint32
		ok   bool
	}{
		{1<<16 | 2, true},
		{1<<16 | 3, true},  // a newer minor keeps 1.2's promises
		{1<<16 | 1, false}, // an older minor may lack what we use
		{1 << 16, false},
		{2<<16 | 2, false}, // another major
		{0<<16 | 9, false},
	} {
		if abiCompatible(c.have, want) != c.ok {
			t.Errorf("abiCompatible(%#x, %#x) != %v", c.have, want, c.ok)
		}
		err := abiError(c.have, want)
		if (err == nil) != c.ok {
			t.Errorf("abiError(%#x): %v", c.have, err)
		}
		if err != nil && (!errors.Is(err, ErrIncompatibleLibrary) || !strings.Contains(err.Error(), "needs 1.2")) {
			t.Errorf("abiError(%#x): %v", c.have, err)
		}
	}
	if err := checkABI(); err != nil {
		t.Fatalf("the library built here: %v", err)
	}
	// This package is built against the 1.3 header (ABIVersion comes from
	// it): a 1.2 library is refused.
	if ABIVersion != 1<<16|3 {
		t.Fatalf("ABIVersion %#x, want 1.3", ABIVersion)
	}
	if err := abiError(1<<16, ABIVersion); !errors.Is(err, ErrIncompatibleLibrary) || !strings.Contains(err.Error(), "has ABI 1.0") {
		t.Fatalf("a 1.0 library: %v", err)
	}
	if LibraryABIVersion() != ABIVersion {
		t.Fatalf("library ABI %#x, header %#x", LibraryABIVersion(), ABIVersion)
	}
}

func TestStructSizesMatchLibrary(t *testing.T) {
	header, library := structSizes()
	if header != library {
		t.Fatalf("sizes of open_options, event, session_info, bridge_options, account: header %v, library %v", header, library)
	}
}

func TestMakeEvent(t *testing.T) {
	e := makeEvent(0x100, 2, 1, 7, 42, 1, 1_700_000_000_123_456)
	if e.Kind != ProviderLost || e.Kind.String() != "provider_lost" || e.OldState != Online || e.NewState != Offline ||
		e.Subscription != 7 || e.Sequence != 42 || !e.Dropped ||
		!e.Time.Equal(time.Unix(1_700_000_000, 123_456_000)) {
		t.Fatalf("%+v", e)
	}
	if k := makeEvent(0x101, 1, 2, 1, 1, 0, 0).Kind; k != ProviderBack || k.String() != "provider_back" {
		t.Fatalf("0x101: %v", k)
	}
	// Kinds this package does not know pass through unchanged.
	e = makeEvent(0x7777, 1, 2, 1, 1, 0, 0)
	if e.Kind != EventKind(0x7777) || e.Kind.String() != "EventKind(0x7777)" || e.Dropped {
		t.Fatalf("%+v", e)
	}
	if State(9).String() != "State(9)" || Capabilities(0).String() != "none" || Capabilities(4).String() != "Capabilities(0x4)" {
		t.Fatal("String of unknown values")
	}
}

func TestErrorValues(t *testing.T) {
	e := &Error{Code: ErrBusy.Code, HResult: -2147483638, Message: "SetCurrentState: in progress"}
	if e.Error() != "olstate: OLSTATE_E_BUSY: SetCurrentState: in progress" {
		t.Fatal(e.Error())
	}
	e2 := &Error{Code: ErrBusy.Code, Message: "OLSTATE_E_BUSY: olstate_set_state: in progress"}
	if e2.Error() != "olstate: OLSTATE_E_BUSY: olstate_set_state: in progress" {
		t.Fatal(e2.Error())
	}
	if ErrWouldDeadlock.Error() != "olstate: OLSTATE_E_WOULD_DEADLOCK" || (&Error{Code: -77}).Error() != "olstate: result -77" {
		t.Fatal(ErrWouldDeadlock.Error())
	}
	wrapped := errors.New("x")
	if errors.Is(e, wrapped) || !errors.Is(e, ErrBusy) || errors.Is(e, ErrInternal) {
		t.Fatal("Is")
	}
	var nilErr *Error
	if e.Is(nilErr) {
		t.Fatal("nil target")
	}
}
