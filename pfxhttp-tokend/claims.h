/*
 * claims.h - what an access token must say to log a user in (pure)
 *
 * The same checks serve a verified JWT's claims and an RFC 7662
 * introspection answer; they read a parsed JSON object and the clock
 * the caller passes, nothing else, so they are tested on their own.
 */
#ifndef PFX_CLAIMS_H
#define PFX_CLAIMS_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

struct claims_policy {
	int		 introspection;	/* an RFC 7662 answer, not a JWT */
	const char	*issuer;	/* JWT: iss must be this exactly */
	char *const	*audience;	/* aud must hold one (none: any) */
	size_t		 naudience;
	char *const	*client_ids;	/* client_id / azp must be one */
	size_t		 nclient_ids;
	char *const	*scopes;	/* scope must hold every one */
	size_t		 nscopes;
	const char	*account_claim;	/* NULL: the default claims */
	long long	 now_ms;	/* wall clock, ms since the epoch */
	long long	 leeway_ms;	/* clock skew allowed */
};

/* the longest account name taken from a token */
#define CLAIMS_MAX_ACCOUNT	1024

/*
 * claims_header - NULL when a JWS header may be an access token's (typ
 * absent, JWT or at+jwt; no crit), else why not
 */
const char *claims_header(struct json_object *);
/*
 * claims_check - NULL with the account appended to *account and exp in
 * *exp_ms, else why the claims are refused (for the log only: never
 * shown to a client)
 */
const char *claims_check(struct json_object *, const struct claims_policy *,
	    struct buf *account, long long *exp_ms);
/* claims_user_ok - the claimed login name is the token's account */
int	 claims_user_ok(const char *claimed, size_t, const char *account,
	    size_t);

#endif
