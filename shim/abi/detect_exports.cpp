// olstate_detect_outlook (ABI 1.3): the caller's struct checked, the facts
// probed, then copied in at most struct_size bytes.
#include <olstate.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "detect/outlook_facts.h"
#include "firewall.h"
#include "struct_check.h"

using olstate::abi::fail;
using olstate::abi::guarded;

namespace {

olstate_outlook_info to_info(const olstate::detect::OutlookFacts& f) {
    olstate_outlook_info info{};
    info.verdict = olstate::detect::outlook_verdict(f);
    info.classic_installed = f.classic_installed ? 1u : 0u;
    info.classic_bitness = f.classic_bitness;
    info.classic_click_to_run = f.classic_click_to_run ? 1u : 0u;
    info.classic_running = f.classic_running ? 1u : 0u;
    info.new_running = f.new_running ? 1u : 0u;
    info.new_selected = f.new_selected ? 1u : 0u;
    // Version keys are short ASCII ("16.0"); cut, never overrun.
    const std::size_t n = std::min(f.classic_version.size(), sizeof info.classic_version - 1);
    std::memcpy(info.classic_version, f.classic_version.data(), n);
    return info;
}

}  // namespace

extern "C" {

OLSTATE_API olstate_result OLSTATE_CALL olstate_detect_outlook(olstate_outlook_info* out_info) {
    return guarded("olstate_detect_outlook", [&] {
        if (!out_info) fail(OLSTATE_E_INVALID_ARGUMENT, "out_info is NULL");
        const std::uint32_t size = out_info->struct_size;
        if (size < sizeof(olstate_outlook_info))
            fail(OLSTATE_E_INVALID_ARGUMENT, "out_info->struct_size " + std::to_string(size) + " is smaller than " +
                                                 std::to_string(sizeof(olstate_outlook_info)) + " (set it to sizeof)");
        if (size > olstate::abi::kMaxStructSize)
            fail(OLSTATE_E_INVALID_ARGUMENT, "out_info->struct_size " + std::to_string(size) + " is implausible");
        olstate_outlook_info info = to_info(olstate::detect::probe_outlook());
        info.struct_size = size;
        // A newer program's larger struct: the fields known here, zeros after.
        auto* out = reinterpret_cast<unsigned char*>(out_info);
        std::memset(out + sizeof info, 0, size - sizeof info);
        std::memcpy(out, &info, sizeof info);
    });
}

}  // extern "C"
