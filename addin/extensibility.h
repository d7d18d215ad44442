// IDTExtensibility2, the interface Office hosts call on a COM add-in,
// declared from Microsoft's documentation (MinGW's headers lack it; the
// reference copy lives in Office's type library MSADDNDR.DLL).
//
// It derives from IDispatch; the five methods follow IDispatch's slots in
// this order. Office calls them through the vtable after QueryInterface for
// IID_IDTExtensibility2.
#pragma once

#include <oaidl.h>
#include <objbase.h>

#include <type_traits>

namespace olstate::addin {

// How the add-in was connected (ext_ConnectMode).
enum ext_ConnectMode : int {
    ext_cm_AfterStartup = 0,  // loaded after the host started (e.g. from the COM Add-ins dialog)
    ext_cm_Startup = 1,       // loaded while the host starts
    ext_cm_External = 2,
    ext_cm_CommandLine = 3,
    ext_cm_Solution = 4,
    ext_cm_UISetup = 5,
};

// Why it is being disconnected (ext_DisconnectMode).
enum ext_DisconnectMode : int {
    ext_dm_HostShutdown = 0,  // the host is closing
    ext_dm_UserClosed = 1,    // the user unloaded the add-in
    ext_dm_UISetupComplete = 2,
    ext_dm_SolutionClosed = 3,
};

// {B65AD801-ABAF-11D0-BB8B-00A0C90F2744}
inline constexpr IID IID_IDTExtensibility2 = {0xB65AD801, 0xABAF, 0x11D0,
                                              {0xBB, 0x8B, 0x00, 0xA0, 0xC9, 0x0F, 0x27, 0x44}};

struct IDTExtensibility2 : public IDispatch {
    virtual HRESULT STDMETHODCALLTYPE OnConnection(IDispatch* application, ext_ConnectMode mode,
                                                   IDispatch* addin_instance, SAFEARRAY** custom) = 0;
    virtual HRESULT STDMETHODCALLTYPE OnDisconnection(ext_DisconnectMode mode, SAFEARRAY** custom) = 0;
    virtual HRESULT STDMETHODCALLTYPE OnAddInsUpdate(SAFEARRAY** custom) = 0;
    virtual HRESULT STDMETHODCALLTYPE OnStartupComplete(SAFEARRAY** custom) = 0;
    virtual HRESULT STDMETHODCALLTYPE OnBeginShutdown(SAFEARRAY** custom) = 0;
};

static_assert(sizeof(ext_ConnectMode) == 4 && sizeof(ext_DisconnectMode) == 4, "enums travel as 32-bit ints");

#if defined(__i386__)
// 32-bit Outlook calls these with __stdcall; a missing STDMETHODCALLTYPE
// would corrupt its stack, and this build cannot run 32-bit code to notice.
static_assert(std::is_same_v<decltype(&IDTExtensibility2::OnConnection),
                             HRESULT (__stdcall IDTExtensibility2::*)(IDispatch*, ext_ConnectMode, IDispatch*,
                                                                      SAFEARRAY**)>);
static_assert(std::is_same_v<decltype(&IDTExtensibility2::OnDisconnection),
                             HRESULT (__stdcall IDTExtensibility2::*)(ext_DisconnectMode, SAFEARRAY**)>);
static_assert(std::is_same_v<decltype(&IDTExtensibility2::OnBeginShutdown),
                             HRESULT (__stdcall IDTExtensibility2::*)(SAFEARRAY**)>);
#endif

}  // namespace olstate::addin
