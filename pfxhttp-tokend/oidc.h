/*
 * oidc.h - client-credentials tokens, fetched asynchronously
 */
#ifndef PFX_OIDC_H
#define PFX_OIDC_H

#include <curl/curl.h>

#include "conf.h"

struct oidc;
struct oidc_client;

struct oidc_stats {
	unsigned long long tokens_fetched, tokens_failed, discoveries,
	    tokens_served;
};

enum oidc_answer { OIDC_TOKEN, OIDC_WAIT, OIDC_FAIL };

/* oidc_new - token fetches run on the caller's multi handle */
struct oidc *oidc_new(CURLM *);
void	 oidc_free(struct oidc *);
/* oidc_set_conf - bind clients to a (re)loaded configuration */
void	 oidc_set_conf(struct oidc *, const struct conf *);
/*
 * oidc_token - a token now (OIDC_TOKEN); or a fetch is under way and *oc
 * will report through oidc_done (OIDC_WAIT); or none (OIDC_FAIL, *why
 * says why).  renew: the caller's backend refused the current token, so
 * fetch a new one.
 */
enum oidc_answer oidc_token(struct oidc *, const struct conf_oidc *,
	    int renew, long long now, struct oidc_client **oc, const char **token,
	    long long *expires_in, const char **why);
/* oidc_done - a transfer finished; returns the client it belonged to */
struct oidc_client *oidc_done(struct oidc *, CURL *, CURLcode, long long now);
/* oidc_result - after oidc_done: the client's token or failure */
enum oidc_answer oidc_result(struct oidc_client *, long long now,
	    const char **token, long long *expires_in, const char **why);
int	 oidc_busy(const struct oidc_client *);
/* oidc_tick - start refreshes that are due */
void	 oidc_tick(struct oidc *, long long now);
struct oidc_stats *oidc_stats(struct oidc *);

#endif
