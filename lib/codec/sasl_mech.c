/*
 * sasl_mech.c - PLAIN, LOGIN, XOAUTH2 and OAUTHBEARER decoders (pure)
 *
 * DESCRIPTION
 *	Each step gets one client response, already base64-decoded, and
 *	"present" says whether the client sent one at all (an AUTH line
 *	without resp=).  The flags and challenges are Dovecot 2.3's, so
 *	that smtpd_sasl_security_options treats pfxhttp as it treats
 *	Dovecot, and clients see the same prompts.
 *
 *	PLAIN (RFC 4616): authzid NUL authcid NUL passwd.  An authzid
 *	other than the authcid would log in as somebody else: refused
 *	unless allow_authzid, and then the login is still the authcid's.
 *	LOGIN: "Username:" then "Password:"; an initial response is the
 *	user name.  XOAUTH2: user=U ^A auth=Bearer T ^A ^A.  OAUTHBEARER
 *	(RFC 7628): a GS2 header with a=USER (required, as in Dovecot; no
 *	channel binding), then key=value pairs each ended by ^A, then ^A.
 *
 * SECURITY
 *	Names with control bytes are refused here (a TAB or LF would forge
 *	a reply line); tokens must be RFC 6750 b64token characters.  The
 *	secret is wiped by sasl_exchange_clear.
 */
#include <string.h>
#include <strings.h>

#include "err.h"
#include "sasl_mech.h"
#include "utf8.h"

static enum sasl_step
fail(const char **why, const char *reason)
{
	*why = reason;
	return (SASL_STEP_FAIL);
}

static enum sasl_step
challenge(struct buf *c, const char *text)
{
	buf_reset(c);
	(void)buf_puts(c, text);
	return (SASL_STEP_CHALLENGE);
}

int
sasl_name_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n > SASL_MAX_USER)
		return (0);
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return (0);
	return (utf8_valid(p, n));
}

/*
 * password_ok - a password the JSON backend gets as it is: UTF-8
 * without NUL (JSON would carry another byte for an invalid one, and
 * two passwords would become one)
 */
static int
password_ok(const char *p, size_t n)
{
	return (memchr(p, '\0', n) == NULL && utf8_valid(p, n));
}

static int
set(struct buf *b, const char *p, size_t n)
{
	buf_wipe(b);
	return (buf_append(b, p, n));
}

/* ---------------------------------------------------------------- PLAIN */

static enum sasl_step
plain_step(struct sasl_exchange *x, int allow_authzid, const char *d,
    size_t n, int present, struct buf *c, const char **why)
{
	const char *nul1, *nul2, *user, *pass;
	size_t	 zlen, ulen, plen;

	if (!present && x->step == 0) {
		x->step = 1;
		return (challenge(c, ""));
	}
	if ((nul1 = memchr(d, '\0', n)) == NULL ||
	    (nul2 = memchr(nul1 + 1, '\0', n - (size_t)(nul1 + 1 - d))) ==
	    NULL || memchr(nul2 + 1, '\0', n - (size_t)(nul2 + 1 - d)) != NULL)
		return (fail(why, "Invalid PLAIN data"));
	zlen = (size_t)(nul1 - d);
	user = nul1 + 1;
	ulen = (size_t)(nul2 - user);
	pass = nul2 + 1;
	plen = n - (size_t)(pass - d);
	if (ulen == 0)
		return (fail(why, "Empty username"));
	if (!sasl_name_ok(user, ulen))
		return (fail(why, "Invalid username"));
	if (zlen > 0 && (zlen != ulen || memcmp(d, user, ulen) != 0) &&
	    !allow_authzid)
		return (fail(why, "Logging in as another user is not"
		    " allowed"));
	if (set(&x->user, user, ulen) != PFX_OK)
		return (fail(why, "Username too long"));
	/* the user is known now: a FAIL names it, as Dovecot's does */
	if (plen == 0)
		return (fail(why, "Empty password"));
	if (!password_ok(pass, plen))
		return (fail(why, "Password is not valid UTF-8"));
	if (set(&x->secret, pass, plen) != PFX_OK)
		return (fail(why, "Password too long"));
	return (SASL_STEP_DONE);
}

/* ---------------------------------------------------------------- LOGIN */

static enum sasl_step
login_step(struct sasl_exchange *x, int allow_authzid, const char *d,
    size_t n, int present, struct buf *c, const char **why)
{
	(void)allow_authzid;
	if (x->step == 0 && (!present || n == 0)) {
		/* Dovecot: an empty initial response is no response */
		x->step = 1;
		return (challenge(c, "Username:"));
	}
	if (x->step <= 1) {
		if (!sasl_name_ok(d, n))
			return (fail(why, n == 0 ? "Empty username" :
			    "Invalid username"));
		if (set(&x->user, d, n) != PFX_OK)
			return (fail(why, "Username too long"));
		x->step = 2;
		return (challenge(c, "Password:"));
	}
	if (n == 0)
		return (fail(why, "Empty password"));
	if (!password_ok(d, n))
		return (fail(why, "Password is not valid UTF-8"));
	if (set(&x->secret, d, n) != PFX_OK)
		return (fail(why, "Password too long"));
	return (SASL_STEP_DONE);
}

/* ----------------------------------------------------- bearer tokens */

/* b64token (RFC 6750 2.1): 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
static int
token_ok(const char *t, size_t n)
{
	size_t	 i = 0;

	while (i < n && (strchr("-._~+/", t[i]) != NULL ||
	    (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
	    (t[i] >= '0' && t[i] <= '9')) && t[i] != '\0')
		i++;
	if (i == 0)
		return (0);
	while (i < n && t[i] == '=')
		i++;
	return (i == n);
}

/* auth_value - "Bearer TOKEN" (scheme case-insensitive) to the secret */
static enum sasl_step
bearer(struct sasl_exchange *x, const char *v, size_t n, const char **why)
{
	if (n < 7 || strncasecmp(v, "Bearer ", 7) != 0)
		return (fail(why, "Bearer token required"));
	v += 7;
	n -= 7;
	if (!token_ok(v, n))
		return (fail(why, "Invalid bearer token"));
	if (set(&x->secret, v, n) != PFX_OK)
		return (fail(why, "Token too long"));
	return (SASL_STEP_DONE);
}

/*
 * kvpairs - key=value fields each ended by ^A, then a final ^A, up to
 * the end of the data; the auth value and (XOAUTH2) the user
 */
static int
kvpairs(const char *d, size_t n, const char **user, size_t *ulen,
    const char **auth, size_t *alen)
{
	const char *end = d + n, *sep, *eq;

	*user = *auth = NULL;
	*ulen = *alen = 0;
	while (d < end) {
		if (*d == '\x01')
			return (d + 1 == end);	/* the closing ^A */
		if ((sep = memchr(d, '\x01', (size_t)(end - d))) == NULL)
			return (0);
		if ((eq = memchr(d, '=', (size_t)(sep - d))) == NULL)
			return (0);
		if ((size_t)(eq - d) == 4 && memcmp(d, "user", 4) == 0) {
			*user = eq + 1;
			*ulen = (size_t)(sep - eq - 1);
		} else if ((size_t)(eq - d) == 4 && memcmp(d, "auth", 4) == 0) {
			*auth = eq + 1;
			*alen = (size_t)(sep - eq - 1);
		}
		d = sep + 1;
	}
	return (0);
}

static enum sasl_step
xoauth2_step(struct sasl_exchange *x, int allow_authzid, const char *d,
    size_t n, int present, struct buf *c, const char **why)
{
	const char *user, *auth;
	size_t	 ulen, alen;

	(void)allow_authzid;
	if (!present && x->step == 0) {
		x->step = 1;
		return (challenge(c, ""));
	}
	if (memchr(d, '\0', n) != NULL ||
	    !kvpairs(d, n, &user, &ulen, &auth, &alen) || auth == NULL)
		return (fail(why, "Invalid XOAUTH2 data"));
	if (user == NULL || !sasl_name_ok(user, ulen))
		return (fail(why, "Invalid username"));
	if (set(&x->user, user, ulen) != PFX_OK)
		return (fail(why, "Username too long"));
	return (bearer(x, auth, alen, why));
}

/* gs2_name - RFC 5801 saslname: "=2C" is ",", "=3D" is "="; else bad */
static int
gs2_name(struct buf *u, const char *p, size_t n)
{
	size_t	 i;
	int	 r = PFX_OK;

	buf_wipe(u);
	for (i = 0; i < n && r == PFX_OK; i++) {
		if (p[i] == ',')
			return (PFX_EINVAL);
		if (p[i] != '=') {
			r = buf_putc(u, p[i]);
			continue;
		}
		if (n - i >= 3 && memcmp(p + i, "=2C", 3) == 0)
			r = buf_putc(u, ',');
		else if (n - i >= 3 && memcmp(p + i, "=3D", 3) == 0)
			r = buf_putc(u, '=');
		else
			return (PFX_EINVAL);
		i += 2;
	}
	return (r);
}

static enum sasl_step
oauthbearer_step(struct sasl_exchange *x, int allow_authzid, const char *d,
    size_t n, int present, struct buf *c, const char **why)
{
	const char *end = d + n, *comma, *kv, *user, *auth;
	size_t	 ulen, alen;

	(void)allow_authzid;
	if (!present && x->step == 0) {
		x->step = 1;
		return (challenge(c, ""));
	}
	if (memchr(d, '\0', n) != NULL || n < 2)
		return (fail(why, "Invalid OAUTHBEARER data"));
	/* gs2-cb-flag: "n" or "y"; "p=" asks for channel binding */
	if (d[0] == 'p')
		return (fail(why, "Channel binding is not supported"));
	if ((d[0] != 'n' && d[0] != 'y') || d[1] != ',')
		return (fail(why, "Invalid GS2 header"));
	d += 2;
	if ((comma = memchr(d, ',', (size_t)(end - d))) == NULL)
		return (fail(why, "Invalid GS2 header"));
	if ((size_t)(comma - d) < 3 || memcmp(d, "a=", 2) != 0)
		return (fail(why, "A username (a=) is required"));
	if (gs2_name(&x->user, d + 2, (size_t)(comma - d - 2)) != PFX_OK ||
	    !sasl_name_ok(x->user.data, x->user.len)) {
		buf_wipe(&x->user);	/* half a name is no name */
		return (fail(why, "Invalid username"));
	}
	kv = comma + 1;
	if (kv >= end || *kv != '\x01' ||
	    !kvpairs(kv + 1, (size_t)(end - kv - 1), &user, &ulen, &auth,
	    &alen) || auth == NULL)
		return (fail(why, "Invalid OAUTHBEARER data"));
	return (bearer(x, auth, alen, why));
}

/* ------------------------------------------------------------- table */

const struct sasl_mech sasl_mechs[SASL_NMECH] = {
	[SASL_PLAIN] = { "PLAIN", "plaintext", 0, plain_step, NULL },
	[SASL_LOGIN] = { "LOGIN", "plaintext", 0, login_step, NULL },
	/* Dovecot: "the token is still considered as password" */
	[SASL_XOAUTH2] = { "XOAUTH2", "plaintext", 1, xoauth2_step,
	    "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}" },
	[SASL_OAUTHBEARER] = { "OAUTHBEARER", "plaintext", 1,
	    oauthbearer_step, "{\"status\":\"invalid_token\"}" },
};

const struct sasl_mech *
sasl_mech_find(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < SASL_NMECH; i++)
		if (strlen(sasl_mechs[i].name) == n &&
		    strncasecmp(sasl_mechs[i].name, p, n) == 0)
			return (&sasl_mechs[i]);
	return (NULL);
}

void
sasl_exchange_init(struct sasl_exchange *x, enum sasl_mech_id m)
{
	memset(x, 0, sizeof(*x));
	x->mech = m;
	buf_init(&x->user, SASL_MAX_USER);
	buf_init(&x->secret, SASL_MAX_SECRET);
}

void
sasl_exchange_clear(struct sasl_exchange *x)
{
	buf_wipe(&x->secret);
	buf_wipe(&x->user);
	x->step = 0;
	x->token_failed = 0;
}

void
sasl_exchange_free(struct sasl_exchange *x)
{
	buf_free_secret(&x->secret);
	buf_free_secret(&x->user);
}
