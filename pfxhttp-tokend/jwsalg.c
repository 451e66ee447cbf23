/*
 * jwsalg.c - the JWS algorithm table (see jwsalg.h)
 */
#include <string.h>

#include "jwsalg.h"

const struct jws_alg jws_algs[] = {
	{ "RS256", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_SHA256, 0, 0 },
	{ "RS384", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_SHA384, 0, 0 },
	{ "RS512", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_SHA512, 0, 0 },
	{ "PS256", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, 0, 0 },
	{ "PS384", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, 0, 0 },
	{ "PS512", GNUTLS_PK_RSA, 0, GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, 0, 0 },
	{ "ES256", GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP256R1,
	    GNUTLS_SIGN_ECDSA_SHA256, 32, 0 },
	{ "ES384", GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP384R1,
	    GNUTLS_SIGN_ECDSA_SHA384, 48, 0 },
	{ "ES512", GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP521R1,
	    GNUTLS_SIGN_ECDSA_SHA512, 66, 0 },
	{ "EdDSA", GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519,
	    GNUTLS_SIGN_EDDSA_ED25519, 0, 0 },
	/* RFC 9864's fully specified name, as some IdPs publish it */
	{ "Ed25519", GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519,
	    GNUTLS_SIGN_EDDSA_ED25519, 0, 1 },
};

const size_t jws_nalgs = sizeof(jws_algs) / sizeof(jws_algs[0]);

const struct jws_alg *
jws_alg_by_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < jws_nalgs; i++)
		if (strcmp(jws_algs[i].name, name) == 0)
			return (&jws_algs[i]);
	return (NULL);
}
