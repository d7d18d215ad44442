// The add-in's identity, shared by the DLL and by its registration in
// olstate-monitor (--install-addin / --uninstall-addin). Plain constants: no
// COM or Windows header needed to include it.
#pragma once

namespace olstate::addin {

// The COM class Outlook creates: {5B6C2B1E-7F0A-4C55-9D1B-0A5E0C6B7A31}.
inline constexpr const wchar_t* kClsidText = L"{5B6C2B1E-7F0A-4C55-9D1B-0A5E0C6B7A31}";
inline constexpr unsigned long kClsidData1 = 0x5B6C2B1Eul;
inline constexpr unsigned short kClsidData2 = 0x7F0A;
inline constexpr unsigned short kClsidData3 = 0x4C55;
inline constexpr unsigned char kClsidData4[8] = {0x9D, 0x1B, 0x0A, 0x5E, 0x0C, 0x6B, 0x7A, 0x31};

// The ProgID: also the name of the key under Outlook\Addins.
inline constexpr const wchar_t* kProgId = L"olstate.OutlookBridge";
inline constexpr const wchar_t* kFriendlyName = L"olstate bridge";
inline constexpr const wchar_t* kDescription =
    L"Publishes Outlook's online/offline state to programs of the same user (olstate bridge)";
inline constexpr const wchar_t* kDllName = L"olstate_addin.dll";

// Per-user policy the add-in reads at connection (HKCU, DWORD values).
inline constexpr const wchar_t* kPolicyKey = L"Software\\olstate\\Bridge";
inline constexpr const wchar_t* kAllowSetStateValue = L"AllowSetState";  // 1: clients may change the state

}  // namespace olstate::addin
