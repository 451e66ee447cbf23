/*
 * validate.h - SASL bearer tokens (XOAUTH2, OAUTHBEARER) checked at the IdP
 *
 * A check takes a dovecot_sasl login's token and claimed user and says
 * FOUND (the value is the token's account), NOTFOUND (the token is not
 * good for this login) or TEMPFAIL/TIMEOUT (the IdP could not tell in
 * time).  Discovery, JWK sets and introspection calls run on the
 * caller's curl multi handle; checks wait for them without blocking.
 */
#ifndef PFX_VALIDATE_H
#define PFX_VALIDATE_H

#include <curl/curl.h>

#include "conf.h"
#include "counters.h"
#include "proto.h"
#include "verdict.h"

struct validator;

struct validator_hooks {
	/* reply - the answer for a check that got PFX_EAGAIN */
	void	 (*reply)(void *arg, void *waiter, const struct conf_entry *,
		    const struct pfx_result *);
	/* counters - an entry's counters */
	struct entry_counters *(*counters)(void *arg,
		    const struct conf_entry *);
	void	*arg;
};

struct validator *validator_new(CURLM *, const struct validator_hooks *,
	    size_t max_checks);
void	 validator_free(struct validator *);
/* validator_set_conf - a (re)loaded configuration for new checks */
void	 validator_set_conf(struct validator *, const struct conf *);
/*
 * validator_check - PFX_OK when *res holds the answer already,
 * PFX_EAGAIN when it comes later through the reply hook
 */
int	 validator_check(struct validator *, const struct conf_entry *,
	    const struct pfx_req *, long long deadline_ms, void *waiter,
	    struct pfx_result *res);
/* validator_abort - answer every check under way with a temporary error */
void	 validator_abort(struct validator *, const char *why);
/* validator_forget - the waiter has gone; no reply for it */
void	 validator_forget(struct validator *, void *waiter);
/* validator_done - a transfer finished; 0 when it was not the validator's */
int	 validator_done(struct validator *, CURL *, CURLcode);
/* validator_next_ms - when validator_tick has work next, -1: none (ms) */
int	 validator_next_ms(const struct validator *, long long now_ms);
/* validator_tick - time out checks past their deadline */
void	 validator_tick(struct validator *, long long now_ms);
size_t	 validator_checks(const struct validator *);

#endif
