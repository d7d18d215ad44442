// olstate-monitor --install-addin [--addin-path PATH] / --uninstall-addin:
// per-user registration of the native Outlook add-in (olstate_addin.dll).
// Windows only; elsewhere the options fail with a clear message.
#pragma once

namespace olstate_monitor {

// Handles the add-in options when argv holds one of them and returns the
// exit code (0 done, 1 failed, 2 usage error); returns -1 when argv holds
// none, and the monitor goes on as usual.
int addin_command(int argc, char** argv);

}  // namespace olstate_monitor
