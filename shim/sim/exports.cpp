// What the simulator library exports: Outlook's HrOpenOfflineObj, and the
// olstate_sim_* control API. Nothing thrown inside crosses these functions.
#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>

#include "../com/mapi_offline.h"
#include "../base/utf.h"
#include "faults.h"
#include "offline_object.h"
#include "olstate_sim.h"
#include "owner_inbox.h"
#include "strict.h"

using namespace olstate::com;
using olstate::sim::Faults;
using olstate::sim::OfflineObject;
using olstate::sim::OwnerInbox;
using olstate::sim::Strict;

namespace {

// One offline object per profile key, for the life of the process.
struct Objects {
    std::mutex mutex;
    std::map<std::u16string, OfflineObject*> by_profile;
};
Objects& objects() {
    static Objects* o = new Objects;  // never destroyed (see offline_object.h)
    return *o;
}

OfflineObject& object_for(const std::u16string& key) {
    Objects& o = objects();
    std::lock_guard lock(o.mutex);
    OfflineObject*& slot = o.by_profile[key];
    if (!slot) slot = &OfflineObject::create();
    return *slot;
}

template <class F>
void for_each_object(F&& f) {
    Objects& o = objects();
    std::lock_guard lock(o.mutex);
    for (auto& [key, obj] : o.by_profile) f(*obj);
}

// The control API's firewall: HRESULTs out, never exceptions.
template <class Body>
int32_t guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY_;
    } catch (const std::invalid_argument&) {
        return E_INVALIDARG_;
    } catch (...) {
        return E_FAIL_;
    }
}

// A name given to the connection control API: present and valid UTF-8.
std::string account_name(const char* text, bool required) {
    if (!text) {
        if (required) throw std::invalid_argument("NULL name");
        return {};
    }
    std::string s(text);
    if (!olstate::text::is_valid_utf8(s)) throw std::invalid_argument("invalid UTF-8");
    return s;
}


}  // namespace

extern "C" {

OLSTATE_SIM_API HRESULT OLSTATE_COM_CALL HrOpenOfflineObj(ULONG /*ulReserved*/,
                                                          const char16_t* profile,
                                                          const Guid* guid,
                                                          const Guid* /*pReserved*/,
                                                          IMAPIOfflineMgr** out) {
    return guarded([&]() -> HRESULT {
        if (!out) return E_INVALIDARG_;
        *out = nullptr;
        if (!guid || !(*guid == GUID_GlobalState)) return E_INVALIDARG_;
        if (Faults::get().take_not_ready()) return OLSTATE_SIM_E_NOT_READY;
        if (const HRESULT hr = Faults::get().take(OLSTATE_SIM_CALL_OPEN); failed(hr)) return hr;
        const std::u16string key = olstate::sim::profile_key(profile);
        if (!Faults::get().known(key)) return MAPI_E_NOT_FOUND_;
        if (Faults::get().misbehaves(OLSTATE_SIM_MISBEHAVE_OPEN_NULL)) return S_OK_;
        OfflineObject& obj = object_for(key);
        const std::string name = olstate::text::utf16_to_utf8(profile && *profile ? profile : u"Outlook");
        if (const HRESULT hr = obj.claim(name.c_str()); failed(hr)) return hr;
        obj.AddRef();
        *out = &obj;
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_reset(void) {
    return guarded([] {
        Faults::get().reset();
        Strict::get().reset();
        for_each_object([](OfflineObject& o) { o.reset(); });
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_state(const char* profile, uint32_t state,
                                                               int32_t wait) {
    return guarded([&] {
        if (state != MAPIOFFLINE_STATE_ONLINE && state != MAPIOFFLINE_STATE_OFFLINE)
            return E_INVALIDARG_;
        return object_for(olstate::sim::profile_key_utf8(profile)).request_change(state, wait != 0);
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_get_state(const char* profile,
                                                               uint32_t* out_state) {
    return guarded([&] {
        if (!out_state) return E_INVALIDARG_;
        *out_state = object_for(olstate::sim::profile_key_utf8(profile)).state();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_capabilities(const char* profile,
                                                                      uint32_t capabilities) {
    return guarded([&] {
        object_for(olstate::sim::profile_key_utf8(profile)).set_capabilities(capabilities);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_fail_next(uint32_t call, int32_t hresult,
                                                               uint32_t count) {
    return guarded([&] {
        if (count > 0 && hresult >= 0) return E_INVALIDARG_;
        Faults::get().fail_next(call, hresult, count);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_profile_known(const char* profile,
                                                                       int32_t known) {
    return guarded([&] {
        Faults::get().set_known(olstate::sim::profile_key_utf8(profile), known != 0);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_delivery(const char* profile,
                                                                  uint32_t mode, uint32_t threads) {
    return guarded([&] {
        if (mode > OLSTATE_SIM_DELIVERY_POOL) return E_INVALIDARG_;
        if (mode == OLSTATE_SIM_DELIVERY_POOL && threads == 0) return E_INVALIDARG_;
        object_for(olstate::sim::profile_key_utf8(profile)).set_delivery(mode, threads);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_misbehaviour(uint32_t mask) {
    return guarded([&] {
        Faults::get().set_misbehaviour(mask);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_send_raw(const char* profile,
                                                              uint32_t notify_type, uint32_t mask,
                                                              uint32_t old_state,
                                                              uint32_t new_state, uint32_t ul_size,
                                                              uint32_t count) {
    return guarded([&] {
        MAPIOFFLINE_NOTIFY n{};
        n.ulSize = ul_size ? ul_size : static_cast<ULONG>(sizeof n);
        n.NotifyType = static_cast<MAPIOFFLINE_NOTIFY_TYPE>(notify_type);
        n.Info.StateChange = {mask, old_state, new_state};
        object_for(olstate::sim::profile_key_utf8(profile)).send_raw(n, count, false);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_connection_mode(const char* profile, uint32_t mode) {
    return guarded([&] {
        OfflineObject& obj = object_for(olstate::sim::profile_key_utf8(profile));
        obj.notify_connection(obj.connection().set_mode(mode));
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_connection_reported(const char* profile,
                                                                             int32_t reported) {
    return guarded([&] {
        object_for(olstate::sim::profile_key_utf8(profile)).connection().set_reported(reported != 0);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_add_account(const char* profile, const char* display_name,
                                                                 const char* smtp_address, uint32_t account_type,
                                                                 uint32_t mode) {
    return guarded([&] {
        OfflineObject& obj = object_for(olstate::sim::profile_key_utf8(profile));
        obj.notify_connection(obj.connection().add_account(account_name(display_name, true),
                                                           account_name(smtp_address, false), account_type, mode));
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_remove_account(const char* profile, const char* display_name) {
    return guarded([&] {
        OfflineObject& obj = object_for(olstate::sim::profile_key_utf8(profile));
        obj.notify_connection(obj.connection().remove_account(account_name(display_name, true)));
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_account_mode(const char* profile, const char* display_name,
                                                                      uint32_t mode) {
    return guarded([&] {
        OfflineObject& obj = object_for(olstate::sim::profile_key_utf8(profile));
        obj.notify_connection(obj.connection().set_account_mode(account_name(display_name, true), mode));
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_send_null(const char* profile) {
    return guarded([&] {
        object_for(olstate::sim::profile_key_utf8(profile)).send_raw(MAPIOFFLINE_NOTIFY{}, 1, true);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_storm(const char* profile, uint32_t threads,
                                                           uint32_t count) {
    return guarded([&] {
        if (threads == 0) return E_INVALIDARG_;
        object_for(olstate::sim::profile_key_utf8(profile)).storm(threads, count);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_unadvise_all(const char* profile) {
    return guarded([&] {
        object_for(olstate::sim::profile_key_utf8(profile)).unadvise_all();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_wait_idle(const char* profile) {
    return guarded([&] {
        object_for(olstate::sim::profile_key_utf8(profile)).wait_idle();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_strict(uint32_t mode) {
    return guarded([&] {
        if (mode > OLSTATE_SIM_STRICT_FATAL) return E_INVALIDARG_;
        Strict::get().set_mode(mode);
        return S_OK_;
    });
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_strict(void) {
    try {
        return Strict::get().mode();
    } catch (...) {
        return OLSTATE_SIM_STRICT_OFF;
    }
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_violations(uint32_t kind) {
    try {
        return Strict::get().count(kind);
    } catch (...) {
        return 0;
    }
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_last_violation(char* buffer, uint32_t size) {
    return guarded([&] {
        if (!buffer || size == 0) return E_INVALIDARG_;
        const std::string last = Strict::get().last();
        const std::size_t n = last.size() < size - 1 ? last.size() : size - 1;
        last.copy(buffer, n);
        buffer[n] = '\0';
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_pump(uint32_t timeout_ms, uint32_t* out_ran) {
    return guarded([&] {
        if (out_ran) *out_ran = 0;
        OwnerInbox* inbox = OwnerInbox::find_current();
        const uint32_t ran = inbox ? inbox->pump(std::chrono::milliseconds(timeout_ms)) : 0;
        if (out_ran) *out_ran = ran;
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_run_owner_loop(void) {
    return guarded([] {
        OwnerInbox::of_current_thread().run_loop();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_quit_owner_loops(void) {
    return guarded([] {
        OwnerInbox::quit_loops();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_not_ready(uint32_t calls) {
    return guarded([&] {
        Faults::get().set_not_ready(calls);
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_owner_current(void** out_owner) {
    return guarded([&]() -> HRESULT {
        if (!out_owner) return E_INVALIDARG_;
        *out_owner = nullptr;
        if (!Strict::get().on()) return S_FALSE_;
        *out_owner = &OwnerInbox::of_current_thread();
        return S_OK_;
    });
}

OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_owner_post(void* owner, olstate_sim_owner_job job,
                                                                void* context) {
    return guarded([&]() -> HRESULT {
        if (!owner || !job) return E_INVALIDARG_;
        // The handle is an inbox olstate_sim_owner_current handed out; inboxes
        // are never freed, so it stays valid.
        static_cast<OwnerInbox*>(owner)->post([job, context] { job(context); },
                                              OwnerInbox::Kind::carried_call);
        return S_OK_;
    });
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_live_objects(void) {
    uint32_t n = 0;
    try {
        for_each_object([&](OfflineObject& o) { n += o.client_refs() > 0 ? 1 : 0; });
    } catch (...) {
    }
    return n;
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_outstanding_refs(void) {
    uint32_t n = 0;
    try {
        for_each_object([&](OfflineObject& o) { n += o.client_refs(); });
    } catch (...) {
    }
    return n;
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_advised_sinks(void) {
    uint32_t n = 0;
    try {
        for_each_object([&](OfflineObject& o) { n += o.advised(); });
    } catch (...) {
    }
    return n;
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_held_sinks(void) {
    const int32_t n = Faults::get().held_sinks.load();
    return n > 0 ? static_cast<uint32_t>(n) : 0;
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_connection_reads(void) {
    return Faults::get().connection_reads.load();
}

OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_calls_in_progress(void) {
    const int32_t n = Faults::get().calls_in_progress.load();
    return n > 0 ? static_cast<uint32_t>(n) : 0;
}

}  // extern "C"
