// Reading Outlook's Exchange connection from its object model (ABI 1.3):
// Application.Session (the NameSpace) .ExchangeConnectionMode, .Offline and
// .Accounts (Count, Item(i): DisplayName, SmtpAddress, AccountType,
// ExchangeConnectionMode), through IDispatch late binding (no type library).
//
// The caller's thread must be the one the object model belongs to (Outlook's
// main thread, or a thread whose proxy to Outlook it is): this reads, it
// never carries a call anywhere. One read is several calls into Outlook;
// nothing is kept between reads (every reference is released on return).
//
// Used by the COM provider inside Outlook (the Application an add-in got)
// and by the no-add-in fallback provider (the Application of a running
// Outlook, from outside). Keep this interface stable: both depend on it.
//
// Windows only.
#pragma once

#include <oaidl.h>

#include "provider/provider.h"

namespace olstate::provider::object_model {

// Whether Account.SmtpAddress is read. It is on Microsoft's list of
// properties protected by Outlook's object-model guard ("Protected
// Properties and Methods", Outlook VBA reference: Account.CurrentUser and
// Account.SmtpAddress), so an untrusted caller may make Outlook prompt the
// user. The Application Outlook hands to a COM or VSTO add-in is trusted
// (no prompt): `read`. From another process it is not: `skip`, and every
// smtp_address is "" (what the header promises when it cannot be read
// without the guard prompting).
enum class SmtpAddress { skip, read };

// Reads one snapshot into `out` (replaced only on success). Accounts beyond
// OLSTATE_MAX_ACCOUNTS are not read (the first ones, in Outlook's order);
// texts are cut at a UTF-8 character boundary to fit olstate_account.
//
// Properties read, all checked against Microsoft's list of guarded ones
// (none of them is on it except Account.SmtpAddress, see above):
// Application.Session, NameSpace.ExchangeConnectionMode, NameSpace.Offline,
// NameSpace.Accounts, Accounts.Count, Accounts.Item, Account.DisplayName,
// Account.AccountType, Account.ExchangeConnectionMode. Never read:
// NameSpace.CurrentUser, Account.CurrentUser (guarded).
//
// Errors: INVALID_ARGUMENT (null application), PROVIDER_FAILED naming the
// property that failed and its HRESULT (e.g. "Session.Accounts.Item(2)
// .ExchangeConnectionMode failed: DISP_E_MEMBERNOTFOUND (0x80020003)"),
// or an unexpected value; OUT_OF_MEMORY. Never throws.
Status read_connection(IDispatch* application, Connection& out, SmtpAddress smtp = SmtpAddress::skip) noexcept;

}  // namespace olstate::provider::object_model
