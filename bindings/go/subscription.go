package olstate

/*
#include <olstate.h>
#include "glue.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// subscriber is what the C side holds (as a cgo.Handle): the func, and a
// channel closed when olstate has released it (after its last call).
type subscriber struct {
	fn       func(Event)
	released chan struct{}
}

// Subscription is one subscribed func. Close it to stop delivery.
type Subscription struct {
	session  *Session
	token    uint64
	released chan struct{}
	closing  int32 // atomic: set by the first Close
}

// SubscribeOption configures Subscribe and Watch.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct {
	flags C.uint32_t
}

// WithCurrentState makes the subscription start with an event of kind
// Current that carries the session's state at the moment of subscribing,
// before every later change, in order: "read the state, then follow it"
// without a change slipping in between. With Queued delivery the Current
// event comes on the delivery thread after Subscribe returns; with Inline
// delivery it comes on the calling goroutine before Subscribe returns. When
// a change is under way, Current may already carry its target; its Change
// and ChangeDone still follow. The state must be readable: a bridge session
// with no host fails with ErrProviderNotFound.
func WithCurrentState() SubscribeOption {
	return func(o *subscribeOptions) { o.flags |= C.OLSTATE_SUBSCRIBE_CURRENT_STATE }
}

// Subscribe calls fn for every event of the session (starting with a Current
// event WithCurrentState), from a thread that is not a goroutine of yours:
//
//   - Queued delivery (the default): one call at a time, in order, on the
//     session's olstate thread. A slow fn delays the session's other
//     subscriptions; olstate then drops the oldest queued events and flags
//     the next one (Event.Dropped).
//   - Inline delivery: on the provider's notification thread, possibly
//     concurrently (fn must be safe for concurrent use), possibly before
//     SetState returns. Keep fn short: it holds up Outlook's thread.
//
// fn may call any method, including Close on its own Subscription or
// Session (that does not wait), and SetState without block. fn may run
// before Subscribe has returned; hand the *Subscription to fn through a
// channel or a mutex if fn is to close it. A panic in fn is recovered and
// reported to the panic handler (SetPanicHandler). fn must not call
// runtime.Goexit (t.FailNow).
func (s *Session) Subscribe(fn func(Event), opts ...SubscribeOption) (*Subscription, error) {
	if fn == nil {
		return nil, newError(ErrInvalidArgument.Code, "Subscribe needs a func")
	}
	var o subscribeOptions
	for _, opt := range opts {
		opt(&o)
	}
	sub := &subscriber{fn: fn, released: make(chan struct{})}
	h := newSubscriberHandle(sub)
	var token C.olstate_subscription
	// On failure olstate runs the release (which deletes h) before returning.
	err := check(C.olgo_subscribe(s.handle, C.uintptr_t(h), o.flags, &token))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return &Subscription{session: s, token: uint64(token), released: sub.released}, nil
}

// Token is the subscription's process-unique id (Event.Subscription).
func (sub *Subscription) Token() uint64 { return sub.token }

// Close ends the subscription. When it returns nil, fn is not running on any
// other goroutine and will never be called again. Called from inside fn it
// does not wait: the calls already running finish, none starts afterwards.
//
// Only the first Close unsubscribes; a later one (also one made while the
// first is still waiting) returns an error matching ErrInvalidHandle at once,
// without waiting. So does a Close after the session's Close. (No lock is
// held across olstate's wait: fn may close its own Subscription while
// another goroutine is closing it.)
func (sub *Subscription) Close() error {
	if !atomic.CompareAndSwapInt32(&sub.closing, 0, 1) {
		return newError(ErrInvalidHandle.Code, "the subscription is already closed")
	}
	err := check(C.olgo_unsubscribe(sub.session.handle, C.olstate_subscription(sub.token)))
	runtime.KeepAlive(sub.session)
	return err
}

// Done is closed once olstate has let go of the subscription: after Close
// or the session's Close, when no call of fn can run any more.
func (sub *Subscription) Done() <-chan struct{} { return sub.released }

// Watch delivers the session's events on a channel (starting with a Current
// event WithCurrentState, so a range over it sees the state first and then
// every change, none lost between the two). The channel is closed
// when ctx is done, when the session is closed, or after a ProviderLost of a
// bridge session opened without WithReconnect (the loss is final: nothing
// follows it, so a range over the channel ends). Events are buffered (256); a
// reader that falls further behind holds up the session's delivery thread
// (Queued) or the provider's thread (Inline), never loses events.
func (s *Session) Watch(ctx context.Context, opts ...SubscribeOption) (<-chan Event, error) {
	out := make(chan Event, 256)
	stop := make(chan struct{})
	lost := make(chan struct{})
	var lostOnce sync.Once
	sub, err := s.Subscribe(func(e Event) {
		select {
		case out <- e:
		case <-stop:
		}
		if e.Kind == ProviderLost && !s.reconnects {
			lostOnce.Do(func() { close(lost) })
		}
	}, opts...)
	if err != nil {
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-s.closed:
		case <-lost: // delivered before the channel closes
		}
		close(stop)     // a blocked send gives up
		_ = sub.Close() // fails harmlessly when the session closed first
		<-sub.released  // no call of the func can run any more
		close(out)
	}()
	return out, nil
}
