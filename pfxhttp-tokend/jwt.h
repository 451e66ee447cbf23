/*
 * jwt.h - private_key_jwt client assertions (RFC 7523), signed by GnuTLS
 */
#ifndef PFX_JWT_H
#define PFX_JWT_H

#include <stddef.h>

#include "buf.h"

struct jwt_key;

/* jwt_key_load - PEM: PKCS#8, PKCS#1 RSA or SEC1 EC; NULL + reason */
struct jwt_key *jwt_key_load(const char *path, char *err, size_t errlen);
void	 jwt_key_free(struct jwt_key *);
/* jwt_key_thumbprint - RFC 7638 JWK thumbprint (private_key_id "thumbprint") */
const char *jwt_key_thumbprint(const struct jwt_key *);
/* jwt_key_alg - the JWS alg used when none is configured */
const char *jwt_key_alg(const struct jwt_key *);
/* jwt_assertion - a signed, short-lived client assertion; kid may be NULL */
int	 jwt_assertion(const struct jwt_key *, const char *alg,
	    const char *kid, const char *client_id, const char *audience,
	    long long now_s, struct buf *out, char *err, size_t errlen);

#endif
