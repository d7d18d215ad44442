/* Runs every C fragment of README.md (readme_fragments.inc, written by
 * extract_c.py) against the simulator: each gets an open session named
 * `session` unless it opens one itself, and every olstate call it makes must
 * return OLSTATE_OK. A fragment that subscribes with
 * OLSTATE_SUBSCRIBE_CURRENT_STATE must see OLSTATE_EVENT_CURRENT first, and
 * one that calls sync_now() must get there. Bridges start at the current
 * user's endpoint, here in a private XDG_RUNTIME_DIR. POSIX only (meson
 * builds it where it can run). */
#define _POSIX_C_SOURCE 200809L
#include <olstate.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int failures;

static olstate_result expect_ok(const char* call, int line, olstate_result result) {
    if (result != OLSTATE_OK) {
        fprintf(stderr, "README.md:%d: %s returned %s (%s)\n", line, call, olstate_result_name(result),
                olstate_last_error_message());
        ++failures;
    }
    return result;
}

/* Every call a fragment makes goes through expect_ok. A function-like macro
 * is not expanded inside its own expansion, so the inner name is the real
 * function. */
#define CHECKED(fn, ...) expect_ok(#fn, __LINE__, fn(__VA_ARGS__))
#define olstate_open_ex(...) CHECKED(olstate_open_ex, __VA_ARGS__)
#define olstate_wait_state(...) CHECKED(olstate_wait_state, __VA_ARGS__)
#define olstate_subscribe_ex(...) CHECKED(olstate_subscribe_ex, __VA_ARGS__)
#define olstate_subscribe(...) CHECKED(olstate_subscribe, __VA_ARGS__)
#define olstate_set_state(...) CHECKED(olstate_set_state, __VA_ARGS__)
#define olstate_get_state(...) CHECKED(olstate_get_state, __VA_ARGS__)
#define olstate_bridge_start(...) CHECKED(olstate_bridge_start, __VA_ARGS__)
#define olstate_bridge_stop(...) CHECKED(olstate_bridge_stop, __VA_ARGS__)

/* What the fragments name without defining. */
static atomic_uint first_kind; /* 0 until the first event since the fragment started */
static int synced;

static void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    unsigned none = 0;
    (void)context;
    atomic_compare_exchange_strong(&first_kind, &none, e->kind);
}

static void sync_now(void) { synced = 1; }

struct fragment {
    olstate_session* (*run)(olstate_session* session);
    int line;
    int opens;           /* it opens the session itself */
    int expects_current; /* it subscribes starting with the current state */
    int calls_sync_now;  /* it calls sync_now() once its wait succeeded */
};

#include "readme_fragments.inc"

static void sleep_ms(long ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

int main(void) {
    char runtime_dir[] = "/tmp/olstate-readme-XXXXXX";
    size_t i;
    if (!mkdtemp(runtime_dir) || setenv("XDG_RUNTIME_DIR", runtime_dir, 1) != 0) {
        perror("a private XDG_RUNTIME_DIR");
        return 1;
    }
    for (i = 0; i < sizeof fragments / sizeof fragments[0]; ++i) {
        const struct fragment* f = &fragments[i];
        olstate_session* session = NULL;
        int before = failures, waited = 0;
        atomic_store(&first_kind, 0u);
        synced = 0;
        if (!f->opens) {
            olstate_open_options o;
            olstate_open_options_init(&o);
            o.provider = OLSTATE_PROVIDER_SIMULATOR;
            if (olstate_open_ex(&o, &session) != OLSTATE_OK) break;
        }
        session = f->run(session);
        if (!session) {
            fprintf(stderr, "README.md:%d: the fragment left no open session\n", f->line);
            ++failures;
            continue;
        }
        if (f->expects_current) {
            while (atomic_load(&first_kind) == 0u && waited++ < 1000) sleep_ms(10);
            if (atomic_load(&first_kind) != OLSTATE_EVENT_CURRENT) {
                fprintf(stderr, "README.md:%d: the first event was kind %u, not CURRENT\n", f->line,
                        atomic_load(&first_kind));
                ++failures;
            }
        }
        if (f->calls_sync_now && !synced) {
            fprintf(stderr, "README.md:%d: sync_now() was not reached\n", f->line);
            ++failures;
        }
        if (olstate_close(session) != OLSTATE_OK) ++failures;
        printf("README.md:%d: %s\n", f->line, failures == before ? "ok" : "FAILED");
    }
    {
        char path[64];
        snprintf(path, sizeof path, "%s/olstate", runtime_dir);
        remove(path);
        remove(runtime_dir);
    }
    return failures ? 1 : 0;
}
