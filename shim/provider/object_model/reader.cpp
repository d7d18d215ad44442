#include "reader.h"

#include <olstate.h>

#include <algorithm>
#include <new>

#include "com/hresult_names.h"
#include "connection_values.h"
#include "dispatch_win.h"

namespace olstate::provider::object_model {

namespace {

// A failed read, as the contract's PROVIDER_FAILED with the property's path.
Status failed(const std::string& path, HRESULT hr) {
    return Status{OLSTATE_E_PROVIDER_FAILED,
                  "reading Outlook's object model: " + path + " failed: " +
                      com::describe_hresult(static_cast<com::HRESULT>(hr)),
                  static_cast<std::int32_t>(hr)};
}
Status unexpected(const std::string& path, const std::string& what) {
    return Status{OLSTATE_E_PROVIDER_FAILED, "reading Outlook's object model: " + path + " " + what, 0};
}

// object.name into `out`; a failure names `path`.
Status get(IDispatch* object, const wchar_t* name, const std::string& path, Variant& out,
           std::optional<long> index = std::nullopt) {
    const HRESULT hr = get_property(object, name, out, index);
    return FAILED(hr) ? failed(path, hr) : Status{};
}

Status get_mode(IDispatch* object, const std::string& path, std::uint32_t& out) {
    Variant v;
    if (Status s = get(object, L"ExchangeConnectionMode", path, v); !s.ok()) return s;
    const auto number = v.as_integer();
    if (!number) return unexpected(path, "is not a number");
    const auto mode = connection_mode(*number);
    if (!mode)
        return unexpected(path, "is " + std::to_string(*number) + ", not an OlExchangeConnectionMode value");
    out = *mode;
    return {};
}

Status get_text(IDispatch* object, const wchar_t* name, const std::string& path, std::string& out) {
    Variant v;
    if (Status s = get(object, name, path, v); !s.ok()) return s;
    auto text = v.as_utf8();
    if (!text) return unexpected(path, "is not text");
    out = fit_text(*text, OLSTATE_ACCOUNT_TEXT_SIZE - 1);
    return {};
}

Status read_account(IDispatch* accounts, long index, SmtpAddress smtp, Account& out) {
    const std::string path = "Session.Accounts.Item(" + std::to_string(index) + ")";
    Variant item;
    if (Status s = get(accounts, L"Item", path, item, index); !s.ok()) return s;
    IDispatch* account = item.as_dispatch();
    if (!account) return unexpected(path, "is not an object");
    if (Status s = get_text(account, L"DisplayName", path + ".DisplayName", out.display_name); !s.ok()) return s;
    if (smtp == SmtpAddress::read) {
        if (Status s = get_text(account, L"SmtpAddress", path + ".SmtpAddress", out.smtp_address); !s.ok())
            return s;
    }
    Variant type;
    if (Status s = get(account, L"AccountType", path + ".AccountType", type); !s.ok()) return s;
    const auto number = type.as_integer();
    if (!number) return unexpected(path + ".AccountType", "is not a number");
    out.type = account_type(*number);
    return get_mode(account, path + ".ExchangeConnectionMode", out.mode);
}

Status read(IDispatch* application, Connection& out, SmtpAddress smtp) {
    Variant session;
    if (Status s = get(application, L"Session", "Application.Session", session); !s.ok()) return s;
    IDispatch* names = session.as_dispatch();
    if (!names) return unexpected("Application.Session", "is not an object");

    if (Status s = get_mode(names, "Session.ExchangeConnectionMode", out.mode); !s.ok()) return s;
    Variant offline;
    if (Status s = get(names, L"Offline", "Session.Offline", offline); !s.ok()) return s;
    const auto is_offline = offline.as_bool();
    if (!is_offline) return unexpected("Session.Offline", "is not a boolean");
    out.offline = *is_offline;

    Variant list;
    if (Status s = get(names, L"Accounts", "Session.Accounts", list); !s.ok()) return s;
    IDispatch* accounts = list.as_dispatch();
    if (!accounts) return unexpected("Session.Accounts", "is not an object");
    Variant count;
    if (Status s = get(accounts, L"Count", "Session.Accounts.Count", count); !s.ok()) return s;
    const auto n = count.as_integer();
    if (!n || *n < 0) return unexpected("Session.Accounts.Count", "is not a count");
    const long read_count = static_cast<long>(std::min<std::int64_t>(*n, OLSTATE_MAX_ACCOUNTS));
    out.accounts.clear();
    out.accounts.reserve(static_cast<std::size_t>(read_count));
    for (long i = 1; i <= read_count; ++i) {  // Outlook's collections count from 1
        Account account;
        if (Status s = read_account(accounts, i, smtp, account); !s.ok()) return s;
        out.accounts.push_back(std::move(account));
    }
    return {};
}

}  // namespace

Status read_connection(IDispatch* application, Connection& out, SmtpAddress smtp) noexcept {
    try {
        if (!application)
            return Status{OLSTATE_E_INVALID_ARGUMENT, "reading Outlook's object model: no Application object", 0};
        Connection snapshot;
        Status status = read(application, snapshot, smtp);
        if (status.ok()) out = std::move(snapshot);
        return status;
    } catch (const std::bad_alloc&) {
        return Status{OLSTATE_E_OUT_OF_MEMORY, "reading Outlook's object model: out of memory", 0};
    } catch (...) {
        return Status{OLSTATE_E_PROVIDER_FAILED, "reading Outlook's object model: unexpected failure", 0};
    }
}

}  // namespace olstate::provider::object_model
