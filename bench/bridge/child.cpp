#include "child.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

extern char** environ;

namespace bench_bridge {

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bridge bench: %s\n", what.c_str());
    std::exit(1);
}

}  // namespace

Child::Child(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) die("pipe: " + std::string(std::strerror(errno)));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> full{"/proc/self/exe"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    // /proc/self/exe is resolved by the kernel in this (the parent's) context.
    const int rc = ::posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) die("spawning a bench process: " + std::string(std::strerror(rc)));
    to_child_ = in[1];
    from_child_ = out[0];
}

Child::~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    const char quit[] = "quit\n";
    if (::write(to_child_, quit, sizeof quit - 1) < 0) {
    }
    ::close(to_child_);
    // A child that does not leave within 10 s is killed (the bench must not hang).
    for (int i = 0; i < 1000; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            ::close(from_child_);
            return;
        }
        ::usleep(10000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(from_child_);
}

void Child::send(const std::string& line) {
    const std::string l = line + "\n";
    if (::write(to_child_, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
        die("writing to bench process " + std::to_string(pid_));
}

std::string Child::answer(const std::string& what, int timeout_s) {
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        const auto nl = pending_.find('\n');
        if (nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            if (line.rfind("ok", 0) == 0) return line.size() > 3 ? line.substr(3) : std::string();
            die("'" + what + "' in process " + std::to_string(pid_) + " failed: " + line);
        }
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        const long left_ms = timeout_s * 1000L - ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left_ms <= 0) die("'" + what + "' in process " + std::to_string(pid_) + " gave no answer in time");
        pollfd p{from_child_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left_ms)) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::read(from_child_, buf, sizeof buf);
        if (n <= 0) die("bench process " + std::to_string(pid_) + " ended during '" + what + "'");
        pending_.append(buf, static_cast<std::size_t>(n));
    }
}

std::string Child::command(const std::string& line, int timeout_s) {
    send(line);
    return answer(line, timeout_s);
}

void Child::pause() {
    ::kill(pid_, SIGSTOP);
    // kill() returns before the process has stopped: wait until every thread
    // of it reads as stopped ('T' in /proc/<pid>/task/<tid>/stat), at most 5 s.
    const std::string tasks = "/proc/" + std::to_string(pid_) + "/task/";
    for (int i = 0; i < 5000; ++i) {
        bool all_stopped = true;
        if (DIR* d = ::opendir(tasks.c_str())) {
            while (const dirent* e = ::readdir(d)) {
                if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
                std::FILE* f = std::fopen((tasks + e->d_name + "/stat").c_str(), "r");
                char line[512] = {};
                if (f) {
                    if (!std::fgets(line, sizeof line, f)) line[0] = 0;
                    std::fclose(f);
                }
                const char* close_paren = std::strrchr(line, ')');
                if (!close_paren || close_paren[1] != ' ' || (close_paren[2] != 'T' && close_paren[2] != 't'))
                    all_stopped = false;
            }
            ::closedir(d);
        }
        if (all_stopped) return;
        ::usleep(1000);
    }
    die("bench process " + std::to_string(pid_) + " did not stop");
}
void Child::resume() { ::kill(pid_, SIGCONT); }

std::vector<double> numbers(const std::string& answer) {
    std::vector<double> v;
    std::istringstream in(answer);
    double x = 0;
    while (in >> x) v.push_back(x);
    return v;
}

bool read_command(std::string& line) { return static_cast<bool>(std::getline(std::cin, line)); }

void reply(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace bench_bridge
