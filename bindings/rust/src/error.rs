//! The [`Error`] type and its [`ErrorCode`].

use std::ffi::CStr;
use std::fmt;

use crate::sys;

/// What went wrong: one variant per `OLSTATE_E_*` result of the C library,
/// plus the failures this binding detects itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `OLSTATE_E_INVALID_ARGUMENT`: a bad argument (for example a profile
    /// name with an interior NUL, a provider path that is not UTF-8, or a
    /// provider path given with a provider other than
    /// [`Provider::Library`](crate::Provider::Library)).
    InvalidArgument,
    /// `OLSTATE_E_INVALID_HANDLE`: the session was closed, or the
    /// subscription no longer exists.
    InvalidHandle,
    /// `OLSTATE_E_PROVIDER_NOT_FOUND`: no provider library could be loaded,
    /// or no bridge is running.
    ProviderNotFound,
    /// `OLSTATE_E_PROFILE_NOT_FOUND`: the profile does not exist, or there
    /// is no default profile.
    ProfileNotFound,
    /// `OLSTATE_E_NOT_SUPPORTED`: the provider or platform cannot do this.
    NotSupported,
    /// `OLSTATE_E_BUSY`: a state change is still in progress.
    Busy,
    /// `OLSTATE_E_PROVIDER_FAILED`: the provider failed; see
    /// [`Error::hresult`].
    ProviderFailed,
    /// `OLSTATE_E_OUT_OF_MEMORY`: an allocation failed.
    OutOfMemory,
    /// `OLSTATE_E_INTERNAL`: a bug in olstate.
    Internal,
    /// `OLSTATE_E_NOT_IN_OUTLOOK`: the Outlook provider was asked for
    /// outside `OUTLOOK.EXE`; use [`Provider::Bridge`](crate::Provider::Bridge).
    NotInOutlook,
    /// `OLSTATE_E_WOULD_DEADLOCK`: a blocking call was made on a provider
    /// notification thread (for example a blocking
    /// [`Session::set_state`](crate::Session::set_state) inside an
    /// [`Delivery::Inline`](crate::Delivery::Inline) callback).
    WouldDeadlock,
    /// `OLSTATE_E_TIMEOUT` (since ABI 1.2): the time given to a wait ran out
    /// before the state was reached.
    Timeout,
    /// The loaded olstate library has an ABI this binding cannot use (another
    /// major version, or an older minor version). Detected by this binding;
    /// it has no C result code.
    IncompatibleAbi,
    /// A negative result this binding does not know (a newer library).
    Unknown(i32),
}

impl ErrorCode {
    /// The code for a C result (`olstate_result`); `None` for `OLSTATE_OK`
    /// and positive values, which are not errors.
    ///
    /// ```
    /// use olstate::{sys, ErrorCode};
    /// assert_eq!(ErrorCode::from_raw(sys::OLSTATE_E_BUSY), Some(ErrorCode::Busy));
    /// assert_eq!(ErrorCode::from_raw(-77), Some(ErrorCode::Unknown(-77)));
    /// assert_eq!(ErrorCode::from_raw(sys::OLSTATE_OK), None);
    /// ```
    pub fn from_raw(result: sys::olstate_result) -> Option<ErrorCode> {
        Some(match result {
            r if r >= 0 => return None,
            sys::OLSTATE_E_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            sys::OLSTATE_E_INVALID_HANDLE => ErrorCode::InvalidHandle,
            sys::OLSTATE_E_PROVIDER_NOT_FOUND => ErrorCode::ProviderNotFound,
            sys::OLSTATE_E_PROFILE_NOT_FOUND => ErrorCode::ProfileNotFound,
            sys::OLSTATE_E_NOT_SUPPORTED => ErrorCode::NotSupported,
            sys::OLSTATE_E_BUSY => ErrorCode::Busy,
            sys::OLSTATE_E_PROVIDER_FAILED => ErrorCode::ProviderFailed,
            sys::OLSTATE_E_OUT_OF_MEMORY => ErrorCode::OutOfMemory,
            sys::OLSTATE_E_INTERNAL => ErrorCode::Internal,
            sys::OLSTATE_E_NOT_IN_OUTLOOK => ErrorCode::NotInOutlook,
            sys::OLSTATE_E_WOULD_DEADLOCK => ErrorCode::WouldDeadlock,
            sys::OLSTATE_E_TIMEOUT => ErrorCode::Timeout,
            other => ErrorCode::Unknown(other),
        })
    }

    /// The C result (`OLSTATE_E_*`) for this code; `None` for
    /// [`ErrorCode::IncompatibleAbi`], which only this binding reports.
    ///
    /// ```
    /// use olstate::{sys, ErrorCode};
    /// assert_eq!(ErrorCode::WouldDeadlock.raw(), Some(sys::OLSTATE_E_WOULD_DEADLOCK));
    /// assert_eq!(ErrorCode::IncompatibleAbi.raw(), None);
    /// ```
    pub fn raw(self) -> Option<sys::olstate_result> {
        Some(match self {
            ErrorCode::InvalidArgument => sys::OLSTATE_E_INVALID_ARGUMENT,
            ErrorCode::InvalidHandle => sys::OLSTATE_E_INVALID_HANDLE,
            ErrorCode::ProviderNotFound => sys::OLSTATE_E_PROVIDER_NOT_FOUND,
            ErrorCode::ProfileNotFound => sys::OLSTATE_E_PROFILE_NOT_FOUND,
            ErrorCode::NotSupported => sys::OLSTATE_E_NOT_SUPPORTED,
            ErrorCode::Busy => sys::OLSTATE_E_BUSY,
            ErrorCode::ProviderFailed => sys::OLSTATE_E_PROVIDER_FAILED,
            ErrorCode::OutOfMemory => sys::OLSTATE_E_OUT_OF_MEMORY,
            ErrorCode::Internal => sys::OLSTATE_E_INTERNAL,
            ErrorCode::NotInOutlook => sys::OLSTATE_E_NOT_IN_OUTLOOK,
            ErrorCode::WouldDeadlock => sys::OLSTATE_E_WOULD_DEADLOCK,
            ErrorCode::Timeout => sys::OLSTATE_E_TIMEOUT,
            ErrorCode::IncompatibleAbi => return None,
            ErrorCode::Unknown(r) => r,
        })
    }

    /// The C name of the code, e.g. `"OLSTATE_E_BUSY"`: the library's own
    /// `olstate_result_name` (one list in `olstate.h`), `"unknown"` for a
    /// code it does not know.
    pub fn name(self) -> &'static str {
        match self.raw() {
            // SAFETY: olstate_result_name returns a static, NUL-terminated
            // ASCII string for every value, never NULL.
            Some(r) => unsafe { std::ffi::CStr::from_ptr(sys::olstate_result_name(r)) }
                .to_str()
                .unwrap_or("unknown"),
            None => "incompatible olstate ABI",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Unknown(r) => write!(f, "unknown olstate result {r}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A failed olstate call: the [`ErrorCode`], the library's message and the
/// HRESULT involved (0 when none was).
///
/// The message and HRESULT are read from the library's per-thread last
/// error immediately after the failing call, on the same thread, so one
/// thread's failure never shows up in another thread's `Error`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use olstate::{ErrorCode, Provider, Session};
/// // No provider library at that path.
/// let err = Session::builder().provider(Provider::Library)
///     .provider_path("/nonexistent/provider.so")
///     .open()
///     .unwrap_err();
/// assert_eq!(err.code(), ErrorCode::ProviderNotFound);
/// println!("{err}"); // "OLSTATE_E_PROVIDER_NOT_FOUND: ..."
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    hresult: i32,
}

impl Error {
    /// An error with this code and message and no HRESULT (for failures the
    /// binding detects before calling the library).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), hresult: 0 }
    }

    /// Builds the error for a failing C result from the calling thread's last
    /// error. Must be called right after the failing call, on its thread.
    pub(crate) fn from_last(result: sys::olstate_result) -> Error {
        let code = ErrorCode::from_raw(result).unwrap_or(ErrorCode::Unknown(result));
        // SAFETY: both functions are always safe to call; the message pointer
        // is never NULL and valid until the next olstate_ call on this thread,
        // and we copy it at once.
        let (message, hresult) = unsafe {
            let p = sys::olstate_last_error_message();
            let m = if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            };
            (m, sys::olstate_last_error_hresult())
        };
        let message = without_code_name(&message, code);
        let message = if message.is_empty() {
            format!("olstate call failed with {}", code.name())
        } else {
            message.to_owned()
        };
        Error { code, message, hresult }
    }

    /// What went wrong.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The library's description of the failure (never empty), without the
    /// code's name, which [`Display`](fmt::Display) puts in front of it once.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HRESULT involved, 0 when none was (e.g. `0x80004005` `E_FAIL` as
    /// `-2147467259`). Format it with `{:#010x}` after casting to `u32`.
    pub fn hresult(&self) -> i32 {
        self.hresult
    }

    /// The C result (`OLSTATE_E_*`), `None` for
    /// [`ErrorCode::IncompatibleAbi`].
    pub fn raw_code(&self) -> Option<sys::olstate_result> {
        self.code.raw()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if self.hresult != 0 && !self.message.to_ascii_lowercase().contains("0x") {
            write!(f, " (HRESULT {:#010x})", self.hresult as u32)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// `message` without the `"OLSTATE_E_...: "` the library puts in front of
/// every last-error message (more than once when a message wraps another
/// one of the same code): [`Error`]'s `Display` names the code itself, so
/// keeping it would show `"OLSTATE_E_BUSY: OLSTATE_E_BUSY: ..."`. Names of
/// other codes inside the text (a cause) stay.
fn without_code_name(message: &str, code: ErrorCode) -> &str {
    let name = code.name();
    let mut rest = message;
    while let Some(after) = rest.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
        rest = after.trim_start();
    }
    rest
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Maps a C result to `Ok(())` or the calling thread's last error.
pub(crate) fn check(result: sys::olstate_result) -> Result<()> {
    if result == sys::OLSTATE_OK {
        Ok(())
    } else {
        Err(Error::from_last(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_name_is_stripped_from_the_front_only() {
        let busy = ErrorCode::Busy;
        assert_eq!(without_code_name("OLSTATE_E_BUSY: a change is in progress", busy), "a change is in progress");
        assert_eq!(without_code_name("OLSTATE_E_BUSY: OLSTATE_E_BUSY: twice", busy), "twice");
        assert_eq!(without_code_name("OLSTATE_E_BUSY:", busy), "");
        // Another code's name, or the name inside the text, stays.
        assert_eq!(without_code_name("OLSTATE_E_TIMEOUT: x", busy), "OLSTATE_E_TIMEOUT: x");
        assert_eq!(without_code_name("host said OLSTATE_E_BUSY: x", busy), "host said OLSTATE_E_BUSY: x");
        assert_eq!(without_code_name("OLSTATE_E_BUSYX: x", busy), "OLSTATE_E_BUSYX: x");
        let shown = Error { code: busy, message: "a change is in progress".into(), hresult: 0 }.to_string();
        assert_eq!(shown, "OLSTATE_E_BUSY: a change is in progress");
    }
}
