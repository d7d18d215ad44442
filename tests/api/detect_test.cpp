// olstate_detect_outlook (ABI 1.3) through the C ABI: the struct_size rules,
// bad input, and the answer outside Windows (no Outlook there: every fact
// 0, verdict NONE). The registry and process facts are tested under Wine
// (tests/win/detect_outlook.cpp); the verdict's rules in tests/unit.
#include "support.h"

TEST_CASE("detect outlook: NULL and a too small struct_size are INVALID_ARGUMENT, the struct untouched") {
    CHECK(olstate_detect_outlook(nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("out_info is NULL") != std::string::npos);

    olstate_outlook_info info;
    std::memset(&info, 0x5A, sizeof info);
    info.struct_size = sizeof info - 1;
    CHECK(olstate_detect_outlook(&info) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("set it to sizeof") != std::string::npos);
    CHECK(info.verdict == 0x5A5A5A5Au);

    info.struct_size = 1u << 20;
    CHECK(olstate_detect_outlook(&info) == OLSTATE_E_INVALID_ARGUMENT);
    CHECK(std::string(olstate_last_error_message()).find("implausible") != std::string::npos);
}

TEST_CASE("detect outlook: the initializer's size is accepted and the last error cleared") {
    olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
    CHECK(info.struct_size == sizeof info);
    CHECK(olstate_detect_outlook(nullptr) == OLSTATE_E_INVALID_ARGUMENT);
    REQUIRE(olstate_detect_outlook(&info) == OLSTATE_OK);
    CHECK(std::string(olstate_last_error_message()).empty());
    CHECK(info.struct_size == sizeof info);
    CHECK(info.verdict <= OLSTATE_OUTLOOK_BOTH);
    CHECK(std::memchr(info.classic_version, '\0', sizeof info.classic_version) != nullptr);
}

TEST_CASE("detect outlook: a newer program's larger struct gets zeros after the known fields") {
    struct Newer {
        olstate_outlook_info info;
        uint32_t later_field;
        uint32_t another;
    } newer;
    std::memset(&newer, 0x5A, sizeof newer);
    newer.info.struct_size = sizeof newer;
    REQUIRE(olstate_detect_outlook(&newer.info) == OLSTATE_OK);
    CHECK(newer.info.struct_size == sizeof newer);
    CHECK(newer.later_field == 0);
    CHECK(newer.another == 0);
}

#if !defined(_WIN32)
TEST_CASE("detect outlook: outside Windows there is no Outlook: every fact 0, verdict NONE") {
    olstate_outlook_info info;
    std::memset(&info, 0x5A, sizeof info);  // every field must be written
    info.struct_size = sizeof info;
    REQUIRE(olstate_detect_outlook(&info) == OLSTATE_OK);
    CHECK(info.verdict == OLSTATE_OUTLOOK_NONE);
    CHECK(info.classic_installed == 0);
    CHECK(info.classic_bitness == 0);
    CHECK(info.classic_click_to_run == 0);
    CHECK(info.classic_running == 0);
    CHECK(info.new_running == 0);
    CHECK(info.new_selected == 0);
    CHECK(std::string(info.classic_version).empty());
}

TEST_CASE("detect outlook: the simulator is not an Outlook, even with a session open") {
    test::SimReset reset;
    test::Session s(test::fresh_profile("detect"));
    olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
    REQUIRE(olstate_detect_outlook(&info) == OLSTATE_OK);
    CHECK(info.verdict == OLSTATE_OUTLOOK_NONE);
}
#endif

TEST_CASE("detect outlook: threads call it at once, each gets its own answer and last error") {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0}, bad{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                if ((i + t) % 2 == 0) {
                    olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
                    if (olstate_detect_outlook(&info) == OLSTATE_OK && olstate_last_error_message()[0] == '\0') ++ok;
                } else if (olstate_detect_outlook(nullptr) == OLSTATE_E_INVALID_ARGUMENT &&
                           std::strstr(olstate_last_error_message(), "out_info is NULL") != nullptr) {
                    ++bad;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(ok == 100);
    CHECK(bad == 100);
}
