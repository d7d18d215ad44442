// A process of the bridge bench: this same executable started in a role
// (`olstate-bench --bridge-role host|client ...`), driven by one text
// command per line on its stdin and answering one line on its stdout.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace bench_bridge {

class Child {
public:
    explicit Child(const std::vector<std::string>& args);  // exits the bench on failure
    ~Child();  // says quit, waits; kills a child that does not go
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // Sends a command and waits for its answer line ("ok ..." is returned
    // without "ok "; anything else ends the bench with a message).
    std::string command(const std::string& line, int timeout_s = 120);
    // The two halves, for a command that runs while the driver does
    // something else (the polling client).
    void send(const std::string& line);
    std::string answer(const std::string& what, int timeout_s = 120);

    void pause();   // SIGSTOP, and waits until it took effect: the process reads nothing
    void resume();  // SIGCONT

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    std::string pending_;  // bytes read past the last answer line
};

// The answer's fields, separated by spaces.
std::vector<double> numbers(const std::string& answer);

// In a child: read one command line from stdin (false at end of input) and
// answer one line.
bool read_command(std::string& line);
void reply(const std::string& line);

}  // namespace bench_bridge
