/*
 * jwsalg.h - the JWS algorithms tokend signs (client assertions, jwt.c)
 * and verifies (access tokens, jwks.c): one table, so that both sides
 * agree on each algorithm's key type, curve and signature encoding
 */
#ifndef PFX_JWSALG_H
#define PFX_JWSALG_H

#include <gnutls/abstract.h>
#include <stddef.h>

struct jws_alg {
	const char	*name;		/* "RS256" */
	gnutls_pk_algorithm_t pk;	/* the key type it needs */
	gnutls_ecc_curve_t curve;	/* EC, Ed25519: the curve it needs */
	gnutls_sign_algorithm_t sign;
	size_t		 half;		/* ECDSA: bytes of r and of s */
	int		 verify_only;	/* a name accepted, never chosen */
};

extern const struct jws_alg jws_algs[];
extern const size_t jws_nalgs;

/* jws_alg_by_name - the algorithm of that name, or NULL */
const struct jws_alg *jws_alg_by_name(const char *);

#endif
