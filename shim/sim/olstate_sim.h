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

/* Resets every profile to ONLINE with both capabilities, default delivery,
 * no faults and no misbehaviour. Advised sinks stay advised. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_reset(void);

/* Changes the state as if the user clicked Work Offline: notifies every sink
 * (START, CHANGE, DONE) as SetCurrentState does. With wait != 0 it returns
 * after DONE reached every sink. Same state: S_OK, nothing sent. A change in
 * flight: E_PENDING. */
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
 * threads at once to every advised sink; returns when all were delivered. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_storm(const char* profile, uint32_t threads,
                                                           uint32_t count);

/* Drops every sink advised on the profile's object, as Outlook does when it
 * shuts down (no notification is sent). Lets a test clean up after a sink
 * whose Unadvise it made fail. */
OLSTATE_SIM_API int32_t OLSTATE_SIM_CALL olstate_sim_unadvise_all(const char* profile);

/* Returns when every notification queued so far for the profile has been
 * delivered (also late notifications after Unadvise). */
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

#ifdef __cplusplus
}
#endif

#endif /* OLSTATE_SIM_H */
