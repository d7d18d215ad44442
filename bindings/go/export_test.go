package olstate

import "sync/atomic"

// LiveHandles counts subscription handles not yet deleted by olstate's
// release callback.
func LiveHandles() int64 { return atomic.LoadInt64(&liveHandles) }
