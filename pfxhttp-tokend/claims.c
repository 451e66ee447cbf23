/*
 * claims.c - the claim checks of a SASL token login (see claims.h)
 *
 * DESCRIPTION
 *	A JWT (RFC 9068 access token) must have iss equal to the
 *	discovered issuer, an aud holding one of the configured audience,
 *	exp in the future and nbf and iat not in it (each with the
 *	leeway), and must not be an ID token (nonce, token_use "id").
 *	An introspection answer (RFC 7662) must have active exactly true,
 *	exp in the future and a token_type, when it has one, that names
 *	an access token.  Both: client_id (else azp) must be one of
 *	client_ids and scope must hold every configured scope, when those
 *	are configured.
 *
 *	The account is account_claim when configured, else
 *	preferred_username, then (introspection only, RFC 7662's field)
 *	username, then sub.  Only a non-empty string counts; no account
 *	refuses the login: the name the client claimed is never taken.
 *
 * SECURITY
 *	Everything here is IdP or token text: only types are trusted
 *	after checking them; reasons are fixed strings.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "claims.h"
#include "err.h"
#include "sasl_mech.h"

#define TIME_MAX_S	(1LL << 40)	/* beyond any real date */

static struct json_object *
member(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return (NULL);
	return (v);
}

/* str - a string member and its length, else NULL */

static const char *
str(struct json_object *o, const char *name, size_t *len)
{
	struct json_object *v = member(o, name);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return (NULL);
	*len = (size_t)json_object_get_string_len(v);
	return (json_object_get_string(v));
}

/* num_ms - a NumericDate member in ms: 1, 0 when absent, -1 when no number */

static int
num_ms(struct json_object *o, const char *name, long long *ms)
{
	struct json_object *v = member(o, name);
	long long s;
	double	 d;

	if (v == NULL)
		return (0);
	if (json_object_is_type(v, json_type_int)) {
		s = (long long)json_object_get_int64(v);
		*ms = s > TIME_MAX_S ? TIME_MAX_S * 1000 : s < -TIME_MAX_S ?
		    -TIME_MAX_S * 1000 : s * 1000;
		return (1);
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d))
			return (-1);
		*ms = d > (double)TIME_MAX_S ? TIME_MAX_S * 1000 :
		    d < -(double)TIME_MAX_S ? -TIME_MAX_S * 1000 :
		    (long long)(d * 1000.0);
		return (1);
	}
	return (-1);
}

static int
eq(const char *a, size_t alen, const char *b)
{
	return (alen == strlen(b) && memcmp(a, b, alen) == 0);
}

/* in_list - a (string, length) equal to one of the list's */

static int
in_list(const char *s, size_t n, char *const *list, size_t nlist)
{
	size_t	 i;

	for (i = 0; i < nlist; i++)
		if (eq(s, n, list[i]))
			return (1);
	return (0);
}

/* aud_ok - aud (a string or an array of strings) holds one of the list */

static int
aud_ok(struct json_object *o, char *const *list, size_t nlist)
{
	struct json_object *v = member(o, "aud"), *a;
	size_t	 i, n;

	if (v == NULL)
		return (0);
	if (json_object_is_type(v, json_type_string))
		return (in_list(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), list, nlist));
	if (!json_object_is_type(v, json_type_array))
		return (0);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(v, i);
		if (a != NULL && json_object_is_type(a, json_type_string) &&
		    in_list(json_object_get_string(a),
		    (size_t)json_object_get_string_len(a), list, nlist))
			return (1);
	}
	return (0);
}

/* word_in - a space-separated list (a scope string) holds the word */

static int
word_in(const char *s, size_t n, const char *w)
{
	size_t	 i = 0, j, wl = strlen(w);

	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (j - i == wl && wl > 0 && memcmp(s + i, w, wl) == 0)
			return (1);
		i = j;
	}
	return (0);
}

/* has_scope - scope (RFC 7662, RFC 9068), else scp (a string or array) */

static int
has_scope(struct json_object *o, const char *w)
{
	struct json_object *v, *a;
	const char *s;
	size_t	 n, i;

	if ((s = str(o, "scope", &n)) != NULL)
		return (word_in(s, n, w));
	if ((v = member(o, "scp")) == NULL)
		return (0);
	if (json_object_is_type(v, json_type_string))
		return (word_in(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), w));
	if (!json_object_is_type(v, json_type_array))
		return (0);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(v, i);
		if (a != NULL && json_object_is_type(a, json_type_string) &&
		    eq(json_object_get_string(a),
		    (size_t)json_object_get_string_len(a), w))
			return (1);
	}
	return (0);
}

/* access_type - an introspection token_type that names an access token */

static int
access_type(const char *t, size_t n)
{
	static const char *const ok[] = {
		"access_token", "urn:ietf:params:oauth:token-type:access_token",
	};
	size_t	 i;

	if (n == 6 && strncasecmp(t, "bearer", 6) == 0)
		return (1);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (eq(t, n, ok[i]))
			return (1);
	return (0);
}

const char *
claims_header(struct json_object *h)
{
	static const char *const typs[] = {
		"JWT", "at+jwt", "application/at+jwt",
	};
	const char *t;
	size_t	 n, i;

	if (member(h, "crit") != NULL)
		return ("the token names critical header extensions");
	if (member(h, "typ") == NULL)
		return (NULL);
	if ((t = str(h, "typ", &n)) == NULL)
		return ("the token's typ is not a string");
	for (i = 0; i < sizeof(typs) / sizeof(typs[0]); i++)
		if (n == strlen(typs[i]) && strncasecmp(t, typs[i], n) == 0)
			return (NULL);
	return ("the token's typ is not an access token's");
}

/* account - the claim that names the user, else NULL */

static const char *
account(struct json_object *o, const struct claims_policy *p, size_t *n)
{
	static const char *const jwt[] = { "preferred_username", "sub" };
	static const char *const intro[] = {
		"preferred_username", "username", "sub",
	};
	const char *const *names = p->introspection ? intro : jwt;
	size_t	 i, nnames = p->introspection ? 3 : 2;
	const char *s;

	if (p->account_claim != NULL) {
		s = str(o, p->account_claim, n);
		return (s != NULL && *n > 0 ? s : NULL);
	}
	for (i = 0; i < nnames; i++)
		if ((s = str(o, names[i], n)) != NULL && *n > 0)
			return (s);
	return (NULL);
}

const char *
claims_check(struct json_object *o, const struct claims_policy *p,
    struct buf *acct, long long *exp_ms)
{
	struct json_object *v;
	const char *s;
	long long t;
	size_t	 n, i;
	int	 r;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return ("the claims are not a JSON object");
	if (p->introspection) {
		v = member(o, "active");
		if (v == NULL || !json_object_is_type(v, json_type_boolean) ||
		    !json_object_get_boolean(v))
			return ("the token is not active");
		if (member(o, "token_type") != NULL &&
		    ((s = str(o, "token_type", &n)) == NULL ||
		    !access_type(s, n)))
			return ("the token is not an access token");
	} else {
		if (p->issuer == NULL || (s = str(o, "iss", &n)) == NULL ||
		    !eq(s, n, p->issuer))
			return ("the token's issuer is not the IdP's");
		if (member(o, "nonce") != NULL)
			return ("the token is an ID token");
		if (member(o, "token_use") != NULL &&
		    ((s = str(o, "token_use", &n)) == NULL ||
		    !eq(s, n, "access")))
			return ("the token is not an access token");
		if (p->naudience == 0)
			return ("no audience is configured");
	}
	/* exp is required: a token without one would never expire */
	if ((r = num_ms(o, "exp", &t)) <= 0)
		return (r == 0 ? "the token has no exp" : "the token's exp is"
		    " not a number");
	if (t + p->leeway_ms <= p->now_ms)
		return ("the token has expired");
	*exp_ms = t;
	if (!p->introspection) {
		if ((r = num_ms(o, "nbf", &t)) < 0 ||
		    (r > 0 && t - p->leeway_ms > p->now_ms))
			return ("the token is not valid yet (nbf)");
		if ((r = num_ms(o, "iat", &t)) < 0 ||
		    (r > 0 && t - p->leeway_ms > p->now_ms))
			return ("the token was issued in the future (iat)");
	}
	if (p->naudience > 0 && !aud_ok(o, p->audience, p->naudience))
		return ("the token is not for this audience");
	if (p->nclient_ids > 0) {
		if ((s = str(o, "client_id", &n)) == NULL &&
		    (s = str(o, "azp", &n)) == NULL)
			return ("the token names no client");
		if (!in_list(s, n, p->client_ids, p->nclient_ids))
			return ("the token's client is not allowed");
	}
	for (i = 0; i < p->nscopes; i++)
		if (!has_scope(o, p->scopes[i]))
			return ("the token lacks a required scope");
	if ((s = account(o, p, &n)) == NULL)
		return ("the token names no account");
	if (n > CLAIMS_MAX_ACCOUNT || !sasl_name_ok(s, n))
		return ("the token's account is not a usable login name");
	if (buf_append(acct, s, n) != PFX_OK)
		return ("the token's account is too long");
	return (NULL);
}

int
claims_user_ok(const char *claimed, size_t clen, const char *acct,
    size_t alen)
{
	return (clen == alen && memcmp(claimed, acct, alen) == 0);
}
