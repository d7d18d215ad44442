// libFuzzer harness: the input is a program of olstate ABI calls, simulator
// fault controls and bad arguments, run on one or two threads at once, with
// callbacks that themselves call olstate (unsubscribe, close, set_state,
// get_state, subscribe...) as the input says.
//
// Oracles (each violation aborts, which libFuzzer reports as a crash):
//   - every result is a known code; a failure leaves a message starting with
//     the result's name, a success an empty one;
//   - argument errors give exactly the documented code;
//   - release runs exactly once, never while a callback of its subscription
//     runs, before a failing subscribe returns, and before a successful
//     unsubscribe/close from outside returns;
//   - no callback after release, after unsubscribe returned, after close
//     returned; events are well formed; QUEUED callbacks run one at a time,
//     in sequence order, never on the stack of an olstate_ call; a blocking
//     set_state inside an INLINE callback is refused (WOULD_DEADLOCK);
//   - olstate_get_session_info writes nothing past struct_size's known part;
//   - olstate_detect_outlook refuses NULL and a too small or implausible
//     struct_size (writing nothing), writes exactly struct_size bytes
//     otherwise (zeros past the known part) and, off Windows, reports no
//     Outlook at all;
//   - after each input, once everything is closed: every release ran and the
//     simulator's counters (live objects, outstanding references, advised
//     and held sinks) are back at zero. A leak is a finding.
//
// Input format (a little-endian byte program; missing bytes read as 0):
//   byte 0      bit 0: run a second thread; bit 1: second thread starts first
//   byte 1      where the second thread's part starts (n * byte1 / 256)
//   then ops    opcode byte (op % kOps, kOps = 21) followed by its argument bytes.
// fuzz/make_corpus.py writes the seed corpus in this format.
#include <olstate.h>
#include <olstate_sim.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------- findings

[[noreturn]] void finding(const char* what, long long a = 0, long long b = 0) {
    std::fprintf(stderr, "\n*** olstate-fuzz finding: %s (%lld, %lld)\n", what, a, b);
    std::fprintf(stderr, "*** last error on this thread: %s\n", olstate_last_error_message());
    std::fflush(stderr);
    std::abort();
}

// A long run can skip the QUEUED ordering oracle (OLSTATE_FUZZ_SKIP=order),
// for example to keep looking for other findings while one is being fixed.
bool skip_order_check() {
    static const bool skip = [] {
        const char* s = std::getenv("OLSTATE_FUZZ_SKIP");
        return s && std::strstr(s, "order");
    }();
    return skip;
}

// ---------------------------------------------------------------- input

class Input {
public:
    Input(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
    std::uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
    std::uint32_t u32() {
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(u8()) << (8 * k);
        return v;
    }
    std::uint64_t u64() { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }
    bool done() const { return i_ >= n_; }

private:
    const std::uint8_t* p_;
    std::size_t n_;
    std::size_t i_ = 0;
};

// ---------------------------------------------------------------- tables

// Profiles for olstate_open and for the simulator's controls: valid, case
// variants of one object, empty, and invalid UTF-8 of several kinds.
const char* const kProfiles[] = {
    nullptr,             // the default profile
    "fz-a",
    "fz-b",
    "FZ-A",              // the same offline object as fz-a
    "",                  // olstate: invalid (NULL means default); simulator: default
    "\xff\xfe",          // invalid UTF-8
    "\xc0\xaf",          // overlong
    "\xed\xa0\x80",      // a UTF-16 surrogate
    "fz-\xc3\xa9",       // valid, non-ASCII
    "\xf4\x90\x80\x80",  // beyond U+10FFFF
    "fz-\xe2\x82",       // truncated sequence
};
constexpr std::size_t kProfileCount = sizeof kProfiles / sizeof kProfiles[0];
// The profiles that name a simulator object (for waiting and cleanup).
const char* const kObjectProfiles[] = {nullptr, "fz-a", "fz-b", "fz-\xc3\xa9"};

bool profile_valid_for_open(const char* p) {
    if (!p) return true;
    for (const char* bad : {"", "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                            "fz-\xe2\x82"})
        if (std::strcmp(p, bad) == 0) return false;
    return true;
}

constexpr std::int32_t kHresults[] = {
    static_cast<std::int32_t>(0x80004005u),  // E_FAIL
    static_cast<std::int32_t>(0x80070057u),  // E_INVALIDARG
    static_cast<std::int32_t>(0x80004002u),  // E_NOINTERFACE
    static_cast<std::int32_t>(0x8007000Eu),  // E_OUTOFMEMORY
    static_cast<std::int32_t>(0x80004001u),  // E_NOTIMPL
    static_cast<std::int32_t>(0x8004010Fu),  // MAPI_E_NOT_FOUND
    static_cast<std::int32_t>(0x8000000Au),  // E_PENDING
    static_cast<std::int32_t>(0x80040102u),  // MAPI_E_NO_SUPPORT
    static_cast<std::int32_t>(0x8000FFFFu),  // E_UNEXPECTED
    static_cast<std::int32_t>(0x80000000u),  // the most negative
};

std::string g_sim_path;   // the simulator next to this executable
std::string g_libm_path;  // a real library without HrOpenOfflineObj

// ---------------------------------------------------------------- state

constexpr int kSlots = 4;
constexpr int kMaxOpens = 8;
constexpr std::size_t kMaxContexts = 48;
constexpr int kMaxOps = 96;

struct Ctx {
    olstate_session* session = nullptr;
    std::uint32_t delivery = 0;
    bool has_release = true;
    std::uint8_t action = 0;
    std::uint8_t param = 0;
    std::atomic<int> budget{0};
    std::atomic<olstate_subscription> token{0};
    std::atomic<bool> subscribed{false};  // subscribe returned OK
    std::atomic<bool> released{false};
    std::atomic<bool> silenced{false};  // unsubscribe/close from outside returned OK
    std::atomic<int> running{0};
    std::atomic<std::uint64_t> last_sequence{0};
};

struct OpenSession {
    olstate_session* handle;
    std::uint32_t delivery;
};

std::mutex g_mutex;  // never held while olstate runs
std::vector<std::unique_ptr<Ctx>> g_contexts;  // kept until the input ends
std::vector<OpenSession> g_opened;
std::atomic<olstate_session*> g_slots[kSlots];
std::atomic<bool> g_unadvise_fault{false};

thread_local int t_api_depth = 0;  // inside an olstate_ call made by this harness

// What the inputs reached (printed at exit with OLSTATE_FUZZ_STATS=1): a
// seed corpus that never calls back would test little.
struct Stats {
    std::atomic<unsigned long long> inputs{0}, opens{0}, events{0}, actions{0}, releases{0};
    ~Stats() {
        if (std::getenv("OLSTATE_FUZZ_STATS"))
            std::fprintf(stderr, "olstate-fuzz: %llu inputs, %llu sessions opened, %llu callbacks, "
                                 "%llu actions inside callbacks, %llu releases\n",
                         inputs.load(), opens.load(), events.load(), actions.load(), releases.load());
    }
} g_stats;

std::uint32_t delivery_of(olstate_session* s) {
    std::lock_guard lock(g_mutex);
    for (const auto& o : g_opened)
        if (o.handle == s) return o.delivery;
    return OLSTATE_DELIVERY_QUEUED;
}

// ---------------------------------------------------------------- result checks

void check_result(olstate_result r, const char* fn) {
    if (r > 0 || r < OLSTATE_E_WOULD_DEADLOCK) finding(fn, r, 0);
    const char* m = olstate_last_error_message();
    if (!m) finding("olstate_last_error_message returned NULL", r);
    if (r == OLSTATE_OK) {
        if (*m) finding("a successful call left a message", r);
        if (olstate_last_error_hresult() != 0) finding("a successful call left an HRESULT");
    } else {
        const char* name = olstate_result_name(r);
        if (std::strncmp(m, name, std::strlen(name)) != 0) finding("message does not name the result", r);
    }
}

void expect(olstate_result r, olstate_result want, const char* what) {
    if (r != want) finding(what, r, want);
}
void expect2(olstate_result r, olstate_result a, olstate_result b, const char* what) {
    if (r != a && r != b) finding(what, r, a);
}

template <class F>
olstate_result api(const char* fn, F&& f) {
    ++t_api_depth;
    const olstate_result r = f();
    --t_api_depth;
    check_result(r, fn);
    return r;
}

// Marks every subscription of a session closed from outside as silenced,
// and checks that its release ran before close returned.
void after_outside_close(olstate_session* s) {
    std::lock_guard lock(g_mutex);
    for (const auto& c : g_contexts) {
        if (c->session != s) continue;
        c->silenced = true;
        if (c->subscribed && c->has_release && !c->released)
            finding("close returned OK before a subscription's release ran");
        if (c->subscribed && c->running != 0) finding("close returned OK while a callback runs");
    }
}

// ---------------------------------------------------------------- callbacks

void OLSTATE_CALL on_release(void* context) {
    auto* c = static_cast<Ctx*>(context);
    if (c->released.exchange(true)) finding("release ran twice");
    ++g_stats.releases;
    if (c->running.load() != 0) finding("release ran while a callback of its subscription runs");
}

void subscribe_op(olstate_session* s, std::uint8_t action, std::uint8_t param, bool with_release,
                  std::uint32_t delivery);

void act(Ctx& c) {
    olstate_session* const s = c.session;
    const std::uint8_t p = c.param;
    switch (c.action % 10) {
        case 0: break;
        case 1: {  // unsubscribe itself
            const olstate_subscription t = c.token.load();
            const olstate_result r = api("unsubscribe(self)", [&] { return olstate_unsubscribe(s, t); });
            if (t == 0) expect(r, OLSTATE_E_INVALID_HANDLE, "unsubscribe(0) inside");
            break;
        }
        case 2: {  // unsubscribe another subscription of the same session
            olstate_subscription t = 0;
            {
                std::lock_guard lock(g_mutex);
                std::size_t seen = 0;
                for (const auto& o : g_contexts) {
                    if (o->session == s && o.get() != &c && seen++ == p % 4) t = o->token.load();
                }
            }
            if (t) api("unsubscribe(other)", [&] { return olstate_unsubscribe(s, t); });
            break;
        }
        case 3: api("close(inside)", [&] { return olstate_close(s); }); break;
        case 4:
            api("set_state(inside)", [&] {
                return olstate_set_state(s, (p & 1) ? OLSTATE_ONLINE : OLSTATE_OFFLINE,
                                         OLSTATE_SET_DEFAULT);
            });
            break;
        case 5: {
            const olstate_result r = api("set_state(inside, BLOCK)", [&] {
                return olstate_set_state(s, (p & 1) ? OLSTATE_ONLINE : OLSTATE_OFFLINE,
                                         OLSTATE_SET_BLOCK);
            });
            if (c.delivery == OLSTATE_DELIVERY_INLINE)
                expect2(r, OLSTATE_E_WOULD_DEADLOCK, OLSTATE_E_INVALID_HANDLE,
                        "blocking set_state inside an INLINE callback was not refused");
            break;
        }
        case 6: {
            std::uint32_t st = 0;
            if (api("get_state(inside)", [&] { return olstate_get_state(s, &st); }) == OLSTATE_OK &&
                st != OLSTATE_ONLINE && st != OLSTATE_OFFLINE)
                finding("get_state returned a bad state", st);
            break;
        }
        case 7: {
            std::uint32_t caps = 0;
            if (api("capabilities(inside)", [&] { return olstate_capabilities(s, &caps); }) ==
                    OLSTATE_OK &&
                (caps & ~(OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE)))
                finding("capabilities has unknown bits", caps);
            break;
        }
        case 8: subscribe_op(s, static_cast<std::uint8_t>(p >> 1), 0, (p & 1) == 0, c.delivery); break;
        case 9: {
            olstate_session_info info{};
            info.struct_size = sizeof info;
            api("get_session_info(inside)", [&] { return olstate_get_session_info(s, &info); });
            break;
        }
    }
}

void OLSTATE_CALL on_event(const olstate_event* e, void* context) {
    auto* c = static_cast<Ctx*>(context);
    if (c->released) finding("callback after release");
    if (c->silenced) finding("callback after unsubscribe/close returned");
    const int running = ++c->running;
    if (!e) finding("NULL event");
    if (e->struct_size != sizeof(olstate_event)) finding("event.struct_size", e->struct_size);
    if (e->kind < OLSTATE_EVENT_CHANGE_START || e->kind > OLSTATE_EVENT_CHANGE_DONE)
        finding("event.kind", e->kind);
    if ((e->old_state != OLSTATE_ONLINE && e->old_state != OLSTATE_OFFLINE) ||
        (e->new_state != OLSTATE_ONLINE && e->new_state != OLSTATE_OFFLINE))
        finding("event states", e->old_state, e->new_state);
    if (e->reserved != 0) finding("event.reserved", e->reserved);
    if (e->flags & ~OLSTATE_EVENT_FLAG_DROPPED) finding("event.flags", e->flags);
    if (e->sequence == 0) finding("event.sequence 0");
    if (e->notify_time_us == 0) finding("event.notify_time_us 0");
    const olstate_subscription t = c->token.load();
    if (t != 0 && e->subscription != t) finding("event.subscription", static_cast<long long>(e->subscription), static_cast<long long>(t));
    if (c->delivery == OLSTATE_DELIVERY_QUEUED) {
        if (t_api_depth > 0) finding("QUEUED callback on the stack of an olstate_ call");
        if (running != 1) finding("QUEUED callbacks of one subscription run concurrently", running);
        const std::uint64_t last = c->last_sequence.exchange(e->sequence);
        if (e->sequence <= last && !skip_order_check())
            finding("QUEUED events out of sequence order", static_cast<long long>(last),
                    static_cast<long long>(e->sequence));
    } else if (e->flags != 0) {
        finding("INLINE event flagged as dropped");
    }
    ++g_stats.events;
    // A slow callback (param bit 5) widens the windows in which unsubscribe
    // or close from outside meet a running call: it sleeps before its
    // action, and after it (a call that ended its own subscription or closed
    // its session and is still running).
    const auto nap = [&] {
        if (c->param & 0x20) std::this_thread::sleep_for(std::chrono::microseconds(200 + 50 * (c->param & 7)));
    };
    nap();
    if (c->budget.fetch_sub(1) > 0 && c->action % 10) {
        ++g_stats.actions;
        act(*c);
        nap();
    }
    --c->running;
}

void subscribe_op(olstate_session* s, std::uint8_t action, std::uint8_t param, bool with_release,
                  std::uint32_t delivery) {
    Ctx* c = nullptr;
    {
        std::lock_guard lock(g_mutex);
        if (g_contexts.size() >= kMaxContexts) return;
        g_contexts.push_back(std::make_unique<Ctx>());
        c = g_contexts.back().get();
        c->session = s;
        c->delivery = delivery;
        c->has_release = with_release;
        c->action = action;
        c->param = param;
        c->budget = 1 + (param >> 6);
    }
    olstate_subscription token = 0;
    const olstate_result r = api("subscribe", [&] {
        return olstate_subscribe(s, on_event, c, with_release ? on_release : nullptr, &token);
    });
    if (r == OLSTATE_OK) {
        if (token == 0) finding("subscribe returned token 0");
        c->token = token;
        c->subscribed = true;
    } else {
        if (token != 0) finding("a failing subscribe wrote its out-parameter");
        if (with_release && !c->released) finding("a failing subscribe did not release the context");
        c->silenced = true;
    }
}

// ---------------------------------------------------------------- ops

olstate_session* pick_session(Input& in) {
    const std::uint8_t b = in.u8();
    switch (b >> 5) {
        case 0: return nullptr;
        case 1:  // a handle never issued
            return reinterpret_cast<olstate_session*>(static_cast<std::uintptr_t>(
                (std::uint64_t{1} << 40) + b));
        default: return g_slots[b % kSlots].load();
    }
}

olstate_subscription pick_token(Input& in, olstate_session* s) {
    const std::uint8_t b = in.u8();
    switch (b >> 6) {
        case 0: return 0;
        case 1: return (std::uint64_t{1} << 50) + b;  // never issued
        default: {
            std::lock_guard lock(g_mutex);
            std::vector<olstate_subscription> own, any;
            for (const auto& c : g_contexts) {
                const olstate_subscription t = c->token.load();
                if (!t) continue;
                any.push_back(t);
                if (c->session == s) own.push_back(t);
            }
            const auto& from = (b >> 6) == 2 && !own.empty() ? own : any;
            return from.empty() ? 0 : from[b % from.size()];
        }
    }
}

void op_open(Input& in) {
    const std::uint8_t slot = in.u8() % kSlots;
    const char* profile = kProfiles[in.u8() % kProfileCount];
    const std::uint8_t prov = in.u8();
    const std::uint8_t deliv = in.u8();
    const std::uint8_t shape = in.u8();
    {
        std::lock_guard lock(g_mutex);
        if (g_opened.size() >= kMaxOpens) return;
    }
    // Room for any struct_size up to the library's limit (4096) and beyond.
    alignas(8) static thread_local unsigned char buf[4200];
    std::memset(buf, 0, sizeof buf);
    olstate_open_options o;
    olstate_open_options_init(&o);
    // init writes the 1.0 struct only (ABI 1.3 added application and
    // connection_poll_ms after it); this fuzzer leaves those at zero.
    if (o.struct_size != offsetof(olstate_open_options, application))
        finding("olstate_open_options_init struct_size", o.struct_size);
    o.application = nullptr;
    o.connection_poll_ms = 0;
    o.profile = profile;
    bool bad = !profile_valid_for_open(profile);
    switch (prov % 8) {
        case 0: o.provider = OLSTATE_PROVIDER_SIMULATOR; break;
        case 1: o.provider = OLSTATE_PROVIDER_AUTO; break;
        case 2: o.provider = OLSTATE_PROVIDER_LIBRARY; o.provider_path = g_sim_path.c_str(); break;
        case 3: o.provider = OLSTATE_PROVIDER_OUTLOOK; break;
        case 4:  // an endpoint nobody serves (a reconnecting session waits for it)
            o.provider = OLSTATE_PROVIDER_BRIDGE;
            o.provider_path = "/nonexistent-olstate-fuzz/bridge.sock";
            break;
        case 5:
            o.provider = OLSTATE_PROVIDER_LIBRARY;
            switch ((prov >> 3) % 6) {
                case 0: o.provider_path = nullptr; bad = true; break;
                case 1: o.provider_path = "libolstate_sim.so"; bad = true; break;  // relative
                case 2: o.provider_path = "/nonexistent/libolstate_sim.so"; break;
                case 3: o.provider_path = g_libm_path.c_str(); break;  // no HrOpenOfflineObj
                case 4: o.provider_path = "/\xff\xfe/x.so"; bad = true; break;
                default: o.provider_path = "/etc/hostname"; break;  // not a library
            }
            break;
        case 6:
            if ((prov >> 3) == 0) {
                o.provider = OLSTATE_PROVIDER_OBJECT_MODEL;  // since 1.3, Windows only
            } else {
                o.provider = OLSTATE_PROVIDER_OBJECT_MODEL + (prov >> 3);  // unknown
                bad = true;
            }
            break;
        default:  // a path where none belongs
            o.provider = OLSTATE_PROVIDER_SIMULATOR;
            o.provider_path = g_sim_path.c_str();
            bad = true;
            break;
    }
    o.delivery = deliv % 2;
    if ((deliv & 0x80) && (deliv & 0x40)) {
        o.delivery = 2u + (deliv & 0x3f);
        bad = true;
    }
    if ((shape & 0x0f) == 1) {
        o.flags = 1u << (shape >> 4);
        // OLSTATE_OPEN_RECONNECT is valid with the bridge, the object-model
        // provider and AUTO; OLSTATE_OPEN_NO_FALLBACK with AUTO alone.
        const bool reconnect_ok = o.flags == OLSTATE_OPEN_RECONNECT &&
                                  (o.provider == OLSTATE_PROVIDER_BRIDGE || o.provider == OLSTATE_PROVIDER_OBJECT_MODEL ||
                                   o.provider == OLSTATE_PROVIDER_AUTO);
        const bool no_fallback_ok = o.flags == OLSTATE_OPEN_NO_FALLBACK && o.provider == OLSTATE_PROVIDER_AUTO;
        if (!reconnect_ok && !no_fallback_ok) bad = true;
    }
    std::uint32_t size = sizeof o;
    switch (shape >> 5) {
        case 1: size = shape & 0x1f; bad = true; break;           // too small
        case 2: size = sizeof o + 1 + (shape & 0x1f); break;      // larger, zero tail
        case 3:                                                   // larger, non-zero tail
            size = sizeof o + 1 + (shape & 0x1f);
            buf[size - 1] = static_cast<unsigned char>(1 + (shape & 0x7f));
            bad = true;
            break;
        case 4: size = 4097 + (shape & 0x1f) * 3; bad = true; break;  // implausible
        default: break;
    }
    o.struct_size = size;
    std::memcpy(buf, &o, sizeof o);
    const auto* opts = reinterpret_cast<const olstate_open_options*>(buf);
    olstate_session* s = nullptr;
    olstate_result r = 0;
    if ((shape & 0x0f) == 2) {
        r = api("open_ex(NULL options)", [&] { return olstate_open_ex(nullptr, &s); });
        expect(r, OLSTATE_E_INVALID_ARGUMENT, "open_ex(NULL options)");
        return;
    }
    if ((shape & 0x0f) == 3) {
        r = api("open_ex(NULL out)", [&] { return olstate_open_ex(opts, nullptr); });
        expect(r, OLSTATE_E_INVALID_ARGUMENT, "open_ex(NULL out)");
        return;
    }
    if ((shape & 0x0f) == 4) {  // olstate_open: default options and this profile
        r = api("open", [&] { return olstate_open(profile, &s); });
        if (!profile_valid_for_open(profile)) expect(r, OLSTATE_E_INVALID_ARGUMENT, "open(bad profile)");
        o.delivery = OLSTATE_DELIVERY_QUEUED;
    } else {
        r = api("open_ex", [&] { return olstate_open_ex(opts, &s); });
        if (bad && o.provider == OLSTATE_PROVIDER_OBJECT_MODEL) {
            // Which it finds first, the bad argument or the platform.
            expect2(r, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_NOT_SUPPORTED, "open_ex(OBJECT_MODEL) with an invalid argument");
        } else if (bad) {
            expect(r, OLSTATE_E_INVALID_ARGUMENT, "open_ex with an invalid argument");
        } else if (o.provider == OLSTATE_PROVIDER_OBJECT_MODEL) {
            expect(r, OLSTATE_E_NOT_SUPPORTED, "open_ex(OBJECT_MODEL) off Windows");
        } else if (o.provider == OLSTATE_PROVIDER_OUTLOOK) {
            expect(r, OLSTATE_E_NOT_SUPPORTED, "open_ex(OUTLOOK) off Windows");
        } else if (o.provider == OLSTATE_PROVIDER_BRIDGE) {
            // Nobody serves its endpoint: only a reconnecting session opens.
            expect(r, (o.flags & OLSTATE_OPEN_RECONNECT) ? OLSTATE_OK : OLSTATE_E_PROVIDER_NOT_FOUND,
                   "open_ex(BRIDGE)");
        } else if (o.provider == OLSTATE_PROVIDER_LIBRARY && o.provider_path != g_sim_path.c_str()) {
            expect(r, OLSTATE_E_PROVIDER_NOT_FOUND, "open_ex(LIBRARY) of a non-provider");
        }
    }
    if (r != OLSTATE_OK) {
        if (s != nullptr) finding("a failing open wrote its out-parameter");
        return;
    }
    if (!s) finding("open returned OK and a NULL session");
    ++g_stats.opens;
    {
        std::lock_guard lock(g_mutex);
        g_opened.push_back({s, o.delivery});
    }
    g_slots[slot] = s;
}

void op_close(Input& in) {
    olstate_session* s = pick_session(in);
    const olstate_result r = api("close", [&] { return olstate_close(s); });
    if (!s) expect(r, OLSTATE_OK, "close(NULL)");
    else if (r == OLSTATE_OK) after_outside_close(s);
    else expect(r, OLSTATE_E_INVALID_HANDLE, "close of a bad handle");
}

void op_subscribe(Input& in) {
    olstate_session* s = pick_session(in);
    const std::uint8_t action = in.u8();
    const std::uint8_t param = in.u8();
    const std::uint8_t how = in.u8();
    if ((how & 3) == 3) {  // bad arguments: NULL callback or NULL out
        Ctx* c = nullptr;
        {
            std::lock_guard lock(g_mutex);
            if (g_contexts.size() >= kMaxContexts) return;
            g_contexts.push_back(std::make_unique<Ctx>());
            c = g_contexts.back().get();
            c->session = s;
        }
        olstate_subscription token = 0;
        const olstate_result r = api("subscribe(bad)", [&] {
            return (how & 4) ? olstate_subscribe(s, nullptr, c, on_release, &token)
                             : olstate_subscribe(s, on_event, c, on_release, nullptr);
        });
        if (!s) expect(r, OLSTATE_E_INVALID_HANDLE, "subscribe(NULL session)");
        else expect2(r, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_INVALID_HANDLE, "subscribe(NULL arg)");
        if (!c->released) finding("a failing subscribe did not release the context");
        c->silenced = true;
        return;
    }
    subscribe_op(s, action, param, (how & 1) == 0, delivery_of(s));
}

void op_unsubscribe(Input& in) {
    olstate_session* s = pick_session(in);
    const olstate_subscription t = pick_token(in, s);
    const olstate_result r = api("unsubscribe", [&] { return olstate_unsubscribe(s, t); });
    if (t == 0 || !s) expect(r, OLSTATE_E_INVALID_HANDLE, "unsubscribe of a bad token or session");
    if (r != OLSTATE_OK) return;
    std::lock_guard lock(g_mutex);
    for (const auto& c : g_contexts) {
        if (c->token.load() != t) continue;
        c->silenced = true;
        if (c->has_release && !c->released) finding("unsubscribe returned OK before release ran");
        if (c->running != 0) finding("unsubscribe returned OK while the callback runs");
    }
}

void op_set_state(Input& in) {
    olstate_session* s = pick_session(in);
    const std::uint8_t a = in.u8();
    const std::uint8_t b = in.u8();
    std::uint32_t state = (a & 1) ? OLSTATE_ONLINE : OLSTATE_OFFLINE;
    std::uint32_t flags = (b & 1) ? OLSTATE_SET_BLOCK : OLSTATE_SET_DEFAULT;
    bool bad = false;
    if ((a & 0xf0) == 0xf0) state = a & 0x0f, bad = state != 1 && state != 2;
    if ((b & 0xf0) == 0xf0) flags = b & 0x0f, bad = bad || flags > 1;
    const olstate_result r = api("set_state", [&] { return olstate_set_state(s, state, flags); });
    if (!s) expect(r, OLSTATE_E_INVALID_HANDLE, "set_state(NULL)");
    else if (bad) expect2(r, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_INVALID_HANDLE, "set_state(bad)");
    else if (r == OLSTATE_E_WOULD_DEADLOCK) finding("WOULD_DEADLOCK outside any callback");
}

void op_query(Input& in) {
    olstate_session* s = pick_session(in);
    const std::uint8_t what = in.u8();
    const bool null_out = (what & 0x10) != 0;
    olstate_result r = 0;
    std::uint32_t v = 0;
    switch (what % 3) {
        case 0:
            r = api("get_state", [&] { return olstate_get_state(s, null_out ? nullptr : &v); });
            if (r == OLSTATE_OK && v != OLSTATE_ONLINE && v != OLSTATE_OFFLINE) finding("get_state value", v);
            break;
        case 1:
            r = api("capabilities", [&] { return olstate_capabilities(s, null_out ? nullptr : &v); });
            if (r == OLSTATE_OK &&
                (v & ~(OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE)))
                finding("capabilities value", v);
            break;
        default: {
            // A caller's struct with a canary after what it declared.
            alignas(8) unsigned char buf[128];
            std::memset(buf, 0xA5, sizeof buf);
            const std::uint32_t size = (what & 0x20) ? (what >> 6) * 8u : sizeof(olstate_session_info) + (what >> 6) * 8u;
            std::memcpy(buf, &size, sizeof size);
            auto* info = reinterpret_cast<olstate_session_info*>(buf);
            r = api("get_session_info",
                    [&] { return olstate_get_session_info(s, null_out ? nullptr : info); });
            // Accepted: this header's size or more, and ABI 1.0-1.2's (up to
            // provider_path). Anything else is refused before a byte is written.
            constexpr std::size_t kSizeBefore13 = offsetof(olstate_session_info, threading);
            const bool size_accepted = size == kSizeBefore13 || size >= sizeof(olstate_session_info);
            if (!size_accepted && s && !null_out)
                expect2(r, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_INVALID_HANDLE, "session_info(small)");
            const std::size_t untouched_from =
                r == OLSTATE_OK ? std::min<std::size_t>(size, sizeof(olstate_session_info)) : sizeof size;
            for (std::size_t i = untouched_from; i < sizeof buf; ++i)
                if (buf[i] != 0xA5) finding("get_session_info wrote past what the caller declared",
                                            static_cast<long long>(i));
            if (r == OLSTATE_OK) {
                if (!info->profile || !info->provider_path) finding("session_info NULL string");
                // A reconnecting bridge session opens without a host.
                if (info->provider != OLSTATE_PROVIDER_SIMULATOR && info->provider != OLSTATE_PROVIDER_LIBRARY &&
                    info->provider != OLSTATE_PROVIDER_BRIDGE)
                    finding("session_info.provider", info->provider);
            }
            break;
        }
    }
    if (!s) expect(r, OLSTATE_E_INVALID_HANDLE, "query(NULL session)");
    else if (null_out) expect2(r, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_INVALID_HANDLE, "query(NULL out)");
}

void op_sim(Input& in, std::uint8_t which) {
    const char* p = kProfiles[in.u8() % kProfileCount];
    const bool invalid = p && !profile_valid_for_open(p) && *p;  // "" is the default here
    std::int32_t hr = 0;
    switch (which) {
        case 0: {  // fail_next
            const std::uint32_t call = in.u8() % 9;
            const std::uint8_t h = in.u8();
            const std::int32_t code = (h & 0x80) ? static_cast<std::int32_t>(in.u32())
                                                 : kHresults[h % (sizeof kHresults / sizeof kHresults[0])];
            const std::uint32_t count = in.u8() % 4;
            if (call == OLSTATE_SIM_CALL_UNADVISE && count > 0) g_unadvise_fault = true;
            olstate_sim_fail_next(call, code, count);
            return;
        }
        case 1: olstate_sim_set_misbehaviour(in.u8() & 0x0f); return;
        case 2: {
            const std::uint32_t mode = in.u8() % 4;
            hr = olstate_sim_set_delivery(p, mode, in.u8() % 5);
            break;
        }
        case 3: {
            const std::uint8_t c = in.u8();
            hr = olstate_sim_set_capabilities(p, (c & 0x80) ? in.u32() : c % 4);
            break;
        }
        case 4: {
            const std::uint8_t t = in.u8();
            static const std::uint32_t kTypes[] = {1, 2, 3, 0, 4, 0xFFFFFFFFu, 0x80000001u};
            const std::uint32_t type = (t & 0x80) ? in.u32() : kTypes[t % 7];
            const std::uint8_t m = in.u8();
            const std::uint32_t mask = (m & 0x80) ? in.u32() : (m % 4 == 3 ? 3 : m % 4 == 0 ? 3 : m % 8);
            const std::uint8_t st = in.u8();
            std::uint32_t old_state = 1 + (st & 1), new_state = 1 + ((st >> 1) & 1);
            if (st & 0x80) old_state = in.u32(), new_state = in.u32();
            const std::uint8_t sz = in.u8();
            const std::uint32_t size = (sz & 0x80) ? sz & 0x7f : (sz & 0x40) ? 24 + sz : 0;
            hr = olstate_sim_send_raw(p, type, mask, old_state, new_state, size, in.u8() % 8);
            break;
        }
        case 5: hr = olstate_sim_send_null(p); break;
        case 6: {
            const std::uint8_t a = in.u8();
            hr = olstate_sim_set_state(p, (a & 1) ? OLSTATE_ONLINE : OLSTATE_OFFLINE, (a >> 1) & 1);
            break;
        }
        case 7: {
            const std::uint32_t threads = 1 + in.u8() % 4;
            hr = olstate_sim_storm(p, threads, in.u8() % 6);
            break;
        }
        case 8: hr = olstate_sim_set_profile_known(p, in.u8() & 1); break;
        case 9: hr = olstate_sim_wait_idle(p); break;
        default: return;
    }
    if (invalid && hr != static_cast<std::int32_t>(0x80070057u))
        finding("simulator accepted an invalid UTF-8 profile", hr);
}

void op_misc(Input& in) {
    // Functions that never change the last error.
    const std::string before = olstate_last_error_message();
    const std::int32_t hr_before = olstate_last_error_hresult();
    const std::int32_t v = static_cast<std::int32_t>(in.u32());
    if (!olstate_result_name(v)) finding("olstate_result_name returned NULL");
    // Each id names exactly one struct of this header; any other id is 0.
    const std::uint32_t id = static_cast<std::uint32_t>(v);
    const std::size_t size = olstate_struct_size(id);
    std::size_t expected = 0;
    switch (id) {
        case OLSTATE_STRUCT_OPEN_OPTIONS: expected = sizeof(olstate_open_options); break;
        case OLSTATE_STRUCT_EVENT: expected = sizeof(olstate_event); break;
        case OLSTATE_STRUCT_SESSION_INFO: expected = sizeof(olstate_session_info); break;
        case OLSTATE_STRUCT_BRIDGE_OPTIONS: expected = sizeof(olstate_bridge_options); break;
        case OLSTATE_STRUCT_SUBSCRIBE_OPTIONS: expected = sizeof(olstate_subscribe_options); break;
        case OLSTATE_STRUCT_ACCOUNT: expected = sizeof(olstate_account); break;
        case OLSTATE_STRUCT_OUTLOOK_INFO: expected = sizeof(olstate_outlook_info); break;
        default: break;
    }
    if (size != expected) finding("olstate_struct_size", static_cast<long long>(id));
    if (olstate_abi_version() >> 16 != 1) finding("abi major");
    if (!olstate_version_string()) finding("version string NULL");
    olstate_open_options_init(nullptr);
    if (before != olstate_last_error_message() || hr_before != olstate_last_error_hresult())
        finding("an informational function changed the last error");
}

// olstate_detect_outlook with the struct sizes a caller may get wrong.
void op_detect(Input& in) {
    const std::uint8_t shape = in.u8();
    alignas(olstate_outlook_info) unsigned char buf[4200];
    std::memset(buf, 0xA5, sizeof buf);
    auto* info = reinterpret_cast<olstate_outlook_info*>(buf);
    std::uint32_t size = 0;
    bool bad = true;
    switch (shape & 3) {
        case 0: size = shape >> 2; break;  // too small (0..63 includes sizeof: see below)
        case 1: size = sizeof(olstate_outlook_info); break;
        case 2: size = sizeof(olstate_outlook_info) + (shape >> 2) * 61u; break;  // a newer, larger struct
        case 3: size = 4097u + (shape >> 2); break;  // implausible
    }
    if (size >= sizeof(olstate_outlook_info) && size <= 4096) bad = false;
    info->struct_size = size;
    const bool null_out = (shape & 3) == 0 && (shape >> 2) == 63;
    const olstate_result r = api("detect_outlook", [&] { return olstate_detect_outlook(null_out ? nullptr : info); });
    if (bad || null_out) {
        expect(r, OLSTATE_E_INVALID_ARGUMENT, "detect_outlook(bad size)");
        for (std::size_t i = sizeof size; i < sizeof buf; ++i)
            if (buf[i] != 0xA5) return finding("a refused detect_outlook wrote into the struct");
        return;
    }
    expect(r, OLSTATE_OK, "detect_outlook");
    if (info->struct_size != size) finding("detect_outlook changed struct_size", info->struct_size, size);
    for (std::size_t i = sizeof(olstate_outlook_info); i < size; ++i)
        if (buf[i] != 0) return finding("detect_outlook left the tail of a larger struct unzeroed", i);
    for (std::size_t i = size; i < sizeof buf; ++i)
        if (buf[i] != 0xA5) return finding("detect_outlook wrote past struct_size", size);
#ifndef _WIN32
    // Off Windows there is no Outlook: every fact 0, the verdict NONE.
    if (info->verdict != OLSTATE_OUTLOOK_NONE || info->classic_installed || info->classic_bitness ||
        info->classic_click_to_run || info->classic_running || info->new_running || info->new_selected ||
        info->classic_version[0] != '\0')
        finding("detect_outlook reported an Outlook off Windows", info->verdict);
#endif
}

void run_ops(Input in) {
    for (int n = 0; n < kMaxOps && !in.done(); ++n) {
        const std::uint8_t op = in.u8();
        switch (op % 21) {
            case 0: case 1: op_open(in); break;
            case 2: op_close(in); break;
            case 3: case 4: op_subscribe(in); break;
            case 5: op_unsubscribe(in); break;
            case 6: op_set_state(in); break;
            case 7: op_query(in); break;
            case 8: op_misc(in); break;
            case 19: {  // a pause, so the other thread's ops interleave (op 19 + byte < 0x80: no-op)
                const std::uint8_t b = in.u8();
                if (b & 0x80) std::this_thread::sleep_for(std::chrono::microseconds(100 * (b & 0x1f)));
                break;
            }
            case 20: op_detect(in); break;
            default: op_sim(in, static_cast<std::uint8_t>(op % 21 - 9)); break;  // 9..18
        }
    }
}

// ---------------------------------------------------------------- per input

template <class Pred>
bool eventually(Pred pred, int ms) {
    for (int i = 0; i < ms; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pred();
}

void wait_providers_idle() {
    for (const char* p : kObjectProfiles) olstate_sim_wait_idle(p);
}

void finish_input() {
    std::vector<OpenSession> opened;
    {
        std::lock_guard lock(g_mutex);
        opened = g_opened;
    }
    for (const auto& o : opened) {
        const olstate_result r = olstate_close(o.handle);
        check_result(r, "close(end)");
        if (r == OLSTATE_OK) after_outside_close(o.handle);
        else expect(r, OLSTATE_E_INVALID_HANDLE, "close(end)");
    }
    olstate_sim_reset();
    wait_providers_idle();
    // Teardowns started from inside callbacks finish on olstate's threads.
    const auto all_released = [] {
        std::lock_guard lock(g_mutex);
        for (const auto& c : g_contexts)
            if (c->has_release && !c->released) return false;
        return true;
    };
    const auto no_refs = [] {
        return olstate_sim_outstanding_refs() == 0 && olstate_sim_live_objects() == 0;
    };
    if (!eventually(all_released, 10000)) finding("a release never ran");
    if (!eventually(no_refs, 10000))
        finding("olstate kept a reference on an offline object", olstate_sim_outstanding_refs(),
                olstate_sim_live_objects());
    wait_providers_idle();
    const auto no_sinks = [] { return olstate_sim_advised_sinks() == 0 && olstate_sim_held_sinks() == 0; };
    if (!eventually(no_sinks, g_unadvise_fault ? 20 : 10000)) {
        if (!g_unadvise_fault)
            finding("a sink stayed advised or held", olstate_sim_advised_sinks(), olstate_sim_held_sinks());
        // The input made Unadvise fail: the provider keeps that sink until
        // it lets go of it, as Outlook does at shutdown.
        for (const char* p : kObjectProfiles) olstate_sim_unadvise_all(p);
        wait_providers_idle();
        if (!eventually(no_sinks, 10000))
            finding("sinks left after unadvise_all", olstate_sim_advised_sinks(), olstate_sim_held_sinks());
    }
    std::lock_guard lock(g_mutex);
    g_contexts.clear();
    g_opened.clear();
    for (auto& s : g_slots) s = nullptr;
    g_unadvise_fault = false;
}

std::string dir_of_executable() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "./";
    std::string s(buf, static_cast<std::size_t>(n));
    return s.substr(0, s.find_last_of('/') + 1);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_sim_path = dir_of_executable() + "libolstate_sim.so";
    g_libm_path = access("/lib/x86_64-linux-gnu/libm.so.6", R_OK) == 0 ? "/lib/x86_64-linux-gnu/libm.so.6"
                                                                       : "/nonexistent/libm.so";
    olstate_sim_reset();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    ++g_stats.inputs;
    const std::uint8_t mode = data[0];
    const std::size_t split = 2 + (size - 2) * data[1] / 256;
    olstate_sim_reset();
    if (mode & 1) {
        Input first(data + 2, split - 2), second(data + split, size - split);
        std::thread other;
        if (mode & 2) {
            other = std::thread([second] { run_ops(second); });
            run_ops(first);
        } else {
            other = std::thread([first] { run_ops(first); });
            run_ops(second);
        }
        other.join();
    } else {
        run_ops(Input(data + 2, size - 2));
    }
    finish_input();
    return 0;
}
