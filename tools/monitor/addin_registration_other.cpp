// The add-in registration options outside Windows: a clear refusal.
#include <cstdio>
#include <cstring>

#include "addin_registration.h"

namespace olstate_monitor {

int addin_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--install-addin") == 0 || std::strcmp(argv[i], "--uninstall-addin") == 0 ||
            std::strcmp(argv[i], "--addin-path") == 0) {
            std::fprintf(stderr,
                         "olstate-monitor: %s is Windows only: it registers the Outlook add-in "
                         "olstate_addin.dll for the current user (see docs/windows.md)\n",
                         argv[i]);
            return 2;
        }
    }
    return -1;
}

}  // namespace olstate_monitor
