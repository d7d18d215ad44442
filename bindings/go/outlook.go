package olstate

/*
#include <olstate.h>
#include "glue.h"
*/
import "C"

import "fmt"

// OutlookKind says which Outlook the user works with (OutlookInfo.Verdict).
type OutlookKind uint32

const (
	// OutlookNone: neither classic nor the new Outlook is installed or running (always outside Windows).
	OutlookNone OutlookKind = C.OLSTATE_OUTLOOK_NONE
	// OutlookClassic: classic Outlook (OUTLOOK.EXE), which olstate can serve.
	OutlookClassic OutlookKind = C.OLSTATE_OUTLOOK_CLASSIC
	// OutlookNew: the new Outlook (olk.exe): no add-ins, MAPI or object model; olstate cannot serve it.
	OutlookNew OutlookKind = C.OLSTATE_OUTLOOK_NEW
	// OutlookBoth: both run now; olstate serves the classic one only.
	OutlookBoth OutlookKind = C.OLSTATE_OUTLOOK_BOTH
)

func (k OutlookKind) String() string {
	switch k {
	case OutlookNone:
		return "none"
	case OutlookClassic:
		return "classic"
	case OutlookNew:
		return "new"
	case OutlookBoth:
		return "both"
	}
	return fmt.Sprintf("OutlookKind(%d)", uint32(k))
}

// OutlookInfo holds the facts DetectOutlook read from the registry and the
// process list.
type OutlookInfo struct {
	Verdict           OutlookKind
	ClassicInstalled  bool   // classic Outlook's registration was found
	ClassicBitness    int    // 32 or 64; 0 unknown or not installed
	ClassicClickToRun bool   // installed by Click-to-Run (Microsoft 365) rather than MSI
	ClassicVersion    string // the Office version key, e.g. "16.0"; "" when not installed
	ClassicRunning    bool   // an OUTLOOK.EXE runs in this Windows session
	NewRunning        bool   // an olk.exe (the new Outlook) runs in this Windows session
	NewSelected       bool   // the user's "New Outlook" toggle is on
}

// DetectOutlook reads which Outlook this user has, without opening a
// session: registry and process facts only (a few milliseconds). Outside
// Windows the verdict is always OutlookNone. Safe for concurrent use.
func DetectOutlook() (OutlookInfo, error) {
	if err := checkABI(); err != nil {
		return OutlookInfo{}, err
	}
	var raw C.olstate_outlook_info
	if err := check(C.olgo_detect_outlook(&raw)); err != nil {
		return OutlookInfo{}, err
	}
	return OutlookInfo{
		Verdict:           OutlookKind(raw.verdict),
		ClassicInstalled:  raw.classic_installed != 0,
		ClassicBitness:    int(raw.classic_bitness),
		ClassicClickToRun: raw.classic_click_to_run != 0,
		ClassicVersion:    C.GoString(&raw.classic_version[0]),
		ClassicRunning:    raw.classic_running != 0,
		NewRunning:        raw.new_running != 0,
		NewSelected:       raw.new_selected != 0,
	}, nil
}
