/* A native C callback for the bindings' benchmarks (the "C API" side of
 * their comparison when the binding's language cannot define one itself, as
 * in C#): counts events into a uint64_t context. Built by bench/meson.build
 * as libolstate_bench_callback; not installed. */
#include <olstate.h>
#include <stdint.h>

#if defined(_WIN32)
#define BENCH_EXPORT __declspec(dllexport)
#else
#define BENCH_EXPORT __attribute__((visibility("default")))
#endif

BENCH_EXPORT void OLSTATE_CALL olstate_bench_count(const olstate_event* event, void* context);
BENCH_EXPORT uint64_t olstate_bench_load(const uint64_t* counter);

void OLSTATE_CALL olstate_bench_count(const olstate_event* event, void* context) {
    (void)event;
    __atomic_fetch_add((uint64_t*)context, 1, __ATOMIC_RELAXED);
}

uint64_t olstate_bench_load(const uint64_t* counter) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }
