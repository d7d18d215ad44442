// olstate-monitor --detect: prints olstate_detect_outlook's facts and its
// verdict, so a user or a support script sees at once whether olstate can
// serve their Outlook ("the new Outlook is not supported").
#include "detect_command.h"

#include <olstate.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace olstate_monitor {
namespace {

const char* verdict_name(uint32_t v) {
    switch (v) {
        case OLSTATE_OUTLOOK_CLASSIC: return "classic";
        case OLSTATE_OUTLOOK_NEW: return "new";
        case OLSTATE_OUTLOOK_BOTH: return "both";
        default: return "none";
    }
}

// What a user should do, one line per verdict.
const char* advice(uint32_t v) {
    switch (v) {
        case OLSTATE_OUTLOOK_CLASSIC: return "classic Outlook: olstate can serve it";
        case OLSTATE_OUTLOOK_NEW:
            return "the new Outlook is not supported (it has no add-ins, MAPI or object model): "
                   "switch back to classic Outlook";
        case OLSTATE_OUTLOOK_BOTH: return "both run: olstate serves classic Outlook only";
        default: return "no Outlook found for this user";
    }
}

const char* yes(uint32_t b) { return b ? "yes" : "no"; }
const char* json_bool(uint32_t b) { return b ? "true" : "false"; }

void print_text(const olstate_outlook_info& i) {
    std::printf("outlook:           %s (%s)\n", verdict_name(i.verdict), advice(i.verdict));
    if (i.classic_installed) {
        std::printf("classic installed: yes (%s, %s, %s)\n", i.classic_version[0] ? i.classic_version : "version unknown",
                    i.classic_bitness ? (i.classic_bitness == 64 ? "64-bit" : "32-bit") : "bitness unknown",
                    i.classic_click_to_run ? "Click-to-Run" : "MSI");
    } else {
        std::printf("classic installed: no\n");
    }
    std::printf("classic running:   %s\n", yes(i.classic_running));
    std::printf("new running:       %s\n", yes(i.new_running));
    std::printf("new selected:      %s\n", yes(i.new_selected));
}

void print_json(const olstate_outlook_info& i) {
    // classic_version holds only a registry key name olstate chose ("16.0"):
    // nothing in it needs JSON escaping.
    std::printf(
        "{\"type\":\"outlook\",\"verdict\":\"%s\",\"classic_installed\":%s,\"classic_version\":\"%s\","
        "\"classic_bitness\":%u,\"classic_click_to_run\":%s,\"classic_running\":%s,\"new_running\":%s,"
        "\"new_selected\":%s}\n",
        verdict_name(i.verdict), json_bool(i.classic_installed), i.classic_version,
        static_cast<unsigned>(i.classic_bitness), json_bool(i.classic_click_to_run), json_bool(i.classic_running),
        json_bool(i.new_running), json_bool(i.new_selected));
}

}  // namespace

int detect_command(int argc, char** argv) {
    bool detect = false, json = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--detect") == 0) detect = true;
        else if (std::strcmp(argv[i], "--json") == 0) json = true;
    }
    if (!detect) return -1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--detect") != 0 && std::strcmp(argv[i], "--json") != 0) {
            std::fprintf(stderr, "olstate-monitor: --detect takes only --json (not %s)\n", argv[i]);
            return 2;
        }
    }
    olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
    if (const olstate_result r = olstate_detect_outlook(&info); r != OLSTATE_OK) {
        std::fprintf(stderr, "olstate-monitor: detect failed: %s\n  %s\n", olstate_result_name(r),
                     olstate_last_error_message());
        return 1;
    }
    if (json) print_json(info);
    else print_text(info);
    std::fflush(stdout);
    return 0;
}

}  // namespace olstate_monitor
