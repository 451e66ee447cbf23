/*
 * jwks.h - JWK sets and JWS signature checks with GnuTLS
 *
 * jwks_parse() keeps a set's signature keys (RSA, EC P-256/384/521,
 * Ed25519); jws_parse() splits a compact JWS and decodes its parts;
 * jwks_verify() picks the key (kid, or the only key) and checks the
 * signature with an algorithm that fits the key: never "none", never
 * HMAC.  No I/O here: fetching is validate.c's.
 */
#ifndef PFX_JWKS_H
#define PFX_JWKS_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

struct jwks;

/* a compact JWS, split and decoded */
struct jws {
	struct json_object *header;	/* an object */
	struct json_object *claims;	/* an object */
	const char	*alg;		/* header alg (in header) */
	const char	*kid;		/* header kid, or NULL */
	size_t		 kidlen;
	size_t		 signed_len;	/* of "header.payload", the start */
	struct buf	 sig;		/* the signature's bytes */
};

enum jws_status {
	JWS_OK,
	JWS_ALG,		/* alg refused, or it does not fit the key */
	JWS_UNKNOWN_KID,	/* no key has the kid (a refetch may help) */
	JWS_NO_KEY,		/* no kid, and not exactly one key */
	JWS_SIGNATURE,		/* the signature does not verify */
};

/* the largest JWS and JWK set looked at */
#define JWS_MAX		16384
#define JWKS_MAX_KEYS	64

/* jws_looks_like - three base64url parts (the signature may be empty) */
int	 jws_looks_like(const char *, size_t);
/* jws_parse - PFX_OK, or PFX_EINVAL with *why (the token is malformed) */
int	 jws_parse(struct jws *, const char *, size_t, const char **why);
void	 jws_free(struct jws *);

/* jwks_parse - the set's usable signature keys; NULL with *why */
struct jwks *jwks_parse(const char *, size_t, const char **why);
void	 jwks_free(struct jwks *);
size_t	 jwks_count(const struct jwks *);
/*
 * jwks_verify - the token's signature, checked with the key its kid
 * names (no kid: the set's only key); tok is what jws_parse() read
 */
enum jws_status jwks_verify(const struct jwks *, const struct jws *,
	    const char *tok, const char **why);

#endif
