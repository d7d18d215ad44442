// olstate-bridge-test-host: a bridge host process for the two-process tests.
// Opens a simulator session, publishes it with olstate_bridge_start, then
// obeys one command per line on stdin and answers one line on stdout, so a
// test drives "Outlook" (the simulator) in another process:
//   toggle            the user switches the state (waits for DONE)    -> ok
//   storm N           N full changes' worth of notifications           -> ok
//   state             the current state                                -> online|offline
//   mode M            the session's connection mode becomes M          -> ok
//   account-mode M    the default account's mode becomes M             -> ok
//   add-account NAME  an Exchange account NAME (address NAME, mode 700) -> ok
//   remove-account NAME                                                -> ok
//   reads             the simulator's connection reads so far          -> reads N
//   stop              olstate_bridge_stop                              -> stopped
//   start             olstate_bridge_start again                       -> ready
//   close             olstate_close the session (the bridge's release) -> closed
//   fill-fds          open /dev/null until the process runs out of fds -> ok
//   free-fds          close them again                                 -> ok
//   hold-done         changes stop before their DONE (HOLD_DONE)       -> ok
//   exit-now          Outlook's fast shutdown: the owner (main) thread
//                     leaves its loop and calls std::exit with the bridge
//                     running and the session open; at exit the process
//                     prints "exited in-provider N violations V" (calls
//                     running inside the simulator then, strict
//                     violations) and ends with code 0
//   violations        the strict simulator's count so far -> violations N
//                     (N > 0: followed by the last one's message)
//   quit / EOF        stop, close, exit 0
// Options: --endpoint PATH --profile NAME [--allow-set] [--max-clients N]
//          [--queue N] [--delivery inline|queued] [--initial online|offline]
//          [--protocol-max N] (plays a host that speaks bridge protocol versions 1..N)
#include <olstate.h>
#include <olstate_sim.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

// At exit (after the exit-now command): what the simulator saw at the very
// end, from the thread that ends the process.
void report_at_exit() {
    std::printf("exited in-provider %u violations %u\n", olstate_sim_calls_in_progress(),
                olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL));
    std::fflush(stdout);
}

int die(const char* what, olstate_result r) {
    std::printf("error %s %s %s\n", what, olstate_result_name(r), olstate_last_error_message());
    std::fflush(stdout);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string endpoint, profile = "BridgeTest";
    uint32_t flags = 0, max_clients = 0, queue = 0, delivery = OLSTATE_DELIVERY_QUEUED;
    uint32_t initial = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--endpoint") endpoint = next();
        else if (a == "--profile") profile = next();
        else if (a == "--allow-set") flags |= OLSTATE_BRIDGE_ALLOW_SET_STATE;
        else if (a == "--max-clients") max_clients = static_cast<uint32_t>(std::atoi(next().c_str()));
        else if (a == "--queue") queue = static_cast<uint32_t>(std::atoi(next().c_str()));
        else if (a == "--delivery") delivery = next() == "inline" ? OLSTATE_DELIVERY_INLINE : OLSTATE_DELIVERY_QUEUED;
        else if (a == "--protocol-max") setenv("OLSTATE_BRIDGE_PROTOCOL_MAX", next().c_str(), 1);  // an older host
        else if (a == "--initial") initial = next() == "offline" ? OLSTATE_OFFLINE : OLSTATE_ONLINE;
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.profile = profile.c_str();
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    o.delivery = delivery;
    olstate_session* session = nullptr;
    if (const olstate_result r = olstate_open_ex(&o, &session)) return die("open", r);
    if (initial) olstate_sim_set_state(profile.c_str(), initial, 1);

    olstate_bridge_options bo;
    olstate_bridge_options_init(&bo);
    bo.flags = flags;
    bo.max_clients = max_clients;
    bo.queue_length = queue;
    bo.endpoint = endpoint.empty() ? nullptr : endpoint.c_str();
    olstate_bridge* bridge = nullptr;
    const auto start = [&]() -> bool {
        if (const olstate_result r = olstate_bridge_start(session, &bo, &bridge)) {
            die("bridge_start", r);
            return false;
        }
        const char* ep = "";
        olstate_bridge_endpoint(bridge, &ep);
        std::printf("ready %s\n", ep);
        std::fflush(stdout);
        return true;
    };
    if (!start()) return 1;

    // Commands are read and run on a thread of their own: this thread opened
    // the session, so it is the session's owner thread (the header's
    // "Threading") and runs the simulator's owner loop, as Outlook's main
    // thread runs its message loop, until the commands end.
    std::vector<int> fillers;
    std::atomic<bool> exit_now{false};
    std::thread commands([&] {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (line == "toggle") {
                uint32_t s = 0;
                olstate_sim_get_state(profile.c_str(), &s);
                const int32_t hr = olstate_sim_set_state(profile.c_str(), s == OLSTATE_ONLINE ? OLSTATE_OFFLINE : OLSTATE_ONLINE, 1);
                std::printf(hr == 0 ? "ok\n" : "error toggle %d\n", hr);
            } else if (line.rfind("mode ", 0) == 0) {
                const auto m = static_cast<uint32_t>(std::atoi(line.c_str() + 5));
                const int32_t hr = olstate_sim_set_connection_mode(profile.c_str(), m);
                std::printf(hr == 0 ? "ok\n" : "error mode %d\n", hr);
            } else if (line.rfind("account-mode ", 0) == 0) {
                const auto m = static_cast<uint32_t>(std::atoi(line.c_str() + 13));
                const int32_t hr = olstate_sim_set_account_mode(profile.c_str(), OLSTATE_SIM_DEFAULT_ACCOUNT, m);
                std::printf(hr == 0 ? "ok\n" : "error account-mode %d\n", hr);
            } else if (line.rfind("add-account ", 0) == 0) {
                const std::string name = line.substr(12);
                const int32_t hr = olstate_sim_add_account(profile.c_str(), name.c_str(), name.c_str(),
                                                           OLSTATE_ACCOUNT_EXCHANGE,
                                                           OLSTATE_CONNECTION_CACHED_CONNECTED_FULL);
                std::printf(hr == 0 ? "ok\n" : "error add-account %d\n", hr);
            } else if (line.rfind("remove-account ", 0) == 0) {
                const int32_t hr = olstate_sim_remove_account(profile.c_str(), line.substr(15).c_str());
                std::printf(hr == 0 ? "ok\n" : "error remove-account %d\n", hr);
            } else if (line == "reads") {
                std::printf("reads %u\n", olstate_sim_connection_reads());
            } else if (line.rfind("storm ", 0) == 0) {
                const auto n = static_cast<uint32_t>(std::atoi(line.c_str() + 6));
                const int32_t hr = olstate_sim_storm(profile.c_str(), 1, n);
                std::printf(hr == 0 ? "ok\n" : "error storm %d\n", hr);
            } else if (line == "state") {
                uint32_t s = 0;
                olstate_sim_get_state(profile.c_str(), &s);
                std::printf("%s\n", s == OLSTATE_ONLINE ? "online" : "offline");
            } else if (line == "stop") {
                const olstate_result r = olstate_bridge_stop(bridge);
                bridge = nullptr;
                if (r) die("bridge_stop", r);
                else std::printf("stopped\n");
            } else if (line == "start") {
                if (!start()) continue;
            } else if (line == "close") {
                const olstate_result r = olstate_close(session);
                session = nullptr;
                if (r) die("close", r);
                else std::printf("closed\n");
            } else if (line == "fill-fds") {
                // The host out of file descriptors (EMFILE), as a leaky Outlook
                // add-in could leave it.
                for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
                std::printf("ok\n");
            } else if (line == "free-fds") {
                for (const int fd : fillers) ::close(fd);
                fillers.clear();
                std::printf("ok\n");
            } else if (line == "hold-done") {
                const int32_t hr = olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_HOLD_DONE);
                std::printf(hr == 0 ? "ok\n" : "error hold-done %d\n", hr);
            } else if (line == "exit-now") {
                // Outlook's main thread ends the process: the owner thread
                // leaves its loop and exits (below).
                exit_now = true;
                break;
            } else if (line == "violations") {
                const uint32_t n = olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL);
                char last[512] = "";
                if (n) olstate_sim_last_violation(last, sizeof last);
                if (n) std::printf("violations %u %s\n", n, last);
                else std::printf("violations 0\n");
            } else if (line == "quit") {
                break;
            } else {
                std::printf("error unknown command %s\n", line.c_str());
            }
            std::fflush(stdout);
        }
        olstate_sim_quit_owner_loops();
    });
    olstate_sim_run_owner_loop();
    if (exit_now) {
        // The command thread has ended; detached, it is not reported as a
        // leaked thread by ThreadSanitizer at the abrupt exit.
        commands.detach();
        std::atexit(report_at_exit);
        std::exit(0);  // no bridge stop, no close, the command thread still running
    }
    commands.join();
    if (bridge) olstate_bridge_stop(bridge);
    if (session) olstate_close(session);
    return 0;
}
