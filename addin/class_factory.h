// The add-in's IClassFactory: one static instance, whose references count
// as live objects of the module (DllCanUnloadNow says S_FALSE while a
// client holds it).
#pragma once

#include <unknwn.h>

namespace olstate::addin {

IClassFactory& class_factory() noexcept;

}  // namespace olstate::addin
