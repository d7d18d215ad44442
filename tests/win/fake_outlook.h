// A stand-in for a running Outlook's object model, as the no-add-in fallback
// provider reads it from outside: Application.Session (NameSpace) with
// ExchangeConnectionMode, Offline, CurrentProfileName and Accounts (Count,
// Item(i): DisplayName, AccountType, ExchangeConnectionMode), the values
// shared with the test that changes them. It counts every read of a property
// on the object-model guard's list (Account.SmtpAddress, Account.CurrentUser,
// NameSpace.CurrentUser) so a test can prove none is read. Free-threaded:
// registered from a multithreaded apartment and called from the provider's
// (object_model_fallback.cpp), or served from another process
// (fake_outlook_server.cpp).
// Not fake_object_model.h (the owner-thread tests' fake, whose properties
// are set one by one): here the provider's thread reads while the test
// changes the world, so each Session read sees one consistent snapshot,
// never half a change.
#pragma once

#include <oleauto.h>
#include <windows.h>

#include "dispatch_base.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace fakeoutlook {

// Outlook.Application's class id ({0006F03A-0000-0000-C000-000000000046},
// the one Outlook registers for the ProgID).
inline const CLSID kApplicationClsid = {0x0006F03A, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

struct FakeAccount {
    std::wstring name;
    int type = 0;  // OlAccountType
    int mode = 0;  // OlExchangeConnectionMode
};

// What the fake shows; the test changes it under the lock.
struct World {
    std::mutex mutex;
    int mode = 700;
    bool offline = false;
    std::wstring profile = L"Outlook";
    std::vector<FakeAccount> accounts;
    std::atomic<int> guarded_reads{0};
    std::atomic<int> reads{0};
    // Application.Session does not answer while set (a hung Outlook, so a
    // test can end the process in the middle of a read).
    std::atomic<bool> stalled{false};
};

// One IDispatch whose properties are named getters.
class Object final : public wintest::DispatchBase {
public:
    using Getter = std::function<HRESULT(DISPPARAMS*, VARIANT*)>;
    static IDispatch* make(std::vector<std::pair<std::wstring, Getter>> properties) {
        return new Object(std::move(properties));  // the only place these are made
    }
    HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID, LPOLESTR* names, UINT count, LCID, DISPID* ids) override {
        if (count != 1) return DISP_E_UNKNOWNNAME;
        for (std::size_t i = 0; i < properties_.size(); ++i) {
            if (_wcsicmp(names[0], properties_[i].first.c_str()) == 0) {
                ids[0] = static_cast<DISPID>(i + 1);
                return S_OK;
            }
        }
        return DISP_E_UNKNOWNNAME;
    }
    HRESULT STDMETHODCALLTYPE Invoke(DISPID id, REFIID, LCID, WORD flags, DISPPARAMS* params, VARIANT* result,
                                     EXCEPINFO*, UINT*) override {
        if (id < 1 || static_cast<std::size_t>(id) > properties_.size() || !result) return DISP_E_MEMBERNOTFOUND;
        if (!(flags & (DISPATCH_PROPERTYGET | DISPATCH_METHOD))) return DISP_E_MEMBERNOTFOUND;
        VariantInit(result);
        return properties_[static_cast<std::size_t>(id - 1)].second(params, result);
    }

private:
    explicit Object(std::vector<std::pair<std::wstring, Getter>> properties) : properties_(std::move(properties)) {}
    ~Object() override = default;
    std::vector<std::pair<std::wstring, Getter>> properties_;
};

inline HRESULT integer(VARIANT* out, int value) {
    out->vt = VT_I4;
    out->lVal = value;
    return S_OK;
}
inline HRESULT text(VARIANT* out, const std::wstring& value) {
    out->vt = VT_BSTR;
    out->bstrVal = SysAllocString(value.c_str());
    return S_OK;
}
inline HRESULT object(VARIANT* out, IDispatch* value) {
    out->vt = VT_DISPATCH;
    out->pdispVal = value;
    return S_OK;
}

// What one Application.Session read sees: the world copied when Session is
// got, so one read of the provider (one Session) is consistent however the
// test changes the world meanwhile.
struct Snapshot {
    int mode = 0;
    bool offline = false;
    std::wstring profile;
    std::vector<FakeAccount> accounts;
};

inline IDispatch* make_account(const std::shared_ptr<World>& w, const std::shared_ptr<const Snapshot>& s,
                               std::size_t index) {
    auto field = [w, s, index](auto pick) {
        return [w, s, index, pick](DISPPARAMS*, VARIANT* out) -> HRESULT {
            if (index >= s->accounts.size()) return DISP_E_BADINDEX;
            ++w->reads;
            return pick(s->accounts[index], out);
        };
    };
    auto guarded = [w](DISPPARAMS*, VARIANT* out) -> HRESULT {
        ++w->guarded_reads;
        return text(out, L"guarded@example.com");
    };
    return Object::make({
        {L"DisplayName", field([](const FakeAccount& a, VARIANT* out) { return text(out, a.name); })},
        {L"AccountType", field([](const FakeAccount& a, VARIANT* out) { return integer(out, a.type); })},
        {L"ExchangeConnectionMode", field([](const FakeAccount& a, VARIANT* out) { return integer(out, a.mode); })},
        {L"SmtpAddress", guarded},
        {L"CurrentUser", guarded},
    });
}

inline IDispatch* make_session(const std::shared_ptr<World>& w, const std::shared_ptr<const Snapshot>& s) {
    auto accounts = [w, s](DISPPARAMS*, VARIANT* out) -> HRESULT {
        return object(out, Object::make({
            {L"Count", [s](DISPPARAMS*, VARIANT* o) -> HRESULT {
                 return integer(o, static_cast<int>(s->accounts.size()));
             }},
            {L"Item", [w, s](DISPPARAMS* p, VARIANT* o) -> HRESULT {
                 if (!p || p->cArgs != 1) return DISP_E_BADPARAMCOUNT;
                 VARIANT i;
                 VariantInit(&i);
                 if (FAILED(VariantChangeType(&i, &p->rgvarg[0], 0, VT_I4))) return DISP_E_TYPEMISMATCH;
                 if (i.lVal < 1) return DISP_E_BADINDEX;
                 return object(o, make_account(w, s, static_cast<std::size_t>(i.lVal - 1)));  // 1-based, as Outlook
             }},
        }));
    };
    return Object::make({
        {L"ExchangeConnectionMode", [w, s](DISPPARAMS*, VARIANT* o) -> HRESULT {
             ++w->reads;
             return integer(o, s->mode);
         }},
        {L"Offline", [s](DISPPARAMS*, VARIANT* o) -> HRESULT {
             o->vt = VT_BOOL;
             o->boolVal = s->offline ? VARIANT_TRUE : VARIANT_FALSE;
             return S_OK;
         }},
        {L"CurrentProfileName", [s](DISPPARAMS*, VARIANT* o) -> HRESULT { return text(o, s->profile); }},
        {L"Accounts", accounts},
        {L"CurrentUser", [w](DISPPARAMS*, VARIANT* o) -> HRESULT {
             ++w->guarded_reads;
             return text(o, L"guarded");
         }},
    });
}

inline IDispatch* make_application(const std::shared_ptr<World>& w) {
    return Object::make({{L"Session", [w](DISPPARAMS*, VARIANT* out) -> HRESULT {
                              while (w->stalled) Sleep(20);
                              auto s = std::make_shared<Snapshot>();
                              {
                                  std::lock_guard lock(w->mutex);
                                  s->mode = w->mode;
                                  s->offline = w->offline;
                                  s->profile = w->profile;
                                  s->accounts = w->accounts;
                              }
                              return object(out, make_session(w, s));
                          }}});
}

// The ProgID Outlook registers, under HKLM (Wine ignores per-user classes).
inline bool register_progid() {
    HKEY key = nullptr;
    if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Classes\\Outlook.Application\\CLSID", 0, nullptr, 0,
                        KEY_WRITE, nullptr, &key, nullptr) != ERROR_SUCCESS)
        return false;
    const wchar_t* clsid = L"{0006F03A-0000-0000-C000-000000000046}";
    const LONG set = RegSetValueExW(key, nullptr, 0, REG_SZ, reinterpret_cast<const BYTE*>(clsid),
                                    static_cast<DWORD>((wcslen(clsid) + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    return set == ERROR_SUCCESS;
}

}  // namespace fakeoutlook
