// A fresh private folder (mkdtemp: 0700) for the unit tests that make
// bridge endpoints, removed with everything in it afterwards.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <unistd.h>

struct Scratch {
    std::string path;
    Scratch() {
        char tmpl[] = "/tmp/olstate-unit-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        REQUIRE(made != nullptr);
        path = made;
    }
    ~Scratch() {
        const std::string cmd = "rm -rf '" + path + "'";
        [[maybe_unused]] const int rc = std::system(cmd.c_str());
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
};
