// Shuts a connection down unless cancelled (destroyed) within a delay: the
// bound on a hello that a hung host never answers. The Connection model is
// blocking I/O woken by shutdown(), so a timeout is a shutdown from another
// thread; this object owns that thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "transport.h"

namespace olstate::bridge {

class ShutdownAfter {
public:
    ShutdownAfter(std::shared_ptr<Connection> connection, std::chrono::milliseconds delay)
        : connection_(std::move(connection)) {
        thread_ = std::thread([this, delay] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, delay, [&] { return cancelled_; })) {
                fired_ = true;
                connection_->shutdown();
            }
        });
    }
    ~ShutdownAfter() {
        {
            std::lock_guard lock(mutex_);
            cancelled_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    ShutdownAfter(const ShutdownAfter&) = delete;
    ShutdownAfter& operator=(const ShutdownAfter&) = delete;

    // The delay passed and the connection was shut down.
    bool fired() {
        std::lock_guard lock(mutex_);
        return fired_;
    }

private:
    std::shared_ptr<Connection> connection_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool cancelled_ = false;
    bool fired_ = false;
    std::thread thread_;
};

}  // namespace olstate::bridge
