// Arguments, handles, struct sizes, versions, result names, last errors and
// their messages, providers (LIBRARY through dladdr), session info, tokens.
#include <cstddef>
#include <cstring>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include "support.h"

using namespace test;

TEST_CASE("versions, names and struct sizes") {
    CHECK(olstate_abi_version() == OLSTATE_ABI_VERSION);
    CHECK(OLSTATE_ABI_VERSION == ((1u << 16) | 3u));
    CHECK(std::string(olstate_version_string()) == "1.3.0");
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

TEST_CASE("the INIT macros give what the init functions give") {
    olstate_open_options by_function;
    std::memset(&by_function, 0xAB, sizeof by_function);
    olstate_open_options_init(&by_function);
    const olstate_open_options by_macro = OLSTATE_OPEN_OPTIONS_INIT;
    // The function writes the 1.0 struct (it may be all a caller has); the
    // macro is this header's, with the 1.3 fields.
    CHECK(by_function.struct_size == offsetof(olstate_open_options, application));
    CHECK(by_macro.struct_size == sizeof(olstate_open_options));
    CHECK(by_macro.application == nullptr);
    CHECK(by_macro.connection_poll_ms == 0);
    CHECK(by_macro.profile == by_function.profile);
    CHECK(by_macro.provider == by_function.provider);
    CHECK(by_macro.provider_path == by_function.provider_path);
    CHECK(by_macro.delivery == by_function.delivery);
    CHECK(by_macro.flags == by_function.flags);

    olstate_bridge_options bridge_function;
    std::memset(&bridge_function, 0xAB, sizeof bridge_function);
    olstate_bridge_options_init(&bridge_function);
    const olstate_bridge_options bridge_macro = OLSTATE_BRIDGE_OPTIONS_INIT;
    CHECK(bridge_macro.struct_size == bridge_function.struct_size);
    CHECK(bridge_macro.flags == bridge_function.flags);
    CHECK(bridge_macro.max_clients == bridge_function.max_clients);
    CHECK(bridge_macro.queue_length == bridge_function.queue_length);
    CHECK(bridge_macro.endpoint == bridge_function.endpoint);
}

TEST_CASE("open_options_init sets the defaults and ignores NULL") {
    olstate_open_options o;
    std::memset(&o, 0xAB, sizeof o);
    olstate_open_options_init(&o);
    CHECK(o.struct_size == offsetof(olstate_open_options, application));
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
        o.provider = OLSTATE_PROVIDER_OBJECT_MODEL + 1;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("unknown provider") != std::string::npos);
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
        o.flags = 4;  // unknown
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("unknown flags") != std::string::npos);
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        o.flags = OLSTATE_OPEN_RECONNECT | 4;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        // Choosing AUTO's order is AUTO's alone.
        for (std::uint32_t provider : {OLSTATE_PROVIDER_SIMULATOR, OLSTATE_PROVIDER_BRIDGE, OLSTATE_PROVIDER_OBJECT_MODEL}) {
            o = options(p);
            o.provider = provider;
            o.flags = OLSTATE_OPEN_NO_FALLBACK;
            CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
            CHECK(std::string(olstate_last_error_message()).find("NO_FALLBACK") != std::string::npos);
        }
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
    SUBCASE("struct_size: the 1.0 size or at least 1.3's, nothing between") {
        olstate_open_options o = options(p);
        constexpr std::size_t first = offsetof(olstate_open_options, application);
        for (std::size_t size = first + 1; size < sizeof o; ++size) {
            o.struct_size = static_cast<std::uint32_t>(size);
            CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
            CHECK(std::string(olstate_last_error_message()).find("neither") != std::string::npos);
        }
        // The 1.0 size reads no 1.3 field: garbage past it is never seen.
        o.struct_size = first;
        o.application = reinterpret_cast<void*>(0x1);
        o.connection_poll_ms = 7;
        REQUIRE(olstate_open_ex(&o, &out) == OLSTATE_OK);
        CHECK(olstate_close(out) == OLSTATE_OK);
        out = nullptr;
    }
    SUBCASE("the object-model options (1.3) are checked") {
        olstate_open_options o = options(p);
        o.struct_size = sizeof o;
        o.application = nullptr;
        o.connection_poll_ms = 1000;  // without application
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("connection_poll_ms") != std::string::npos);
        // Never called: every check fails before the object is used.
        o.application = reinterpret_cast<void*>(0x1);
        o.connection_poll_ms = OLSTATE_CONNECTION_POLL_MIN_MS - 1;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.connection_poll_ms = OLSTATE_CONNECTION_POLL_MAX_MS + 1;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        o.connection_poll_ms = 0;
        o.provider = OLSTATE_PROVIDER_BRIDGE;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(std::string(olstate_last_error_message()).find("application") != std::string::npos);
#if !defined(_WIN32)
        // Outlook's object model exists only on Windows.
        o.provider = OLSTATE_PROVIDER_SIMULATOR;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_NOT_SUPPORTED);
        CHECK(std::string(olstate_last_error_message()).find("only on Windows") != std::string::npos);
#endif
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
    // The no-add-in fallback polls a running Outlook through COM: Windows
    // only, refused with a message saying so (also with its options).
    o.provider = OLSTATE_PROVIDER_OBJECT_MODEL;
    o.struct_size = sizeof o;
    o.connection_poll_ms = OLSTATE_CONNECTION_POLL_MIN_MS;
    o.flags = OLSTATE_OPEN_RECONNECT;
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_NOT_SUPPORTED);
    CHECK(std::string(olstate_last_error_message()).find("OLSTATE_PROVIDER_OBJECT_MODEL") != std::string::npos);
    CHECK(std::string(olstate_last_error_message()).find("only on Windows") != std::string::npos);
    CHECK(out == nullptr);
    o = options(p);
    // AUTO is the simulator here, its order flag changes nothing.
    for (std::uint32_t flags : {0u, OLSTATE_OPEN_NO_FALLBACK}) {
        o.provider = OLSTATE_PROVIDER_AUTO;
        o.flags = flags;
        REQUIRE(olstate_open_ex(&o, &out) == OLSTATE_OK);
        olstate_session_info info{};
        info.struct_size = sizeof info;
        REQUIRE(olstate_get_session_info(out, &info) == OLSTATE_OK);
        CHECK(info.provider == OLSTATE_PROVIDER_SIMULATOR);
        CHECK(olstate_close(out) == OLSTATE_OK);
        out = nullptr;
    }
    o = options(p);
#endif
    // The object-model provider finds Outlook itself: no path, no Application.
    o.provider = OLSTATE_PROVIDER_OBJECT_MODEL;
    o.provider_path = "Outlook.Application";
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    o.provider_path = nullptr;
    o.struct_size = sizeof o;
    o.application = reinterpret_cast<void*>(0x1);  // never called: refused first
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("application") != std::string::npos);
    o = options(p);
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
    olstate_session* lib = open_library(p, path);
    const olstate_session_info li = session_info(lib);
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

TEST_CASE("every result has its static name") {
    struct Name {
        olstate_result r;
        const char* name;
    };
    const Name names[] = {
        {OLSTATE_OK, "OLSTATE_OK"},
        {OLSTATE_E_INVALID_ARGUMENT, "OLSTATE_E_INVALID_ARGUMENT"},
        {OLSTATE_E_INVALID_HANDLE, "OLSTATE_E_INVALID_HANDLE"},
        {OLSTATE_E_PROVIDER_NOT_FOUND, "OLSTATE_E_PROVIDER_NOT_FOUND"},
        {OLSTATE_E_PROFILE_NOT_FOUND, "OLSTATE_E_PROFILE_NOT_FOUND"},
        {OLSTATE_E_NOT_SUPPORTED, "OLSTATE_E_NOT_SUPPORTED"},
        {OLSTATE_E_BUSY, "OLSTATE_E_BUSY"},
        {OLSTATE_E_PROVIDER_FAILED, "OLSTATE_E_PROVIDER_FAILED"},
        {OLSTATE_E_OUT_OF_MEMORY, "OLSTATE_E_OUT_OF_MEMORY"},
        {OLSTATE_E_INTERNAL, "OLSTATE_E_INTERNAL"},
        {OLSTATE_E_NOT_IN_OUTLOOK, "OLSTATE_E_NOT_IN_OUTLOOK"},
        {OLSTATE_E_WOULD_DEADLOCK, "OLSTATE_E_WOULD_DEADLOCK"},
        {OLSTATE_E_TIMEOUT, "OLSTATE_E_TIMEOUT"},
    };
    for (const Name& n : names) {
        CAPTURE(n.r);
        REQUIRE(olstate_result_name(n.r) != nullptr);
        CHECK(std::string(olstate_result_name(n.r)) == n.name);
        // Static: the same pointer every time.
        CHECK(olstate_result_name(n.r) == olstate_result_name(n.r));
    }
    for (olstate_result r : {-13, 1, INT32_MIN, INT32_MAX}) {
        CAPTURE(r);
        CHECK(std::string(olstate_result_name(r)) == "unknown");
    }
    // OLSTATE_RESULT_LIST holds exactly the results above, in order: the
    // values 0, -1, ... -11, each named after itself.
    std::vector<std::pair<olstate_result, std::string>> listed;
#define LISTED(name) listed.emplace_back(name, #name);
    OLSTATE_RESULT_LIST(LISTED)
#undef LISTED
    REQUIRE(listed.size() == std::size(names));
    for (std::size_t i = 0; i < listed.size(); ++i) {
        CHECK(listed[i].first == -static_cast<olstate_result>(i));
        CHECK(listed[i].second == names[i].name);
    }
    // Constants equal MAPI's values and the documented ones.
    CHECK(OLSTATE_OFFLINE == 1u);
    CHECK(OLSTATE_ONLINE == 2u);
    CHECK(OLSTATE_CAPABILITY_OFFLINE == 1u);
    CHECK(OLSTATE_CAPABILITY_ONLINE == 2u);
    CHECK(OLSTATE_EVENT_CHANGE_START == 1u);
    CHECK(OLSTATE_EVENT_CHANGE == 2u);
    CHECK(OLSTATE_EVENT_CHANGE_DONE == 3u);
    CHECK(OLSTATE_SET_DEFAULT == 0u);
    CHECK(OLSTATE_SET_BLOCK == 1u);
    CHECK(OLSTATE_PROVIDER_AUTO == 0u);
    CHECK(OLSTATE_PROVIDER_BRIDGE == 4u);
    CHECK(OLSTATE_PROVIDER_OBJECT_MODEL == 5u);
    CHECK(OLSTATE_OPEN_NO_FALLBACK == 2u);
    CHECK(OLSTATE_DELIVERY_QUEUED == 0u);
    CHECK(OLSTATE_DELIVERY_INLINE == 1u);
    CHECK(std::string(olstate_version_string()).size() >= 5);
}

TEST_CASE("the functions that never change the last error do not clear or set it") {
    SimReset reset;
    // After a success: the message is empty and stays empty.
    Session s(fresh_profile());
    uint32_t v = 0;
    REQUIRE(olstate_get_state(s.get(), &v) == OLSTATE_OK);
    CHECK(std::string(olstate_last_error_message()).empty());
    olstate_result_name(-999);
    olstate_struct_size(12345);
    olstate_open_options_init(nullptr);
    CHECK(std::string(olstate_last_error_message()).empty());
    CHECK(olstate_last_error_hresult() == 0);

    // After a failure with an HRESULT: both kept.
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_STATE, kEAccessDenied, 1);
    REQUIRE(olstate_get_state(s.get(), &v) == OLSTATE_E_PROVIDER_FAILED);
    const std::string message = olstate_last_error_message();
    CHECK_FALSE(message.empty());
    CHECK(olstate_last_error_hresult() == kEAccessDenied);
    olstate_result_name(OLSTATE_E_BUSY);
    olstate_abi_version();
    olstate_version_string();
    olstate_struct_size(OLSTATE_STRUCT_EVENT);
    olstate_open_options o;
    olstate_open_options_init(&o);
    olstate_last_error_message();
    CHECK(std::string(olstate_last_error_message()) == message);
    CHECK(olstate_last_error_hresult() == kEAccessDenied);

    // Another thread's success does not clear this thread's failure.
    std::thread([&] {
        uint32_t w = 0;
        CHECK(olstate_get_state(s.get(), &w) == OLSTATE_OK);
        CHECK(std::string(olstate_last_error_message()).empty());
        CHECK(olstate_last_error_hresult() == 0);
    }).join();
    CHECK(std::string(olstate_last_error_message()) == message);
    CHECK(olstate_last_error_hresult() == kEAccessDenied);

    // Every function that is not on the list clears it on success.
    const auto clears = [&](const char* what, const std::function<olstate_result()>& call) {
        CAPTURE(what);
        REQUIRE(olstate_get_state(nullptr, &v) == OLSTATE_E_INVALID_HANDLE);
        REQUIRE_FALSE(std::string(olstate_last_error_message()).empty());
        REQUIRE(call() == OLSTATE_OK);
        CHECK(std::string(olstate_last_error_message()).empty());
        CHECK(olstate_last_error_hresult() == 0);
    };
    clears("capabilities", [&] { return olstate_capabilities(s.get(), &v); });
    clears("get_state", [&] { return olstate_get_state(s.get(), &v); });
    clears("set_state", [&] { return olstate_set_state(s.get(), OLSTATE_ONLINE, 0); });
    clears("session_info", [&] {
        olstate_session_info info{};
        info.struct_size = sizeof info;
        return olstate_get_session_info(s.get(), &info);
    });
    olstate_subscription token = 0;
    clears("subscribe", [&] {
        return olstate_subscribe(s.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                 &token);
    });
    clears("unsubscribe", [&] { return olstate_unsubscribe(s.get(), token); });
    clears("close(NULL)", [&] { return olstate_close(nullptr); });
    olstate_session* other = nullptr;
#if !defined(_WIN32)  // AUTO is the simulator here
    clears("open", [&] { return olstate_open(s.profile().c_str(), &other); });
    clears("close", [&] { return olstate_close(other); });
#endif
    clears("open_ex", [&] {
        const auto opts = options(s.profile());
        return olstate_open_ex(&opts, &other);
    });
    CHECK(olstate_close(other) == OLSTATE_OK);
}

TEST_CASE("every failure leaves a non-empty message; HRESULT only where one was involved") {
    SimReset reset;
    Session s(fresh_profile());
    uint32_t v = 0;
    olstate_session* out = nullptr;
    olstate_subscription token = 0;
    const auto failing = [&](const char* what, olstate_result expected, olstate_result actual) {
        CAPTURE(what);
        CHECK(actual == expected);
        const char* m = olstate_last_error_message();
        REQUIRE(m != nullptr);
        CHECK(std::strlen(m) > 0);
        CHECK(olstate_last_error_hresult() == 0);
    };
    failing("open NULL out", OLSTATE_E_INVALID_ARGUMENT, olstate_open("x", nullptr));
    failing("open_ex NULL options", OLSTATE_E_INVALID_ARGUMENT, olstate_open_ex(nullptr, &out));
    failing("get_state NULL session", OLSTATE_E_INVALID_HANDLE, olstate_get_state(nullptr, &v));
    failing("get_state NULL out", OLSTATE_E_INVALID_ARGUMENT, olstate_get_state(s.get(), nullptr));
    failing("capabilities NULL out", OLSTATE_E_INVALID_ARGUMENT,
            olstate_capabilities(s.get(), nullptr));
    failing("set_state bad state", OLSTATE_E_INVALID_ARGUMENT, olstate_set_state(s.get(), 7, 0));
    failing("subscribe NULL callback", OLSTATE_E_INVALID_ARGUMENT,
            olstate_subscribe(s.get(), nullptr, nullptr, nullptr, &token));
    failing("unsubscribe token 0", OLSTATE_E_INVALID_HANDLE, olstate_unsubscribe(s.get(), 0));
    failing("session_info NULL", OLSTATE_E_INVALID_ARGUMENT,
            olstate_get_session_info(s.get(), nullptr));
    CHECK(out == nullptr);
}

TEST_CASE("a failing open with OPEN_NULL leaves a message and no reference") {
    SimReset reset;
    olstate_sim_set_misbehaviour(OLSTATE_SIM_MISBEHAVE_OPEN_NULL);
    olstate_session* s = nullptr;
    const std::string p = fresh_profile();
    const auto o = options(p);
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_FAILED);
    CHECK(s == nullptr);
    CHECK_FALSE(std::string(olstate_last_error_message()).empty());
    olstate_sim_set_misbehaviour(0);
    check_simulator_clean();
}

TEST_CASE("tokens are unique across sessions and belong to their session") {
    SimReset reset;
    const std::string p = fresh_profile();
    Session a(p), b(p);
    std::set<olstate_subscription> tokens;
    for (int i = 0; i < 20; ++i) {
        olstate_subscription ta = 0, tb = 0;
        REQUIRE(olstate_subscribe(a.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                  &ta) == OLSTATE_OK);
        REQUIRE(olstate_subscribe(b.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                                  &tb) == OLSTATE_OK);
        CHECK(ta != 0);
        CHECK(tb != 0);
        CHECK(tokens.insert(ta).second);
        CHECK(tokens.insert(tb).second);
        // Another session's token is unknown here.
        CHECK(olstate_unsubscribe(b.get(), ta) == OLSTATE_E_INVALID_HANDLE);
        CHECK(olstate_unsubscribe(a.get(), ta) == OLSTATE_OK);  // still valid in its own session
        CHECK(olstate_unsubscribe(a.get(), ta) == OLSTATE_E_INVALID_HANDLE);
    }
    // A new session never hands out an old token again.
    Session c(p);
    olstate_subscription tc = 0;
    REQUIRE(olstate_subscribe(c.get(), [](const olstate_event*, void*) {}, nullptr, nullptr,
                              &tc) == OLSTATE_OK);
    CHECK(tokens.count(tc) == 0);
}

#if !defined(_WIN32)
TEST_CASE("the LIBRARY provider: the simulator by full path (dladdr), and a library without the entry point") {
    SimReset reset;
    Dl_info sim{};
    REQUIRE(dladdr(reinterpret_cast<void*>(&olstate_sim_reset), &sim) != 0);
    REQUIRE(sim.dli_fname != nullptr);
    char resolved[PATH_MAX];
    REQUIRE(realpath(sim.dli_fname, resolved) != nullptr);
    const std::string sim_path = resolved;
    CAPTURE(sim_path);

    const std::string p = fresh_profile("Lib");
    olstate_session* s = open_library(p, sim_path);
    const olstate_session_info info = session_info(s);
    CHECK(info.provider == OLSTATE_PROVIDER_LIBRARY);
    CHECK(std::string(info.profile) == p);
    // The same file as the control API: one simulator instance in the process.
    Recorder r;
    subscribe(s, r);
    REQUIRE(olstate_sim_set_state(p.c_str(), OLSTATE_OFFLINE, 1) == 0);
    REQUIRE(r.wait_for(3));
    uint32_t state = 0;
    CHECK(olstate_get_state(s, &state) == OLSTATE_OK);
    CHECK(state == OLSTATE_OFFLINE);
    CHECK(olstate_close(s) == OLSTATE_OK);

    // libolstate itself does not export HrOpenOfflineObj.
    Dl_info lib{};
    REQUIRE(dladdr(reinterpret_cast<void*>(&olstate_open), &lib) != 0);
    REQUIRE(realpath(lib.dli_fname, resolved) != nullptr);
    const std::string lib_path = resolved;
    auto o = options(p);  // the library provider's failures: the same options, other paths
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = lib_path.c_str();
    s = nullptr;
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s == nullptr);
    CHECK_FALSE(std::string(olstate_last_error_message()).empty());

    // A directory, and a file that is not a library at all.
    o.provider_path = "/";
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    o.provider_path = "/etc/hostname";
    CHECK(olstate_open_ex(&o, &s) == OLSTATE_E_PROVIDER_NOT_FOUND);
    CHECK(s == nullptr);
    check_simulator_clean();
}
#endif

TEST_CASE("open options: invalid UTF-8 in profile and provider_path, with LIBRARY") {
    SimReset reset;
    olstate_session* out = nullptr;
    const std::string p = fresh_profile();
    auto o = options(p);
    const char* bad[] = {"\xC0\xAF", "a\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\xF0\x9F\x98"};
    for (const char* b : bad) {
        CAPTURE(std::string(b).size());
        o.profile = b;
        CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
        CHECK(olstate_open(b, &out) == OLSTATE_E_INVALID_ARGUMENT);
    }
    o = options(p);
    o.provider = OLSTATE_PROVIDER_LIBRARY;
    o.provider_path = "/tmp/\xC0\xAF/libx.so";
    CHECK(olstate_open_ex(&o, &out) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(out == nullptr);
    // Valid non-ASCII UTF-8 is a fine profile name.
    const std::string accent = fresh_profile("Pr\xC3\xA9" "f\xE2\x82\xAC");
    Session s(accent);
    olstate_session_info info{};
    info.struct_size = sizeof info;
    REQUIRE(olstate_get_session_info(s.get(), &info) == OLSTATE_OK);
    CHECK(std::string(info.profile) == accent);
}

TEST_CASE("session info: a larger struct_size is accepted, bytes past it untouched") {
    SimReset reset;
    Session s(fresh_profile());
    struct {
        olstate_session_info info;
        unsigned char tail[16];
        unsigned char canary[16];
    } out;
    std::memset(&out, 0xC3, sizeof out);
    out.info.struct_size = static_cast<uint32_t>(sizeof out.info + sizeof out.tail);
    const olstate_result r = olstate_get_session_info(s.get(), &out.info);
    // Writing into the larger struct is allowed; past struct_size is not.
    CHECK((r == OLSTATE_OK || r == OLSTATE_E_INVALID_ARGUMENT));
    for (unsigned char c : out.canary) CHECK(c == 0xC3);
    if (r == OLSTATE_OK) {
        CHECK(out.info.provider == OLSTATE_PROVIDER_SIMULATOR);
        CHECK(out.info.profile != nullptr);
    }
    // Too small: nothing written.
    std::memset(&out, 0xC3, sizeof out);
    out.info.struct_size = 4;
    CHECK(olstate_get_session_info(s.get(), &out.info) == OLSTATE_E_INVALID_ARGUMENT);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&out.info);
    for (std::size_t i = sizeof(uint32_t); i < sizeof out.info; ++i) CHECK(bytes[i] == 0xC3);
}

TEST_CASE("capabilities are read once at open and cached") {
    SimReset reset;
    const std::string p = fresh_profile();
    olstate_sim_set_capabilities(p.c_str(), OLSTATE_CAPABILITY_OFFLINE);
    Recorder r;  // outlives the session
    Session s(p);
    olstate_sim_set_capabilities(p.c_str(), OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE);
    uint32_t caps = 0;
    REQUIRE(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_CONNECTION_MODE));
    // One capability is enough to subscribe.
    subscribe(s.get(), r);
    Session t(p);
    REQUIRE(olstate_capabilities(t.get(), &caps) == OLSTATE_OK);
    CHECK(caps == (OLSTATE_CAPABILITY_OFFLINE | OLSTATE_CAPABILITY_ONLINE | OLSTATE_CAPABILITY_CONNECTION_MODE));
    // A failing GetCapabilities after open is never called again.
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_CAPABILITIES, kEFail, 1);
    CHECK(olstate_capabilities(s.get(), &caps) == OLSTATE_OK);
    olstate_sim_fail_next(OLSTATE_SIM_CALL_GET_CAPABILITIES, 0, 0);
}
