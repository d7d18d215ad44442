#include "proc_stats.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bench_bridge {

namespace {

// The first number after `key` in a "Key:\tvalue" file, -1 when missing.
long long status_field(const std::string& path, const char* key) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return -1;
    char line[256];
    long long value = -1;
    const std::size_t n = std::strlen(key);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, key, n) == 0 && line[n] == ':') {
            value = std::strtoll(line + n + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return value;
}

std::string task_path(pid_t pid, pid_t tid, const char* file) {
    return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/" + file;
}

}  // namespace

std::vector<pid_t> threads_of(pid_t pid) {
    std::vector<pid_t> tids;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
        ::closedir(d);
    }
    std::sort(tids.begin(), tids.end());
    return tids;
}

std::uint64_t context_switches(pid_t pid) {
    std::uint64_t sum = 0;
    for (pid_t tid : threads_of(pid)) {
        const std::string path = task_path(pid, tid, "status");
        const long long v = status_field(path, "voluntary_ctxt_switches");
        const long long nv = status_field(path, "nonvoluntary_ctxt_switches");
        if (v > 0) sum += static_cast<std::uint64_t>(v);
        if (nv > 0) sum += static_cast<std::uint64_t>(nv);
    }
    return sum;
}

std::uint64_t cpu_ns(pid_t pid, const std::vector<pid_t>& tids) {
    std::uint64_t sum = 0;
    for (pid_t tid : tids) {
        std::FILE* f = std::fopen(task_path(pid, tid, "schedstat").c_str(), "r");
        if (!f) continue;
        unsigned long long on_cpu = 0;
        if (std::fscanf(f, "%llu", &on_cpu) == 1) sum += on_cpu;
        std::fclose(f);
    }
    return sum;
}

std::uint64_t process_cpu_ns(pid_t pid) { return cpu_ns(pid, threads_of(pid)); }

long rss_kb(pid_t pid) {
    return static_cast<long>(status_field("/proc/" + std::to_string(pid) + "/status", "VmRSS"));
}

}  // namespace bench_bridge
