/*
 * jwks.c - JWK sets and JWS signature checks (see jwks.h)
 *
 * DESCRIPTION
 *	A JWK is kept when it can sign: kty RSA (n of 2048 to 16384
 *	bits, e odd and at least 3), EC (crv P-256, P-384 or P-521 with
 *	x and y of the curve's size; GnuTLS refuses points off the curve)
 *	or OKP (crv Ed25519), use absent or "sig", key_ops absent or
 *	holding "verify", and alg, when it states one, an algorithm that
 *	fits the key.  Other keys (encryption keys, symmetric keys, other
 *	curves) are skipped.
 *
 *	The algorithm a token may use is tied to its key: RS256/384/512
 *	and PS256/384/512 for RSA, ES256 for P-256, ES384 for P-384,
 *	ES512 for P-521, EdDSA (or Ed25519) for Ed25519, and exactly the
 *	JWK's alg when it has one.  "none" and HS* fit no key, so a token
 *	signed with a public key as its HMAC secret is refused.
 *
 * SECURITY
 *	Tokens and key sets come from the network.  Every length is
 *	bounded, base64url is decoded strictly, JSON is parsed strictly
 *	with a depth limit and must be exactly one object.
 */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "err.h"
#include "jwks.h"
#include "jwsalg.h"
#include "xalloc.h"

#define JSON_DEPTH	16
#define RSA_MIN_BITS	2048
#define RSA_MAX_BYTES	(16384 / 8)

enum kty { KTY_RSA, KTY_EC, KTY_OKP };

static const struct curve {
	const char	*crv;
	enum kty	 kty;
	gnutls_ecc_curve_t curve;
	size_t		 size;		/* bytes of a coordinate */
} curves[] = {
	{ "P-256", KTY_EC, GNUTLS_ECC_CURVE_SECP256R1, 32 },
	{ "P-384", KTY_EC, GNUTLS_ECC_CURVE_SECP384R1, 48 },
	{ "P-521", KTY_EC, GNUTLS_ECC_CURVE_SECP521R1, 66 },
	{ "Ed25519", KTY_OKP, GNUTLS_ECC_CURVE_ED25519, 32 },
};

struct jwk {
	char		*kid;		/* NULL: none */
	size_t		 kidlen;
	enum kty	 kty;
	gnutls_ecc_curve_t curve;
	int		 alg;		/* index into jws_algs, -1: any that fits */
	gnutls_pubkey_t	 pub;
};

struct jwks {
	struct jwk	 keys[JWKS_MAX_KEYS];
	size_t		 n;
};

/* parse_json - exactly one JSON object, strictly; NULL otherwise */

static struct json_object *
parse_json(const char *p, size_t n)
{
	struct json_tokener *tok;
	struct json_object *j = NULL;

	if (n == 0 || n > (size_t)1 << 30 || memchr(p, '\0', n) != NULL ||
	    (tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return (NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, p, (int)n);
	if (j != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(j, json_type_object))) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	return (j);
}

static const char *
jstr(struct json_object *o, const char *name, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return (json_object_get_string(v));
}

static int
b64_is(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_');
}

int
jws_looks_like(const char *p, size_t n)
{
	size_t	 i, dots = 0, part = 0;

	if (n > JWS_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (part == 0 || ++dots > 2)
				return (0);
			part = 0;
		} else if (!b64_is((unsigned char)p[i]))
			return (0);
		else
			part++;
	}
	return (dots == 2);
}

int
jws_parse(struct jws *w, const char *p, size_t n, const char **why)
{
	const char *d1, *d2;
	struct buf b;
	int	 r = PFX_EINVAL;

	memset(w, 0, sizeof(*w));
	buf_init(&w->sig, JWS_MAX);
	buf_init(&b, JWS_MAX);
	*why = "the token is not a compact JWS";
	if (!jws_looks_like(p, n))
		goto out;
	d1 = memchr(p, '.', n);
	d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - p));
	if (base64_decode(&b, p, (size_t)(d1 - p), 1) != PFX_OK ||
	    (w->header = parse_json(b.data, b.len)) == NULL) {
		*why = "the token's header is not a JSON object";
		goto out;
	}
	buf_reset(&b);
	if (base64_decode(&b, d1 + 1, (size_t)(d2 - d1 - 1), 1) != PFX_OK ||
	    (w->claims = parse_json(b.data, b.len)) == NULL) {
		*why = "the token's claims are not a JSON object";
		goto out;
	}
	if (base64_decode(&w->sig, d2 + 1, n - (size_t)(d2 + 1 - p), 1) !=
	    PFX_OK) {
		*why = "the token's signature is not base64url";
		goto out;
	}
	if ((w->alg = jstr(w->header, "alg", NULL)) == NULL) {
		*why = "the token's header has no alg";
		goto out;
	}
	if (json_object_object_get_ex(w->header, "kid", NULL) &&
	    (w->kid = jstr(w->header, "kid", &w->kidlen)) == NULL) {
		*why = "the token's kid is not a string";
		goto out;
	}
	w->signed_len = (size_t)(d2 - p);
	*why = NULL;
	r = PFX_OK;
out:
	buf_free(&b);
	if (r != PFX_OK)
		jws_free(w);
	return (r);
}

void
jws_free(struct jws *w)
{
	if (w->header != NULL)
		json_object_put(w->header);
	if (w->claims != NULL)
		json_object_put(w->claims);
	w->header = w->claims = NULL;
	w->alg = w->kid = NULL;
	buf_free(&w->sig);
}

/* b64_member - a key parameter, base64url-decoded, at most max bytes */

static int
b64_member(struct json_object *o, const char *name, struct buf *out,
    size_t max)
{
	const char *s;
	size_t	 n;

	buf_init(out, max);
	if ((s = jstr(o, name, &n)) == NULL || n == 0)
		return (PFX_EINVAL);
	return (base64_decode(out, s, n, 1));
}

/* alg_fits - may a token of this alg be checked with this key? */

static int
alg_fits(const struct jws_alg *a, enum kty kty, gnutls_ecc_curve_t curve)
{
	enum kty need = a->pk == GNUTLS_PK_RSA ? KTY_RSA :
	    a->pk == GNUTLS_PK_ECDSA ? KTY_EC : KTY_OKP;

	return (need == kty && (kty == KTY_RSA || a->curve == curve));
}

static int
find_alg(const char *name)
{
	size_t	 i;

	for (i = 0; i < jws_nalgs; i++)
		if (strcmp(jws_algs[i].name, name) == 0)
			return ((int)i);
	return (-1);
}

/* op_ok - use absent or "sig", key_ops absent or holding "verify" */

static int
op_ok(struct json_object *k)
{
	struct json_object *ops, *v;
	const char *use;
	size_t	 i, n;

	if (json_object_object_get_ex(k, "use", NULL) &&
	    ((use = jstr(k, "use", NULL)) == NULL || strcmp(use, "sig") != 0))
		return (0);
	if (!json_object_object_get_ex(k, "key_ops", &ops))
		return (1);
	if (!json_object_is_type(ops, json_type_array))
		return (0);
	n = json_object_array_length(ops);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(ops, i);
		if (v != NULL && json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), "verify") == 0)
			return (1);
	}
	return (0);
}

/* rsa_bits - the size of a big-endian modulus */

static size_t
rsa_bits(const struct buf *n)
{
	const unsigned char *p = (const unsigned char *)n->data;
	size_t	 i = 0, bits;
	unsigned char c;

	while (i < n->len && p[i] == 0)
		i++;
	if (i == n->len)
		return (0);
	bits = (n->len - i) * 8;
	for (c = p[i]; !(c & 0x80); c <<= 1)
		bits--;
	return (bits);
}

/* import - one JWK into *k: PFX_OK, or PFX_EINVAL to skip the key */

static int
import(struct json_object *o, struct jwk *k)
{
	struct buf a, b;
	gnutls_datum_t da, db;
	const struct curve *cv = NULL;
	const char *kty, *crv, *s;
	size_t	 i, n;
	int	 r = PFX_EINVAL;

	memset(k, 0, sizeof(*k));
	k->alg = -1;
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (!op_ok(o) || (kty = jstr(o, "kty", NULL)) == NULL)
		return (PFX_EINVAL);
	if (strcmp(kty, "RSA") == 0)
		k->kty = KTY_RSA;
	else if (strcmp(kty, "EC") == 0 || strcmp(kty, "OKP") == 0) {
		k->kty = strcmp(kty, "EC") == 0 ? KTY_EC : KTY_OKP;
		if ((crv = jstr(o, "crv", NULL)) == NULL)
			return (PFX_EINVAL);
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (curves[i].kty == k->kty &&
			    strcmp(curves[i].crv, crv) == 0)
				cv = &curves[i];
		if (cv == NULL)
			return (PFX_EINVAL);
		k->curve = cv->curve;
	} else
		return (PFX_EINVAL);	/* oct (HMAC) and the rest */
	if (json_object_object_get_ex(o, "alg", NULL)) {
		if ((s = jstr(o, "alg", NULL)) == NULL ||
		    (k->alg = find_alg(s)) < 0 ||
		    !alg_fits(&jws_algs[k->alg], k->kty, k->curve))
			return (PFX_EINVAL);
	}
	if (json_object_object_get_ex(o, "kid", NULL)) {
		if ((s = jstr(o, "kid", &n)) == NULL)
			return (PFX_EINVAL);
		k->kid = xmalloc(n + 1);
		memcpy(k->kid, s, n + 1);
		k->kidlen = n;
	}
	if (gnutls_pubkey_init(&k->pub) < 0) {
		k->pub = NULL;
		goto out;
	}
	if (k->kty == KTY_RSA) {
		/* e: odd and at least 3 (e = 1 would take any signature) */
		if (b64_member(o, "n", &a, RSA_MAX_BYTES + 1) != PFX_OK ||
		    b64_member(o, "e", &b, 16) != PFX_OK ||
		    rsa_bits(&a) < RSA_MIN_BITS || rsa_bits(&b) < 2 ||
		    !(b.data[b.len - 1] & 1))
			goto out;
	} else if (b64_member(o, "x", &a, cv->size) != PFX_OK ||
	    a.len != cv->size || (k->kty == KTY_EC &&
	    (b64_member(o, "y", &b, cv->size) != PFX_OK || b.len != cv->size)))
		goto out;
	da.data = (unsigned char *)a.data;
	da.size = (unsigned int)a.len;
	db.data = (unsigned char *)b.data;
	db.size = (unsigned int)b.len;
	if (k->kty == KTY_RSA) {
		if (gnutls_pubkey_import_rsa_raw(k->pub, &da, &db) < 0)
			goto out;
	} else if (gnutls_pubkey_import_ecc_raw(k->pub, k->curve, &da,
	    k->kty == KTY_EC ? &db : NULL) < 0)
		goto out;
	r = PFX_OK;
out:
	buf_free(&a);
	buf_free(&b);
	if (r != PFX_OK) {
		if (k->pub != NULL)
			gnutls_pubkey_deinit(k->pub);
		free(k->kid);
		memset(k, 0, sizeof(*k));
	}
	return (r);
}

struct jwks *
jwks_parse(const char *p, size_t n, const char **why)
{
	struct json_object *doc, *keys;
	struct jwks *s;
	size_t	 i, nk;

	if ((doc = parse_json(p, n)) == NULL) {
		*why = "the JWKS is not a JSON object";
		return (NULL);
	}
	if (!json_object_object_get_ex(doc, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		json_object_put(doc);
		*why = "the JWKS has no keys array";
		return (NULL);
	}
	s = xcalloc(1, sizeof(*s));
	nk = json_object_array_length(keys);
	for (i = 0; i < nk && s->n < JWKS_MAX_KEYS; i++) {
		struct json_object *k = json_object_array_get_idx(keys, i);

		if (k != NULL && json_object_is_type(k, json_type_object) &&
		    import(k, &s->keys[s->n]) == PFX_OK)
			s->n++;
	}
	json_object_put(doc);
	*why = NULL;
	return (s);
}

void
jwks_free(struct jwks *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		gnutls_pubkey_deinit(s->keys[i].pub);
		free(s->keys[i].kid);
	}
	free(s);
}

size_t
jwks_count(const struct jwks *s)
{
	return (s != NULL ? s->n : 0);
}

/* fits - the key takes tokens of this alg (its JWK's alg, when stated) */

static int
fits(const struct jws_alg *a, int ai, const struct jwk *k)
{
	return (alg_fits(a, k->kty, k->curve) && (k->alg < 0 || k->alg == ai));
}

/* ecdsa_der - JWS's fixed-size r||s as the DER GnuTLS verifies */

static int
ecdsa_der(const struct buf *sig, size_t half, gnutls_datum_t *der)
{
	gnutls_datum_t r, s;

	if (half == 0 || sig->len != 2 * half)
		return (PFX_EINVAL);
	r.data = (unsigned char *)sig->data;
	r.size = (unsigned int)half;
	s.data = (unsigned char *)sig->data + half;
	s.size = (unsigned int)half;
	return (gnutls_encode_rs_value(der, &r, &s) < 0 ? PFX_EINVAL :
	    PFX_OK);
}

enum jws_status
jwks_verify(const struct jwks *s, const struct jws *w, const char *tok,
    const char **why)
{
	const struct jwk *k = NULL;
	const struct jws_alg *a;
	gnutls_datum_t data, sig, der = { NULL, 0 };
	size_t	 i;
	int	 ai, r;

	if ((ai = find_alg(w->alg)) < 0) {
		*why = "the token's alg is not allowed";
		return (JWS_ALG);
	}
	a = &jws_algs[ai];
	if (w->kid != NULL) {
		/* a kid may name keys of two types: the one that fits */
		for (i = 0; s != NULL && i < s->n; i++)
			if (s->keys[i].kid != NULL &&
			    s->keys[i].kidlen == w->kidlen &&
			    memcmp(s->keys[i].kid, w->kid, w->kidlen) == 0) {
				k = &s->keys[i];
				if (fits(a, ai, k))
					break;
			}
		if (k == NULL) {
			*why = "no key of the IdP has the token's kid";
			return (JWS_UNKNOWN_KID);
		}
	} else {
		if (s == NULL || s->n != 1) {
			*why = "the token has no kid and the IdP has not"
			    " exactly one key";
			return (JWS_NO_KEY);
		}
		k = &s->keys[0];
	}
	if (!fits(a, ai, k)) {
		*why = "the token's alg does not fit its key";
		return (JWS_ALG);
	}
	data.data = (unsigned char *)(uintptr_t)tok;
	data.size = (unsigned int)w->signed_len;
	sig.data = (unsigned char *)w->sig.data;
	sig.size = (unsigned int)w->sig.len;
	if (a->pk == GNUTLS_PK_ECDSA) {
		if (ecdsa_der(&w->sig, a->half, &der) != PFX_OK) {
			*why = "the token's signature does not verify";
			return (JWS_SIGNATURE);
		}
		sig = der;
	} else if (a->pk == GNUTLS_PK_EDDSA_ED25519 && w->sig.len != 64) {
		*why = "the token's signature does not verify";
		return (JWS_SIGNATURE);
	}
	r = sig.size == 0 ? -1 :
	    gnutls_pubkey_verify_data2(k->pub, a->sign, 0, &data, &sig);
	gnutls_free(der.data);
	if (r < 0) {
		*why = "the token's signature does not verify";
		return (JWS_SIGNATURE);
	}
	*why = NULL;
	return (JWS_OK);
}
