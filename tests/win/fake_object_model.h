// A stand-in for Outlook's object model in the Windows tests: IDispatch
// objects whose properties the test sets and changes (numbers, booleans,
// texts, child objects, a collection's Count and Item(i)), and a CallLog
// that records every GetIDsOfNames/Invoke with its thread and time, so a
// test can prove the object model was called on its owner thread only
// (Outlook's main thread) and measure what a read costs.
#pragma once

#include <oleauto.h>
#include <windows.h>

#include "dispatch_base.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace bridgetest {

// Every call into the fake objects that share it.
class CallLog {
public:
    struct Call {
        DWORD thread;
        LARGE_INTEGER at;
        std::wstring name;  // the property or method asked for
    };

    // The thread allowed to call (Outlook's main thread); 0: any.
    void set_owner(DWORD thread) { owner_ = thread; }
    void record(const std::wstring& name) {
        Call c{GetCurrentThreadId(), {}, name};
        QueryPerformanceCounter(&c.at);
        std::lock_guard lock(mutex_);
        if (owner_ != 0 && c.thread != owner_) ++violations_;
        calls_.push_back(std::move(c));
    }
    int violations() const {
        std::lock_guard lock(mutex_);
        return violations_;
    }
    std::vector<Call> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return calls_.size();
    }

private:
    mutable std::mutex mutex_;
    std::atomic<DWORD> owner_{0};
    int violations_ = 0;
    std::vector<Call> calls_;
};

class FakeObject final : public wintest::DispatchBase {
public:
    // An object with one property: a child object, or else a text.
    static FakeObject* create(const wchar_t* property, IDispatch* child, const wchar_t* text) {
        FakeObject* o = create_empty();
        if (child) o->set_object(property, child);
        else o->set_text(property, text);
        return o;
    }
    // An object with no property yet; `log` (may be null) records its calls.
    static FakeObject* create_empty(CallLog* log = nullptr) {
        return new FakeObject(log);  // the only place these are made
    }

    // Properties, set or changed at any time (thread-safe).
    void set_number(const std::wstring& name, long value) { put(name, Value{Kind::number, value, {}, nullptr}); }
    void set_bool(const std::wstring& name, bool value) { put(name, Value{Kind::boolean, value ? 1 : 0, {}, nullptr}); }
    void set_text(const std::wstring& name, const std::wstring& value) { put(name, Value{Kind::text, 0, value, nullptr}); }
    void set_object(const std::wstring& name, IDispatch* value) {
        if (value) value->AddRef();
        put(name, Value{Kind::object, 0, {}, value});
    }
    // Reading `name` fails with `hr` (0: answers again).
    void set_failure(const std::wstring& name, HRESULT hr) {
        std::lock_guard lock(mutex_);
        failures_[name] = hr;
    }
    // A collection: Count and Item(1..n), as Outlook's Accounts.
    void set_items(const std::vector<IDispatch*>& items) {
        std::vector<IDispatch*> old;
        for (IDispatch* i : items) i->AddRef();
        {
            std::lock_guard lock(mutex_);
            old.swap(items_);
            items_ = items;
            has_items_ = true;
        }
        for (IDispatch* i : old) i->Release();
    }

    HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID, LPOLESTR* names, UINT count, LCID, DISPID* ids) override {
        if (count != 1) return DISP_E_UNKNOWNNAME;
        std::lock_guard lock(mutex_);
        if (has_items_ && (_wcsicmp(names[0], L"Count") == 0 || _wcsicmp(names[0], L"Item") == 0)) {
            ids[0] = _wcsicmp(names[0], L"Count") == 0 ? kCount : kItem;
            return S_OK;
        }
        for (std::size_t i = 0; i < names_.size(); ++i) {
            if (_wcsicmp(names_[i].c_str(), names[0]) == 0) {
                ids[0] = static_cast<DISPID>(i + 1);
                return S_OK;
            }
        }
        return DISP_E_UNKNOWNNAME;
    }
    HRESULT STDMETHODCALLTYPE Invoke(DISPID id, REFIID, LCID, WORD flags, DISPPARAMS* params, VARIANT* result,
                                     EXCEPINFO*, UINT*) override {
        if (!(flags & DISPATCH_PROPERTYGET) || !result) return DISP_E_MEMBERNOTFOUND;
        std::lock_guard lock(mutex_);
        if (id == kCount || id == kItem) {
            if (log_) log_->record(id == kCount ? L"Count" : L"Item");
            if (id == kCount) {
                result->vt = VT_I4;
                result->lVal = static_cast<LONG>(items_.size());
                return S_OK;
            }
            if (!params || params->cArgs != 1 || params->rgvarg[0].vt != VT_I4) return DISP_E_BADPARAMCOUNT;
            const LONG i = params->rgvarg[0].lVal;
            if (i < 1 || i > static_cast<LONG>(items_.size())) return DISP_E_BADINDEX;
            items_[i - 1]->AddRef();
            result->vt = VT_DISPATCH;
            result->pdispVal = items_[i - 1];
            return S_OK;
        }
        if (id < 1 || static_cast<std::size_t>(id) > names_.size()) return DISP_E_MEMBERNOTFOUND;
        const std::wstring& name = names_[id - 1];
        if (log_) log_->record(name);
        if (const auto f = failures_.find(name); f != failures_.end() && FAILED(f->second)) return f->second;
        const Value& v = values_[name];
        switch (v.kind) {
            case Kind::number:
                result->vt = VT_I4;
                result->lVal = v.number;
                break;
            case Kind::boolean:
                result->vt = VT_BOOL;
                result->boolVal = v.number ? VARIANT_TRUE : VARIANT_FALSE;
                break;
            case Kind::text:
                result->vt = VT_BSTR;
                result->bstrVal = SysAllocString(v.text.c_str());
                break;
            case Kind::object:
                v.object->AddRef();
                result->vt = VT_DISPATCH;
                result->pdispVal = v.object;
                break;
        }
        return S_OK;
    }

private:
    enum class Kind { number, boolean, text, object };
    struct Value {
        Kind kind = Kind::number;
        long number = 0;
        std::wstring text;
        IDispatch* object = nullptr;  // owned
    };
    static constexpr DISPID kCount = 1000, kItem = 1001;

    explicit FakeObject(CallLog* log) : log_(log) {}
    ~FakeObject() override {
        for (auto& [name, v] : values_)
            if (v.object) v.object->Release();
        for (IDispatch* i : items_) i->Release();
    }
    void put(const std::wstring& name, Value value) {
        IDispatch* old = nullptr;
        {
            std::lock_guard lock(mutex_);
            bool known = false;
            for (const auto& n : names_) known = known || n == name;
            if (!known) names_.push_back(name);
            old = values_[name].object;
            values_[name] = std::move(value);
        }
        if (old) old->Release();
    }

    CallLog* const log_;
    std::mutex mutex_;
    std::vector<std::wstring> names_;  // DISPID = index + 1
    std::map<std::wstring, Value> values_;
    std::map<std::wstring, HRESULT> failures_;
    std::vector<IDispatch*> items_;
    bool has_items_ = false;
};

// Outlook's object model as far as olstate reads it: Application.Session
// (CurrentProfileName, ExchangeConnectionMode, Offline, Accounts), two
// accounts to start with; every call recorded in `log`.
struct FakeOutlook {
    CallLog log;
    FakeObject* application = FakeObject::create_empty(&log);
    FakeObject* names = FakeObject::create_empty(&log);  // Application.Session
    FakeObject* accounts = FakeObject::create_empty(&log);
    std::vector<FakeObject*> account_list;

    explicit FakeOutlook(const wchar_t* profile = L"Outlook") {
        application->set_object(L"Session", names);
        names->set_text(L"CurrentProfileName", profile);
        names->set_number(L"ExchangeConnectionMode", 700);  // olCachedConnectedFull
        names->set_bool(L"Offline", false);
        names->set_object(L"Accounts", accounts);
        add(L"Mailbox", L"me@example.com", 0, 700);  // olExchange
        add(L"Gmail", L"me@gmail.example", 1, 0);  // olImap, olNoExchange
    }
    ~FakeOutlook() {
        for (FakeObject* a : account_list) a->Release();
        accounts->Release();
        names->Release();
        application->Release();
    }
    FakeOutlook(const FakeOutlook&) = delete;
    FakeOutlook& operator=(const FakeOutlook&) = delete;

    void add(const wchar_t* name, const wchar_t* smtp, long type, long mode) {
        FakeObject* a = FakeObject::create_empty(&log);
        a->set_text(L"DisplayName", name);
        a->set_text(L"SmtpAddress", smtp);
        a->set_number(L"AccountType", type);
        a->set_number(L"ExchangeConnectionMode", mode);
        account_list.push_back(a);
        publish();
    }
    void remove(std::size_t i) {
        account_list[i]->Release();
        account_list.erase(account_list.begin() + static_cast<std::ptrdiff_t>(i));
        publish();
    }
    void publish() {
        std::vector<IDispatch*> items(account_list.begin(), account_list.end());
        accounts->set_items(items);
    }
    void set_mode(long mode) {
        names->set_number(L"ExchangeConnectionMode", mode);
        names->set_bool(L"Offline", mode >= 100 && mode <= 400);
    }
};

}  // namespace bridgetest
