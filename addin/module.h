// Module-wide counts behind DllCanUnloadNow: live objects (the add-in object
// and every reference to the class factory) and IClassFactory::LockServer
// locks. Plain atomics: nothing here runs at process exit.
#pragma once

namespace olstate::addin::module {

void object_created() noexcept;
void object_destroyed() noexcept;
void lock() noexcept;
void unlock() noexcept;
bool can_unload() noexcept;  // no object alive and no lock held

}  // namespace olstate::addin::module
