// The HRESULTs the tests make providers fail with, in one table (the shim's
// own names for them are in shim/com/hresult_names.cpp).
#pragma once

#include <cstdint>

namespace test {

constexpr std::int32_t kEFail = static_cast<std::int32_t>(0x80004005u);
constexpr std::int32_t kEInvalidArg = static_cast<std::int32_t>(0x80070057u);
constexpr std::int32_t kENoInterface = static_cast<std::int32_t>(0x80004002u);
constexpr std::int32_t kEOutOfMemory = static_cast<std::int32_t>(0x8007000Eu);
constexpr std::int32_t kENotImpl = static_cast<std::int32_t>(0x80004001u);
constexpr std::int32_t kEAccessDenied = static_cast<std::int32_t>(0x80070005u);
constexpr std::int32_t kEPending = static_cast<std::int32_t>(0x8000000Au);
constexpr std::int32_t kEUnexpected = static_cast<std::int32_t>(0x8000FFFFu);
constexpr std::int32_t kNotFound = static_cast<std::int32_t>(0x8004010Fu);     // MAPI_E_NOT_FOUND
constexpr std::int32_t kNoSupport = static_cast<std::int32_t>(0x80040102u);    // MAPI_E_NO_SUPPORT

}  // namespace test
