// Per-thread records (the error records' storage): one per thread, made on
// first use, and freed when the thread exits, including threads that olstate
// did not create (on Windows: plain Win32 threads, as Outlook's are).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#endif

#include "base/thread_record.h"

namespace {

std::atomic<int> made{0};
std::atomic<int> freed{0};

struct Counted {
    Counted() { ++made; }
    ~Counted() { ++freed; }
    int uses = 0;
};

olstate::ThreadRecord<Counted>& records() {
    static olstate::ThreadRecord<Counted> r;  // no destructor: threads may exit after main
    return r;
}

void use_twice() {
    CHECK(records().find() == nullptr);  // nothing before the first use
    Counted* a = records().get();
    REQUIRE(a != nullptr);
    ++a->uses;
    CHECK(records().get() == a);  // the same record on the same thread
    CHECK(records().find() == a);
}

#if defined(_WIN32)
DWORD WINAPI win32_thread(void*) {
    use_twice();
    return 0;
}
#endif

}  // namespace

TEST_CASE("thread records: one per thread, freed when the thread exits") {
    const int made_before = made, freed_before = freed;
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) threads.emplace_back(use_twice);
    for (auto& t : threads) t.join();
    CHECK(made - made_before == 8);
    CHECK(freed - freed_before == 8);
    // A thread that never asked for one gets none.
    std::thread([] { CHECK(records().find() == nullptr); }).join();
    CHECK(made - made_before == 8);
}

#if defined(_WIN32)
TEST_CASE("thread records: plain Win32 threads free theirs too") {
    const int made_before = made, freed_before = freed;
    std::vector<HANDLE> handles;
    for (int i = 0; i < 8; ++i)
        if (const HANDLE h = CreateThread(nullptr, 0, win32_thread, nullptr, 0, nullptr)) handles.push_back(h);
    REQUIRE(handles.size() == 8);
    for (const HANDLE h : handles) {
        WaitForSingleObject(h, INFINITE);
        CloseHandle(h);
    }
    CHECK(made - made_before == 8);
    CHECK(freed - freed_before == 8);
}
#endif
