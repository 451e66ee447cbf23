/*
 * fuzz-sasl-mech.h - one SASL mechanism decoder, response by response
 *
 * The first byte sets the options (allow_authzid; whether the first
 * response is absent, as an AUTH without resp=); the rest is split at
 * 0xff bytes into the decoded client responses of one exchange.  After
 * each step: a challenge is one of the mechanism's own, credentials
 * have a clean user name and a non-empty secret (a token only of
 * RFC 6750 characters), a failure has a reason without control bytes.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "sasl_mech.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sasl_mech *m = &sasl_mechs[FUZZ_MECH];
	struct sasl_exchange x;
	struct buf chal;
	const char *p, *end, *sep, *why;
	enum sasl_step st = SASL_STEP_CHALLENGE;
	size_t	 n, i;
	int	 allow, present;

	if (size == 0)
		return (0);
	allow = data[0] & 1;
	present = !(data[0] & 2);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	sasl_exchange_init(&x, FUZZ_MECH);
	buf_init(&chal, 1024);
	for (i = 0; st == SASL_STEP_CHALLENGE && i < 8; i++) {
		sep = memchr(p, '\xff', (size_t)(end - p));
		n = (size_t)((sep != NULL ? sep : end) - p);
		why = NULL;
		st = m->step(&x, allow, p, n, i > 0 || present, &chal, &why);
		switch (st) {
		case SASL_STEP_CHALLENGE:
			CHECK(chal.len == 0 || strcmp(chal.data, "Username:") ==
			    0 || strcmp(chal.data, "Password:") == 0);
			break;
		case SASL_STEP_DONE:
			CHECK(sasl_name_ok(x.user.data, x.user.len));
			CHECK(x.secret.len > 0);
			if (m->token)
				CHECK(strspn(x.secret.data, "ABCDEFGHIJKLMNOP"
				    "QRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789-._~+/=") == x.secret.len);
			break;
		case SASL_STEP_FAIL:
			CHECK(why != NULL && sasl_name_ok(why, strlen(why)));
			break;
		}
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	sasl_exchange_clear(&x);
	CHECK(x.secret.len == 0);
	sasl_exchange_free(&x);
	buf_free(&chal);
	return (0);
}
