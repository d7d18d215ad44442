// One provider's view of Outlook's Exchange connection, kept by polling
// (ABI 1.3): poll() reads a new snapshot, compares it with the last one
// (connection_values.h) and delivers the differences as events; snapshot()
// answers the session's calls from what was read last, on any thread,
// without calling Outlook. Portable: the read itself is handed in (inside
// Outlook the object-model reader, reader.h; in tests a fake), so Linux
// tests cover the comparing, the storing and the failure rules.
//
// Threads: poll() and stop() on the owner thread only (the thread the read
// must run on), never concurrently; set_receiver() and snapshot() on any.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "provider/provider.h"

namespace olstate::provider::object_model {

class Poller {
public:
    using Read = std::function<Status(Connection&)>;

    explicit Poller(Read read);
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Where changes go (the session's receiver); held weakly, replaced by
    // each advise. An empty pointer stops the delivery.
    void set_receiver(std::weak_ptr<EventReceiver> receiver);

    // One read. On success the snapshot is replaced and then the changes
    // since the last successful read are delivered, in connection_values.h's
    // order (so a callback already sees the new snapshot). The first
    // successful read delivers nothing: it is the starting point.
    //
    // A failed read keeps the last snapshot and delivers nothing; until a
    // later read succeeds, snapshot() fails with that read's status (the
    // calls report PROVIDER_FAILED naming the property and HRESULT, rather
    // than go on answering with values that may be stale). The next
    // successful read is compared with the last good snapshot, so a change
    // during a failure is still delivered once.
    void poll() noexcept;

    // No read ever again (the application is about to be released).
    void stop() noexcept;

    // The last snapshot, or the last read's failure.
    Status snapshot(Connection& out) const;

    // For tests and figures: reads attempted so far.
    std::uint64_t polls() const;

private:
    Read read_;  // owner thread only
    mutable std::mutex mutex_;
    bool have_snapshot_ = false;
    Connection last_;
    Status failure_;  // ok() while the last read succeeded
    std::uint64_t polls_ = 0;
    std::weak_ptr<EventReceiver> receiver_;
};

}  // namespace olstate::provider::object_model
