// The Windows test programs' one check: a failed condition is printed with
// olstate's last error and counted in the program's own failure counter
// (each program defines EXPECT over it and exits non-zero when it is not 0).
#pragma once

#include <olstate.h>

#include <cstdio>

#define WINTEST_EXPECT_IN(counter, cond)                                                                   \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            std::printf("FAIL %s:%d: %s (last error: %s)\n", __FILE__, __LINE__, #cond,                   \
                        olstate_last_error_message());                                                     \
            ++(counter);                                                                                   \
        }                                                                                                  \
    } while (0)
