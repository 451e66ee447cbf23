/*
 * test-policy.c - the SMTPD policy delegation codec (server side)
 *
 * Requests are described as "R[name=value,...]" in the order the codec
 * gives them, and answered FOUND "OK".  Malformed input closes without
 * a reply ("C").  max_request is 1024 unless the case says otherwise.
 */
#include <stdlib.h>

#include "codec.h"

#define REQ	"request=smtpd_access_policy\n"
#define DEFAULT	"DEFER_IF_PERMIT Service temporarily unavailable"
#define X100	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct {
	const char	*name;
	size_t		 max;
	const char	*in;
	size_t		 len;
	const char	*events;
	const char	*out;
	size_t		 outlen;
} cases[] = {
	{ "basic", 0, W(REQ "recipient=a@b\n\n"),
	    "R[request=smtpd_access_policy,recipient=a@b]",
	    W("action=OK\n\n") },
	{ "any order", 0, W("recipient=a@b\nsender=c@d\n" REQ "\n"),
	    "R[recipient=a@b,sender=c@d,request=smtpd_access_policy]",
	    W("action=OK\n\n") },
	{ "request attribute missing", 0, W("recipient=a@b\n\n"),
	    "R[recipient=a@b]", W("action=OK\n\n") },
	{ "unknown attributes", 0, W(REQ "x_future=1\n\n"),
	    "R[request=smtpd_access_policy,x_future=1]",
	    W("action=OK\n\n") },
	{ "duplicate: last wins, first place", 0,
	    W("sender=a\nrecipient=r\nsender=b\nsender=c\n\n"),
	    "R[sender=c,recipient=r]", W("action=OK\n\n") },
	{ "= inside value", 0, W("ccert_subject=CN=x,O=y\n\n"),
	    "R[ccert_subject=CN=x,O=y]", W("action=OK\n\n") },
	{ "empty value", 0, W("sender=\nrecipient=a@b\n\n"),
	    "R[sender=,recipient=a@b]", W("action=OK\n\n") },
	{ "spaces kept", 0, W("helo_name= h \n\n"),
	    "R[helo_name= h ]", W("action=OK\n\n") },
	{ "8-bit value", 0, W("sender=\xff@x\n\n"),
	    "R[sender=\xff@x]", W("action=OK\n\n") },
	{ "CRLF tolerated", 0, W("request=smtpd_access_policy\r\nsender=a\r\n\r\n"),
	    "R[request=smtpd_access_policy,sender=a]", W("action=OK\n\n") },
	{ "line without =", 0, W(REQ "garbage\n\n"), "C", W("") },
	{ "line with empty name", 0, W(REQ "=value\n\n"), "C", W("") },
	{ "NUL in value", 0, W(REQ "sender=a\0b\n\n"), "C", W("") },
	{ "NUL in name", 0, W("sen\0der=a\n\n"), "C", W("") },
	{ "empty block", 0, W("\n"), "C", W("") },
	{ "empty block after a request", 0, W("a=1\n\n\n"),
	    "R[a=1]C", W("action=OK\n\n") },
	{ "over-long line", 64, W("sender=" X100 "\n\n"), "C", W("") },
	{ "request over max_request", 64,
	    W("a=0123456789\nb=0123456789\nc=0123456789\nd=0123456789\n"
	    "e=0123456789\n\n"), "C", W("") },
	{ "not smtpd_access_policy", 0, W("request=junk\nsender=a\n\n"),
	    "", W("action=DUNNO\n\n") },
	{ "DUNNO, then in sync", 0, W("request=junk\n\n" REQ "\n"),
	    "R[request=smtpd_access_policy]",
	    W("action=DUNNO\n\naction=OK\n\n") },
	{ "last request= decides", 0,
	    W("request=junk\nrequest=smtpd_access_policy\n\n"),
	    "R[request=smtpd_access_policy]", W("action=OK\n\n") },
	{ "pipelined", 0, W("a=1\n\na=2\nb=3\n\n"),
	    "R[a=1]R[a=2,b=3]", W("action=OK\n\naction=OK\n\n") },
	{ "EOF mid-line", 0, W(REQ "send"), "...", W("") },
	{ "EOF before the empty line", 0, W(REQ "sender=a\n"), "...",
	    W("") },
	{ "EOF after a request", 0, W("a=1\n\nb"), "R[a=1]...",
	    W("action=OK\n\n") },
	{ "empty input", 0, W(""), "", W("") },
};

static const struct {
	const char	*name;
	enum pfx_verdict v;
	const char	*text;
	size_t		 textlen;
	const char	*action;
} replies[] = {
	{ "FOUND action",	PFX_FOUND,	W("REJECT 5.7.1 no"),
	    "REJECT 5.7.1 no" },
	{ "FOUND UTF-8 action",	PFX_FOUND,	W("REJECT caf\xc3\xa9"),
	    "REJECT caf\xc3\xa9" },
	{ "FOUND with LF",	PFX_FOUND,	W("REJECT x\naction=OK"),
	    DEFAULT },
	{ "FOUND with CR",	PFX_FOUND,	W("REJECT x\r"),	DEFAULT },
	{ "FOUND with TAB",	PFX_FOUND,	W("REJECT\tx"),		"REJECT\tx" },
	{ "FOUND with ESC",	PFX_FOUND,	W("REJECT \x1b[1m"),	DEFAULT },
	{ "FOUND with DEL",	PFX_FOUND,	W("REJECT \x7f"),	DEFAULT },
	{ "FOUND with NUL",	PFX_FOUND,	W("OK\0REJECT"),	DEFAULT },
	{ "FOUND bad UTF-8",	PFX_FOUND,	W("REJECT \xff"),	DEFAULT },
	{ "FOUND overlong UTF-8", PFX_FOUND,	W("REJECT \xc0\xaf"),	DEFAULT },
	{ "FOUND surrogate",	PFX_FOUND,	W("REJECT \xed\xa0\x80"), DEFAULT },
	{ "FOUND empty",	PFX_FOUND,	W(""),			DEFAULT },
	{ "NOTFOUND",		PFX_NOTFOUND,	W("x"),			"DUNNO" },
	{ "TEMPFAIL",		PFX_TEMPFAIL,	W("backend down"),	DEFAULT },
	{ "TIMEOUT",		PFX_TIMEOUT,	W("backend timed out"),	DEFAULT },
	{ "PERMFAIL",		PFX_PERMFAIL,	W("HTTP 403"),		DEFAULT },
};

static void
describe(const struct pfx_req *req, struct buf *ev)
{
	size_t	 i;

	(void)buf_puts(ev, "R[");
	for (i = 0; i < req->nattrs; i++) {
		if (i > 0)
			(void)buf_putc(ev, ',');
		(void)buf_puts(ev, req->attrs[i].name);
		(void)buf_putc(ev, '=');
		(void)buf_append(ev, req->attrs[i].value,
		    req->attrs[i].valuelen);
	}
	(void)buf_putc(ev, ']');
}

static void
answer(const struct pfx_req *req, struct pfx_result *res)
{
	(void)req;
	result_set(res, PFX_FOUND, "OK");
}

/* check_attrs - a request of n distinct attributes */

static void
check_attrs(size_t n, const char *events)
{
	struct proto_opts po = { .max_request = 4096, .max_reply = 100000,
	    .default_action = DEFAULT };
	struct buf in;

	buf_init(&in, BUF_UNLIMITED);
	while (n-- > 0)
		(void)buf_printf(&in, "a%zu=%zu\n", n, n);
	(void)buf_putc(&in, '\n');
	check_codec(events[0] == 'C' ? "129 attributes" : "128 attributes",
	    &proto_policy, &po, in.data, in.len, describe, answer, events,
	    events[0] == 'C' ? "" : "action=OK\n\n",
	    events[0] == 'C' ? 0 : 11);
	buf_free(&in);
}

int
main(void)
{
	struct proto_opts po = { .max_request = 1024, .max_reply = 100000,
	    .default_action = DEFAULT };
	struct buf want, ev;
	char	 text[64];
	size_t	 i;

	ok(strcmp(proto_policy.name, "policy") == 0, "named policy");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		po.max_request = cases[i].max != 0 ? cases[i].max : 1024;
		check_codec(cases[i].name, &proto_policy, &po, cases[i].in,
		    cases[i].len, describe, answer, cases[i].events,
		    cases[i].out, cases[i].outlen);
	}
	po.max_request = 1024;

	/* 128 attributes are fine; the 129th closes the connection */
	buf_init(&ev, BUF_UNLIMITED);
	(void)buf_puts(&ev, "R[");
	for (i = 128; i-- > 0; )
		(void)buf_printf(&ev, "a%zu=%zu%s", i, i, i > 0 ? "," : "]");
	check_attrs(128, ev.data);
	check_attrs(129, "C");
	buf_free(&ev);

	buf_init(&want, BUF_UNLIMITED);
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		buf_reset(&want);
		(void)buf_printf(&want, "action=%s\n\n", replies[i].action);
		check_reply(replies[i].name, &proto_policy, &po, replies[i].v,
		    replies[i].text, replies[i].textlen, want.data, want.len);
	}
	po.default_action = "DUNNO";
	check_reply("TEMPFAIL, default_action DUNNO", &proto_policy, &po,
	    PFX_TEMPFAIL, W("x"), W("action=DUNNO\n\n"));
	snprintf(text, sizeof(text), "%s", "PREPEND X-Checked: yes");
	check_reply("FOUND PREPEND", &proto_policy, &po, PFX_FOUND, text,
	    strlen(text), W("action=PREPEND X-Checked: yes\n\n"));
	buf_free(&want);
	return (done_testing());
}
