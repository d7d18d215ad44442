// Only online/offline changes pass the sink's filter, as the API's
// documentation requires of clients.
#include <doctest/doctest.h>

#include "provider/com/notify_sink.h"

using namespace olstate;
using namespace olstate::provider;
using namespace olstate::com;

namespace {
MAPIOFFLINE_NOTIFY good() {
    MAPIOFFLINE_NOTIFY n{};
    n.ulSize = sizeof n;
    n.NotifyType = MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE;
    n.Info.StateChange = {MAPIOFFLINE_STATE_OFFLINE_MASK, MAPIOFFLINE_STATE_ONLINE,
                          MAPIOFFLINE_STATE_OFFLINE};
    return n;
}
}  // namespace

TEST_CASE("the notification filter") {
    auto n = good();
    CHECK(NotifySink::accept(&n));
    CHECK_FALSE(NotifySink::accept(nullptr));

    n = good();
    n.ulSize = sizeof n - 4;  // too small to read
    CHECK_FALSE(NotifySink::accept(&n));
    n.ulSize = sizeof n + 8;  // a newer, larger struct keeps the documented prefix
    CHECK(NotifySink::accept(&n));

    for (std::uint32_t type : {0u, 4u, 0x100u}) {
        n = good();
        n.NotifyType = static_cast<MAPIOFFLINE_NOTIFY_TYPE>(type);
        CHECK_FALSE(NotifySink::accept(&n));
    }
    for (std::uint32_t mask : {0u, 1u, 0x4u, 0x3F037Fu}) {
        n = good();
        n.Info.StateChange.ulMask = mask;
        CHECK_FALSE(NotifySink::accept(&n));
    }
    n = good();
    n.Info.StateChange.ulStateNew = 0;  // neither online nor offline
    CHECK_FALSE(NotifySink::accept(&n));
    n = good();
    n.Info.StateChange.ulStateOld = 3;
    CHECK_FALSE(NotifySink::accept(&n));
}

TEST_CASE("the sink answers QueryInterface as COM requires and frees itself") {
    auto sink = NotifySink::create({});
    void* out = reinterpret_cast<void*>(1);
    CHECK(sink->QueryInterface(IID_IMAPIOffline, &out) == E_NOINTERFACE_);
    CHECK(out == nullptr);
    CHECK(sink->QueryInterface(IID_IMAPIOfflineNotify, &out) == S_OK_);
    CHECK(out == static_cast<IMAPIOfflineNotify*>(sink.get()));
    CHECK(sink->QueryInterface(IID_IUnknown_, nullptr) == E_POINTER_);
    CHECK(static_cast<IUnknown*>(out)->Release() == 1);
    // A notification for a receiver that is gone is ignored, not a crash.
    const auto n = good();
    sink->Notify(&n);
}
