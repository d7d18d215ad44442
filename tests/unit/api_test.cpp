// Arguments, handles, struct sizes, versions, last errors, providers.
#include <cstring>

#include "support.h"

using namespace test;

TEST_CASE("versions, names and struct sizes") {
    CHECK(olstate_abi_version() == OLSTATE_ABI_VERSION);
    CHECK(OLSTATE_ABI_VERSION == ((1u << 16) | 2u));
    CHECK(std::string(olstate_version_string()) == "1.2.0");
    CHECK(olstate_struct_size(OLSTATE_STRUCT_OPEN_OPTIONS) == sizeof(olstate_open_options));
    CHECK(olstate_struct_size(OLSTATE_STRUCT_EVENT) == sizeof(olstate_event));
    CHECK(olstate_struct_size(OLSTATE_STRUCT_SESSION_INFO) == sizeof(olstate_session_info));
    CHECK(olstate_struct_size(OLSTATE_STRUCT_BRIDGE_OPTIONS) == sizeof(olstate_bridge_options));
    CHECK(olstate_struct_size(0) == 0);
    CHECK(olstate_struct_size(99) == 0);
    CHECK(std::string(olstate_result_name(OLSTATE_OK)) == "OLSTATE_OK");
    CHECK(std::string(olstate_result_name(OLSTATE_E_BUSY)) == "OLSTATE_E_BUSY");
    CHECK(std::string(olstate_result_name(OLSTATE_E_WOULD_DEADLOCK)) == "OLSTATE_E_WOULD_DEADLOCK");
    CHECK(std::string(olstate_result_name(-12345)) == "unknown");
    CHECK(std::string(olstate_result_name(7)) == "unknown");
}

TEST_CASE("open_options_init sets the defaults and ignores NULL") {
    olstate_open_options o;
    std::memset(&o, 0xAB, sizeof o);
    olstate_open_options_init(&o);
    CHECK(o.struct_size == sizeof o);
    CHECK(o.profile == nullptr);
    CHECK(o.provider == OLSTATE_PROVIDER_AUTO);
    CHECK(o.provider_path == nullptr);
    CHECK(o.delivery == OLSTATE_DELIVERY_QUEUED);
    CHECK(o.flags == 0);
    olstate_open_options_init(nullptr);
}

TEST_CASE("NULL and closed handles are reported, never dereferenced") {
    SimReset reset;
    uint32_t v = 0;
    olstate_subscription token = 0;
    olstate_session_info info{};
    info.struct_size = sizeof info;
    CHECK(olstate_close(nullptr) == OLSTATE_OK);
    CHECK(olstate_capabilities(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_get_state(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_set_state(nullptr, OLSTATE_ONLINE, 0) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_subscribe(nullptr, Recorder::callback, nullptr, nullptr, &token) ==
          OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_unsubscribe(nullptr, 1) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_get_session_info(nullptr, &info) == OLSTATE_E_INVALID_HANDLE);

    Session s(fresh_profile());
    olstate_session* closed = s.release();
    REQUIRE(olstate_close(closed) == OLSTATE_OK);
    CHECK(olstate_close(closed) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_capabilities(closed, &v) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_get_state(closed, &v) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_set_state(closed, OLSTATE_OFFLINE, 0) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_subscribe(closed, Recorder::callback, nullptr, nullptr, &token) ==
          OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_unsubscribe(closed, 1) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_get_session_info(closed, &info) == OLSTATE_E_INVALID_HANDLE);
    // A made-up handle is just as unknown.
    CHECK(olstate_get_state(reinterpret_cast<olstate_session*>(0xDEADBEEF), &v) ==
          OLSTATE_E_INVALID_HANDLE);
    check_simulator_clean();
}

TEST_CASE("handles are never reused") {
    SimReset reset;
    const std::string p = fresh_profile();
    std::vector<olstate_session*> closed;
    for (int i = 0; i < 50; ++i) {
        Session s(p);
        for (auto* old : closed) CHECK(old != s.get());
        closed.push_back(s.get());
    }
    uint32_t v = 0;
    for (auto* old : closed) CHECK(olstate_get_state(old, &v) == OLSTATE_E_INVALID_HANDLE);
}

TEST_CASE("NULL out-pointers and bad arguments") {
    SimReset reset;
    Session s(fresh_profile());
    CHECK(olstate_capabilities(s.get(), nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_get_state(s.get(), nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_get_session_info(s.get(), nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_set_state(s.get(), 0, OLSTATE_SET_DEFAULT) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_set_state(s.get(), 3, OLSTATE_SET_DEFAULT) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 2) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_set_state(s.get(), OLSTATE_OFFLINE, 0x2000) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_unsubscribe(s.get(), 0) == OLSTATE_E_INVALID_HANDLE);
    CHECK(olstate_unsubscribe(s.get(), 0xFFFFFFFFFFull) == OLSTATE_E_INVALID_HANDLE);
    olstate_session* out = nullptr;
    CHECK(olstate_open_ex(nullptr, &out) == OLSTATE_E_INVALID_ARGUMENT);
    const auto o = options(s.profile());
    CHECK(olstate_open_ex(&o, nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(olstate_open("x", nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(out == nullptr);  // out-parameters are written only on success
}

TEST_CASE("open options are checked") {
    SimReset reset;
    olstate_session* out = nullptr;
    const std::string p = fresh_profile();
    auto o = options(p);

    SUBCASE("unknown provider, delivery or flags") {
        o.provider = 5;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o = options(p);
        o.delivery = 2;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o = options(p);
        o.flags = OLSTATE_OPEN_RECONNECT;  // the bridge's alone
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("RECONNECT") != std::string::npos);
        o.provider = OLSTATE_PROVIDER_AUTO;  // the simulator on this platform
#if !defined(_WIN32)
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
#endif
        o = options(p);
        o.flags = 2;  // unknown
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        o.flags = OLSTATE_OPEN_RECONNECT | 2;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    SUBCASE("invalid UTF-8 and empty profile") {
        o.profile = "bad\xC3";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("UTF-8") != std::string::npos);
        CHECK(olstate_open("\xED\xA0\x80", &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.profile = "";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    SUBCASE("provider_path belongs to LIBRARY (and the bridge's endpoint) only") {
        o.provider_path = "/tmp/x.so";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        o.provider_path = "";  // empty endpoint: NULL means the default
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.provider_path = "/tmp/\xFF.sock";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o = options(p);
        o = options(p);
        o.provider = OLSTATE_PROVIDER_LIBRARY;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);  // missing
        o.provider_path = "relative/libolstate_sim.so";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
#if defined(_WIN32)
        const char* missing = "C:\\nonexistent\\provider.dll";
#else
        const char* missing = "/nonexistent/libprovider.so";
#endif
        o.provider_path = missing;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_PROVIDER_NOT_FOUND);
        CHECK(std::string(olstate_last_error_message()).find(missing) != std::string::npos);
        o.provider_path = "/tmp/\xFF.so";
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    SUBCASE("struct_size: older is refused, newer with a zero tail accepted") {
        struct Bigger {
            olstate_open_options o;
            unsigned char tail[16];
        } big{};
        big.o = options(p);
        big.o.struct_size = sizeof big.o - 1;
        CHECK(olstate_open_ex(&big.o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        big.o.struct_size = 0;
        CHECK(olstate_open_ex(&big.o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        big.o.struct_size = sizeof big;
        REQUIRE(olstate_open_ex(&big.o, &out) == OLSTATE_OK);
        CHECK(olstate_close(out) == OLSTATE_OK);
        out = nullptr;
        big.tail[7] = 1;
        CHECK(olstate_open_ex(&big.o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        big.o.struct_size = 1u << 30;  // implausible: refused without reading it
        CHECK(olstate_open_ex(&big.o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    CHECK(out == nullptr);
}

TEST_CASE("providers on this platform") {
    SimReset reset;
    olstate_session* out = nullptr;
    const std::string p = fresh_profile();
    auto o = options(p);
#if !defined(_WIN32)
    o.provider = OLSTATE_PROVIDER_OUTLOOK;
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(std::string(olstate_last_error_message()).find("Windows") != std::string::npos);
    o.provider = OLSTATE_PROVIDER_AUTO;  // the simulator here
    REQUIRE(olstate_open_ex(&o, &out) == OLSTATE_OK);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(out, &info) == OLSTATE_OK);
    CHECK(info.provider == OLSTATE_PROVIDER_SIMULATOR);
    CHECK(olstate_close(out) == OLSTATE_OK);
    out = nullptr;
#endif
    // Nobody serves this endpoint (tests/bridge covers a running host).
    o.provider = OLSTATE_PROVIDER_BRIDGE;
#if defined(_WIN32)
    o.provider_path = "\\\\.\\pipe\\olstate-unit-nobody-serves-this";
#else
    o.provider_path = "/nonexistent-olstate-unit/bridge.sock";
#endif
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(out == nullptr);
}

TEST_CASE("session info names the resolved provider, profile and library") {
    SimReset reset;
    const std::string p = fresh_profile("Info");
    Session s(p);
    struct {
        olstate_session_info info;
        unsigned char canary[8];
    } out;
    std::memset(&out, 0x5A, sizeof out);
    out.info.struct_size = sizeof out.info;
    REQUIRE(olstate_get_session_info(s.get(), &out.info) == OLSTATE_OK);
    CHECK(out.info.struct_size == sizeof out.info);
    CHECK(out.info.provider == OLSTATE_PROVIDER_SIMULATOR);
    CHECK(std::string(out.info.profile) == p);
    const std::string path = out.info.provider_path;
    CHECK(path.find("olstate_sim") != std::string::npos);
    for (unsigned char c : out.canary) CHECK(c == 0x5A);  // nothing written past struct_size
    out.info.struct_size = sizeof out.info - 1;
    CHECK(olstate_get_session_info(s.get(), &out.info) == OLSTATE_E_INVALID_ARGUMENT);

    // The same library, loaded through OLSTATE_PROVIDER_LIBRARY by its full path.
    olstate_open_options o = options(p);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = path.c_str();
    olstate_session* lib = nullptr;
    REQUIRE(olstate_open_ex(&o, &lib) == OLSTATE_OK);
    olstate_session_info li{};
    li.struct_size = sizeof li;
    REQUIRE(olstate_get_session_info(lib, &li) == OLSTATE_OK);
    CHECK(li.provider == OLSTATE_PROVIDER_LIBRARY);
    CHECK(std::string(li.provider_path) == path);
    CHECK(olstate_close(lib) == OLSTATE_OK);
}

TEST_CASE("the default profile") {
    SimReset reset;
    olstate_session* s = nullptr;
#if defined(_WIN32)
    // AUTO outside OUTLOOK.EXE is the bridge; none runs here.
    CHECK(olstate_open(nullptr, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(std::string(olstate_last_error_message()).find("bridge") != std::string::npos);
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_SIMULATOR;
    REQUIRE(olstate_open_ex(&o, &s) == OLSTATE_OK);
#else
    REQUIRE(olstate_open(nullptr, &s) == OLSTATE_OK);
#endif
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s, &info) == OLSTATE_OK);
    CHECK(std::string(info.profile) == OLSTATE_SIM_DEFAULT_PROFILE);
    CHECK(olstate_close(s) == OLSTATE_OK);
    check_simulator_clean();
}

TEST_CASE("the last error: set on failure, cleared on success, kept per thread") {
    SimReset reset;
    Session s(fresh_profile());
    uint32_t v = 0;
    CHECK(olstate_get_state(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
    const std::string message = olstate_last_error_message();
    CHECK(message.find("OLSTATE_E_INVALID_HANDLE") != std::string::npos);
    CHECK(olstate_last_error_hresult() == 0);

    // Functions that never touch the last error.
    olstate_result_name(OLSTATE_E_BUSY);
    olstate_abi_version();
    olstate_version_string();
    olstate_struct_size(1);
    olstate_open_options opts;
    olstate_open_options_init(&opts);
    CHECK(std::string(olstate_last_error_message()) == message);

    // Another thread's failure does not overwrite this thread's message.
    std::thread([&] {
        CHECK(std::string(olstate_last_error_message()).empty());
        CHECK(olstate_set_state(s.get(), 9, 0) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("INVALID_ARGUMENT") != std::string::npos);
    }).join();
    CHECK(std::string(olstate_last_error_message()) == message);

    CHECK(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(std::string(olstate_last_error_message()).empty());
    CHECK(olstate_last_error_hresult() == 0);
}

TEST_CASE("a last error message longer than 2047 bytes is cut at a character boundary, ending with ...") {
    // A library path of 3000 bytes of two-byte characters: the loader's
    // message names it, so the whole message would be longer than the limit.
    std::string path = "/nonexistent-olstate-dir/";
    while (path.size() < 3000) path += "\xC3\xA9";
    path += ".so";
    olstate_open_options o;
    olstate_open_options_init(&o);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = path.c_str();
    olstate_session* s = nullptr;
    REQUIRE(olstate_open_ex(&o, &s) != OLSTATE_OK);
    const std::string message = olstate_last_error_message();
    CHECK(message.size() <= 2047);
    CHECK(message.size() >= 2040);
    CHECK(message.substr(message.size() - 3) == "...");
    CHECK(message.rfind("OLSTATE_E_", 0) == 0);
    CHECK(message.find("\xC3\xA9\xC3\xA9") != std::string::npos);
    // Valid UTF-8 to its end: no character was split by the cut.
    std::size_t i = 0;
    while (i < message.size()) {
        const auto b = static_cast<unsigned char>(message[i]);
        const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
        REQUIRE(len != 0);
        REQUIRE(i + len <= message.size());
        for (std::size_t k = 1; k < len; ++k) REQUIRE((static_cast<unsigned char>(message[i + k]) & 0xC0) == 0x80);
        i += len;
    }
}
