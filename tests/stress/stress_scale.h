// How much longer than the default a stress run is: OLSTATE_STRESS_SCALE=N
// multiplies every test's iterations (default 1; anything not a positive
// number counts as 1).
#pragma once

#include <cstdlib>

namespace test {

inline int scale() {
    const char* s = std::getenv("OLSTATE_STRESS_SCALE");
    const int n = s ? std::atoi(s) : 1;
    return n > 0 ? n : 1;
}

}  // namespace test
