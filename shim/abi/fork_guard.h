// fork() policy: a child of a process that uses olstate may not use it. The
// child has copies of every session, but none of their threads (dispatcher,
// bridge links, the provider's), and locks other threads held at the fork
// stay held forever; a close would wait without end. So in the child every
// olstate_ function that works on sessions or bridges fails at once with
// OLSTATE_E_NOT_SUPPORTED (the exception firewall asks here), and the child
// should exec or exit. Windows has no fork: always false there.
#pragma once

namespace olstate::abi {

// True in a child created by fork() after this library was loaded.
bool in_forked_child() noexcept;

}  // namespace olstate::abi
