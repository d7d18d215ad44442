// The bridge suite's entry point, with the strict simulator's check: the
// suite runs under OLSTATE_SIM_STRICT (tests/meson.build), and a test case
// during which the simulator counted a violation (a call on a thread that
// does not own the offline object, a blocking set inside a notification)
// fails the suite by name, even when its own assertions all passed. The
// count is cleared as each test case starts, so each case answers for its
// own calls; a case that resets the simulator itself checks before it does
// (host_threads_test.cpp). Host processes are checked by bridge_support.h.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <olstate_sim.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex violators_mutex;
std::vector<std::string> violators;  // "test case: count, last message"

struct StrictViolations : doctest::IReporter {
    explicit StrictViolations(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData& tc) override {
        name_ = tc.m_name;
        olstate_sim_reset();  // each case starts from the default mode, with no count
    }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {
        const uint32_t n = olstate_sim_violations(OLSTATE_SIM_VIOLATION_ALL);
        if (n == 0) return;
        char last[512] = "";
        olstate_sim_last_violation(last, sizeof last);
        std::fprintf(stderr, "STRICT SIMULATOR: %u violation(s) in '%s'; the last: %s\n", n, name_.c_str(), last);
        std::lock_guard lock(violators_mutex);
        violators.push_back(name_ + ": " + std::to_string(n) + ", the last: " + last);
    }
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}

private:
    std::string name_;
};

}  // namespace

REGISTER_LISTENER("strict-violations", 1, StrictViolations);

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (context.shouldExit()) return result;
    std::lock_guard lock(violators_mutex);
    if (violators.empty()) {
        std::printf("strict simulator (mode %u at the end): 0 violations in this process\n", olstate_sim_strict());
        return result;
    }
    std::fprintf(stderr, "FAILED: the strict simulator counted violations in %zu test case(s):\n", violators.size());
    for (const auto& v : violators) std::fprintf(stderr, "  %s\n", v.c_str());
    return result ? result : 1;
}
