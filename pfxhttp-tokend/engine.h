/*
 * engine.h - lookups for every spawn process, on one curl multi handle
 *
 * A peer names an entry of tokend's own configuration and hands over
 * the request's attributes; the engine answers from the cache, or joins
 * an identical call under way, or calls the backend (with an OIDC token
 * when the entry wants one), maps the answer, caches it and replies.
 * Nothing a peer sends becomes a URL, a header name or a credential.
 */
#ifndef PFX_ENGINE_H
#define PFX_ENGINE_H

#include <curl/curl.h>

#include "cache.h"
#include "conf.h"
#include "counters.h"
#include "oidc.h"
#include "proto.h"
#include "verdict.h"

struct engine;

/* engine_reply_fn - the answer for a waiter that got PFX_EAGAIN */
typedef void engine_reply_fn(void *waiter, const struct pfx_result *,
    void *arg);

#define ENGINE_MAX_JOBS		4096	/* then "backend busy" */
#define ENGINE_MAX_WAITERS	4096

struct engine_limits {
	size_t		 max_jobs;	/* backend calls under way or queued */
	size_t		 max_waiters;	/* lookups joining one call */
};

struct engine *engine_new(CURLM *, struct cache *, struct oidc *,
	    engine_reply_fn *, void *arg, const struct engine_limits *);
void	 engine_free(struct engine *);
/* engine_set_conf - a (re)loaded configuration for new lookups */
void	 engine_set_conf(struct engine *, const struct conf *);
/*
 * engine_lookup - PFX_OK when *res holds the answer already, PFX_EAGAIN
 * when it comes later through the reply function
 */
int	 engine_lookup(struct engine *, const struct conf_entry *,
	    const struct pfx_req *, long long deadline_ms, void *waiter,
	    struct pfx_result *res);
/*
 * engine_explain - engine_lookup with every step recorded in the trace
 * (the waiter's, until the reply or engine_forget); its own backend
 * call, never shared with other lookups
 */
struct trace;
int	 engine_explain(struct engine *, const struct conf_entry *,
	    const struct pfx_req *, long long deadline_ms, void *waiter,
	    struct trace *, struct pfx_result *res);
/* engine_abort - answer every lookup under way with a temporary error */
void	 engine_abort(struct engine *, const char *why);
/* engine_forget - the waiter has gone; no reply for it */
void	 engine_forget(struct engine *, void *waiter);
/* engine_done - a transfer finished; 0 when it was not the engine's */
int	 engine_done(struct engine *, CURL *, CURLcode);
/* engine_token - a token fetch finished: calls waiting for it go on */
void	 engine_token(struct engine *, struct oidc_client *);
/* engine_next_ms - when engine_tick has work next, -1: none (ms) */
int	 engine_next_ms(const struct engine *, long long now_ms);
/* engine_tick - time out calls that still wait for a token */
void	 engine_tick(struct engine *, long long now_ms);
size_t	 engine_jobs(const struct engine *);
/* engine_h1_connections - open connections of tokend's own HTTP client */
size_t	 engine_h1_connections(const struct engine *);
/* engine_check_processes - local check programs running now */
size_t	 engine_check_processes(const struct engine *);
/* engine_h1_fd - readable when a plain-HTTP backend connection is ready */
int	 engine_h1_fd(const struct engine *);
/* engine_h1_run - act on it */
void	 engine_h1_run(struct engine *);
/* engine_checks_fd - readable when a check process has something */
int	 engine_checks_fd(const struct engine *);
/* engine_checks_run - act on it */
void	 engine_checks_run(struct engine *);
struct entry_counters *engine_counters(struct engine *,
	    const struct conf_entry *);

#endif
