// olstate-monitor --detect [--json]: which Outlook this user has (classic or
// the new one, installed, running, chosen), without opening a session.
#pragma once

namespace olstate_monitor {

// Handles --detect when argv holds it and returns the exit code (0 printed,
// 1 olstate failed, 2 usage error); returns -1 when argv does not hold it.
int detect_command(int argc, char** argv);

}  // namespace olstate_monitor
