/*
 * olstate_sim.h - control API of olstate's Outlook simulator.
 *
 * olstate_sim is a provider library: it exports HrOpenOfflineObj with
 * Outlook's signature and implements IMAPIOfflineMgr as Outlook does (one
 * offline object per profile name, case-insensitive, kept for the life of the
 * process; starts ONLINE with both capabilities; every state change sends
 * STATECHANGE_START, STATECHANGE, STATECHANGE_DONE to every advised sink from
 * a provider thread). These functions drive it the way a user or a
 * misbehaving Outlook would, so applications and tests can run without
 * Outlook.
 *
 * A program that uses this API links (or loads by full path) the same
 * simulator file that olstate loads, so the process holds one instance.
 *
 * Profiles are UTF-8; NULL or "" means the default profile "Outlook". A
 * profile named here that was never opened is created on first use. Every
 * function returns an HRESULT (0 = S_OK, negative = failure) unless said.
 */
#ifndef OLSTATE_SIM_H
#define OLSTATE_SIM_H

#include <stdint.h>

#if defined(_WIN32)
#define OLSTATE_SIM_CALL __cdecl
#if defined(OLSTATE_SIM_BUILDING)
#define OLSTATE_SIM_API __declspec(dllexport)
#else
#define OLSTATE_SIM_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define OLSTATE_SIM_CALL
#define OLSTATE_SIM_API __attribute__((visibility("default")))
#else
#define OLSTATE_SIM_CALL
#define OLSTATE_SIM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The name the simulator gives the default profile. */
#define OLSTATE_SIM_DEFAULT_PROFILE "Outlook"

/* Calls that olstate_sim_fail_next can make fail. */
#define OLSTATE_SIM_CALL_OPEN 1u             /* HrOpenOfflineObj */
#define OLSTATE_SIM_CALL_QUERY_INTERFACE 2u  /* QueryInterface on the offline object */
#define OLSTATE_SIM_CALL_GET_CAPABILITIES 3u /* IMAPIOffline::GetCapabilities */
#define OLSTATE_SIM_CALL_GET_STATE 4u        /* IMAPIOffline::GetCurrentState */
#define OLSTATE_SIM_CALL_SET_STATE 5u        /* IMAPIOffline::SetCurrentState */
#define OLSTATE_SIM_CALL_ADVISE 6u           /* IMAPIOfflineMgr::Advise */
#define OLSTATE_SIM_CALL_UNADVISE 7u         /* IMAPIOfflineMgr::Unadvise */
#define OLSTATE_SIM_CALL_POLL_CONNECTION 8u  /* reading the Exchange connection (a poll of
                                                Outlook's object model): olstate_get_connection_mode,
                                                olstate_get_offline, olstate_get_accounts
                                                and the bridge host's reads fail */

/* Delivery of notifications (olstate_sim_set_delivery). */
#define OLSTATE_SIM_DELIVERY_THREAD 0u /* default: one long-lived FIFO provider thread */
#define OLSTATE_SIM_DELIVERY_SYNC 1u   /* on the thread that caused the change */
#define OLSTATE_SIM_DELIVERY_POOL 2u   /* several provider threads at once (concurrent, unordered) */

/* Misbehaviours (olstate_sim_set_misbehaviour), a bit mask. */
#define OLSTATE_SIM_MISBEHAVE_OPEN_NULL 1u          /* HrOpenOfflineObj returns S_OK and a NULL object */
#define OLSTATE_SIM_MISBEHAVE_LATE_NOTIFY 2u        /* after Unadvise, send one more notification to
                                                       the unadvised sink from a provider thread */
#define OLSTATE_SIM_MISBEHAVE_NOTIFY_IN_ADVISE 4u   /* Advise calls the new sink's Notify before
                                                       returning, on the caller's thread */
#define OLSTATE_SIM_MISBEHAVE_SLOW_UNADVISE 8u      /* Unadvise sleeps 50 ms before removing the sink */
#define OLSTATE_SIM_MISBEHAVE_HOLD_DONE 16u         /* a state change stops after STATECHANGE: it stays
                                                       under way (E_PENDING to other changes) and its
                                                       STATECHANGE_DONE waits until this bit is cleared
                                                       (olstate_sim_set_misbehaviour, olstate_sim_reset),
                                                       as does a blocking SetCurrentState; the thread
                                                       delivering the change waits too (strict mode:
                                                       the owner thread keeps running its loop, the
                                                       DONE is queued to it when the bit is cleared) */

/* ---- Exchange connection and accounts (olstate 1.3) ----
 *
 * Each profile also has what Outlook's object model reports about Exchange
 * (olstate.h, "Exchange connection and accounts"): the session's mode
 * (OLSTATE_CONNECTION_* values: 0, 100 ... 800), NameSpace.Offline (derived:
 * 1 for modes 100 to 400, 0 otherwise) and up to 32 accounts, each with a
 * display name (its key here, unique per profile, 1..255 bytes of UTF-8),
 * an SMTP address (0..255 bytes), a type (OLSTATE_ACCOUNT_*: 0..5) and a
 * mode. A profile starts in mode 700 (cached, connected) with one Exchange
 * account named and addressed OLSTATE_SIM_DEFAULT_ACCOUNT, in mode 700.
 * The mode is independent of the online/offline state here (in Outlook,
 * Work Offline changes both): a test sets each.
 *
 * Every change that changes something notifies every advised sink, through
 * the profile's delivery mode like a state change: olstate sessions get
 * OLSTATE_EVENT_CONNECTION_CHANGED or OLSTATE_EVENT_ACCOUNT_CHANGED. A call
 * that changes nothing (the same mode) returns S_OK and notifies nothing.
 * Bad values and unknown names return E_INVALIDARG (0x80070057). */

#define OLSTATE_SIM_DEFAULT_ACCOUNT "user@example.com"

/* The session's mode (NameSpace.ExchangeConnectionMode). */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_connection_mode(const char* profile,
                                                                         uint32_t mode);

/* Adds an account at the end of the list (smtp_address NULL = ""). */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_add_account(const char* profile,
                                                                 const char* display_name,
                                                                 const char* smtp_address,
                                                                 uint32_t account_type,
                                                                 uint32_t mode);

/* Removes the account of that display name. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_remove_account(const char* profile,
                                                                    const char* display_name);

/* Changes one account's mode (Account.ExchangeConnectionMode). */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_account_mode(const char* profile,
                                                                      const char* display_name,
                                                                      uint32_t mode);

/* With reported == 0, the profile's offline object refuses olstate's
 * connection interface, as Outlook's MAPI DLL alone does: sessions opened
 * from then on lack OLSTATE_CAPABILITY_CONNECTION_MODE. reported != 0 (the
 * default) undoes it. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_connection_reported(const char* profile,
                                                                             int32_t reported);

/* A poll that fails: olstate_sim_fail_next(OLSTATE_SIM_CALL_POLL_CONNECTION,
 * hresult, count). */

/* Resets every profile to ONLINE with both capabilities, the default
 * connection (mode 700, one account; nothing is notified), default delivery,
 * no faults, no misbehaviour, no "not ready" answers, the strict mode of
 * OLSTATE_SIM_STRICT and no violations counted. Advised sinks stay advised. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_reset(void);

/* Changes the state as if the user clicked Work Offline: notifies every sink
 * (START, CHANGE, DONE) as SetCurrentState does. With wait != 0 it returns
 * after DONE reached every sink (strict mode, from a thread other than the
 * owner: once the owner thread has run the notifications). Same state: S_OK,
 * nothing sent. A change in flight: E_PENDING. Any thread may call it, in
 * either mode. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_state(const char* profile, uint32_t state,
                                                               int32_t wait);

/* The profile's current state (1 offline, 2 online) in *out_state. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_get_state(const char* profile,
                                                               uint32_t* out_state);

/* What GetCapabilities reports for the profile from now on. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_capabilities(const char* profile,
                                                                      uint32_t capabilities);

/* Makes the next `count` calls of `call` (OLSTATE_SIM_CALL_*, any profile)
 * fail with hresult (negative). count 0 clears the fault. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_fail_next(uint32_t call, int32_t hresult,
                                                               uint32_t count);

/* With known == 0, HrOpenOfflineObj answers MAPI_E_NOT_FOUND for this profile
 * (an unknown profile); known != 0 undoes it. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_profile_known(const char* profile,
                                                                       int32_t known);

/* Selects how the profile's object delivers notifications
 * (OLSTATE_SIM_DELIVERY_*); threads is the pool size for POOL (>= 1). */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_delivery(const char* profile,
                                                                  uint32_t mode, uint32_t threads);

/* Sets the misbehaviour mask (OLSTATE_SIM_MISBEHAVE_*, all profiles). */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_misbehaviour(uint32_t mask);

/* Sends `count` raw notifications with these fields to every advised sink of
 * the profile, through its delivery mode, without changing its state; with
 * ul_size 0 the correct size is used. For notifications that are not about
 * online/offline, wrong sizes, unknown types and storms. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_send_raw(const char* profile,
                                                              uint32_t notify_type, uint32_t mask,
                                                              uint32_t old_state,
                                                              uint32_t new_state, uint32_t ul_size,
                                                              uint32_t count);

/* Calls Notify(NULL) on every advised sink of the profile. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_send_null(const char* profile);

/* Sends `count` full state changes' worth of notifications (START, CHANGE,
 * DONE, alternating states, without changing the state) from `threads`
 * threads at once to every advised sink; returns when all were delivered.
 * Strict mode: all are queued to the owner thread instead (threads only
 * multiplies the count), and the call returns once the owner ran them. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_storm(const char* profile, uint32_t threads,
                                                           uint32_t count);

/* Drops every sink advised on the profile's object, as Outlook does when it
 * shuts down (no notification is sent). Lets a test clean up after a sink
 * whose Unadvise it made fail. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_unadvise_all(const char* profile);

/* Returns when every notification queued so far for the profile has been
 * delivered (also late notifications after Unadvise). Strict mode: on the
 * owner thread it runs the owner's queue; on another thread it waits for the
 * owner to run it. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_wait_idle(const char* profile);

/* Counters (return values, not HRESULTs), over all profiles:
 * - live objects: offline objects on which some client holds a reference
 *   (the simulator's own cached reference is not counted);
 * - outstanding references: references clients hold on offline objects;
 * - advised sinks: sinks currently advised (the simulator holds a reference
 *   on each until Unadvise);
 * - held sinks: references the simulator holds on sinks (advised ones, and
 *   ones kept for a late notification). */
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_live_objects(void);
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_outstanding_refs(void);
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_advised_sinks(void);
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_held_sinks(void);
/* Calls of the offline object's methods (QueryInterface, GetCapabilities,
 * GetCurrentState, SetCurrentState, Advise, Unadvise) running right now, on
 * any thread: a blocking SetCurrentState counts until its change is done.
 * A process that ends while this is not 0 ends with a thread inside the
 * provider (what Outlook's fast shutdown must never meet). */
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_calls_in_progress(void);
/* Reads of the Exchange connection so far, over all profiles and since the
 * process started (olstate_sim_reset does not clear it; compare two
 * readings): each olstate_get_connection_mode, olstate_get_offline and
 * olstate_get_accounts call on a simulator session is one, and so is each
 * read a bridge host makes to publish the connection, failed ones too. */
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_connection_reads(void);

/* ---- Strict mode: the rules of documented Outlook ----
 *
 * The forgiving simulator (the default) lets any thread call the offline
 * object and delivers notifications on its own provider threads. Outlook
 * does not promise either: its offline object belongs to Outlook's main
 * thread, a single-threaded apartment with a message loop. Strict mode
 * enforces what Microsoft documents, so that a test can prove a program
 * keeps the rules:
 *
 * - The object belongs to the thread that opened it (HrOpenOfflineObj while
 *   no client held a reference on the profile's object; the ownership ends
 *   when the last client reference is released). QueryInterface,
 *   GetCapabilities, GetCurrentState, SetCurrentState, Advise and Unadvise
 *   called on another thread do nothing and return
 *   OLSTATE_SIM_E_WRONG_THREAD; AddRef and Release on another thread still
 *   count the reference (they cannot fail) but are violations too. So is a
 *   HrOpenOfflineObj of an owned profile on another thread (it fails).
 * - Notifications run on the owner thread, whatever the delivery mode
 *   (olstate_sim_set_delivery is ignored while strict): on Windows through
 *   the owner thread's message loop (a message-only window created at
 *   open), on every platform through olstate_sim_pump and
 *   olstate_sim_run_owner_loop. A thread that does neither never sees one.
 *   Misbehaviours (OLSTATE_SIM_MISBEHAVE_*) still break the rule on purpose.
 * - A blocking SetCurrentState (MAPIOFFLINE_FLAG_BLOCK) made while the
 *   owner thread runs a notification hangs, as reported for Outlook: the
 *   simulator waits OLSTATE_SIM_HANG_MS, then fails with OLSTATE_SIM_E_HUNG
 *   without changing anything. A blocking one on the owner thread outside a
 *   notification runs the owner's queue until the change is done.
 *
 * Each broken rule is a violation: counted (olstate_sim_violations), kept
 * (olstate_sim_last_violation) and printed on stderr as one line starting
 * "olstate_sim: strict violation: ". In FATAL mode the first violation also
 * ends the process with exit code OLSTATE_SIM_FATAL_EXIT_CODE, which makes
 * any test suite fail without asserting anything itself.
 *
 * The environment variable OLSTATE_SIM_STRICT sets the process default,
 * read once when the simulator is first used: unset, "" or "0" off, "fatal"
 * FATAL, anything else ON. olstate_sim_reset returns to that default.
 *
 * Two more things documented Outlook may do, in either mode:
 * - olstate_sim_set_not_ready(n), or OLSTATE_SIM_NOT_READY=n in the
 *   environment (read once, counts from the process's first call): the next
 *   n HrOpenOfflineObj calls answer OLSTATE_SIM_E_NOT_READY, as the Offline
 *   State API may early in Outlook's startup;
 * - olstate_sim_set_capabilities(profile, 0): a profile that can go neither
 *   online nor offline. */

#define OLSTATE_SIM_STRICT_OFF 0u
#define OLSTATE_SIM_STRICT_ON 1u
#define OLSTATE_SIM_STRICT_FATAL 2u

/* Violation kinds (olstate_sim_violations). */
#define OLSTATE_SIM_VIOLATION_ALL 0u           /* every kind */
#define OLSTATE_SIM_VIOLATION_WRONG_THREAD 1u  /* a call on a thread that does not own the object */
#define OLSTATE_SIM_VIOLATION_BLOCKING_SET_IN_NOTIFY 2u /* a blocking SetCurrentState inside a notification */

#define OLSTATE_SIM_E_WRONG_THREAD ((int32_t)0x8001010E) /* RPC_E_WRONG_THREAD */
#define OLSTATE_SIM_E_HUNG ((int32_t)0x800705B4)         /* HRESULT_FROM_WIN32(ERROR_TIMEOUT) */
#define OLSTATE_SIM_E_NOT_READY ((int32_t)0x80040605)    /* MAPI_E_NOT_INITIALIZED */
#define OLSTATE_SIM_HANG_MS 1000u
#define OLSTATE_SIM_FATAL_EXIT_CODE 86

/* Sets the mode (OLSTATE_SIM_STRICT_*) for the whole process from now on.
 * Objects opened before keep no owner until they are opened again. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_strict(uint32_t mode);

/* The current mode (OLSTATE_SIM_STRICT_*; a value, not an HRESULT). */
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_strict(void);

/* Violations of `kind` (OLSTATE_SIM_VIOLATION_*) since the last reset (a
 * count, not an HRESULT). */
OLSTATE_SIM_API uint32_t OLSTATE_SIM_CALL olstate_sim_violations(uint32_t kind);

/* Copies the last violation's message (UTF-8, NUL-terminated, truncated to
 * `size` bytes) into `buffer`; "" when there was none. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_last_violation(char* buffer, uint32_t size);

/* Owner thread: runs the notifications queued for the objects this thread
 * owns, waiting up to timeout_ms for the first; *out_ran (may be NULL) gets
 * how many ran. On a thread that owns nothing: S_OK, 0 ran, no wait. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_pump(uint32_t timeout_ms, uint32_t* out_ran);

/* Owner thread: runs notifications as they come until some thread calls
 * olstate_sim_quit_owner_loops (the Linux test's stand-in for Outlook's
 * message loop). On a thread that owns nothing it waits for the quit all
 * the same. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_run_owner_loop(void);

/* Any thread: makes every olstate_sim_run_owner_loop running now return. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_quit_owner_loops(void);

/* The next `calls` HrOpenOfflineObj calls (any profile) answer
 * OLSTATE_SIM_E_NOT_READY; 0 clears. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_set_not_ready(uint32_t calls);

/* ---- The owner seam: carrying a program's calls to the owner thread ----
 *
 * In strict mode only the owner thread may call the offline object. A
 * program (olstate's COM provider does) carries calls made on its other
 * threads to the owner this way, the stand-in for posting to a window of the
 * owner thread in Outlook. These two functions are optional for a provider
 * library: olstate looks them up by name in the library it loads and, when
 * they are missing or the simulator is not strict, calls directly.
 *
 * olstate_sim_owner_current - on the thread about to open (HrOpenOfflineObj):
 *   in strict mode *out_owner gets that thread's owner inbox (an opaque
 *   handle, valid for the life of the process) and it returns S_OK; in the
 *   forgiving mode *out_owner gets NULL and it returns S_FALSE (1): any
 *   thread may call.
 * olstate_sim_owner_post - any thread: queues job(context) on that inbox.
 *   It runs on the owner thread, in order with the notifications queued
 *   there, when the owner pumps (olstate_sim_pump, olstate_sim_run_owner_loop,
 *   its Windows message loop, or a blocking SetCurrentState it makes). It is
 *   not a notification: a blocking SetCurrentState in it does not hang. A
 *   job never runs if the owner never pumps again: the poster decides how
 *   long it waits. */
typedef void(OLSTATE_SIM_CALL* olstate_sim_owner_job)(void* context);
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_owner_current(void** out_owner);
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_owner_post(void* owner, olstate_sim_owner_job job,
                                                                void* context);

#ifdef __cplusplus
}
#endif

#endif /* OLSTATE_SIM_H */
