// The Unix-socket transport refuses every endpoint another user could
// interfere with, and says why: folders that are missing, not directories,
// symlinks, open to others or someone else's; endpoints that are not
// sockets, relative or too long for sun_path.
#include <doctest/doctest.h>

#include <olstate.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/transport.h"
#include "scratch_dir.h"
#include "base/failure.h"

using namespace olstate;

namespace {

// The Failure a call throws: its result code and message.
template <class F>
Failure failure_of(F&& f) {
    try {
        f();
    } catch (const Failure& failure) {
        return failure;
    }
    FAIL("no Failure thrown");
    return Failure(OLSTATE_OK, "");
}

bool says(const Failure& f, const std::string& part) {
    return std::string(f.what()).find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("posix transport: endpoints that are not usable socket paths") {
    auto f = failure_of([] { bridge::listen("relative/bridge.sock"); });
    CHECK(f.result() == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(says(f, "not an absolute path"));
    f = failure_of([] { bridge::connect("/" + std::string(200, 'x')); });
    CHECK(f.result() == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(says(f, "Unix socket path limit"));
}

TEST_CASE("posix transport: the folder must be a private directory of this user") {
    Scratch scratch;

    // Missing parent of the folder: cannot be created.
    auto f = failure_of([&] { bridge::listen(scratch.path + "/missing/sub/bridge.sock"); });
    CHECK(f.result() == OLSTATE_E_PROVIDER_FAILED);
    CHECK(says(f, "cannot create bridge folder"));

    // A file where the folder should be.
    { std::ofstream(scratch.path + "/file") << "x"; }
    f = failure_of([&] { bridge::listen(scratch.path + "/file/bridge.sock"); });
    CHECK(f.result() == OLSTATE_E_PROVIDER_FAILED);
    CHECK(says(f, "is not a directory"));

    // A symlink to a private folder is still refused (it could be swapped).
    REQUIRE(::mkdir((scratch.path + "/real").c_str(), 0700) == 0);
    REQUIRE(::symlink((scratch.path + "/real").c_str(), (scratch.path + "/link").c_str()) == 0);
    f = failure_of([&] { bridge::listen(scratch.path + "/link/bridge.sock"); });
    CHECK(says(f, "symlink"));

    // Open to other users.
    REQUIRE(::mkdir((scratch.path + "/open").c_str(), 0700) == 0);
    REQUIRE(::chmod((scratch.path + "/open").c_str(), 0755) == 0);
    f = failure_of([&] { bridge::listen(scratch.path + "/open/bridge.sock"); });
    CHECK(says(f, "accessible to other users"));

    // Someone else's folder (only root can make one to test with).
    if (::geteuid() == 0) {
        REQUIRE(::mkdir((scratch.path + "/theirs").c_str(), 0700) == 0);
        REQUIRE(::chown((scratch.path + "/theirs").c_str(), 65534, 65534) == 0);
        f = failure_of([&] { bridge::listen(scratch.path + "/theirs/bridge.sock"); });
        CHECK(says(f, "belongs to uid 65534"));
    }

    // A regular file where the socket should be is never removed.
    { std::ofstream(scratch.path + "/real/bridge.sock") << "x"; }
    f = failure_of([&] { bridge::listen(scratch.path + "/real/bridge.sock"); });
    CHECK(says(f, "exists and is not a socket"));
    struct stat st {};
    CHECK(::stat((scratch.path + "/real/bridge.sock").c_str(), &st) == 0);
}

TEST_CASE("posix transport: connecting where no host can be") {
    Scratch scratch;
    // Nobody there.
    auto f = failure_of([&] { bridge::connect(scratch.path + "/bridge.sock"); });
    CHECK(f.result() == OLSTATE_E_PROVIDER_NOT_FOUND);
    // A path through a file: neither "not found" nor a host, a plain failure.
    { std::ofstream(scratch.path + "/file") << "x"; }
    f = failure_of([&] { bridge::connect(scratch.path + "/file/bridge.sock"); });
    CHECK(f.result() == OLSTATE_E_PROVIDER_FAILED);
    CHECK(says(f, "cannot connect to bridge endpoint"));
}

TEST_CASE("posix transport: a live listener is BUSY for a second one, and gone after shutdown") {
    Scratch scratch;
    const std::string ep = scratch.path + "/sock/bridge.sock";
    auto first = bridge::listen(ep);
    CHECK(first->endpoint() == ep);
    auto f = failure_of([&] { bridge::listen(ep); });
    CHECK(f.result() == OLSTATE_E_BUSY);
    first->shutdown();
    CHECK(first->accept() == nullptr);
    first.reset();
    auto second = bridge::listen(ep);  // the endpoint is free again
    CHECK(second->endpoint() == ep);
}

TEST_CASE("posix transport: a folder swapped in between the check and the bind is never used (issue 14)") {
    // Someone who can rename inside the folder's parent swaps the checked
    // folder for one of his (here: open to others, so the check would refuse
    // it) again and again while hosts start. The socket must always land in
    // the folder that was checked, never in the other one.
    Scratch scratch;
    const std::string good = scratch.path + "/sock", evil = scratch.path + "/evil";
    REQUIRE(::mkdir(good.c_str(), 0700) == 0);
    REQUIRE(::mkdir(evil.c_str(), 0700) == 0);
    REQUIRE(::chmod(evil.c_str(), 0755) == 0);
    struct stat evil_st {};
    REQUIRE(::stat(evil.c_str(), &evil_st) == 0);

    std::mutex names;  // held by the swapper while the names are exchanged
    std::atomic<bool> done{false};
    std::thread swapper([&] {
        while (!done.load()) {
            {
                std::lock_guard lock(names);
                if (::renameat2(AT_FDCWD, good.c_str(), AT_FDCWD, evil.c_str(), RENAME_EXCHANGE) != 0) return;
                std::this_thread::yield();
                ::renameat2(AT_FDCWD, good.c_str(), AT_FDCWD, evil.c_str(), RENAME_EXCHANGE);
            }
            // The names stay right for a moment, so that some starts check the
            // real folder (without it, nearly every start saw the open one and
            // refused it, and the test could end with none started).
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    });
    int started = 0, landed_in_evil = 0;
    for (int i = 0; i < 4000 && started < 200; ++i) {
        std::unique_ptr<bridge::Listener> listener;
        try {
            listener = bridge::listen(good + "/bridge.sock");
        } catch (const Failure&) {
            continue;  // it checked the other folder and refused it: fine
        }
        ++started;
        std::lock_guard lock(names);  // names restored: "evil" is the open folder again
        struct stat now {};
        REQUIRE(::stat(evil.c_str(), &now) == 0);
        REQUIRE(now.st_ino == evil_st.st_ino);
        if (::access((evil + "/bridge.sock").c_str(), F_OK) == 0) {
            ++landed_in_evil;
            ::unlink((evil + "/bridge.sock").c_str());
        }
        listener.reset();
    }
    done = true;
    swapper.join();
    CHECK(started > 0);
    CHECK(landed_in_evil == 0);
}

TEST_CASE("posix transport: write_now writes what fits without blocking, and the rest is left to write_all") {
    // The host's callback writes an event itself when its client's writer is
    // idle (host_client.cpp): that write must never wait for a slow reader.
    Scratch scratch;
    const std::string ep = scratch.path + "/bridge.sock";
    auto listener = bridge::listen(ep);
    auto client = bridge::connect(ep);
    auto served = listener->accept();
    REQUIRE(served != nullptr);

    const std::vector<std::byte> frame(100, std::byte{0x5a});
    bridge::IoResult r = served->write_now(frame);
    CHECK(r.status == bridge::IoStatus::ok);
    CHECK(r.bytes == frame.size());  // room: all of it, at once

    // Nobody reads: the socket fills and write_now returns short instead of
    // waiting (a blocking write would hang this test: the watchdog is meson's).
    std::size_t total = frame.size(), last = frame.size();
    for (int i = 0; i < 100000 && last == frame.size(); ++i) {
        r = served->write_now(frame);
        REQUIRE(r.status == bridge::IoStatus::ok);
        last = r.bytes;
        total += r.bytes;
    }
    CHECK(last < frame.size());
    r = served->write_now(frame);
    CHECK(r.status == bridge::IoStatus::ok);
    CHECK(r.bytes == 0);  // still full

    // The reader drains everything; the bytes arrive whole and in order.
    std::thread drain([&] {
        std::vector<std::byte> buf(65536);
        std::size_t got = 0, wrong = 0;
        while (got < total) {
            const auto in = client->read_some(buf);
            if (in.status != bridge::IoStatus::ok) break;
            for (std::size_t k = 0; k < in.bytes; ++k) wrong += buf[k] != std::byte{0x5a};
            got += in.bytes;
        }
        CHECK(got == total);
        CHECK(wrong == 0);
    });
    drain.join();

    // A connection shut down is broken for write_now too.
    served->shutdown();
    CHECK(served->write_now(frame).status == bridge::IoStatus::broken);
}
