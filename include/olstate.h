/*
 * olstate.h - Microsoft Outlook's online/offline state, as a flat C API.
 *
 * Outlook's Offline State API is COM (HrOpenOfflineObj, IMAPIOfflineMgr,
 * IMAPIOfflineNotify). olstate hides it behind plain functions, plain structs,
 * UTF-8 strings and a C callback plus a void* context, so that C, Rust, .NET
 * and Go can follow and switch Outlook's connection state.
 *
 * Conventions
 *   - Every function returns an olstate_result: OLSTATE_OK (0) or a negative
 *     OLSTATE_E_* code. Out-parameters are written only on success.
 *   - After a failure, olstate_last_error_message() describes it (per thread).
 *   - No memory crosses this boundary to be freed by the caller; strings the
 *     library returns are owned by the library.
 *   - Every function may be called from any thread, concurrently. olstate
 *     never holds one of its locks while it runs your code.
 *   - No C++ exception ever leaves an olstate function, and none may leave
 *     your callbacks (they are invoked from noexcept code: an escaping
 *     exception terminates the process).
 *   - fork() (POSIX): a child may not use olstate. There, every function
 *     that takes or creates a session or bridge fails at once with
 *     OLSTATE_E_NOT_SUPPORTED (the handles belong to the parent, whose
 *     threads the child lacks); the child should exec or exit. The parent
 *     is not affected.
 *
 * The one trap no library can remove: olstate_unsubscribe() and
 * olstate_close() wait for callbacks running on other threads. Calling them
 * while holding a lock that your callback also takes deadlocks. Likewise, in
 * OLSTATE_DELIVERY_INLINE mode two sessions whose callbacks close or
 * unsubscribe each other can deadlock; calls on the callback's own session
 * are always safe.
 *
 * Every declaration ends with the same tail: "Since" (the ABI version that
 * added it), "Threads" (which threads may call it) and "Errors" (the results
 * other than OLSTATE_OK it returns, with the cases in parentheses).
 *
 * The header compiles as C89, C99 and C++.
 */
#ifndef OLSTATE_H
#define OLSTATE_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Linkage and calling convention                                           */
/* ------------------------------------------------------------------------ */

/* Every export and every callback type uses OLSTATE_CALL: __cdecl on Windows,
 * so a callback compiled with another convention fails to compile instead of
 * corrupting the stack on 32-bit x86. */
#if defined(_WIN32)
#define OLSTATE_CALL __cdecl
#else
#define OLSTATE_CALL
#endif

/* Define OLSTATE_STATIC when linking the static library. */
#if defined(OLSTATE_STATIC)
#define OLSTATE_API
#elif defined(_WIN32)
#if defined(OLSTATE_BUILDING)
#define OLSTATE_API __declspec(dllexport)
#else
#define OLSTATE_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define OLSTATE_API __attribute__((visibility("default")))
#else
#define OLSTATE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Results and errors                                                       */
/* ------------------------------------------------------------------------ */

typedef int32_t olstate_result;

#define OLSTATE_OK 0
/* NULL where not allowed, bad flag or enum value, bad struct_size, invalid UTF-8. */
#define OLSTATE_E_INVALID_ARGUMENT (-1)
/* Session closed or never opened; unknown subscription token. */
#define OLSTATE_E_INVALID_HANDLE (-2)
/* No Outlook MAPI DLL (or simulator library) could be located or loaded, or
 * it lacks HrOpenOfflineObj; or no bridge is running. */
#define OLSTATE_E_PROVIDER_NOT_FOUND (-3)
/* The provider said the profile does not exist, or there is no default profile. */
#define OLSTATE_E_PROFILE_NOT_FOUND (-4)
/* Capability or operation not supported by this provider or platform. */
#define OLSTATE_E_NOT_SUPPORTED (-5)
/* Busy; the message says which of its three meanings applies:
 *   1. a provider call answered E_PENDING - in practice olstate_set_state
 *      while a state change is still in progress (try again after
 *      OLSTATE_EVENT_CHANGE_DONE);
 *   2. olstate_bridge_start: another bridge host already serves that
 *      endpoint (since 1.1);
 *   3. olstate_open_ex with OLSTATE_PROVIDER_BRIDGE: the bridge host serves
 *      its maximum of clients (since 1.1). */
#define OLSTATE_E_BUSY (-6)
/* Any other failing HRESULT from the provider; the message names it. */
#define OLSTATE_E_PROVIDER_FAILED (-7)
/* An allocation failed. */
#define OLSTATE_E_OUT_OF_MEMORY (-8)
/* A bug in olstate; the message says where. */
#define OLSTATE_E_INTERNAL (-9)
/* The Outlook provider was asked for outside OUTLOOK.EXE, where the Offline
 * State API cannot work; use the bridge (OLSTATE_PROVIDER_BRIDGE). */
#define OLSTATE_E_NOT_IN_OUTLOOK (-10)
/* A blocking call was made on a provider notification thread (for example
 * olstate_set_state with OLSTATE_SET_BLOCK inside an INLINE callback), which
 * would hang Outlook. */
#define OLSTATE_E_WOULD_DEADLOCK (-11)
/* The time given to olstate_wait_state ran out before the state was reached
 * (since 1.2). */
#define OLSTATE_E_TIMEOUT (-12)

/* Every result above, as X(name) for each, in order: olstate_result_name is
 * built from this list, and a table of one's own (a binding's enum) can be
 * checked against it. Since 1.1. */
#define OLSTATE_RESULT_LIST(X)         \
    X(OLSTATE_OK)                      \
    X(OLSTATE_E_INVALID_ARGUMENT)      \
    X(OLSTATE_E_INVALID_HANDLE)        \
    X(OLSTATE_E_PROVIDER_NOT_FOUND)    \
    X(OLSTATE_E_PROFILE_NOT_FOUND)     \
    X(OLSTATE_E_NOT_SUPPORTED)         \
    X(OLSTATE_E_BUSY)                  \
    X(OLSTATE_E_PROVIDER_FAILED)       \
    X(OLSTATE_E_OUT_OF_MEMORY)         \
    X(OLSTATE_E_INTERNAL)              \
    X(OLSTATE_E_NOT_IN_OUTLOOK)        \
    X(OLSTATE_E_WOULD_DEADLOCK)        \
    X(OLSTATE_E_TIMEOUT)

/* The static name of a result, e.g. "OLSTATE_E_BUSY"; "unknown" for values
 * this library does not know. Never NULL. Does not change the last error.
 * Since 1.0. Threads: any. Errors: none. */
OLSTATE_API const char* OLSTATE_CALL olstate_result_name(olstate_result result);

/* A UTF-8 message describing the last failure of an olstate function on the
 * calling thread, naming the HRESULT in hex where one was involved. Never NULL;
 * the empty string when the last call on this thread succeeded. At most 2047
 * bytes: a longer message is cut at a character boundary and ends with
 * "...". Valid until the next olstate_ call on this thread. Does not change
 * the last error.
 * Since 1.0. Threads: any (each thread has its own). Errors: none. */
OLSTATE_API const char* OLSTATE_CALL olstate_last_error_message(void);

/* The HRESULT involved in the last failure on the calling thread, 0 when none
 * was. Does not change the last error.
 * Since 1.0. Threads: any (each thread has its own). Errors: none. */
OLSTATE_API int32_t OLSTATE_CALL olstate_last_error_hresult(void);

/* ------------------------------------------------------------------------ */
/* Versions and struct sizes                                                */
/* ------------------------------------------------------------------------ */

/* (major << 16) | minor of the ABI this header describes. A binding refuses a
 * library of another major, or of an older minor than it was written for. */
#define OLSTATE_ABI_VERSION ((1 << 16) | 3)

/* The ABI version of the loaded library. Does not change the last error.
 * Since 1.0. Threads: any. Errors: none. */
OLSTATE_API uint32_t OLSTATE_CALL olstate_abi_version(void);

/* The library's version, e.g. "1.3.0". Static; never NULL. Does not change
 * the last error.
 * Since 1.0. Threads: any. Errors: none. */
OLSTATE_API const char* OLSTATE_CALL olstate_version_string(void);

#define OLSTATE_STRUCT_OPEN_OPTIONS 1
#define OLSTATE_STRUCT_EVENT 2
#define OLSTATE_STRUCT_SESSION_INFO 3
#define OLSTATE_STRUCT_BRIDGE_OPTIONS 4 /* since 1.1 */
#define OLSTATE_STRUCT_SUBSCRIBE_OPTIONS 5 /* since 1.2 */
#define OLSTATE_STRUCT_ACCOUNT 6 /* since 1.3 */
#define OLSTATE_STRUCT_OUTLOOK_INFO 7 /* since 1.3 */

/* sizeof the named struct as this library knows it (OLSTATE_STRUCT_*), 0 for
 * an unknown value. Bindings compare their mirrored layouts with it. Does not
 * change the last error.
 * Since 1.0. Threads: any. Errors: none. */
OLSTATE_API size_t OLSTATE_CALL olstate_struct_size(uint32_t which);

/* ------------------------------------------------------------------------ */
/* Constants                                                                */
/* ------------------------------------------------------------------------ */

/* Connection states (equal to MAPI's MAPIOFFLINE_STATE_* values). */
#define OLSTATE_OFFLINE 1u
#define OLSTATE_ONLINE 2u

/* Capabilities, a bit mask (equal to MAPI's MAPIOFFLINE_CAPABILITY_*). */
#define OLSTATE_CAPABILITY_OFFLINE 1u
#define OLSTATE_CAPABILITY_ONLINE 2u
/* Since 1.3, olstate's own bit (not MAPI's): the session reports Outlook's
 * Exchange connection mode and accounts (olstate_get_connection_mode,
 * olstate_get_accounts) and sends OLSTATE_EVENT_CONNECTION_CHANGED and
 * OLSTATE_EVENT_ACCOUNT_CHANGED. A provider that is only the Offline State
 * API (a LIBRARY exporting just HrOpenOfflineObj, a bridge host older than
 * 1.3) lacks it. */
#define OLSTATE_CAPABILITY_CONNECTION_MODE 0x10000u

/* Event kinds (equal to MAPI's MAPIOFFLINE_NOTIFY_TYPE_*): a change is
 * reported as CHANGE_START, CHANGE, CHANGE_DONE. Treat unknown kinds as
 * informational: later versions add kinds. */
#define OLSTATE_EVENT_CHANGE_START 1u
#define OLSTATE_EVENT_CHANGE 2u
#define OLSTATE_EVENT_CHANGE_DONE 3u
/* Since 1.1, bridge sessions only, and since 1.3 OLSTATE_PROVIDER_OBJECT_MODEL
 * sessions (Outlook exited / runs again; "host" below is then that Outlook)
 * (never dropped on overflow; numbered and delivered like the others, in both
 * delivery modes): */
#define OLSTATE_EVENT_PROVIDER_LOST 0x100u /* the bridge host went away (Outlook exited, the
                                              bridge stopped, the connection broke); old_state
                                              = new_state = the last state known. Later calls
                                              fail with OLSTATE_E_PROVIDER_NOT_FOUND (until
                                              BACK, with OLSTATE_OPEN_RECONNECT). Sent once
                                              per loss. */
#define OLSTATE_EVENT_PROVIDER_BACK 0x101u /* reconnected (OLSTATE_OPEN_RECONNECT): new_state
                                              is the host's current state, old_state the last
                                              one known before (the same as new_state when the
                                              session had never reached a host) */
/* Since 1.2, only to a subscription made with OLSTATE_SUBSCRIBE_CURRENT_STATE,
 * as its first event: old_state = new_state = the session's state when it
 * subscribed (see olstate_subscribe_ex). */
#define OLSTATE_EVENT_CURRENT 0x200u
/* Since 1.3, only from sessions with OLSTATE_CAPABILITY_CONNECTION_MODE
 * (numbered, queued, dropped on overflow and delivered like CHANGE, in both
 * delivery modes; olstate_wait_state ignores them): */
#define OLSTATE_EVENT_CONNECTION_CHANGED 0x300u /* the session's connection mode changed:
                                                   old_state/new_state = the old and the new
                                                   mode (OLSTATE_CONNECTION_*) */
#define OLSTATE_EVENT_ACCOUNT_CHANGED 0x301u    /* an account was added, removed or changed its
                                                   mode: old_state/new_state = its mode before
                                                   and after, OLSTATE_CONNECTION_UNKNOWN on the
                                                   side where it did not exist; read
                                                   olstate_get_accounts for the list */

/* Exchange connection modes (since 1.3): the values of Outlook's
 * OlExchangeConnectionMode (NameSpace.ExchangeConnectionMode for the session,
 * Account.ExchangeConnectionMode per account). */
#define OLSTATE_CONNECTION_NO_EXCHANGE 0u               /* olNoExchange: no Exchange */
#define OLSTATE_CONNECTION_OFFLINE 100u                 /* olOffline: classic offline, or Work Offline */
#define OLSTATE_CONNECTION_CACHED_OFFLINE 200u          /* olCachedOffline: cached mode, Work Offline */
#define OLSTATE_CONNECTION_DISCONNECTED 300u            /* olDisconnected: connection to Exchange down */
#define OLSTATE_CONNECTION_CACHED_DISCONNECTED 400u     /* olCachedDisconnected: cached mode, connection
                                                           down: the cache may be stale */
#define OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS 500u /* olCachedConnectedHeaders: slow link,
                                                            headers only */
#define OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE 600u /* olCachedConnectedDrizzle: headers, then
                                                            full items */
#define OLSTATE_CONNECTION_CACHED_CONNECTED_FULL 700u   /* olCachedConnectedFull: cached, connected */
#define OLSTATE_CONNECTION_ONLINE 800u                  /* olOnline: classic online mode */
/* Not an Outlook value: an account that does not exist (ACCOUNT_CHANGED's
 * old_state when it was added, new_state when it was removed). */
#define OLSTATE_CONNECTION_UNKNOWN 0xFFFFFFFFu

/* Account types (since 1.3): the values of Outlook's OlAccountType. */
#define OLSTATE_ACCOUNT_EXCHANGE 0u /* olExchange */
#define OLSTATE_ACCOUNT_IMAP 1u     /* olImap */
#define OLSTATE_ACCOUNT_POP3 2u     /* olPop3 */
#define OLSTATE_ACCOUNT_HTTP 3u     /* olHttp */
#define OLSTATE_ACCOUNT_EAS 4u      /* olEas: Exchange ActiveSync */
#define OLSTATE_ACCOUNT_OTHER 5u    /* olOtherAccount: other or unknown */

/* olstate_event.flags */
#define OLSTATE_EVENT_FLAG_DROPPED 1u

/* olstate_wait_state's timeout_ms that never runs out (since 1.2). */
#define OLSTATE_WAIT_INFINITE 0xFFFFFFFFu

/* olstate_subscribe_options.flags (since 1.2). */
#define OLSTATE_SUBSCRIBE_CURRENT_STATE 1u /* the first event is OLSTATE_EVENT_CURRENT */

/* olstate_set_state flags. */
#define OLSTATE_SET_DEFAULT 0u /* asynchronous: returns once the change has started */
#define OLSTATE_SET_BLOCK 1u   /* returns when the change is complete */

/* Providers (olstate_open_options.provider). */
#define OLSTATE_PROVIDER_AUTO 0u      /* Windows: Outlook inside OUTLOOK.EXE; elsewhere the
                                         bridge, and when no bridge host answers (since
                                         1.3) OLSTATE_PROVIDER_OBJECT_MODEL (see
                                         OLSTATE_OPEN_NO_FALLBACK); other platforms: the
                                         simulator */
#define OLSTATE_PROVIDER_OUTLOOK 1u   /* Outlook's MAPI DLL; only inside OUTLOOK.EXE */
#define OLSTATE_PROVIDER_SIMULATOR 2u /* olstate_sim, found next to the olstate library */
#define OLSTATE_PROVIDER_LIBRARY 3u   /* the library at provider_path (exports HrOpenOfflineObj) */
#define OLSTATE_PROVIDER_BRIDGE 4u    /* the bridge serving the profile inside Outlook,
                                         reached from another process (since 1.1);
                                         provider_path: NULL = the current user's
                                         endpoint, or an endpoint of its own (a socket
                                         path on POSIX, a pipe name on Windows) */
/* Since 1.3, Windows: the fallback that needs no add-in. A separate program
 * follows a running Outlook through its object model from outside: every
 * connection_poll_ms (default OLSTATE_CONNECTION_POLL_DEFAULT_MS) a thread of
 * the session's own finds Outlook.Application in the running object table
 * (GetActiveObject), reads Session.ExchangeConnectionMode, Session.Offline and
 * the accounts (never a property on the object-model guard's list, so
 * smtp_address is always ""), and releases Outlook again (a reference held
 * from outside would keep Outlook running after its user closed it).
 *   - Read-only: olstate_set_state fails with NOT_SUPPORTED.
 *   - State: OLSTATE_OFFLINE when Session.Offline is true, else ONLINE; a
 *     flip is reported as CHANGE_START, CHANGE, CHANGE_DONE at the next poll.
 *     Calls answer from the last poll (at most one interval old) and never
 *     call Outlook on the caller's thread.
 *   - Outlook not running at open: PROVIDER_NOT_FOUND, or with
 *     OLSTATE_OPEN_RECONNECT the session opens and reports PROVIDER_BACK once
 *     Outlook runs. Outlook exits: PROVIDER_LOST once, then calls fail with
 *     PROVIDER_NOT_FOUND; with OLSTATE_OPEN_RECONNECT it keeps polling and
 *     reports PROVIDER_BACK when Outlook runs again (the bridge's rules).
 *   - One poll's events come in this order: PROVIDER_BACK, CONNECTION_CHANGED,
 *     ACCOUNT_CHANGED, then the state change.
 *   - profile: NULL = whichever profile Outlook has open; a name that differs
 *     from the running Outlook's fails the open with PROFILE_NOT_FOUND.
 *   - A poll is a call into Outlook's process, which a dialog open in Outlook
 *     or a hung Outlook can hold: the open waits at most 5 s for the first
 *     poll, then fails with OLSTATE_E_TIMEOUT; olstate_close waits at most
 *     2 s for the poll thread, then returns and leaves that thread to end
 *     by itself when Outlook answers (nothing it reads is delivered; the
 *     olstate library then stays loaded in the process).
 *   - provider_path must be NULL; other platforms: NOT_SUPPORTED. */
#define OLSTATE_PROVIDER_OBJECT_MODEL 5u

/* olstate_open_options.flags (since 1.1). */
#define OLSTATE_OPEN_RECONNECT 1u /* bridge, OBJECT_MODEL (since 1.3) and AUTO only
                                     (INVALID_ARGUMENT with another provider):
                                     keep reconnecting with backoff (50 ms doubling to 2 s)
                                     when the host is gone, also at open: the open then
                                     succeeds with no host running; reports
                                     PROVIDER_LOST/BACK */
#define OLSTATE_OPEN_NO_FALLBACK 2u /* since 1.3, AUTO only (INVALID_ARGUMENT with another
                                       provider): on Windows outside OUTLOOK.EXE use the
                                       bridge alone, never OLSTATE_PROVIDER_OBJECT_MODEL (the
                                       1.1/1.2 behaviour). Without it AUTO there opens the
                                       bridge when a host answers at once, else the
                                       object-model provider when Outlook runs, else the
                                       bridge (waiting for a host with
                                       OLSTATE_OPEN_RECONNECT, PROVIDER_NOT_FOUND without) */

/* Delivery modes (olstate_open_options.delivery). */
#define OLSTATE_DELIVERY_QUEUED 0u /* default: one dispatcher thread per session runs the
                                      callbacks, one at a time, in order */
#define OLSTATE_DELIVERY_INLINE 1u /* callbacks run on the provider's notification thread:
                                      lowest latency, possibly concurrent; keep them short */

/* ------------------------------------------------------------------------ */
/* Sessions                                                                 */
/* ------------------------------------------------------------------------ */

/* An open offline object of one profile. Opaque: the pointer is a handle, not
 * an address; a closed handle is detected, never dereferenced. */
typedef struct olstate_session olstate_session;

typedef struct olstate_open_options {
    uint32_t struct_size;      /* sizeof(olstate_open_options) */
    const char* profile;       /* UTF-8 MAPI profile name; NULL = the default profile */
    uint32_t provider;         /* OLSTATE_PROVIDER_*; default AUTO */
    const char* provider_path; /* UTF-8; LIBRARY: the library's full path (required);
                                  BRIDGE: the endpoint (NULL = the current user's);
                                  must be NULL otherwise */
    uint32_t delivery;         /* OLSTATE_DELIVERY_*; default QUEUED */
    uint32_t flags;            /* OLSTATE_OPEN_* (since 1.1; 0 before) */
    /* Since 1.3 (set struct_size = sizeof to use them): Outlook's object
     * model, for the Exchange connection (olstate_get_connection_mode...)
     * inside Outlook. See "Outlook's object model" below. */
    void* application;           /* Windows: Outlook's Application object as an IDispatch*
                                    (the one OnConnection or VSTO gave the add-in); NULL:
                                    none */
    uint32_t connection_poll_ms; /* ms between two reads of the object model; 0 =
                                    OLSTATE_CONNECTION_POLL_DEFAULT_MS; only with
                                    application, OBJECT_MODEL or AUTO (used when AUTO
                                    falls back to OBJECT_MODEL) */
} olstate_open_options;

/* Outlook's object model (since 1.3). Outlook's MAPI DLL knows only online
 * and offline; with options.application a COM provider session (OUTLOOK, and
 * AUTO inside OUTLOOK.EXE; also SIMULATOR and LIBRARY, whose own connection
 * report it then replaces) reads the Exchange connection from Outlook's
 * object model and has OLSTATE_CAPABILITY_CONNECTION_MODE:
 *   - it reads on the opening thread only, which must be the thread the
 *     Application belongs to (Outlook's main thread) and have a message
 *     queue: at open, right after every Offline State notification that
 *     arrives on that thread, and every connection_poll_ms from a timer of
 *     that thread (its message loop runs the read; nothing waits for it);
 *   - it keeps a reference to the Application until olstate_close, released
 *     on that thread;
 *   - each read that differs from the last sends CONNECTION_CHANGED and
 *     ACCOUNT_CHANGED, once per change; the connection calls answer from the
 *     last read on any thread, without calling Outlook;
 *   - a read that fails keeps no partial result: until a read succeeds the
 *     connection calls fail with PROVIDER_FAILED naming the property and
 *     its HRESULT, and no event is sent; the next successful read is
 *     compared with the last good one.
 * Account.SmtpAddress is read (an add-in's Application is trusted by
 * Outlook's object-model guard); no other guarded property is read.
 * Errors at open: INVALID_ARGUMENT (application with the bridge provider,
 * OBJECT_MODEL or AUTO outside Outlook; connection_poll_ms with another
 * provider and no application, or out of range; an opening thread without a message queue), NOT_SUPPORTED (not
 * Windows). */
#define OLSTATE_CONNECTION_POLL_DEFAULT_MS 5000u   /* since 1.3 */
#define OLSTATE_CONNECTION_POLL_MIN_MS 100u        /* since 1.3 */
#define OLSTATE_CONNECTION_POLL_MAX_MS 86400000u   /* since 1.3: one day */

/* Fills options with the defaults (AUTO, QUEUED, NULLs, zeros) and sets
 * struct_size. In every 1.x library it writes exactly the fields of ABI 1.0
 * (profile to flags: offsetof(olstate_open_options, application), which is
 * the sizeof of the 1.0 to 1.2 headers) and sets struct_size to that size,
 * so a program built against an older header never sees a newer library
 * write past its struct. The later fields (since 1.3: application,
 * connection_poll_ms) are not written: a program that uses them sets them
 * and struct_size = sizeof itself after this call, or starts from
 * OLSTATE_OPEN_OPTIONS_INIT, which has them all. NULL is ignored. Does not
 * change the last error.
 * Since 1.0. Threads: any. Errors: none. */
OLSTATE_API void OLSTATE_CALL olstate_open_options_init(olstate_open_options* options);

/* The same defaults as an initializer, for a variable defined in place,
 * with struct_size = sizeof (every field of this header, the 1.3 ones zero):
 *     olstate_open_options o = OLSTATE_OPEN_OPTIONS_INIT;
 * Since 1.1. */
#define OLSTATE_OPEN_OPTIONS_INIT \
    { sizeof(olstate_open_options), NULL, OLSTATE_PROVIDER_AUTO, NULL, OLSTATE_DELIVERY_QUEUED, 0u, NULL, 0u }

/* olstate_open_ex with default options and this profile (UTF-8; NULL = the
 * default profile).
 * Since 1.0. Threads: any. Errors: INVALID_ARGUMENT (NULL out_session,
 * invalid UTF-8), and those of olstate_open_ex. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_open(const char* profile,
                                                     olstate_session** out_session);

/* Opens the offline object of options->profile through options->provider,
 * caches its capabilities and advises one notification sink on it. A bridge
 * session (OLSTATE_PROVIDER_BRIDGE) behaves as "Bridge sessions" in the
 * bridge section says.
 *
 * options->struct_size must be the 1.0 size (what olstate_open_options_init
 * sets) or at least sizeof(olstate_open_options) (since 1.3: application
 * and connection_poll_ms); anything else is INVALID_ARGUMENT. A larger one
 * is accepted when every byte this version does not know is zero, and
 * rejected otherwise.
 *
 * Errors: INVALID_ARGUMENT (NULL options or out_session, bad struct_size,
 * unknown provider or delivery, unknown flags, OLSTATE_OPEN_RECONNECT with
 * a provider other than the bridge, OBJECT_MODEL or AUTO,
 * OLSTATE_OPEN_NO_FALLBACK with one other than AUTO, invalid UTF-8,
 * provider_path missing or misplaced), PROVIDER_NOT_FOUND (also: no bridge
 * host serves the endpoint, or no Outlook runs for OBJECT_MODEL, without
 * OLSTATE_OPEN_RECONNECT), PROFILE_NOT_FOUND (also: the bridge host or the
 * running Outlook serves another profile), NOT_SUPPORTED (the provider does not exist on this
 * platform; the bridge host speaks no common protocol version), BUSY (the
 * bridge host serves its maximum of clients), NOT_IN_OUTLOOK,
 * PROVIDER_FAILED, OUT_OF_MEMORY.
 * Since 1.0 (the bridge and flags since 1.1). Threads: any. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_open_ex(const olstate_open_options* options,
                                                        olstate_session** out_session);

/* Closes the session: unadvises its sink, stops every subscription, waits for
 * callbacks and olstate calls in progress on other threads, runs every pending
 * release, joins the dispatcher thread and releases every COM object.
 *
 * Called from inside one of the session's own callbacks it never waits: it
 * marks the session closed and returns OLSTATE_OK at once; the teardown
 * completes on a thread olstate owns once that callback has returned.
 * From then on every call on the session returns INVALID_HANDLE.
 *
 * olstate_close(NULL) is a no-op returning OLSTATE_OK.
 * Since 1.0. Threads: any, including the session's own callbacks.
 * Errors: INVALID_HANDLE (a handle already closed or never opened). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_close(olstate_session* session);

typedef struct olstate_session_info {
    uint32_t struct_size;      /* set by the caller: sizeof(olstate_session_info) */
    uint32_t provider;         /* the resolved provider (never AUTO) */
    const char* profile;       /* UTF-8 profile name used (bridge: the one the host it is
                                  connected to serves, or served last; since 1.2 it
                                  follows the host after PROVIDER_BACK too; before any
                                  host, the one asked for, or empty) */
    const char* provider_path; /* UTF-8 path of the provider library actually loaded
                                  (bridge: the endpoint) */
    uint32_t threading;        /* OLSTATE_THREADING_*: which thread calls the provider's
                                  objects (see "Threading" below). Since 1.3 */
} olstate_session_info;

/* Threading: which thread calls the provider's objects (session_info.threading).
 *
 * Outlook's offline object belongs to the thread that opened it (Outlook's
 * main thread, a single-threaded apartment with a message loop), and MAPI
 * does not promise that other threads may use it. So for a provider that
 * enforces this rule, the session's "owner thread" is the thread that called
 * olstate_open/olstate_open_ex, and every call into the provider's objects
 * (QueryInterface, GetCapabilities, Get/SetCurrentState, Advise, Unadvise,
 * Release) runs on it:
 *   - made on the owner thread (an INLINE callback there included), a call
 *     runs directly;
 *   - made on any other thread (a QUEUED callback, a bridge thread, your
 *     worker), it is carried to the owner thread, which runs it the next
 *     time its message loop (its owner loop) runs, and the result is carried
 *     back. The caller waits at most OLSTATE_OWNER_WAIT_MS: an owner thread
 *     that is busy, blocked or runs no loop makes the call fail with
 *     OLSTATE_E_TIMEOUT and a message naming the owner thread (a call not
 *     yet started then never runs). olstate_close ends such waits at once
 *     (INVALID_HANDLE);
 *   - olstate_close on another thread never waits for the owner: it hands
 *     Unadvise and the final Releases to the owner thread and returns. If the
 *     owner never runs its loop again, they never run: the references are
 *     left behind (the process keeps the provider loaded), never released
 *     from the wrong thread.
 * Which way applies is fixed at open:
 *   OLSTATE_THREADING_DIRECT - every call runs on the caller's thread: the
 *       bridge, a LIBRARY or the forgiving simulator, and the Outlook
 *       provider opened on a thread with no message queue (a console
 *       program: nothing could run the carried calls, so olstate keeps
 *       calling directly, as before 1.3).
 *   OLSTATE_THREADING_OWNER_WINDOW - Windows: the Outlook provider (or the
 *       strict simulator; a simulator standing in for Outlook's MAPI DLL
 *       follows its own mode) opened on a thread with a message queue
 *       (IsGUIThread): calls are posted to a message-only window olstate
 *       creates on that thread at open; its message loop (GetMessage/
 *       DispatchMessage, any modal loop) runs them. Outlook's main thread
 *       is one. Never open such a session on a GUI thread that stops
 *       pumping while other threads use the session.
 *   OLSTATE_THREADING_OWNER_LOOP - the strict simulator (olstate_sim.h,
 *       "Strict mode") on a thread without a message queue: calls are queued
 *       in the simulator's owner inbox, run by olstate_sim_pump or
 *       olstate_sim_run_owner_loop on the owner thread (the test's stand-in
 *       for Outlook's message loop). */
#define OLSTATE_THREADING_DIRECT 0u       /* since 1.3 */
#define OLSTATE_THREADING_OWNER_WINDOW 1u /* since 1.3 */
#define OLSTATE_THREADING_OWNER_LOOP 2u   /* since 1.3 */

/* How long a call carried to the owner thread waits for it (see Threading).
 * Since 1.3. */
#define OLSTATE_OWNER_WAIT_MS 5000u

/* Facts about an open session. The caller sets out_info->struct_size; the
 * library writes at most that many bytes. Accepted: this header's sizeof or
 * more, and (since 1.3, which added threading) the size of ABI 1.0 to 1.2
 * (up to provider_path), which gets the fields it has. A 1.2 library
 * requires at least its own size. The strings are owned by the
 * session and valid until it is closed (also after the profile changed: a
 * later call returns another string, the earlier one stays valid). Read it
 * again after PROVIDER_BACK: a bridge session may have reached another host.
 * Since 1.0 (the profile follows a bridge's host since 1.2). Threads: any.
 * Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL out_info, a struct_size
 * other than those). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_get_session_info(olstate_session* session,
                                                                 olstate_session_info* out_info);

/* ------------------------------------------------------------------------ */
/* State and capabilities                                                   */
/* ------------------------------------------------------------------------ */

/* The capabilities read once at open (OLSTATE_CAPABILITY_* bits; 0 when the
 * provider offers neither).
 * Since 1.0. Threads: any. Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL
 * out_capabilities). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_capabilities(olstate_session* session,
                                                             uint32_t* out_capabilities);

/* The current state: OLSTATE_ONLINE or OLSTATE_OFFLINE.
 * Since 1.0. Threads: any. Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL
 * out_state), NOT_SUPPORTED, PROVIDER_FAILED, PROVIDER_NOT_FOUND (a bridge
 * session whose host is gone). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_get_state(olstate_session* session,
                                                          uint32_t* out_state);

/* Asks for a change to state (OLSTATE_ONLINE or OLSTATE_OFFLINE). With
 * OLSTATE_SET_DEFAULT it returns once the change has started; with
 * OLSTATE_SET_BLOCK once it is complete. Setting the state the session already
 * has returns OLSTATE_OK and sends no event.
 * Since 1.0. Threads: any (OLSTATE_SET_BLOCK not on a provider notification
 * thread). Errors: INVALID_HANDLE, INVALID_ARGUMENT (bad state or flags), BUSY (a
 * change is still in progress), WOULD_DEADLOCK (OLSTATE_SET_BLOCK on a
 * provider notification thread, e.g. inside an INLINE callback; an
 * asynchronous change is fine there), NOT_SUPPORTED (also: a bridge host that
 * does not allow clients to change the state), PROVIDER_FAILED,
 * PROVIDER_NOT_FOUND (a bridge session whose host is gone). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_set_state(olstate_session* session,
                                                          uint32_t state, uint32_t flags);

/* Waits until the session's state is `state` (OLSTATE_ONLINE or
 * OLSTATE_OFFLINE), at most timeout_ms milliseconds (OLSTATE_WAIT_INFINITE:
 * no limit; 0: look once). Since 1.2.
 *
 * "Is `state`" means: the provider reports it and no change the session has
 * seen start is still in progress. So it returns OLSTATE_OK at once when the
 * session is already there and idle, else at the CHANGE_DONE (or
 * PROVIDER_BACK) that reaches it, whoever asked for the change. After an
 * asynchronous olstate_set_state it returns once that change is complete, so
 * that the next change is not refused with BUSY:
 *
 *     olstate_set_state(s, OLSTATE_OFFLINE, OLSTATE_SET_DEFAULT);
 *     olstate_wait_state(s, OLSTATE_OFFLINE, 5000);
 *     olstate_set_state(s, OLSTATE_ONLINE, OLSTATE_SET_DEFAULT);
 *
 * It follows the session's notifications, not its subscriptions: it works
 * with none, in both delivery modes, and from inside a QUEUED callback (of
 * this session or another). Any number of threads may wait on one session.
 *
 * A bridge session whose host goes away ends the wait with
 * PROVIDER_NOT_FOUND; opened with OLSTATE_OPEN_RECONNECT it keeps waiting
 * across the loss (and before the first host, if it opened with none) and
 * returns when a host it reaches has that state. olstate_close on another
 * thread ends the wait with INVALID_HANDLE (close waits for it to return).
 *
 * Since 1.2. Threads: any, several at once, including QUEUED callbacks; not
 * a provider notification thread. Errors: INVALID_HANDLE (also: closed while
 * waiting), INVALID_ARGUMENT (bad state), TIMEOUT, WOULD_DEADLOCK (on a provider notification thread, e.g.
 * inside an INLINE callback of any session: the change it waits for would be
 * notified on that very thread), PROVIDER_NOT_FOUND (a bridge session whose
 * host is gone, without reconnect), PROVIDER_FAILED, NOT_SUPPORTED. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_wait_state(olstate_session* session,
                                                           uint32_t state, uint32_t timeout_ms);

/* ------------------------------------------------------------------------ */
/* Exchange connection and accounts (since 1.3)                             */
/* ------------------------------------------------------------------------ */

/* The Offline State API knows only online and offline. Outlook's object model
 * knows more: how the profile is connected to Exchange (cached and connected,
 * cached with the network gone, Work Offline, online, no Exchange at all) and
 * that per account. A session with OLSTATE_CAPABILITY_CONNECTION_MODE reports
 * it; the values are read by the provider (inside Outlook: on Outlook's main
 * thread, never blocking it) and the calls below answer from what it read
 * last. Without the capability every call below fails with NOT_SUPPORTED.
 *
 * Follow it with OLSTATE_EVENT_CONNECTION_CHANGED and
 * OLSTATE_EVENT_ACCOUNT_CHANGED; a bridge session gets both from its host,
 * and its calls answer from what the host pushed last (no round trip): in a
 * callback for one of these events they already show the change (or a later
 * one). The online/offline state and the connection mode are separate facts:
 * read each with its own call. */

/* The largest number of accounts a session reports. */
#define OLSTATE_MAX_ACCOUNTS 32u
/* The size of each text field of olstate_account, its NUL included. */
#define OLSTATE_ACCOUNT_TEXT_SIZE 256u

typedef struct olstate_account {
    uint32_t struct_size;     /* set by the caller: sizeof(olstate_account) */
    uint32_t account_type;    /* OLSTATE_ACCOUNT_* (Account.AccountType) */
    uint32_t connection_mode; /* OLSTATE_CONNECTION_* (Account.ExchangeConnectionMode);
                                 OLSTATE_CONNECTION_NO_EXCHANGE for an account that
                                 is not Exchange */
    uint32_t reserved;        /* written 0 */
    char display_name[OLSTATE_ACCOUNT_TEXT_SIZE]; /* UTF-8, NUL-terminated (Account.DisplayName);
                                                     a longer name is cut at a character
                                                     boundary */
    char smtp_address[OLSTATE_ACCOUNT_TEXT_SIZE]; /* UTF-8, NUL-terminated (Account.SmtpAddress);
                                                     "" when it cannot be read without
                                                     Outlook's object-model guard prompting */
} olstate_account;

/* The session's Exchange connection mode (OLSTATE_CONNECTION_*: Outlook's
 * NameSpace.ExchangeConnectionMode, the primary Exchange account's mode).
 * Since 1.3. Threads: any. Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL
 * out_mode), NOT_SUPPORTED (no OLSTATE_CAPABILITY_CONNECTION_MODE),
 * PROVIDER_FAILED (the provider could not read it: the message says why),
 * PROVIDER_NOT_FOUND (a bridge session whose host is gone). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_get_connection_mode(olstate_session* session,
                                                                    uint32_t* out_mode);

/* Outlook's NameSpace.Offline: *out_offline = 1 when Outlook is not
 * connected to Exchange (Microsoft documents it true for OLSTATE_CONNECTION_OFFLINE
 * and _DISCONNECTED, false for the connected modes), else 0. Read by the
 * provider with the mode.
 * Since 1.3. Threads: any. Errors: those of olstate_get_connection_mode
 * (NULL out_offline). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_get_offline(olstate_session* session,
                                                            uint32_t* out_offline);

/* The profile's accounts, in Outlook's order (NameSpace.Accounts), read into
 * the caller's array: no memory to free.
 *
 * *out_count receives the number of accounts the session has (at most
 * OLSTATE_MAX_ACCOUNTS); the first min(that, capacity) elements of accounts
 * are written. So an array of OLSTATE_MAX_ACCOUNTS always holds them all, and
 * capacity 0 (accounts may then be NULL) only counts them. The count and the
 * accounts are one snapshot.
 *
 * struct_size: the caller sets accounts[0].struct_size (at least the 1.3
 * size); it is the array's stride, and the library writes that many bytes
 * of each element at most (a newer program's larger struct gets the fields
 * this library knows and zeros after them), setting each element's
 * struct_size to the stride.
 *
 *     olstate_account a[OLSTATE_MAX_ACCOUNTS];
 *     uint32_t n = 0;
 *     a[0].struct_size = sizeof a[0];
 *     if (olstate_get_accounts(s, a, OLSTATE_MAX_ACCOUNTS, &n) == OLSTATE_OK) ...
 *
 * Since 1.3. Threads: any. Errors: those of olstate_get_connection_mode;
 * INVALID_ARGUMENT also for NULL out_count, NULL accounts with capacity > 0,
 * accounts[0].struct_size too small. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_get_accounts(olstate_session* session,
                                                             olstate_account* accounts,
                                                             uint32_t capacity, uint32_t* out_count);

/* ------------------------------------------------------------------------ */
/* Which Outlook: classic or new (since 1.3)                                */
/* ------------------------------------------------------------------------ */

/* olstate works with classic Outlook (OUTLOOK.EXE) only. The new Outlook for
 * Windows (olk.exe) has no COM add-ins, no MAPI and no object model, so
 * neither the add-in nor any provider can reach it. olstate_detect_outlook
 * tells a program, without opening a session, which Outlook it faces, so it
 * can say "the new Outlook is not supported" instead of failing obscurely.
 * It reads registry and process facts only (no COM, no MAPI, no session);
 * docs/outlook-detection.md names each key and value read. */

/* olstate_outlook_info.verdict: which Outlook the user works with. */
#define OLSTATE_OUTLOOK_NONE 0u    /* neither is installed nor running (always, outside Windows) */
#define OLSTATE_OUTLOOK_CLASSIC 1u /* classic Outlook: running, or installed while the new one
                                      is neither running nor chosen: olstate can serve it */
#define OLSTATE_OUTLOOK_NEW 2u     /* the new Outlook: running, or chosen by the user's toggle,
                                      while classic Outlook does not run: olstate cannot serve it */
#define OLSTATE_OUTLOOK_BOTH 3u    /* both run now: olstate serves the classic one only */

typedef struct olstate_outlook_info {
    uint32_t struct_size;           /* set by the caller: sizeof(olstate_outlook_info) */
    uint32_t verdict;               /* OLSTATE_OUTLOOK_* from the facts below */
    uint32_t classic_installed;     /* 1: classic Outlook's registration was found */
    uint32_t classic_bitness;       /* 32 or 64 (its "Bitness" value); 0 unknown or not installed */
    uint32_t classic_click_to_run;  /* 1: installed by Click-to-Run (Microsoft 365), 0: MSI or unknown */
    uint32_t classic_running;       /* 1: an OUTLOOK.EXE runs in the caller's Windows session */
    uint32_t new_running;           /* 1: an olk.exe runs in the caller's Windows session */
    uint32_t new_selected;          /* 1: the user's "New Outlook" toggle is on */
    char classic_version[16];       /* the Office version key, e.g. "16.0"; "" when not installed */
} olstate_outlook_info;

/* The same zeros as an initializer, struct_size set:
 *     olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
 * Since 1.3. */
#define OLSTATE_OUTLOOK_INFO_INIT { sizeof(olstate_outlook_info), 0u, 0u, 0u, 0u, 0u, 0u, 0u, { 0 } }

/* Fills *out_info with which Outlook this user has (see above). The caller
 * sets out_info->struct_size: this header's sizeof, or more (a newer
 * program's larger struct gets the fields this library knows and zeros
 * after them); the library writes at most that many bytes. A fact that
 * cannot be read (a key the user may not open, no process list) counts as
 * absent. Outside Windows every fact is 0 and the verdict
 * OLSTATE_OUTLOOK_NONE: there is no Outlook there (the simulator is not
 * an Outlook). It takes a few milliseconds (one process list, a few
 * registry reads); call it again to see a change.
 *
 *     olstate_outlook_info info = OLSTATE_OUTLOOK_INFO_INIT;
 *     if (olstate_detect_outlook(&info) == OLSTATE_OK && info.verdict == OLSTATE_OUTLOOK_NEW)
 *         puts("the new Outlook is not supported: switch back to classic Outlook");
 *
 * Since 1.3. Threads: any. Errors: INVALID_ARGUMENT (NULL out_info,
 * struct_size smaller than this header's sizeof or implausibly large). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_detect_outlook(olstate_outlook_info* out_info);

/* ------------------------------------------------------------------------ */
/* Subscriptions                                                            */
/* ------------------------------------------------------------------------ */

/* A subscription token: unique for the life of the process; 0 is never valid. */
typedef uint64_t olstate_subscription;

typedef struct olstate_event {
    uint32_t struct_size;              /* sizeof(olstate_event) as the library knows it */
    uint32_t kind;                     /* OLSTATE_EVENT_* */
    uint32_t old_state;                /* OLSTATE_ONLINE / OLSTATE_OFFLINE (since 1.3, for
                                          CONNECTION_CHANGED and ACCOUNT_CHANGED: a mode,
                                          OLSTATE_CONNECTION_*) */
    uint32_t new_state;                /* likewise */
    olstate_subscription subscription; /* the subscription this call is for */
    uint64_t sequence;                 /* per session: 1 for the first notification the session
                                          received, +1 for each one after, whether or not a
                                          subscription existed for it: a subscription's first
                                          event may be above 1 with nothing dropped. Between
                                          two events of one subscription a gap means the
                                          session dropped events, and the later one carries
                                          OLSTATE_EVENT_FLAG_DROPPED (the flag without a gap:
                                          a bridge host dropped them before they arrived) */
    uint32_t flags;                    /* OLSTATE_EVENT_FLAG_DROPPED: events were dropped before
                                          this one (queue overflow) */
    uint32_t reserved;                 /* 0 */
    uint64_t notify_time_us;           /* when the provider's notification reached olstate,
                                          microseconds since the Unix epoch (UTC); through
                                          the bridge: when it reached the host's olstate
                                          (PROVIDER_LOST/BACK: when this process noticed) */
} olstate_event;

/* Called for each event. The event pointer is valid only during the call.
 * May call any olstate_ function, including olstate_unsubscribe and
 * olstate_close on its own session. Must not throw or unwind. Since 1.0. */
typedef void(OLSTATE_CALL* olstate_callback)(const olstate_event* event, void* context);

/* Frees a subscription's context; runs exactly once (see olstate_subscribe).
 * Since 1.0. */
typedef void(OLSTATE_CALL* olstate_release)(void* context);

/* Subscribes callback to the session's events; *out_subscription receives the
 * token. context is passed back untouched and never dereferenced.
 *
 * Ownership: when release is not NULL, olstate owns context from this call
 * on: release(context) runs exactly once - after the subscription's last
 * callback has returned, or before a failing olstate_subscribe returns
 * (whatever the failure, NULL arguments included). It may run on any thread,
 * never while a callback of that subscription runs.
 *
 * Delivery (chosen at open):
 *   QUEUED - callbacks of one session run one at a time on its dispatcher
 *            thread, in order, never on the stack of an olstate_ call. The
 *            provider's thread only copies the event into a bounded queue; on
 *            overflow the oldest state events are dropped (never
 *            PROVIDER_LOST/BACK) and the event right after them carries
 *            OLSTATE_EVENT_FLAG_DROPPED. A slow callback delays
 *            the session's other subscriptions.
 *   INLINE - callbacks run on whatever thread the provider notifies on,
 *            possibly concurrently and possibly inside olstate_set_state.
 *
 * Since 1.0. Threads: any, including callbacks. Errors: INVALID_HANDLE,
 * INVALID_ARGUMENT (NULL callback or out_subscription), NOT_SUPPORTED (the
 * provider offers neither online nor offline capability), OUT_OF_MEMORY. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_subscribe(olstate_session* session,
                                                          olstate_callback callback, void* context,
                                                          olstate_release release,
                                                          olstate_subscription* out_subscription);

typedef struct olstate_subscribe_options {
    uint32_t struct_size;      /* sizeof(olstate_subscribe_options) */
    uint32_t flags;            /* OLSTATE_SUBSCRIBE_*; default 0 */
    olstate_callback callback; /* required */
    void* context;             /* passed back untouched; default NULL */
    olstate_release release;   /* frees context, as for olstate_subscribe; default NULL */
} olstate_subscribe_options;

/* A static initializer with the defaults (since 1.2):
 *     olstate_subscribe_options o = OLSTATE_SUBSCRIBE_OPTIONS_INIT; */
#define OLSTATE_SUBSCRIBE_OPTIONS_INIT \
    { sizeof(olstate_subscribe_options), 0u, NULL, NULL, NULL }

/* Fills options with the defaults (no flags, NULLs) and sets struct_size,
 * like olstate_open_options_init: it writes exactly the fields of the 1.2
 * struct. NULL is ignored. Does not change the last error.
 * Since 1.2. Threads: any. Errors: none. */
OLSTATE_API void OLSTATE_CALL olstate_subscribe_options_init(olstate_subscribe_options* options);

/* olstate_subscribe with its arguments in a struct that later versions can
 * extend (struct_size: the rules of olstate_open_ex), plus flags. Since 1.2.
 *
 * OLSTATE_SUBSCRIBE_CURRENT_STATE: the first event this subscription
 * receives is OLSTATE_EVENT_CURRENT, carrying the session's state at the
 * moment of subscribing, and every later change follows it, in order: "read
 * the state, then follow it" without a gap or a stale read. Its sequence is
 * that of the last notification the session had received before it (0 when
 * none), so the next change numbers one more; it never carries
 * OLSTATE_EVENT_FLAG_DROPPED and is never dropped. When a change is under way
 * at that moment, CURRENT may already carry that change's target; its CHANGE
 * and CHANGE_DONE still follow.
 *   QUEUED - CURRENT is queued behind the events already waiting (which this
 *            subscription does not get) and delivered on the dispatcher
 *            thread like any event, after olstate_subscribe_ex returned.
 *   INLINE - CURRENT is delivered on the calling thread before
 *            olstate_subscribe_ex returns (event->subscription is the token
 *            it is about to return); changes notified meanwhile on other
 *            threads are held and delivered after it, in order.
 *
 * Ownership of context and every other rule are those of olstate_subscribe
 * (release runs exactly once, also when this call fails).
 *
 * Since 1.2. Threads: any, including callbacks. Errors: those of
 * olstate_subscribe; INVALID_ARGUMENT also for NULL options,
 * a bad struct_size or unknown flags; with OLSTATE_SUBSCRIBE_CURRENT_STATE
 * also those of olstate_get_state (the state must be read), e.g.
 * PROVIDER_NOT_FOUND for a bridge session with no host. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_subscribe_ex(
    olstate_session* session, const olstate_subscribe_options* options,
    olstate_subscription* out_subscription);

/* Ends a subscription.
 *
 * The guarantee: once it returns OLSTATE_OK, the callback is not running on
 * any other thread, will never be called again (even after a late
 * notification from the provider), and its release has run.
 *
 * Called from inside any callback of the same session it never waits: it
 * returns OLSTATE_OK at once, no new call of that subscription starts, calls
 * already running finish, and release runs after the last of them returned.
 *
 * Since 1.0. Threads: any, including callbacks. Errors: INVALID_HANDLE
 * (closed session, token 0, unknown or already removed token). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_unsubscribe(olstate_session* session,
                                                            olstate_subscription subscription);

/* ------------------------------------------------------------------------ */
/* Bridge host (since 1.1)                                                  */
/* ------------------------------------------------------------------------ */

/* A bridge publishes an open session (in practice an Outlook-provider session
 * inside OUTLOOK.EXE) on a local endpoint that only the current user can
 * reach: a named pipe on Windows, a Unix domain socket elsewhere. Other
 * processes open it with OLSTATE_PROVIDER_BRIDGE. Opaque handle.
 *
 * Bridge sessions (the client side: olstate_open_ex with
 * OLSTATE_PROVIDER_BRIDGE) connect to the host serving provider_path (NULL =
 * this user's default endpoint) and then behave like any session:
 * capabilities, state, set state (when the host allows it), subscriptions in
 * both delivery modes, sequence numbers of their own. Each event's
 * notify_time_us is the host's.
 *   - Profile: NULL accepts whatever profile the host serves
 *     (olstate_get_session_info reports it); another profile than the one
 *     served is PROFILE_NOT_FOUND.
 *   - Host gone: subscribers get OLSTATE_EVENT_PROVIDER_LOST once, and calls
 *     fail with PROVIDER_NOT_FOUND.
 *   - OLSTATE_OPEN_RECONNECT: the session keeps trying and reports
 *     OLSTATE_EVENT_PROVIDER_BACK. It also opens when no host runs yet: its
 *     capabilities are then both (online and offline), its profile the one
 *     asked for (or empty), and get/set state fail with PROVIDER_NOT_FOUND
 *     until BACK.
 *   - Events the host drops for a slow client arrive flagged
 *     OLSTATE_EVENT_FLAG_DROPPED, like the session's own drops. */
typedef struct olstate_bridge olstate_bridge;

/* olstate_bridge_options.flags */
#define OLSTATE_BRIDGE_ALLOW_SET_STATE 1u /* clients may change the state (off by default) */

typedef struct olstate_bridge_options {
    uint32_t struct_size;  /* sizeof(olstate_bridge_options) */
    uint32_t flags;        /* OLSTATE_BRIDGE_*; default 0: clients may only read and follow */
    uint32_t max_clients;  /* connected clients at most (1..1024); 0 = the default (16);
                              more connections get a refusal (OLSTATE_E_BUSY) */
    uint32_t queue_length; /* events held per client before the oldest is dropped
                              (1..65536); 0 = the default (64); the next event that
                              client gets carries OLSTATE_EVENT_FLAG_DROPPED. Memory:
                              64 bytes per held event, so at most queue_length * 64
                              bytes (+ ~70 KiB of replies) per client: 4 MiB per
                              client and 4 GiB for 1024 clients at the maxima */
    const char* endpoint;  /* UTF-8; NULL = the current user's endpoint (what
                              OLSTATE_PROVIDER_BRIDGE finds by default). POSIX: an
                              absolute socket path whose folder is owned by the user
                              and closed to others (0700; created when missing) */
} olstate_bridge_options;

/* Fills options with the defaults and sets struct_size, like
 * olstate_open_options_init. NULL is ignored. Does not change the last error.
 * Since 1.1. Threads: any. Errors: none. */
OLSTATE_API void OLSTATE_CALL olstate_bridge_options_init(olstate_bridge_options* options);

/* The same defaults as an initializer:
 *     olstate_bridge_options o = OLSTATE_BRIDGE_OPTIONS_INIT;
 * Since 1.1. */
#define OLSTATE_BRIDGE_OPTIONS_INIT { sizeof(olstate_bridge_options), 0u, 0u, 0u, NULL }

/* Publishes session on its endpoint (options NULL = the defaults). Clients see
 * the session's capabilities, state and events; the bridge never runs client
 * requests or network I/O on the provider's notification thread, and one
 * slow client never delays another. It reads the session's capabilities
 * and state once, on the calling thread, and subscribes to it like any
 * caller (one subscription, until stop); since 1.3 its own threads never
 * call the session otherwise: clients are answered from the state it
 * follows, and their changes are started asynchronously (a client's
 * blocking change waits in the bridge for its CHANGE_DONE, at most 30 s,
 * then PROVIDER_FAILED). A session whose capabilities are 0 is published
 * too (since 1.3): it sends no notifications, so its state is the one read
 * at start. The session must stay open while
 * the bridge runs; closing it first disconnects every client (they get
 * OLSTATE_EVENT_PROVIDER_LOST) and withdraws the endpoint; the bridge must
 * still be stopped. The wire protocol is docs/bridge-protocol.md.
 * Since 1.1. Threads: any. Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL out_bridge, bad struct_size,
 * unknown flags, a limit out of range, invalid UTF-8), BUSY (another bridge
 * already serves that endpoint), PROVIDER_FAILED (the endpoint could not be
 * created; the message says why), OUT_OF_MEMORY. */
OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_start(
    olstate_session* session, const olstate_bridge_options* options, olstate_bridge** out_bridge);

/* The endpoint the bridge serves (UTF-8: a socket path on POSIX, a pipe name
 * on Windows), what a client passes as provider_path with
 * OLSTATE_PROVIDER_BRIDGE to reach it. Owned by the bridge, valid until
 * olstate_bridge_stop.
 * Since 1.1. Threads: any. Errors: INVALID_HANDLE, INVALID_ARGUMENT (NULL
 * out_endpoint). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_endpoint(olstate_bridge* bridge,
                                                                const char** out_endpoint);

/* Stops accepting clients, disconnects those connected (they get
 * OLSTATE_EVENT_PROVIDER_LOST) and frees the bridge. It ends the bridge's
 * subscription on the session, withdraws the endpoint and queues a "going
 * away" frame for each client, then returns without waiting for any client
 * (since 1.3; before, it waited up to half a second for them itself): a
 * thread of the bridge's own gives clients that do not read at most half a
 * second, closes every connection and joins the clients' threads, keeping
 * olstate loaded meanwhile. A stuck client, or one whose change waits for
 * the session's owner thread, never makes it hang or wait. Never call it
 * from inside a callback of the bridged session.
 * olstate_bridge_stop(NULL) is a no-op returning OLSTATE_OK.
 * Since 1.1. Threads: any but the bridged session's callbacks. Errors:
 * INVALID_HANDLE (already stopped), WOULD_DEADLOCK (from inside a callback
 * of the bridged session). */
OLSTATE_API olstate_result OLSTATE_CALL olstate_bridge_stop(olstate_bridge* bridge);

#ifdef __cplusplus
}
#endif

#endif /* OLSTATE_H */
