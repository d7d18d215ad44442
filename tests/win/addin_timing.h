// olstate-win-addin-timing (meson benchmark windows-addin-timing, under
// Wine): the native add-in's time in each IDTExtensibility2 entry point with
// the bridge running and 16 client processes, and the host's memory with 0
// and 16 clients. Figures, not a test: see BENCHMARKS.md, "Inside Outlook".
//
// addin_timing.cpp is the driver (lays out OUTLOOK.EXE, the simulator as
// Outlook's MAPI DLL, the add-in) and the host; addin_timing_client.cpp the
// clients it starts.
#pragma once

#include <string>

namespace addintiming {

constexpr int kClients = 16;

// Named objects shared by the host and its clients (TAG makes them unique).
inline std::wstring connected_name(const std::wstring& tag) { return tag + L"-connected"; }  // semaphore
inline std::wstring quit_name(const std::wstring& tag) { return tag + L"-quit"; }            // event

// A client: opens the bridge (AUTO provider, OLSTATE_OPEN_RECONNECT),
// releases the semaphore each time it reaches the host, counts events until
// the quit event, prints "client N: ..." and returns its exit code.
int run_client(const std::wstring& tag, int index);

}  // namespace addintiming
