/*
 * test-dovecot.c - the Dovecot auth protocol codec and the SASL
 * mechanism decoders behind it
 *
 * Each conversation is fed whole, byte by byte and in 2- and 7-byte
 * pieces (codec.h).  Requests are described as "R[name=value,...]";
 * answer() plays the backend from the password or token: "secret" and
 * "good" are right, "temp" is a temporary failure, anything else a
 * failed login.  A few user names ask for odd backend answers (an
 * account with a TAB, a canonical account, a reason with a LF).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "sasl_mech.h"

static const struct proto_opts PO = {
	.mech_mask = SASL_MECH_PASSWORD, .temp_fail_closes = 1,
};
static const struct proto_opts PO_ALL = {
	.mech_mask = SASL_MECH_PASSWORD | SASL_MECH_TOKEN,
	.temp_fail_closes = 1,
};
static const struct proto_opts PO_AUTHZ = {
	.mech_mask = SASL_MECH_PASSWORD, .temp_fail_closes = 1,
	.allow_authzid = 1,
};
static const struct proto_opts PO_FAIL = {
	.mech_mask = SASL_MECH_PASSWORD,
};
static const struct proto_opts PO_PORT = {
	.mech_mask = SASL_MECH_PASSWORD, .temp_fail_closes = 1,
	.default_local_port = "465",
};

static const struct {
	const char	*name;
	const struct proto_opts *po;
	const char	*in;
	size_t		 len;
	const char	*events;
	const char	*out;
	size_t		 outlen;
} cases[] = {
#include "test-dovecot.inc"
};

static void
describe(const struct pfx_req *req, struct buf *ev)
{
	size_t	 i;

	/* a login is a secret: never logged, cached or shared */
	if (!(req->flags & PFX_REQ_SECRET))
		(void)buf_puts(ev, "?not-secret");
	(void)buf_puts(ev, "R[");
	for (i = 0; i < req->nattrs; i++) {
		(void)buf_printf(ev, "%s%s=", i > 0 ? "," : "",
		    req->attrs[i].name);
		(void)buf_append(ev, req->attrs[i].value,
		    req->attrs[i].valuelen);
	}
	(void)buf_putc(ev, ']');
}

static int
attr_is(const struct pfx_req *req, const char *name, const char *want)
{
	size_t	 n;
	const char *v = pfx_req_get(req, name, &n);

	return (v != NULL && n == strlen(want) && memcmp(v, want, n) == 0);
}

static void
answer(const struct pfx_req *req, struct pfx_result *res)
{
	if (attr_is(req, "username", "temp") || attr_is(req, "token", "temp"))
		result_set(res, PFX_TEMPFAIL, "backend failed");
	else if (attr_is(req, "username", "tab"))
		result_set(res, PFX_FOUND, "a\tb");
	else if (attr_is(req, "username", "canon"))
		result_set(res, PFX_FOUND, "canon@example.org");
	else if (attr_is(req, "password", "secret") ||
	    attr_is(req, "token", "good"))
		result_set(res, PFX_FOUND, "");
	else if (attr_is(req, "password", "noreason"))
		result_set(res, PFX_NOTFOUND, "");
	else if (attr_is(req, "password", "lf"))
		result_set(res, PFX_NOTFOUND, "bad\nOK\t9\tuser=x");
	else
		result_set(res, PFX_NOTFOUND, "Invalid login or password");
}

static void
check_greeting(void)
{
	static const char want[] = "VERSION\t1\t2\n"
	    "MECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n"
	    "MECH\tXOAUTH2\tplaintext\nMECH\tOAUTHBEARER\tplaintext\n"
	    "SPID\t4711\nCUID\t1\nCOOKIE\t0123456789abcdef0123456789abcdef\n"
	    "DONE\n";
	struct proto_opts po = PO_ALL;
	struct buf out;
	void	*st;

	po.spid = 4711;
	po.cookie = "0123456789abcdef0123456789abcdef";
	buf_init(&out, BUF_UNLIMITED);
	st = proto_dovecot.create(&po);
	proto_dovecot.greet(st, &out);
	is_str(buf_str(&out), want, "handshake: Dovecot 2.3's, MECH first");
	proto_dovecot.destroy(st);

	/* password mechanisms only; and never an empty list */
	po.mech_mask = 0;
	buf_reset(&out);
	st = proto_dovecot.create(&po);
	proto_dovecot.greet(st, &out);
	ok(strstr(buf_str(&out), "MECH\tPLAIN\tplaintext\nMECH\tLOGIN\t"
	    "plaintext\nSPID") != NULL, "handshake: never without a MECH");
	proto_dovecot.destroy(st);
	buf_free(&out);
}

/* long_line - a line over Dovecot's 16384 bytes closes, in bounded memory */
static void
check_long_line(void)
{
	struct buf in;
	size_t	 i;

	buf_init(&in, BUF_UNLIMITED);
	(void)buf_puts(&in, "AUTH\t1\tPLAIN\tresp=");
	for (i = 0; i < 16400; i++)
		(void)buf_putc(&in, 'A');
	(void)buf_putc(&in, '\n');
	check_codec("line over 16384 bytes", &proto_dovecot, &PO, in.data,
	    in.len, describe, answer, "C", "", 0);
	buf_free(&in);
}

int
main(void)
{
	size_t	 i;

	ok(strcmp(proto_dovecot.name, "sasl") == 0, "named sasl");
	check_greeting();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_codec(cases[i].name, &proto_dovecot, cases[i].po,
		    cases[i].in, cases[i].len, describe, answer,
		    cases[i].events, cases[i].out, cases[i].outlen);
	check_long_line();
	ok(sasl_mech_find("oauthbearer", 11) == &sasl_mechs[SASL_OAUTHBEARER],
	    "mechanism names are case-insensitive");
	ok(sasl_mech_find("PLAINX", 6) == NULL, "no prefix match");
	ok(!sasl_name_ok("", 0), "an empty name is no name");
	return (done_testing());
}
