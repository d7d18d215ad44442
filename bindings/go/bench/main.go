// Command olstatebench measures events per second delivered through the Go
// binding's Session.Subscribe (a Go func, called through cgo from olstate's
// thread) versus the C API used directly from the same process (a C
// callback subscribed with olstate_subscribe on a session opened with
// olstate_open_ex), with the same configuration: simulator, SYNC provider
// delivery (the notifying thread is the benchmark's own), interleaved
// repetitions, median reported; the ratio is taken within each repetition.
//
//	cd bindings/go/bench && PKG_CONFIG_PATH=<build>/meson-uninstalled \
//	    CGO_LDFLAGS=-Wl,-rpath,<build>/shim GOFLAGS=-mod=mod GOPROXY=off go run . [-quick]
package main

/*
#cgo pkg-config: olstate
#cgo CFLAGS: -I${SRCDIR}/../../../shim/sim
#cgo LDFLAGS: -lolstate_sim
#include <stdint.h>
#include <stdlib.h>
#include <olstate.h>
#include <olstate_sim.h>

static void OLSTATE_CALL bench_count(const olstate_event* e, void* ctx) {
	(void)e;
	__atomic_fetch_add((uint64_t*)ctx, 1, __ATOMIC_RELAXED);
}
static uint64_t bench_load(uint64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

static olstate_result bench_open_c(const char* profile, uint32_t delivery, olstate_session** out) {
	olstate_open_options o;
	olstate_open_options_init(&o);
	o.provider = OLSTATE_PROVIDER_SIMULATOR;
	o.profile = profile;
	o.delivery = delivery;
	return olstate_open_ex(&o, out);
}
static olstate_result bench_subscribe_c(olstate_session* s, uint64_t* counter) {
	olstate_subscription t = 0;
	return olstate_subscribe(s, bench_count, counter, NULL, &t);
}
// CHANGE, offline mask, ONLINE -> OFFLINE, count times, on this thread (SYNC).
static int32_t bench_send(const char* profile, uint32_t count) {
	return olstate_sim_send_raw(profile, 2, 3, 2, 1, 0, count);
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync/atomic"
	"time"
	"unsafe"

	olstate "github.com/olstate/olstate/bindings/go"
)

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

type path struct {
	profile *C.char
	count   func() uint64
}

// rate: events/s of one path. INLINE sends n and times them; QUEUED sends
// bursts of 128 (under the queue's 256) and waits for each burst.
func rate(p path, delivery olstate.Delivery, n uint32) float64 {
	start := p.count()
	t0 := time.Now()
	if delivery == olstate.Inline {
		if C.bench_send(p.profile, C.uint32_t(n)) != 0 {
			panic("olstate_sim_send_raw")
		}
	} else {
		for sent := uint64(0); sent < uint64(n); {
			C.bench_send(p.profile, 128)
			sent += 128
			for p.count()-start < sent {
				runtime.Gosched()
			}
		}
	}
	return float64(p.count()-start) / time.Since(t0).Seconds()
}

type figures struct{ c, goFunc, ratio float64 }

func measure(delivery olstate.Delivery, n uint32, reps int) figures {
	tag := map[olstate.Delivery]string{olstate.Inline: "inline", olstate.Queued: "queued"}[delivery]
	cName, goName := "go-bench-c-"+tag, "go-bench-go-"+tag
	cProfile, goProfile := C.CString(cName), C.CString(goName)
	for _, p := range []*C.char{cProfile, goProfile} {
		C.olstate_sim_set_delivery(p, C.OLSTATE_SIM_DELIVERY_SYNC, 0)
	}

	// C API: a C callback and a C counter, as a C program would do it.
	counter := (*C.uint64_t)(C.calloc(1, 8))
	var cs *C.olstate_session
	if r := C.bench_open_c(cProfile, C.uint32_t(delivery), &cs); r != 0 {
		panic(fmt.Sprint("olstate_open_ex: ", r))
	}
	if r := C.bench_subscribe_c(cs, counter); r != 0 {
		panic(fmt.Sprint("olstate_subscribe: ", r))
	}

	// The binding: Open + Subscribe with a Go func.
	s, err := olstate.Open(goName, olstate.WithProvider(olstate.ProviderSimulator), olstate.WithDelivery(delivery))
	if err != nil {
		panic(err)
	}
	var goCount uint64
	sub, err := s.Subscribe(func(olstate.Event) { atomic.AddUint64(&goCount, 1) })
	if err != nil {
		panic(err)
	}

	paths := []path{
		{cProfile, func() uint64 { return uint64(C.bench_load(counter)) }},
		{goProfile, func() uint64 { return atomic.LoadUint64(&goCount) }},
	}
	var rc, rg, ratios []float64
	for rep := 0; rep < reps; rep++ {
		var x [2]float64
		for k := 0; k < 2; k++ {
			i := (rep + k) % 2 // rotate which path goes first
			x[i] = rate(paths[i], delivery, n)
		}
		rc, rg, ratios = append(rc, x[0]), append(rg, x[1]), append(ratios, x[1]/x[0])
	}
	_ = sub.Close()
	_ = s.Close()
	C.olstate_close(cs)
	C.free(unsafe.Pointer(counter))
	C.free(unsafe.Pointer(cProfile))
	C.free(unsafe.Pointer(goProfile))
	return figures{median(rc), median(rg), median(ratios)}
}

func main() {
	quick := flag.Bool("quick", false, "a short run")
	flag.Parse()
	n, reps := uint32(50000), 31
	if *quick {
		n, reps = 10000, 5
	}
	in := measure(olstate.Inline, n, reps)
	q := measure(olstate.Queued, n/4, reps)
	fmt.Printf("Go binding, events/s (median of %d interleaved repetitions)\n", reps)
	fmt.Printf("  INLINE: C API %.0f   Subscribe (Go func) %.0f (%.3f of C)\n", in.c, in.goFunc, in.ratio)
	fmt.Printf("  QUEUED: C API %.0f   Subscribe (Go func) %.0f (%.3f of C)\n", q.c, q.goFunc, q.ratio)
	fmt.Printf("{\"binding\":\"go\",\"inline_c_events_per_s\":%.0f,\"inline_events_per_s\":%.0f,\"inline_ratio_to_c\":%.3f,"+
		"\"queued_c_events_per_s\":%.0f,\"queued_events_per_s\":%.0f,\"queued_ratio_to_c\":%.3f}\n",
		in.c, in.goFunc, in.ratio, q.c, q.goFunc, q.ratio)
	os.Exit(0)
}
