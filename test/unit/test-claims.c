/*
 * test-claims.c - pfxhttp-tokend's token checks: claims.c (the claim
 * rules for JWTs and introspection answers) and jwks.c (JWS parsing, JWK
 * sets, signatures with keys made here by GnuTLS)
 */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "claims.h"
#include "conf.h"
#include "err.h"
#include "jwks.h"
#include "jwsalg.h"
#include "t.h"

#define NOW	1700000000LL

static char aud0[] = "urn:smtp", aud1[] = "smtp2", cid0[] = "mail-client",
    scope0[] = "mail.send";
static char *aud[] = { aud0, aud1 };
static char *cids[] = { cid0 };
static char *scopes[] = { scope0 };

static struct json_object *
js(const char *s)
{
	return (json_tokener_parse(s));
}

static const char *
run(const char *json, int intro, int naud, int ncid, int nscope,
    const char *claim, struct buf *acct)
{
	struct claims_policy p;
	struct json_object *o = js(json);
	const char *why;
	long long exp;

	memset(&p, 0, sizeof(p));
	p.introspection = intro;
	p.issuer = "https://idp.example";
	p.audience = aud;
	p.naudience = (size_t)naud;
	p.client_ids = cids;
	p.nclient_ids = (size_t)ncid;
	p.scopes = scopes;
	p.nscopes = (size_t)nscope;
	p.account_claim = claim;
	p.now_ms = NOW * 1000;
	p.leeway_ms = 30000;
	buf_reset(acct);
	why = claims_check(o, &p, acct, &exp);
	json_object_put(o);
	return (why);
}

#define BASE "\"iss\":\"https://idp.example\",\"aud\":\"urn:smtp\"," \
	"\"exp\":1700000300,\"iat\":1699999990"

static const struct {
	const char	*name;
	const char	*json;
	int		 intro, naud, ncid, nscope;
	const char	*claim;
	const char	*want;		/* the account, or NULL: refused */
} cases[] = {
	{ "jwt: preferred_username", "{" BASE ",\"sub\":\"s1\","
	    "\"preferred_username\":\"alice\"}", 0, 1, 0, 0, NULL, "alice" },
	{ "jwt: sub without preferred_username", "{" BASE ",\"sub\":\"s1\"}",
	    0, 1, 0, 0, NULL, "s1" },
	{ "jwt: username is not a JWT account claim", "{" BASE
	    ",\"username\":\"u\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: empty preferred_username falls to sub", "{" BASE
	    ",\"preferred_username\":\"\",\"sub\":\"s1\"}", 0, 1, 0, 0, NULL,
	    "s1" },
	{ "jwt: account_claim", "{" BASE ",\"sub\":\"s1\",\"mail\":\"a@b\"}",
	    0, 1, 0, 0, "mail", "a@b" },
	{ "jwt: account_claim missing: no fallback",
	    "{" BASE ",\"sub\":\"s1\"}",
	    0, 1, 0, 0, "mail", NULL },
	{ "jwt: account_claim not a string", "{" BASE ",\"mail\":7}",
	    0, 1, 0, 0, "mail", NULL },
	{ "jwt: account with a TAB", "{" BASE ",\"sub\":\"a\\tb\"}",
	    0, 1, 0, 0, NULL, NULL },
	{ "jwt: account with LF", "{" BASE ",\"sub\":\"a\\nOK\"}",
	    0, 1, 0, 0, NULL, NULL },
	{ "jwt: wrong iss", "{\"iss\":\"https://idp.example/\",\"aud\":"
	    "\"urn:smtp\",\"exp\":1700000300,\"sub\":\"s\"}", 0, 1, 0, 0, NULL,
	    NULL },
	{ "jwt: no iss", "{\"aud\":\"urn:smtp\",\"exp\":1700000300,"
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: iss not a string", "{\"iss\":1,\"aud\":\"urn:smtp\","
	    "\"exp\":1700000300,\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: aud array", "{\"iss\":\"https://idp.example\",\"aud\":"
	    "[\"x\",\"smtp2\"],\"exp\":1700000300,\"sub\":\"s\"}", 0, 2, 0, 0,
	    NULL, "s" },
	{ "jwt: aud elsewhere", "{\"iss\":\"https://idp.example\",\"aud\":"
	    "[\"x\",\"y\"],\"exp\":1700000300,\"sub\":\"s\"}", 0, 2, 0, 0,
	    NULL, NULL },
	{ "jwt: aud missing", "{\"iss\":\"https://idp.example\","
	    "\"exp\":1700000300,\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: no audience configured is refused", "{" BASE ",\"sub\":\"s\"}",
	    0, 0, 0, 0, NULL, NULL },
	{ "jwt: no exp", "{\"iss\":\"https://idp.example\",\"aud\":"
	    "\"urn:smtp\",\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: exp a string", "{\"iss\":\"https://idp.example\",\"aud\":"
	    "\"urn:smtp\",\"exp\":\"1700000300\",\"sub\":\"s\"}", 0, 1, 0, 0,
	    NULL, NULL },
	{ "jwt: expired beyond the leeway", "{\"iss\":\"https://idp.example\","
	    "\"aud\":\"urn:smtp\",\"exp\":1699999969,\"sub\":\"s\"}", 0, 1, 0,
	    0, NULL, NULL },
	{ "jwt: expired within the leeway", "{\"iss\":\"https://idp.example\","
	    "\"aud\":\"urn:smtp\",\"exp\":1699999990,\"sub\":\"s\"}", 0, 1, 0,
	    0, NULL, "s" },
	{ "jwt: exp as a double", "{\"iss\":\"https://idp.example\","
	    "\"aud\":\"urn:smtp\",\"exp\":1700000300.5,\"sub\":\"s\"}", 0, 1,
	    0, 0, NULL, "s" },
	{ "jwt: nbf in the future", "{" BASE ",\"nbf\":1700000100,"
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: nbf within the leeway", "{" BASE ",\"nbf\":1700000020,"
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, "s" },
	{ "jwt: iat in the future", "{\"iss\":\"https://idp.example\","
	    "\"aud\":\"urn:smtp\",\"exp\":1700000300,\"iat\":1700000100,"
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: nbf not a number", "{" BASE ",\"nbf\":true,\"sub\":\"s\"}",
	    0, 1, 0, 0, NULL, NULL },
	{ "jwt: an ID token (nonce)", "{" BASE ",\"nonce\":\"n\","
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, NULL },
	{ "jwt: token_use id", "{" BASE ",\"token_use\":\"id\",\"sub\":\"s\"}",
	    0, 1, 0, 0, NULL, NULL },
	{ "jwt: token_use access", "{" BASE ",\"token_use\":\"access\","
	    "\"sub\":\"s\"}", 0, 1, 0, 0, NULL, "s" },
	{ "jwt: client_id allowed", "{" BASE ",\"client_id\":\"mail-client\","
	    "\"sub\":\"s\"}", 0, 1, 1, 0, NULL, "s" },
	{ "jwt: azp allowed", "{" BASE ",\"azp\":\"mail-client\","
	    "\"sub\":\"s\"}", 0, 1, 1, 0, NULL, "s" },
	{ "jwt: client_id wins over azp", "{" BASE ",\"client_id\":\"x\","
	    "\"azp\":\"mail-client\",\"sub\":\"s\"}", 0, 1, 1, 0, NULL, NULL },
	{ "jwt: no client", "{" BASE ",\"sub\":\"s\"}", 0, 1, 1, 0, NULL,
	    NULL },
	{ "jwt: scope holds it", "{" BASE ",\"scope\":\"openid mail.send\","
	    "\"sub\":\"s\"}", 0, 1, 0, 1, NULL, "s" },
	{ "jwt: scope prefix only", "{" BASE ",\"scope\":\"mail.sender\","
	    "\"sub\":\"s\"}", 0, 1, 0, 1, NULL, NULL },
	{ "jwt: scp array", "{" BASE ",\"scp\":[\"mail.send\"],"
	    "\"sub\":\"s\"}", 0, 1, 0, 1, NULL, "s" },
	{ "jwt: no scope", "{" BASE ",\"sub\":\"s\"}", 0, 1, 0, 1, NULL, NULL },
	{ "intro: active", "{\"active\":true,\"exp\":1700000300,"
	    "\"username\":\"bob\",\"sub\":\"s\"}", 1, 0, 0, 0, NULL, "bob" },
	{ "intro: preferred_username first", "{\"active\":true,"
	    "\"exp\":1700000300,\"username\":\"bob\",\"preferred_username\":"
	    "\"carol\"}", 1, 0, 0, 0, NULL, "carol" },
	{ "intro: sub last", "{\"active\":true,\"exp\":1700000300,"
	    "\"sub\":\"s\"}", 1, 0, 0, 0, NULL, "s" },
	{ "intro: no account", "{\"active\":true,\"exp\":1700000300,"
	    "\"client_id\":\"c\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: inactive", "{\"active\":false,\"exp\":1700000300,"
	    "\"sub\":\"s\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: active \"true\" (a string)", "{\"active\":\"true\","
	    "\"exp\":1700000300,\"sub\":\"s\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: active missing", "{\"exp\":1700000300,\"sub\":\"s\"}", 1, 0,
	    0, 0, NULL, NULL },
	{ "intro: no exp", "{\"active\":true,\"sub\":\"s\"}", 1, 0, 0, 0, NULL,
	    NULL },
	{ "intro: expired", "{\"active\":true,\"exp\":1699999000,"
	    "\"sub\":\"s\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: token_type Bearer", "{\"active\":true,\"exp\":1700000300,"
	    "\"token_type\":\"Bearer\",\"sub\":\"s\"}", 1, 0, 0, 0, NULL, "s" },
	{ "intro: token_type access_token", "{\"active\":true,"
	    "\"exp\":1700000300,\"token_type\":\"access_token\",\"sub\":\"s\"}",
	    1, 0, 0, 0, NULL, "s" },
	{ "intro: token_type refresh_token", "{\"active\":true,"
	    "\"exp\":1700000300,\"token_type\":\"refresh_token\","
	    "\"sub\":\"s\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: token_type id_token", "{\"active\":true,\"exp\":1700000300,"
	    "\"token_type\":\"id_token\",\"sub\":\"s\"}", 1, 0, 0, 0, NULL,
	    NULL },
	{ "intro: token_type urn refresh", "{\"active\":true,"
	    "\"exp\":1700000300,\"token_type\":"
	    "\"urn:ietf:params:oauth:token-type:refresh_token\",\"sub\":\"s\"}",
	    1, 0, 0, 0, NULL, NULL },
	{ "intro: token_type DPoP", "{\"active\":true,\"exp\":1700000300,"
	    "\"token_type\":\"DPoP\",\"sub\":\"s\"}", 1, 0, 0, 0, NULL, NULL },
	{ "intro: aud required when configured", "{\"active\":true,"
	    "\"exp\":1700000300,\"sub\":\"s\"}", 1, 1, 0, 0, NULL, NULL },
	{ "intro: aud matches", "{\"active\":true,\"exp\":1700000300,"
	    "\"aud\":[\"urn:smtp\"],\"sub\":\"s\"}", 1, 1, 0, 0, NULL, "s" },
	{ "intro: client_id", "{\"active\":true,\"exp\":1700000300,"
	    "\"client_id\":\"other\",\"sub\":\"s\"}", 1, 0, 1, 0, NULL, NULL },
	{ "intro: scope", "{\"active\":true,\"exp\":1700000300,"
	    "\"scope\":\"mail.send x\",\"sub\":\"s\"}", 1, 0, 0, 1, NULL, "s" },
	{ "intro: iss not checked", "{\"active\":true,\"exp\":1700000300,"
	    "\"iss\":\"elsewhere\",\"sub\":\"s\"}", 1, 0, 0, 0, NULL, "s" },
	{ "not an object", "[1,2]", 1, 0, 0, 0, NULL, NULL },
};

static void
test_claims(void)
{
	struct buf acct;
	const char *why;
	size_t	 i;

	buf_init(&acct, CLAIMS_MAX_ACCOUNT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = run(cases[i].json, cases[i].intro, cases[i].naud,
		    cases[i].ncid, cases[i].nscope, cases[i].claim, &acct);
		if (cases[i].want == NULL)
			ok(why != NULL, "%s: refused (%s)", cases[i].name,
			    why != NULL ? why : "accepted");
		else if (ok(why == NULL, "%s: accepted (%s)", cases[i].name,
		    why != NULL ? why : "ok"))
			is_str(buf_str(&acct), cases[i].want, "%s: account",
			    cases[i].name);
	}
	buf_free(&acct);
	ok(claims_user_ok(W("alice"), W("alice")), "user match");
	ok(!claims_user_ok(W("Alice"), W("alice")), "user match is exact");
	ok(!claims_user_ok(W("alice"), W("alice2")), "user match: length");
}

static void
test_header(void)
{
	static const struct {
		const char *h;
		int	 good;
	} h[] = {
		{ "{\"alg\":\"RS256\"}", 1 },
		{ "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", 1 },
		{ "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", 1 },
		{ "{\"alg\":\"RS256\",\"typ\":\"application/at+JWT\"}", 1 },
		{ "{\"alg\":\"RS256\",\"typ\":\"id_token+jwt\"}", 0 },
		{ "{\"alg\":\"RS256\",\"typ\":\"dpop+jwt\"}", 0 },
		{ "{\"alg\":\"RS256\",\"typ\":7}", 0 },
		{ "{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}", 0 },
	};
	struct json_object *o;
	size_t	 i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		o = js(h[i].h);
		ok((claims_header(o) == NULL) == h[i].good, "header %s: %s",
		    h[i].h, h[i].good ? "access token" : "refused");
		json_object_put(o);
	}
}

/* b64j - base64url of a text */

static void
b64j(struct buf *out, const char *s)
{
	(void)base64_encode(out, s, strlen(s), 1);
}

static void
test_parse(void)
{
	static const struct {
		const char *tok;
		int	 looks;
	} l[] = {
		{ "a.b.c", 1 }, { "a.b.", 1 }, { "a..c", 0 }, { ".b.c", 0 },
		{ "a.b", 0 }, { "a.b.c.d", 0 }, { "a.b+c.d", 0 },
		{ "a.b.c=", 0 }, { "opaque-token_1", 0 }, { "", 0 },
	};
	struct jws w;
	struct buf t;
	const char *why;
	size_t	 i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		ok(jws_looks_like(l[i].tok, strlen(l[i].tok)) == l[i].looks,
		    "looks like a JWS: \"%s\": %d", l[i].tok, l[i].looks);
	buf_init(&t, JWS_MAX);
	b64j(&t, "{\"alg\":\"ES256\",\"kid\":\"k1\"}");
	(void)buf_putc(&t, '.');
	b64j(&t, "{\"sub\":\"s\"}");
	(void)buf_puts(&t, ".AAAA");
	ok(jws_parse(&w, t.data, t.len, &why) == PFX_OK, "parse a JWS");
	is_str(w.alg, "ES256", "alg");
	is_mem(w.kid, w.kidlen, "k1", 2, "kid");
	is_int(w.sig.len, 3, "signature bytes");
	is_int(w.signed_len, (size_t)(strrchr(t.data, '.') - t.data),
	    "signing input ends at the last dot");
	jws_free(&w);

	/* malformed: each refused, none crashes */
	static const char *const bad[][2] = {
		{ "{\"kid\":\"k1\"}", "{}" },			/* no alg */
		{ "{\"alg\":1}", "{}" },		/* alg no string */
		/* kid no string */
		{ "{\"alg\":\"RS256\",\"kid\":2}", "{}" },
		{ "[\"alg\"]", "{}" },			/* no object */
		{ "{\"alg\":\"RS256\"} x", "{}" },	/* trailing */
		{ "{\"alg\":\"RS256\"}", "[]" },	/* claims array */
		{ "{\"alg\":\"RS256\"}", "{\"a\":1,}" },	/* not strict */
		{ "{\"alg\":\"RS256\"}", "" },			/* empty */
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&t);
		b64j(&t, bad[i][0]);
		(void)buf_putc(&t, '.');
		b64j(&t, bad[i][1]);
		(void)buf_puts(&t, ".AAAA");
		ok(jws_parse(&w, t.data, t.len, &why) != PFX_OK,
		    "refused: %s . %s (%s)", bad[i][0], bad[i][1],
		    why != NULL ? why : "-");
	}
	buf_reset(&t);
	b64j(&t, "{\"alg\":\"RS256\"}");
	(void)buf_puts(&t, ".e30.A");	/* 1 base64url char: no byte */
	ok(jws_parse(&w, t.data, t.len, &why) != PFX_OK,
	    "refused: a signature that is not base64url");
	buf_free(&t);
}

/* keys made here: GnuTLS signs, jwks.c verifies */

struct tkey {
	const char	*alg, *kid;
	gnutls_pk_algorithm_t pk;
	unsigned int	 bits;
	gnutls_ecc_curve_t curve;
	size_t		 half;
	gnutls_sign_algorithm_t sign;
	gnutls_privkey_t key;
};

static void
b64d(struct buf *out, const gnutls_datum_t *d, size_t size)
{
	unsigned char tmp[200];
	const unsigned char *p = d->data;
	size_t	 n = d->size;

	while (n > 0 && *p == 0 && (size == 0 || n > size)) {
		p++;
		n--;
	}
	if (size > n) {
		memset(tmp, 0, size - n);
		memcpy(tmp + size - n, p, n);
		(void)base64_encode(out, tmp, size, 1);
	} else
		(void)base64_encode(out, p, n, 1);
}

/* jwk - the key's public JWK; extra is more JSON members, or "" */

static void
jwk(struct tkey *k, const char *extra, struct buf *out)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	gnutls_ecc_curve_t c;

	gnutls_pubkey_init(&pub);
	gnutls_pubkey_import_privkey(pub, k->key, 0, 0);
	(void)buf_printf(out, "{\"kid\":\"%s\"%s,", k->kid, extra);
	if (k->pk == GNUTLS_PK_RSA) {
		gnutls_pubkey_export_rsa_raw2(pub, &a, &b, 0);
		(void)buf_puts(out, "\"kty\":\"RSA\",\"n\":\"");
		b64d(out, &a, 0);
		(void)buf_puts(out, "\",\"e\":\"");
		b64d(out, &b, 0);
	} else if (k->pk == GNUTLS_PK_ECDSA) {
		gnutls_pubkey_export_ecc_raw2(pub, &c, &a, &b, 0);
		(void)buf_printf(out, "\"kty\":\"EC\",\"crv\":\"P-%d\","
		    "\"x\":\"", k->half == 66 ? 521 : (int)k->half * 8);
		b64d(out, &a, k->half);
		(void)buf_puts(out, "\",\"y\":\"");
		b64d(out, &b, k->half);
	} else {
		gnutls_pubkey_export_ecc_raw2(pub, &c, &a, NULL, 0);
		(void)buf_puts(out, "\"kty\":\"OKP\",\"crv\":\"Ed25519\","
		    "\"x\":\"");
		b64d(out, &a, 32);
	}
	(void)buf_puts(out, "\"}");
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
}

/* jws - header.claims.signature with the key */

static void
jws(struct tkey *k, const char *hdr, const char *claims, struct buf *out)
{
	gnutls_datum_t d, sig = { NULL, 0 }, r = { NULL, 0 }, s = { NULL, 0 };

	buf_reset(out);
	b64j(out, hdr);
	(void)buf_putc(out, '.');
	b64j(out, claims);
	d.data = (unsigned char *)out->data;
	d.size = (unsigned int)out->len;
	gnutls_privkey_sign_data2(k->key, k->sign, 0, &d, &sig);
	(void)buf_putc(out, '.');
	if (k->pk == GNUTLS_PK_ECDSA) {
		gnutls_decode_rs_value(&sig, &r, &s);
		{
			unsigned char rs[132];
			const unsigned char *p;
			size_t	 n, i;
			gnutls_datum_t *v[2] = { &r, &s };

			for (i = 0; i < 2; i++) {
				p = v[i]->data;
				n = v[i]->size;
				while (n > k->half && *p == 0) {
					p++;
					n--;
				}
				memset(rs + i * k->half, 0, k->half - n);
				memcpy(rs + i * k->half + k->half - n, p, n);
			}
			(void)base64_encode(out, rs, 2 * k->half, 1);
		}
	} else
		(void)base64_encode(out, sig.data, sig.size, 1);
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
}

static enum jws_status
verify(const struct jwks *set, const char *tok, size_t n)
{
	struct jws w;
	const char *why;
	enum jws_status st;

	if (jws_parse(&w, tok, n, &why) != PFX_OK)
		return ((enum jws_status)-1);
	st = jwks_verify(set, &w, tok, &why);
	jws_free(&w);
	return (st);
}

static void
test_verify(void)
{
	struct tkey keys[] = {
		{ "RS256", "r1", GNUTLS_PK_RSA, 2048, 0, 0,
		    GNUTLS_SIGN_RSA_SHA256, NULL },
		{ "PS384", "r2", GNUTLS_PK_RSA, 2048, 0, 0,
		    GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, NULL },
		{ "ES256", "e1", GNUTLS_PK_ECDSA, 0, GNUTLS_ECC_CURVE_SECP256R1,
		    32, GNUTLS_SIGN_ECDSA_SHA256, NULL },
		{ "ES384", "e2", GNUTLS_PK_ECDSA, 0, GNUTLS_ECC_CURVE_SECP384R1,
		    48, GNUTLS_SIGN_ECDSA_SHA384, NULL },
		{ "ES512", "e3", GNUTLS_PK_ECDSA, 0, GNUTLS_ECC_CURVE_SECP521R1,
		    66, GNUTLS_SIGN_ECDSA_SHA512, NULL },
		{ "EdDSA", "d1", GNUTLS_PK_EDDSA_ED25519, 0, 0, 0,
		    GNUTLS_SIGN_EDDSA_ED25519, NULL },
	};
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	struct buf set, tok, hdr, one;
	struct jwks *s, *s1;
	const char *why;
	size_t	 i;
	char	 h[160];

	buf_init(&set, 1 << 20);
	buf_init(&tok, JWS_MAX);
	buf_init(&hdr, 4096);
	buf_init(&one, 1 << 16);
	(void)buf_puts(&set, "{\"keys\":[");
	/* skipped: a symmetric key, an encryption key, a 1024-bit RSA key */
	(void)buf_puts(&set, "{\"kty\":\"oct\",\"kid\":\"h1\","
	    "\"k\":\"c2VjcmV0\"},");
	for (i = 0; i < nk; i++) {
		if (keys[i].pk == GNUTLS_PK_ECDSA)
			keys[i].bits = GNUTLS_CURVE_TO_BITS(keys[i].curve);
		gnutls_privkey_init(&keys[i].key);
		ok(gnutls_privkey_generate2(keys[i].key, keys[i].pk,
		    keys[i].bits, 0, NULL, 0) == 0, "generate a %s key",
		    keys[i].alg);
		snprintf(h, sizeof(h), ",\"alg\":\"%s\",\"use\":\"sig\"",
		    keys[i].alg);
		jwk(&keys[i], i == 1 ? h : "", &set);
		(void)buf_putc(&set, ',');
	}
	jwk(&keys[0], ",\"use\":\"enc\",\"kid\":\"x-enc\"", &set);
	(void)buf_puts(&set, "]}");
	s = jwks_parse(set.data, set.len, &why);
	ok(s != NULL, "parse the key set");
	is_int(jwks_count(s), nk, "the signature keys are kept, the others"
	    " skipped");
	for (i = 0; i < nk; i++) {
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"kid\":\"%s\"}",
		    keys[i].alg, keys[i].kid);
		jws(&keys[i], h, "{\"sub\":\"s\"}", &tok);
		is_int(verify(s, tok.data, tok.len), JWS_OK, "%s verifies",
		    keys[i].alg);
		/* another base64url character: a different signature */
		tok.data[tok.len - 3] = tok.data[tok.len - 3] == 'A' ? 'B' :
		    'A';
		is_int(verify(s, tok.data, tok.len), JWS_SIGNATURE,
		    "%s: a changed signature fails", keys[i].alg);
	}
	/* alg confusion: each refused */
	jws(&keys[0], "{\"alg\":\"RS512\",\"kid\":\"r1\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_SIGNATURE,
	    "RS512 over an RS256 signature fails");
	jws(&keys[1], "{\"alg\":\"PS256\",\"kid\":\"r2\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_ALG,
	    "PS256 for a JWK whose alg is PS384");
	jws(&keys[2], "{\"alg\":\"ES384\",\"kid\":\"e1\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_ALG, "ES384 for a P-256 key");
	jws(&keys[0], "{\"alg\":\"EdDSA\",\"kid\":\"r1\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_ALG, "EdDSA for an RSA key");
	jws(&keys[0], "{\"alg\":\"HS256\",\"kid\":\"h1\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_ALG, "HS256");
	buf_reset(&tok);
	b64j(&tok, "{\"alg\":\"none\"}");
	(void)buf_puts(&tok, ".e30.");
	is_int(verify(s, tok.data, tok.len), JWS_ALG, "alg none");
	jws(&keys[0], "{\"alg\":\"RS256\",\"kid\":\"nope\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_UNKNOWN_KID, "unknown kid");
	jws(&keys[0], "{\"alg\":\"RS256\",\"kid\":\"x-enc\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_UNKNOWN_KID,
	    "an encryption key is no signature key");
	jws(&keys[0], "{\"alg\":\"RS256\"}", "{}", &tok);
	is_int(verify(s, tok.data, tok.len), JWS_NO_KEY,
	    "no kid with many keys");
	/* a set of one: no kid is fine */
	(void)buf_puts(&one, "{\"keys\":[");
	jwk(&keys[5], "", &one);
	(void)buf_puts(&one, "]}");
	s1 = jwks_parse(one.data, one.len, &why);
	jws(&keys[5], "{\"alg\":\"EdDSA\"}", "{}", &tok);
	is_int(verify(s1, tok.data, tok.len), JWS_OK,
	    "no kid, a set of one key");
	jws(&keys[0], "{\"alg\":\"RS256\"}", "{}", &tok);
	is_int(verify(s1, tok.data, tok.len), JWS_ALG,
	    "no kid, the only key does not fit the alg");
	jwks_free(s1);
	/* broken sets */
	ok(jwks_parse(W("[]"), &why) == NULL, "a JWKS that is no object");
	ok(jwks_parse(W("{\"keys\":{}}"), &why) == NULL, "keys no array");
	s1 = jwks_parse(W("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"AAAA\",\"y\":\"AAAA\"},{\"kty\":\"OKP\",\"crv\":"
	    "\"X25519\",\"x\":\"AAAA\"},1,{\"kty\":\"RSA\",\"n\":\"AQAB\","
	    "\"e\":\"AQAB\"}]}"), &why);
	is_int(jwks_count(s1), 0, "short EC coordinates, X25519, a number,"
	    " a tiny RSA key: none kept");
	jwks_free(s1);
	/* an RSA key of a good size whose e is 1, or even: skipped */
	buf_reset(&one);
	(void)buf_puts(&one, "{\"keys\":[");
	jwk(&keys[0], "", &one);
	(void)buf_puts(&one, "]}");
	{
		char	*e = strstr(one.data, "\"e\":\"");

		s1 = jwks_parse(one.data, one.len, &why);
		is_int(jwks_count(s1), 1, "an RSA key with e = 65537 is kept");
		jwks_free(s1);
		memcpy(e + 5, "AQ\"}]}", 7);		/* e = 1 */
		one.len = strlen(one.data);
		s1 = jwks_parse(one.data, one.len, &why);
		is_int(jwks_count(s1), 0, "an RSA key with e = 1 is skipped");
		jwks_free(s1);
		memcpy(e + 5, "BA\"}]}", 7);		/* e = 4 */
		s1 = jwks_parse(one.data, one.len, &why);
		is_int(jwks_count(s1), 0, "an RSA key with an even e is"
		    " skipped");
		jwks_free(s1);
	}
	jwks_free(s);
	for (i = 0; i < nk; i++)
		gnutls_privkey_deinit(keys[i].key);
	buf_free(&set);
	buf_free(&tok);
	buf_free(&hdr);
	buf_free(&one);
}

/* every signing_alg the configuration accepts, tokend can sign with */
static void
test_conf_algs(void)
{
	const struct jws_alg *a;
	size_t	 i;

	for (i = 0; i < conf_nsigning_algs; i++) {
		a = jws_alg_by_name(conf_signing_algs[i]);
		ok(a != NULL && !a->verify_only, "signing_alg %s is in"
		    " jws_algs", conf_signing_algs[i]);
	}
}

int
main(void)
{
	test_conf_algs();
	test_claims();
	test_header();
	test_parse();
	test_verify();
	return (done_testing());
}
