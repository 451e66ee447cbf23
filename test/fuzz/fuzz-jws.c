/*
 * fuzz-jws.c - pfxhttp-tokend's token parsing: compact JWS (jws_parse,
 * claims_header, jwks_verify against a fixed key set), JWK sets
 * (jwks_parse) and claim checks (claims_check) on untrusted bytes
 *
 * The first byte chooses: 0 a JWK set, 1 a token, 2 an introspection
 * answer (JSON), else all three on the rest.  Invariants: a refusal
 * always has a reason; an accepted account is a usable login name.
 */
#include <string.h>

#include "claims.h"
#include "err.h"
#include "fuzz.h"
#include "jwks.h"
#include "sasl_mech.h"

/* a P-256 and an Ed25519 key (RFC 7515 A.3 and RFC 8037 A.2) */
static const char keyset[] = "{\"keys\":["
    "{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"OKP\",\"kid\":\"d1\",\"crv\":\"Ed25519\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";

static char aud0[] = "urn:pfxhttp:smtp", cid0[] = "c1", scope0[] = "s1";
static char *aud[] = { aud0 };
static char *cids[] = { cid0 };
static char *scopes[] = { scope0 };

static void
claims(struct json_object *o, int intro)
{
	struct claims_policy p;
	struct buf acct;
	const char *why;
	long long exp;
	int	 i;

	buf_init(&acct, CLAIMS_MAX_ACCOUNT);
	for (i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		p.introspection = intro;
		p.issuer = "https://idp.example";
		p.audience = aud;
		p.naudience = intro && i == 0 ? 0 : 1;
		p.client_ids = cids;
		p.nclient_ids = (size_t)i;
		p.scopes = scopes;
		p.nscopes = (size_t)i;
		p.account_claim = i == 0 ? NULL : "mail";
		p.now_ms = 1700000000000LL;
		p.leeway_ms = 30000;
		buf_reset(&acct);
		why = claims_check(o, &p, &acct, &exp);
		if (why == NULL)
			CHECK(acct.len > 0 &&
			    sasl_name_ok(acct.data, acct.len));
		else
			CHECK(*why != '\0');
	}
	buf_free(&acct);
}

static void
token(const struct jwks *set, const char *p, size_t n)
{
	struct jws w;
	const char *why;

	(void)jws_looks_like(p, n);
	if (jws_parse(&w, p, n, &why) != PFX_OK) {
		CHECK(why != NULL);
		return;
	}
	CHECK(w.header != NULL && w.claims != NULL && w.alg != NULL);
	CHECK(w.signed_len < n);
	(void)claims_header(w.header);
	if (jwks_verify(set, &w, p, &why) != JWS_OK)
		CHECK(why != NULL);
	claims(w.claims, 0);
	jws_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jwks *set;
	struct json_object *o;
	struct jwks *s;
	const char *p = (const char *)data + 1, *why;
	size_t	 n = size - 1;

	if (set == NULL)
		CHECK((set = jwks_parse(keyset, sizeof(keyset) - 1, &why)) !=
		    NULL && jwks_count(set) == 2);
	if (size == 0)
		return (0);
	if (data[0] == 0 || data[0] > 2) {
		if ((s = jwks_parse(p, n, &why)) == NULL)
			CHECK(why != NULL);
		else
			CHECK(jwks_count(s) <= JWKS_MAX_KEYS);
		if (s != NULL && data[0] > 2)
			token(s, p, n);
		jwks_free(s);
	}
	if (data[0] == 1 || data[0] > 2)
		token(set, p, n);
	if (data[0] == 2 || data[0] > 2) {
		struct json_tokener *tok = json_tokener_new_ex(32);

		CHECK(tok != NULL);
		if ((o = json_tokener_parse_ex(tok, p, (int)n)) != NULL) {
			claims(o, 1);
			json_object_put(o);
		}
		json_tokener_free(tok);
	}
	return (0);
}
