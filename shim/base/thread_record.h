// One heap record per thread, freed when the thread exits, for the
// per-thread error records. Not a thread_local object, for two reasons:
//   - MinGW-w64 runs the destructors of thread_local objects after it has
//     freed their storage, so a thread_local with a destructor in
//     olstate.dll corrupted the heap at every thread exit;
//   - libolstate's hot thread-locals are initial-exec (callback_scope.cpp),
//     which puts the module's whole TLS block in glibc's small static TLS
//     reserve when .NET or Python dlopen it: large thread_local buffers
//     there make the load fail ("cannot allocate memory in static TLS
//     block").
// A pthread key (winpthreads on MinGW) keeps the pointer outside that TLS
// block and hands it to its destructor at thread exit.
#pragma once

#include <pthread.h>

#include <new>
#include <type_traits>

#include "module.h"

namespace olstate {

// Keep instances in function-local statics: the constructor allocates
// nothing and cannot throw, and there is no destructor, so the key outlives
// main for threads that exit after it.
template <class T>
class ThreadRecord {
public:
    ThreadRecord() noexcept { ok_ = pthread_key_create(&key_, &destroy) == 0; }
    ThreadRecord(const ThreadRecord&) = delete;
    ThreadRecord& operator=(const ThreadRecord&) = delete;

    // This thread's record, or nullptr when it has none.
    T* find() const noexcept { return ok_ ? static_cast<T*>(pthread_getspecific(key_)) : nullptr; }

    // This thread's record, made on first use; nullptr only without memory.
    T* get() noexcept {
        if (T* r = find()) return r;
        if (!ok_) return nullptr;
        // The key's destructor is code in this library: it must stay loaded
        // while any thread may still exit with a record.
        pin_olstate_module();
        T* r = new (std::nothrow) T();
        if (r && pthread_setspecific(key_, r) != 0) {
            delete r;
            r = nullptr;
        }
        return r;
    }

private:
    static void destroy(void* record) noexcept { delete static_cast<T*>(record); }

    pthread_key_t key_{};
    bool ok_ = false;
};

}  // namespace olstate

namespace olstate::detail {
struct ThreadRecordProbe {};
static_assert(std::is_trivially_destructible_v<ThreadRecord<ThreadRecordProbe>>,
              "a ThreadRecord is never torn down (see above)");
}  // namespace olstate::detail
