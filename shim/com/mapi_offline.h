// Outlook's Offline State API, declared from Microsoft's documentation
// (the Offline State API pages of the Outlook MAPI reference and its "Sample
// Offline State Add-in" pages), cross-checked against independent headers
// that declare the same interfaces: IIDs, constants, structs and
// the three interfaces with every placeholder slot, so that slot numbers match
// Outlook's vtables exactly (Advise is slot 7, Unadvise slot 8).
#pragma once

#include <cstddef>
#include <type_traits>

#include "com_types.h"

namespace olstate::com {

// {000672B5-0000-0000-C000-000000000046}
inline constexpr Guid IID_IMAPIOffline = {0x000672B5, 0x0000, 0x0000,
                                          {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
// {42175607-FF3E-4790-BC18-66C8643E6424}
inline constexpr Guid IID_IMAPIOfflineMgr = {0x42175607, 0xFF3E, 0x4790,
                                             {0xBC, 0x18, 0x66, 0xC8, 0x64, 0x3E, 0x64, 0x24}};
// {0317BDE5-FC29-44CD-8DCD-36125A3BE9EC}
inline constexpr Guid IID_IMAPIOfflineNotify = {0x0317BDE5, 0xFC29, 0x44CD,
                                                {0x8D, 0xCD, 0x36, 0x12, 0x5A, 0x3B, 0xE9, 0xEC}};
// {FBEFFD93-B11F-4094-842B-96DCD31E63D1}: the only object HrOpenOfflineObj opens.
inline constexpr Guid GUID_GlobalState = {0xFBEFFD93, 0xB11F, 0x4094,
                                          {0x84, 0x2B, 0x96, 0xDC, 0xD3, 0x1E, 0x63, 0xD1}};

constexpr ULONG MAPIOFFLINE_ADVISE_DEFAULT = 0;
constexpr ULONG MAPIOFFLINE_UNADVISE_DEFAULT = 0;
constexpr ULONG MAPIOFFLINE_ADVISE_TYPE_STATECHANGE = 1;
constexpr ULONG MAPIOFFLINE_CAPABILITY_OFFLINE = 0x1;
constexpr ULONG MAPIOFFLINE_CAPABILITY_ONLINE = 0x2;
constexpr ULONG MAPIOFFLINE_FLAG_DEFAULT = 0x00000000;
constexpr ULONG MAPIOFFLINE_FLAG_BLOCK = 0x00002000;
constexpr ULONG MAPIOFFLINE_STATE_ALL = 0x003F037F;
constexpr ULONG MAPIOFFLINE_STATE_OFFLINE_MASK = 0x00000003;
constexpr ULONG MAPIOFFLINE_STATE_OFFLINE = 0x00000001;
constexpr ULONG MAPIOFFLINE_STATE_ONLINE = 0x00000002;

// Enums are 32-bit under MSVC and GCC (no -fshort-enums): pin that.
enum MAPIOFFLINE_CALLBACK_TYPE : std::uint32_t { MAPIOFFLINE_CALLBACK_TYPE_NOTIFY = 0 };
enum MAPIOFFLINE_NOTIFY_TYPE : std::uint32_t {
    MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_START = 1,
    MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE = 2,
    MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE_DONE = 3,
};

struct MAPIOFFLINE_ADVISEINFO {
    ULONG ulSize;
    ULONG ulClientToken;
    MAPIOFFLINE_CALLBACK_TYPE CallbackType;
    IUnknown* pCallback;
    ULONG ulAdviseTypes;
    ULONG ulStateMask;
};

struct MAPIOFFLINE_NOTIFY {
    ULONG ulSize;
    MAPIOFFLINE_NOTIFY_TYPE NotifyType;
    ULONG ulClientToken;
    union {
        struct {
            ULONG ulMask;
            ULONG ulStateOld;
            ULONG ulStateNew;
        } StateChange;
    } Info;
};

// Layouts from the documentation, per pointer size (x86 24/12, x64 32/16).
static_assert(sizeof(ULONG) == 4 && sizeof(HRESULT) == 4);
static_assert(sizeof(MAPIOFFLINE_CALLBACK_TYPE) == 4 && sizeof(MAPIOFFLINE_NOTIFY_TYPE) == 4);
static_assert(sizeof(MAPIOFFLINE_NOTIFY) == 24);
static_assert(offsetof(MAPIOFFLINE_NOTIFY, NotifyType) == 4);
static_assert(offsetof(MAPIOFFLINE_NOTIFY, ulClientToken) == 8);
static_assert(offsetof(MAPIOFFLINE_NOTIFY, Info) == 12);
static_assert(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateOld) == 16);
static_assert(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateNew) == 20);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, ulClientToken) == 4);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, CallbackType) == 8);
#if UINTPTR_MAX == 0xFFFFFFFFu
static_assert(sizeof(MAPIOFFLINE_ADVISEINFO) == 24);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, pCallback) == 12);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, ulAdviseTypes) == 16);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, ulStateMask) == 20);
#else
static_assert(sizeof(MAPIOFFLINE_ADVISEINFO) == 32);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, pCallback) == 16);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, ulAdviseTypes) == 24);
static_assert(offsetof(MAPIOFFLINE_ADVISEINFO, ulStateMask) == 28);
#endif

// Slots 3-6: SetCurrentState, GetCapabilities, GetCurrentState, one placeholder.
struct IMAPIOffline : IUnknown {
    virtual HRESULT OLSTATE_COM_CALL SetCurrentState(ULONG ulFlags, ULONG ulMask, ULONG ulState,
                                                     void* pReserved) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetCapabilities(ULONG* pulCapabilities) = 0;
    virtual HRESULT OLSTATE_COM_CALL GetCurrentState(ULONG* pulState) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder1(void*) = 0;  // reserved by Outlook: never call

protected:
    ~IMAPIOffline() = default;
};

// Slots 7-8: Advise, Unadvise; then seven placeholders (slots 9-15).
struct IMAPIOfflineMgr : IMAPIOffline {
    virtual HRESULT OLSTATE_COM_CALL Advise(ULONG ulFlags, MAPIOFFLINE_ADVISEINFO* pAdviseInfo,
                                            ULONG* pulAdviseToken) = 0;
    virtual HRESULT OLSTATE_COM_CALL Unadvise(ULONG ulFlags, ULONG ulAdviseToken) = 0;
    // Reserved by Outlook: never call.
    virtual HRESULT OLSTATE_COM_CALL Placeholder2(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder3(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder4(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder5(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder6(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder7(void*) = 0;
    virtual HRESULT OLSTATE_COM_CALL Placeholder8(void*) = 0;

protected:
    ~IMAPIOfflineMgr() = default;
};

// Slot 3: Notify, which returns nothing.
struct IMAPIOfflineNotify : IUnknown {
    virtual void OLSTATE_COM_CALL Notify(const MAPIOFFLINE_NOTIFY* pNotifyInfo) = 0;

protected:
    ~IMAPIOfflineNotify() = default;
};

// HrOpenOfflineObj, exported by Outlook's MAPI DLL (and by olstate_sim).
// x86 export name "HrOpenOfflineObj@20"; x64 "HrOpenOfflineObj".
using HrOpenOfflineObjFn = HRESULT(OLSTATE_COM_CALL*)(ULONG ulReserved,
                                                      const char16_t* pwszProfileName,
                                                      const Guid* pGUID, const Guid* pReserved,
                                                      IMAPIOfflineMgr** ppOfflineObj);

// On 32-bit x86 a missing __stdcall would corrupt the stack at run time;
// prove the convention at compile time instead.
#if defined(_WIN32) && defined(__i386__)
static_assert(std::is_same_v<decltype(&IMAPIOffline::GetCapabilities),
                             HRESULT(__stdcall IMAPIOffline::*)(ULONG*)>);
static_assert(std::is_same_v<decltype(&IMAPIOfflineMgr::Unadvise),
                             HRESULT(__stdcall IMAPIOfflineMgr::*)(ULONG, ULONG)>);
static_assert(std::is_same_v<decltype(&IMAPIOfflineNotify::Notify),
                             void(__stdcall IMAPIOfflineNotify::*)(const MAPIOFFLINE_NOTIFY*)>);
static_assert(std::is_same_v<decltype(&IUnknown::Release), ULONG(__stdcall IUnknown::*)()>);
#endif

}  // namespace olstate::com
