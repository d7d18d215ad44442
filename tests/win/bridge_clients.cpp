// The client processes of the bridge test: follow a host through the pipe.
#include "bridge_test.h"

using namespace wintest;

namespace bridgetest {

namespace {


struct Events {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<olstate_event> seen;

    bool wait_for(uint32_t kind, uint32_t new_state, DWORD ms) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::milliseconds(ms), [&] {
            for (const auto& e : seen)
                if (e.kind == kind && (new_state == 0 || e.new_state == new_state)) return true;
            return false;
        });
    }
};

void OLSTATE_CALL record(const olstate_event* e, void* context) {
    auto* events = static_cast<Events*>(context);
    std::lock_guard lock(events->mutex);
    events->seen.push_back(*e);
    events->changed.notify_all();
}

}  // namespace

// open (AUTO or BRIDGE) -> state online -> subscribe -> ask the host for a
// change -> CHANGE_DONE offline -> ask the host to go away -> PROVIDER_LOST
// -> calls fail with PROVIDER_NOT_FOUND.
void follow(uint32_t provider, const char* endpoint, const char* profile, bool may_set, const NamedEvent& change,
            const NamedEvent& go_away, const std::function<void()>& end_host) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = provider;
    o.provider_path = endpoint;
    olstate_session* s = nullptr;
    const olstate_result r = olstate_open_ex(&o, &s);
    std::printf("client: open provider %u -> %s %s\n", provider, olstate_result_name(r),
                r ? olstate_last_error_message() : "");
    EXPECT(r == OLSTATE_OK);
    if (r != OLSTATE_OK) return;
    olstate_session_info info{};
    info.struct_size = sizeof info;
    EXPECT(olstate_get_session_info(s, &info) == OLSTATE_OK);
    EXPECT(info.provider == OLSTATE_PROVIDER_BRIDGE);
    std::printf("client: provider %u, endpoint %s, profile '%s'\n", info.provider,
                info.provider_path ? info.provider_path : "", info.profile ? info.profile : "");
    EXPECT(info.profile && std::strcmp(info.profile, profile) == 0);  // the profile the host serves
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_ONLINE);
    Events events;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe(s, record, &events, nullptr, &token) == OLSTATE_OK);
    change.set();
    const bool done = events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_OFFLINE, kStepMs);
    EXPECT(done);
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_OFFLINE);
    std::printf("client: saw the change to offline: %s\n", done ? "yes" : "no");
    // Changing the state from here: only where the host allows it.
    const olstate_result set = olstate_set_state(s, OLSTATE_ONLINE, OLSTATE_SET_BLOCK);
    std::printf("client: set online -> %s %s\n", olstate_result_name(set), set ? olstate_last_error_message() : "");
    if (may_set) {
        EXPECT(set == OLSTATE_OK);
        EXPECT(events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_ONLINE, kStepMs));
    } else {
        EXPECT(set == OLSTATE_E_NOT_SUPPORTED);
    }
    go_away.set();
    if (end_host) end_host();
    const bool lost = events.wait_for(OLSTATE_EVENT_PROVIDER_LOST, 0, kStepMs);
    EXPECT(lost);
    std::printf("client: PROVIDER_LOST: %s\n", lost ? "yes" : "no");
    if (lost) EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

void kill_process(DWORD pid) {
    const HANDLE p = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid);
    EXPECT(p != nullptr);
    if (!p) return;
    EXPECT(TerminateProcess(p, 9));
    WaitForSingleObject(p, kStepMs);
    CloseHandle(p);
}

// OLSTATE_OPEN_RECONNECT over the pipe: the host is killed (PROVIDER_LOST),
// a new host starts on the same endpoint (PROVIDER_BACK with its state), and
// its events arrive on the same subscription.
void follow_reconnect(const std::string& endpoint, const std::wstring& tag, DWORD first_host) {
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_BRIDGE;
    o.provider_path = endpoint.c_str();
    o.flags = OLSTATE_OPEN_RECONNECT;
    olstate_session* s = nullptr;
    EXPECT(olstate_open_ex(&o, &s) == OLSTATE_OK);
    if (!s) return;
    Events events;
    olstate_subscription token = 0;
    EXPECT(olstate_subscribe(s, record, &events, nullptr, &token) == OLSTATE_OK);
    kill_process(first_host);
    EXPECT(events.wait_for(OLSTATE_EVENT_PROVIDER_LOST, 0, kStepMs));
    uint32_t state = 0;
    EXPECT(olstate_get_state(s, &state) == OLSTATE_E_PROVIDER_NOT_FOUND);
    // A second host on the same endpoint (a fresh simulator: online).
    const std::wstring tag2 = tag + L"-second";
    const NamedEvent up(tag2 + L"-connected"), change(tag2 + L"-change");
    Child second(self_path(), L"sim-host " + tag2 + L" reconnect-second " + widen(endpoint), dir_of(self_path()));
    EXPECT(up.wait(kStepMs));
    const bool back = events.wait_for(OLSTATE_EVENT_PROVIDER_BACK, OLSTATE_ONLINE, kStepMs);
    EXPECT(back);
    std::printf("client: PROVIDER_BACK: %s\n", back ? "yes" : "no");
    change.set();
    EXPECT(events.wait_for(OLSTATE_EVENT_CHANGE_DONE, OLSTATE_OFFLINE, kStepMs));
    EXPECT(olstate_get_state(s, &state) == OLSTATE_OK && state == OLSTATE_OFFLINE);
    second.kill();
    EXPECT(second.wait(kStepMs) == 9);
    EXPECT(olstate_unsubscribe(s, token) == OLSTATE_OK);
    EXPECT(olstate_close(s) == OLSTATE_OK);
}

}  // namespace bridgetest
