// olstate-monitor: prints Outlook's connection state and every change as it
// happens, or changes it. Uses only the public header, like any client.
#include <olstate.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <thread>

#include "addin_registration.h"  // bridge-win: --install-addin / --uninstall-addin
#include "connection_facts.h"
#include "detect_command.h"
#include "owner_pump.h"
#include "wait_command.h"

namespace {

const char* const kUsage =
    "usage: olstate-monitor [options]\n"
    "\n"
    "Prints the provider, profile, capabilities and current state of Outlook's\n"
    "Offline State API, then every state-change event as it arrives.\n"
    "\n"
    "options:\n"
    "  --profile NAME        MAPI profile (default: the default profile)\n"
    "  --provider P          auto | outlook | simulator | bridge | object-model |\n"
    "                        PATH to a provider library exporting HrOpenOfflineObj\n"
    "                        (default: auto; auto is the simulator outside Windows;\n"
    "                        object-model polls a running Outlook, Windows only)\n"
    "  --endpoint PATH       the bridge endpoint to follow (--provider bridge) or to\n"
    "                        serve (--serve); default: this user's endpoint\n"
    "  --reconnect           with --provider bridge or object-model: keep waiting for\n"
    "                        the host (Outlook), also when none runs yet; report\n"
    "                        provider_lost/provider_back\n"
    "  --no-fallback         with --provider auto: the bridge alone, never a running\n"
    "                        Outlook's object model when no bridge host answers\n"
    "  --poll-interval MS    with --provider auto or object-model: read Outlook's\n"
    "                        connection mode every MS milliseconds (100 to 86400000;\n"
    "                        default 5000)\n"
    "  --serve               host a bridge over the opened provider, so that other\n"
    "                        programs of this user can follow it with --provider\n"
    "                        bridge; runs until Ctrl-C/SIGTERM\n"
    "  --allow-set           with --serve: clients may change the state (default: no)\n"
    "  --delivery MODE       queued (default) | inline\n"
    "  --json                one JSON object per line (the facts, then each event)\n"
    "  --count N             exit after N events\n"
    "  --demo N              drive the provider through N state changes (offline,\n"
    "                        online, ...; N at most 1000000), print their events,\n"
    "                        then exit\n"
    "  --set online|offline  change the state and exit (0 on success)\n"
    "  --block               with --set: return when the change is complete\n"
    "  --follow              with --set: keep printing events afterwards\n"
    "  --wait online|offline wait until the state is reached, print it, then exit:\n"
    "                        0 reached, 1 not (timeout, Ctrl-C, error); with a\n"
    "                        bridge, add --reconnect to wait for its host as well\n"
    "  --timeout S           with --wait: give up after S seconds (default: never)\n"
    "  --detect              print which Outlook this user has (classic or the new\n"
    "                        one; installed, running, chosen) without opening a\n"
    "                        session, then exit (with --json: one object)\n"
    "  -h, --help            this text\n"
    "\n"
    "Windows only (see docs/windows.md):\n"
    "  --install-addin [--addin-path PATH]  register the Outlook add-in olstate_addin.dll\n"
    "                        (default: next to this program) for the current user\n"
    "  --uninstall-addin     remove that registration\n"
    "\n"
    "Exits 0 on success and on Ctrl-C/SIGTERM (also while a call waits on a hung\n"
    "bridge host); 1 on an olstate error (the\n"
    "library's message goes to stderr) and when a followed bridge host goes away\n"
    "without --reconnect; 2 on a usage error.\n";

struct Options {
    const char* profile = nullptr;
    uint32_t provider = OLSTATE_PROVIDER_AUTO;
    const char* provider_path = nullptr;
    uint32_t delivery = OLSTATE_DELIVERY_QUEUED;
    bool json = false;
    long count = -1;
    long demo = -1;
    std::optional<uint32_t> set;
    bool block = false;
    bool follow = false;
    const char* endpoint = nullptr;
    bool reconnect = false;
    bool no_fallback = false;
    uint32_t poll_ms = 0;  // 0: the library's default
    bool serve = false;
    bool allow_set = false;
    std::optional<uint32_t> wait;                     // --wait (wait_command.h)
    uint32_t wait_timeout_ms = OLSTATE_WAIT_INFINITE;  // --timeout
    bool has_timeout = false;
};

volatile std::sig_atomic_t g_signalled = 0;
// Set while the main thread waits inside an olstate call (open, set state):
// such a call can last its whole time limit against a hung host, so a signal
// then ends the process at once, with the exit code a signal always gives.
volatile std::sig_atomic_t g_in_call = 0;
extern "C" void on_signal(int) {
    if (g_in_call || g_signalled) std::_Exit(0);  // a second signal also ends a slow shutdown
    g_signalled = 1;
}

// Marks a blocking olstate call as interruptible for the scope.
struct InterruptibleCall {
    InterruptibleCall() { g_in_call = 1; }
    ~InterruptibleCall() { g_in_call = 0; }
    InterruptibleCall(const InterruptibleCall&) = delete;
    InterruptibleCall& operator=(const InterruptibleCall&) = delete;
};

// The largest --demo: its events (3 per change) must fit a long; a million
// changes is far more than anyone waits for.
constexpr long kMaxDemo = 1000000;

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "olstate-monitor: %s\n\n%s", what.c_str(), kUsage);
    std::exit(2);
}

long parse_count(const char* flag, const char* value, long max) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(value, &end, 10);
    // Out of range is a usage error, never a value silently clamped.
    if (!*value || *end || n < 0 || errno == ERANGE || n > max)
        usage_error(std::string(flag) + " needs a number from 0 to " + std::to_string(max));
    return n;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (a == "--profile") {
            o.profile = value();
        } else if (a == "--provider") {
            const std::string p = value();
            if (p == "auto") o.provider = OLSTATE_PROVIDER_AUTO;
            else if (p == "outlook") o.provider = OLSTATE_PROVIDER_OUTLOOK;
            else if (p == "simulator") o.provider = OLSTATE_PROVIDER_SIMULATOR;
            else if (p == "bridge") o.provider = OLSTATE_PROVIDER_BRIDGE;
            else if (p == "object-model") o.provider = OLSTATE_PROVIDER_OBJECT_MODEL;
            else {
                o.provider = OLSTATE_PROVIDER_LIBRARY;
                o.provider_path = argv[i];
            }
        } else if (a == "--delivery") {
            const std::string d = value();
            if (d == "queued") o.delivery = OLSTATE_DELIVERY_QUEUED;
            else if (d == "inline") o.delivery = OLSTATE_DELIVERY_INLINE;
            else usage_error("--delivery is queued or inline");
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--count") {
            o.count = parse_count("--count", value(), LONG_MAX);
        } else if (a == "--demo") {
            o.demo = parse_count("--demo", value(), kMaxDemo);
        } else if (a == "--set") {
            const std::string s = value();
            if (s == "online") o.set = OLSTATE_ONLINE;
            else if (s == "offline") o.set = OLSTATE_OFFLINE;
            else usage_error("--set is online or offline");
        } else if (a == "--block") {
            o.block = true;
        } else if (a == "--follow") {
            o.follow = true;
        } else if (a == "--endpoint") {
            o.endpoint = value();
        } else if (a == "--reconnect") {
            o.reconnect = true;
        } else if (a == "--no-fallback") {
            o.no_fallback = true;
        } else if (a == "--poll-interval") {
            // The library checks the range (its message names it); here only
            // that it is a number at all, and 0 would silently mean 5000.
            o.poll_ms = static_cast<uint32_t>(parse_count("--poll-interval", value(), INT32_MAX));
            if (o.poll_ms == 0) usage_error("--poll-interval needs a number of milliseconds > 0");
        } else if (a == "--serve") {
            o.serve = true;
        } else if (a == "--allow-set") {
            o.allow_set = true;
        } else if (a == "--wait") {
            o.wait = olstate_monitor::parse_wait_state(value());
            if (!o.wait) usage_error("--wait is online or offline");
        } else if (a == "--timeout") {
            const auto ms = olstate_monitor::parse_wait_timeout(value());
            if (!ms) usage_error("--timeout needs a number of seconds >= 0");
            o.wait_timeout_ms = *ms;
            o.has_timeout = true;
        } else {
            usage_error("unknown option " + a);
        }
    }
    if ((o.block || o.follow) && !o.set) usage_error("--block and --follow go with --set");
    if (o.has_timeout && !o.wait) usage_error("--timeout goes with --wait");
    if (o.wait && (o.set || o.demo >= 0 || o.serve || o.count >= 0))
        usage_error("--wait excludes --set, --demo, --serve and --count");
    if (o.set && o.demo >= 0) usage_error("--set and --demo exclude each other");
    if (o.reconnect && o.provider != OLSTATE_PROVIDER_BRIDGE && o.provider != OLSTATE_PROVIDER_OBJECT_MODEL)
        usage_error("--reconnect goes with --provider bridge or object-model");
    if (o.no_fallback && o.provider != OLSTATE_PROVIDER_AUTO) usage_error("--no-fallback goes with --provider auto");
    if (o.poll_ms && o.provider != OLSTATE_PROVIDER_AUTO && o.provider != OLSTATE_PROVIDER_OBJECT_MODEL)
        usage_error("--poll-interval goes with --provider auto or object-model");
    if (o.allow_set && !o.serve) usage_error("--allow-set goes with --serve");
    if (o.serve && (o.set || o.demo >= 0)) usage_error("--serve excludes --set and --demo");
    if (o.serve && o.provider == OLSTATE_PROVIDER_BRIDGE && !o.endpoint)
        usage_error("--serve over --provider bridge needs its own --endpoint");
    if (o.endpoint && o.provider != OLSTATE_PROVIDER_BRIDGE && !o.serve)
        usage_error("--endpoint goes with --provider bridge or --serve");
    return o;
}

int report_failure(const char* what, olstate_result r) {
    std::fprintf(stderr, "olstate-monitor: %s failed: %s\n  %s\n", what, olstate_result_name(r),
                 olstate_last_error_message());
    return 1;
}

const char* state_name(uint32_t s) {
    return s == OLSTATE_ONLINE ? "online" : s == OLSTATE_OFFLINE ? "offline" : "unknown";
}

const char* kind_name(uint32_t k) {
    switch (k) {
        case OLSTATE_EVENT_CHANGE_START: return "change_start";
        case OLSTATE_EVENT_CHANGE: return "change";
        case OLSTATE_EVENT_CHANGE_DONE: return "change_done";
        case OLSTATE_EVENT_PROVIDER_LOST: return "provider_lost";
        case OLSTATE_EVENT_PROVIDER_BACK: return "provider_back";
        case OLSTATE_EVENT_CONNECTION_CHANGED: return "connection";
        case OLSTATE_EVENT_ACCOUNT_CHANGED: return "account";
        default: return "unknown";
    }
}

const char* provider_name(uint32_t p) {
    switch (p) {
        case OLSTATE_PROVIDER_OUTLOOK: return "outlook";
        case OLSTATE_PROVIDER_SIMULATOR: return "simulator";
        case OLSTATE_PROVIDER_LIBRARY: return "library";
        case OLSTATE_PROVIDER_BRIDGE: return "bridge";
        case OLSTATE_PROVIDER_OBJECT_MODEL: return "object-model";
        default: return "auto";
    }
}

// The names of the capability bits set in c, in the order both outputs use.
std::vector<const char*> caps_names(uint32_t c) {
    std::vector<const char*> names;
    if (c & OLSTATE_CAPABILITY_OFFLINE) names.push_back("offline");
    if (c & OLSTATE_CAPABILITY_ONLINE) names.push_back("online");
    if (c & OLSTATE_CAPABILITY_CONNECTION_MODE) names.push_back("connection_mode");
    return names;
}

// "offline,online,connection_mode" as text; ["offline",...] items as JSON.
std::string caps_joined(uint32_t c, bool json) {
    std::string s;
    for (const char* name : caps_names(c)) {
        if (!s.empty()) s += ',';
        s += json ? std::string("\"") + name + "\"" : std::string(name);
    }
    return s;
}

// ISO 8601, UTC, with microseconds.
std::string iso_time(uint64_t us) {
    const std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
#if defined(_WIN32)
    gmtime_s(&tm, &secs);
#else
    gmtime_r(&secs, &tm);
#endif
    char buf[64];
    const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%06uZ", static_cast<unsigned>(us % 1000000));
    return buf;
}

std::string json_string(const char* s) {
    std::string out = "\"";
    for (const char* p = s; *p; ++p) {
        const unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", c);
            out += esc;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// Shared between the callback (dispatcher thread) and main.
struct Printer {
    bool json = false;
    long limit = -1;
    std::mutex mutex;
    std::condition_variable changed;
    long printed = 0;
    bool lost = false;  // the last link event was PROVIDER_LOST
};

extern "C" void OLSTATE_CALL print_event(const olstate_event* e, void* context) {
    auto* p = static_cast<Printer*>(context);
    std::lock_guard lock(p->mutex);
    if (p->limit >= 0 && p->printed >= p->limit) return;
    const std::string time = iso_time(e->notify_time_us);
    // Connection and account events carry modes, not states.
    const bool modes = e->kind == OLSTATE_EVENT_CONNECTION_CHANGED || e->kind == OLSTATE_EVENT_ACCOUNT_CHANGED;
    const auto value_name = [&](uint32_t v) { return modes ? olstate_monitor::mode_name(v) : state_name(v); };
    if (p->json) {
        std::printf(
            "{\"type\":\"event\",\"time\":\"%s\",\"kind\":\"%s\",\"old_state\":\"%s\","
            "\"new_state\":\"%s\",\"sequence\":%llu,\"subscription\":%llu,\"dropped\":%s}\n",
            time.c_str(), kind_name(e->kind), value_name(e->old_state), value_name(e->new_state),
            static_cast<unsigned long long>(e->sequence),
            static_cast<unsigned long long>(e->subscription),
            (e->flags & OLSTATE_EVENT_FLAG_DROPPED) ? "true" : "false");
    } else {
        std::printf("%s  #%-4llu %-12s %s -> %s%s\n", time.c_str(),
                    static_cast<unsigned long long>(e->sequence), kind_name(e->kind),
                    value_name(e->old_state), value_name(e->new_state),
                    (e->flags & OLSTATE_EVENT_FLAG_DROPPED) ? "  (events were dropped before this)"
                                                            : "");
    }
    std::fflush(stdout);
    ++p->printed;
    if (e->kind == OLSTATE_EVENT_PROVIDER_LOST) p->lost = true;
    if (e->kind == OLSTATE_EVENT_PROVIDER_BACK) p->lost = false;
    p->changed.notify_all();
}

void print_facts(const Options& o, olstate_session* session) {
    olstate_session_info info;
    std::memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    uint32_t caps = 0, state = 0;
    const bool have_info = olstate_get_session_info(session, &info) == OLSTATE_OK;
    olstate_capabilities(session, &caps);
    const bool have_state = olstate_get_state(session, &state) == OLSTATE_OK;
    const char* profile = have_info ? info.profile : "";
    const char* path = have_info ? info.provider_path : "";
    if (o.json) {
        std::printf(
            "{\"type\":\"session\",\"provider\":\"%s\",\"provider_path\":%s,\"profile\":%s,"
            "\"capabilities\":[%s],\"state\":\"%s\",\"olstate_version\":\"%s\"}\n",
            provider_name(have_info ? info.provider : 0), json_string(path).c_str(),
            json_string(profile).c_str(), caps_joined(caps, true).c_str(),
            have_state ? state_name(state) : "unknown", olstate_version_string());
    } else {
        std::printf("provider:     %s (%s)\n", provider_name(have_info ? info.provider : 0), path);
        std::printf("profile:      %s\n", profile);
        const std::string caps_line = caps_joined(caps, false);
        std::printf("capabilities: %s\n", caps_line.empty() ? "none" : caps_line.c_str());
        std::printf("state:        %s\n", have_state ? state_name(state) : "unknown");
    }
    std::fflush(stdout);
    olstate_monitor::print_connection(session, o.json, json_string);
}

// Waits until `n` events were printed, a signal came, or `timeout` passed.
// Waits a little for the printer to change; on the session's owner thread
// it runs the owner loop meanwhile (owner_pump.h), in short turns so that
// the printer and signals are looked at often.
void wait_a_little(Printer& p, std::unique_lock<std::mutex>& lock, const olstate_monitor::OwnerPump& pump,
                   std::chrono::milliseconds most) {
    if (!pump.needed()) {
        p.changed.wait_for(lock, most);
        return;
    }
    lock.unlock();
    pump.run_for(std::min(most, std::chrono::milliseconds(20)));
    lock.lock();
}

bool wait_printed(Printer& p, long n, std::chrono::milliseconds timeout, const olstate_monitor::OwnerPump& pump) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(p.mutex);
    while (p.printed < n && !g_signalled) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        wait_a_little(p, lock, pump, std::chrono::milliseconds(50));
    }
    return p.printed >= n;
}

// Follows events until a signal, `count` events (count >= 0), or - when
// `stop_when_lost` - the bridge host going away. True when the host went away.
bool follow_until_done(Printer& p, long count, bool stop_when_lost, const olstate_monitor::OwnerPump& pump) {
    std::unique_lock lock(p.mutex);
    for (;;) {
        if (g_signalled) return false;
        if (count >= 0 && p.printed >= count) return false;
        if (stop_when_lost && p.lost) return true;
        wait_a_little(p, lock, pump, std::chrono::milliseconds(100));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (const int code = olstate_monitor::addin_command(argc, argv); code >= 0) return code;  // bridge-win
    if (const int code = olstate_monitor::detect_command(argc, argv); code >= 0) return code;
    const Options o = parse(argc, argv);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
#ifdef SIGPIPE
    // A reader of our output that goes away must not kill a serving monitor
    // (and with it every client): printing then fails quietly, serving goes on.
    std::signal(SIGPIPE, SIG_IGN);
#endif

    olstate_open_options options = OLSTATE_OPEN_OPTIONS_INIT;  // the 1.3 fields too (connection_poll_ms)
    options.profile = o.profile;
    options.provider = o.provider;
    options.provider_path = o.provider == OLSTATE_PROVIDER_BRIDGE && !o.serve ? o.endpoint : o.provider_path;
    options.delivery = o.delivery;
    options.flags = (o.reconnect ? OLSTATE_OPEN_RECONNECT : 0u) | (o.no_fallback ? OLSTATE_OPEN_NO_FALLBACK : 0u);
    options.connection_poll_ms = o.poll_ms;
    olstate_session* session = nullptr;
    olstate_result opened = OLSTATE_OK;
    {
        InterruptibleCall call;
        opened = olstate_open_ex(&options, &session);
    }
    if (opened) return report_failure("open", opened);

    // This thread opened the session: it may be its owner thread.
    const olstate_monitor::OwnerPump pump(session);
    if (o.wait) {
        const int code = olstate_monitor::run_wait(session, *o.wait, o.wait_timeout_ms, o.json, g_signalled, pump);
        olstate_close(session);
        return code;
    }

    if (o.set && !o.follow) {
        olstate_result r = OLSTATE_OK;
        {
            InterruptibleCall call;
            r = olstate_set_state(session, *o.set, o.block ? OLSTATE_SET_BLOCK : OLSTATE_SET_DEFAULT);
        }
        if (r) {
            report_failure("set state", r);
            olstate_close(session);
            return 1;
        }
        uint32_t state = 0;
        if (o.block && olstate_get_state(session, &state) == OLSTATE_OK)
            std::printf(o.json ? "{\"type\":\"state\",\"state\":\"%s\"}\n" : "state: %s\n",
                        state_name(state));
        olstate_close(session);
        return 0;
    }

    Printer printer;
    printer.json = o.json;
    printer.limit = o.demo >= 0 ? o.demo * 3 : o.count;
    olstate_subscription token = 0;
    if (const olstate_result r = olstate_subscribe(session, print_event, &printer, nullptr, &token)) {
        report_failure("subscribe", r);
        olstate_close(session);
        return 1;
    }
    // The facts (with "state:") once subscribed: whoever reads this output
    // may rely on every later change being printed.
    print_facts(o, session);

    int exit_code = 0;
    olstate_bridge* bridge = nullptr;
    if (o.serve) {
        olstate_bridge_options bo;
        olstate_bridge_options_init(&bo);
        bo.flags = o.allow_set ? OLSTATE_BRIDGE_ALLOW_SET_STATE : 0;
        bo.endpoint = o.endpoint;
        const char* endpoint = "";
        if (const olstate_result r = olstate_bridge_start(session, &bo, &bridge)) {
            exit_code = report_failure("bridge start", r);
        } else if (olstate_bridge_endpoint(bridge, &endpoint) == OLSTATE_OK) {
            if (o.json)
                std::printf("{\"type\":\"serving\",\"endpoint\":%s,\"set_allowed\":%s}\n",
                            json_string(endpoint).c_str(), o.allow_set ? "true" : "false");
            else
                std::printf("serving:      %s (clients may %schange the state)\n", endpoint,
                            o.allow_set ? "" : "not ");
            std::fflush(stdout);
        }
    }
    if (o.set) {
        InterruptibleCall call;
        if (const olstate_result r = olstate_set_state(
                session, *o.set, o.block ? OLSTATE_SET_BLOCK : OLSTATE_SET_DEFAULT)) {
            exit_code = report_failure("set state", r);
        }
    }
    if (o.demo >= 0) {
        // Each change is START, CHANGE, DONE: wait for all three before the next.
        for (long i = 0; i < o.demo && !g_signalled && exit_code == 0; ++i) {
            uint32_t state = OLSTATE_ONLINE;
            olstate_get_state(session, &state);
            const uint32_t next = state == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
            olstate_result r = OLSTATE_OK;
            {
                InterruptibleCall call;
                r = olstate_set_state(session, next, OLSTATE_SET_BLOCK);
            }
            if (r) {
                exit_code = report_failure("set state", r);
                break;
            }
            if (!wait_printed(printer, (i + 1) * 3, std::chrono::seconds(10), pump)) {
                if (!g_signalled) {
                    std::fprintf(stderr, "olstate-monitor: the provider sent no events for a change\n");
                    exit_code = 1;
                }
                break;
            }
        }
    } else if (exit_code == 0) {
        // Following a bridge (or Outlook's object model) without --reconnect
        // ends when its host goes away.
        const bool stop_when_lost =
            (o.provider == OLSTATE_PROVIDER_BRIDGE || o.provider == OLSTATE_PROVIDER_OBJECT_MODEL) && !o.reconnect;
        if (follow_until_done(printer, o.count, stop_when_lost, pump)) {
            std::fprintf(stderr, "olstate-monitor: the bridge host went away (use --reconnect to wait for it)\n");
            exit_code = 1;
        }
    }

    if (bridge) olstate_bridge_stop(bridge);
    olstate_unsubscribe(session, token);
    olstate_close(session);
    return exit_code;
}
