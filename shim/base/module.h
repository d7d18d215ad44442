// The olstate library's own module: where it was loaded from, and keeping it
// loaded once threads of its own (or thread-exit hooks) run its code.
#pragma once

#include <string>

namespace olstate {

// The folder holding the olstate library itself (the executable's folder in
// a static build), with a trailing separator. Found through the module's own
// address, never through a search path or the current directory. Throws
// Failure(OLSTATE_E_INTERNAL).
std::string olstate_module_dir();

// Keeps the olstate library loaded for the life of the process once a thread
// of its own exists (dispatcher threads run its code).
void pin_olstate_module() noexcept;

}  // namespace olstate
