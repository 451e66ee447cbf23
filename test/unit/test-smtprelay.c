/*
 * test-smtprelay.c - the smtpd_proxy_filter relay and the content
 * conversions, driven as pfxhttp-spawn's filter loop drives them
 *
 * A case is a script of what each side does: "D" the downstream sends,
 * "U" smtpd sends, "V" / "R" the verdict accepts / rejects, "S" the
 * message has been streamed down, "u" / "d" EOF from smtpd / the
 * downstream.  The transcript records what the relay writes ("^..."
 * up to smtpd, "v..." down), its events in brackets, and the spool at
 * the verdict.  smtpd's bytes are fed whole and one byte at a time; both
 * transcripts must be the expected one.  Bytes the relay does not take
 * yet (it waits for a reply) are held and fed again later.
 */
#include <stdlib.h>
#include <string.h>

#include "smtpdata.h"
#include "smtprelay.h"
#include "t.h"

struct step {
	char		 who;
	const char	*p;
	size_t		 n;
};

#define D(s)	{ 'D', s, sizeof(s) - 1 }
#define U(s)	{ 'U', s, sizeof(s) - 1 }
#define V	{ 'V', "", 0 }
#define R(s)	{ 'R', s, sizeof(s) - 1 }
#define S	{ 'S', "", 0 }
#define UEOF	{ 'u', "", 0 }
#define DEOF	{ 'd', "", 0 }
#define END	{ 0, NULL, 0 }

static const char *const evname[] = {
	[RELAY_MORE] = "", [RELAY_SPOOL_OPEN] = "[open]",
	[RELAY_SPOOL] = "", [RELAY_VERDICT] = "[verdict]",
	[RELAY_SEND] = "[send]", [RELAY_CLOSE_DOWN] = "[close-down]",
	[RELAY_ABORT] = "[abort]", [RELAY_DONE] = "[done]",
};

struct run {
	struct relay	*r;
	struct buf	 tr, spool, held;
	int		 done;
};

static void
drain(struct run *x)
{
	struct buf *b;

	if ((b = relay_up_out(x->r))->len > 0) {
		(void)buf_putc(&x->tr, '^');
		(void)buf_append(&x->tr, b->data, b->len);
		buf_reset(b);
	}
	if ((b = relay_down_out(x->r))->len > 0) {
		(void)buf_putc(&x->tr, 'v');
		(void)buf_append(&x->tr, b->data, b->len);
		buf_reset(b);
	}
}

static void
event(struct run *x, enum relay_event ev)
{
	while (ev != RELAY_MORE) {
		drain(x);
		if (ev == RELAY_VERDICT) {
			(void)buf_puts(&x->tr, "{");
			(void)buf_append(&x->tr, x->spool.data,
			    (size_t)relay_content_length(x->r));
			(void)buf_puts(&x->tr, "}");
		}
		if (ev == RELAY_SPOOL_OPEN)
			buf_reset(&x->spool);
		(void)buf_puts(&x->tr, evname[ev]);
		if (ev == RELAY_DONE || ev == RELAY_ABORT)
			x->done = 1;
		ev = relay_next(x->r);
	}
	drain(x);
}

/* feed_up - what smtpd sent, as far as the relay takes it now */
static void
feed_up(struct run *x, size_t step)
{
	const char *span;
	size_t	 off = 0, n, used, spanlen;
	enum relay_event ev;

	while (off < x->held.len && !x->done && relay_wants_up(x->r)) {
		n = x->held.len - off < step ? x->held.len - off : step;
		ev = relay_up(x->r, x->held.data + off, n, &used, &span,
		    &spanlen);
		if (ev == RELAY_SPOOL)
			(void)buf_append(&x->spool, span, spanlen);
		off += used;
		event(x, ev == RELAY_SPOOL ? relay_next(x->r) : ev);
		if (used == 0 && ev == RELAY_MORE)
			break;
	}
	if (off > 0)
		memmove(x->held.data, x->held.data + off, x->held.len - off);
	buf_truncate(&x->held, x->held.len - off);
}

static void
run_case(const struct step *steps, size_t step, struct buf *tr)
{
	struct relay_opts o = { .max_message_size = 64 };
	struct run x;
	size_t	 used, k;

	memset(&x, 0, sizeof(x));
	x.r = relay_new(&o);
	buf_init(&x.tr, BUF_UNLIMITED);
	buf_init(&x.spool, BUF_UNLIMITED);
	buf_init(&x.held, BUF_UNLIMITED);
	for (k = 0; steps[k].who != 0 && !x.done; k++) {
		switch (steps[k].who) {
		case 'D':
			event(&x, relay_down(x.r, steps[k].p, steps[k].n,
			    &used));
			if (used != steps[k].n)
				(void)buf_puts(&x.tr, "?down-left");
			break;
		case 'U':
			(void)buf_append(&x.held, steps[k].p, steps[k].n);
			break;
		case 'V':
			event(&x, relay_verdict(x.r, RV_ACCEPT, NULL));
			break;
		case 'R':
			event(&x, relay_verdict(x.r, RV_REJECT, steps[k].p));
			break;
		case 'S':
			event(&x, relay_sent(x.r));
			break;
		case 'u':
			feed_up(&x, step);
			if (!x.done)
				event(&x, relay_up_eof(x.r));
			break;
		case 'd':
			event(&x, relay_down_eof(x.r));
			break;
		}
		feed_up(&x, step);
	}
	if (x.held.len > 0)
		(void)buf_puts(&x.tr, "?held");
	buf_reset(tr);
	(void)buf_append(tr, x.tr.data, x.tr.len);
	buf_free(&x.tr);
	buf_free(&x.spool);
	buf_free(&x.held);
	relay_free(x.r);
}

#define GREET	D("220 after.test ESMTP\r\n")
#define EHLO	U("EHLO before.test\r\n"), \
		D("250-after.test\r\n250-PIPELINING\r\n250-XFORWARD NAME ADDR" \
		    " HELO\r\n250-CHUNKING\r\n250 8BITMIME\r\n")
#define EHLO_UP	"^220 after.test ESMTP\r\nvEHLO before.test\r\n" \
		"^250-after.test\r\n250-PIPELINING\r\n250-XFORWARD NAME ADDR" \
		" HELO\r\n250 8BITMIME\r\n"
#define ENV	U("MAIL FROM:<a@x> SIZE=10\r\n"), D("250 2.1.0 Ok\r\n"), \
		U("RCPT TO:<b@y>\r\n"), D("250 2.1.5 Ok\r\n"), \
		U("DATA\r\n"), D("354 go\r\n")
#define ENV_TR	"vMAIL FROM:<a@x> SIZE=10\r\n^250 2.1.0 Ok\r\n" \
		"vRCPT TO:<b@y>\r\n^250 2.1.5 Ok\r\nvDATA\r\n^354 go\r\n[open]"

static const struct {
	const char	*name;
	struct step	 steps[24];
	const char	*want;
} cases[] = {
	{ "accept: relayed, spooled exactly, ended by \".\"",
	    { GREET, EHLO, ENV, U("Subj: x\r\n..dot\r\n\r\n.\r\n"), V, S,
	    D("250 2.0.0 queued as X\r\n"), U("QUIT\r\n"),
	    D("221 2.0.0 Bye\r\n"), UEOF, END },
	    EHLO_UP ENV_TR "{Subj: x\r\n..dot\r\n\r\n}[verdict][send]"
	    "v.\r\n^250 2.0.0 queued as X\r\nvQUIT\r\n^221 2.0.0 Bye\r\n"
	    "[close-down][done]" },
	{ "reject: the filter's reply, no \".\" down",
	    { GREET, EHLO, ENV, U("x\r\n.\r\n"), R("550 5.7.1 spam"),
	    U("QUIT\r\n"), END },
	    EHLO_UP ENV_TR "{x\r\n}[verdict]^550 5.7.1 spam\r\n[close-down]"
	    "^221 2.0.0 Bye\r\n[done]" },
	{ "smuggling: .\\r, \\r.\\r and a bare-LF \".\" are content",
	    { GREET, EHLO, ENV,
	    U("a\r\n.\rMAIL FROM:<e@v>\r\n\r.\rx\r\n.\r\n"), V, S,
	    D("250 ok\r\n"), END },
	    EHLO_UP ENV_TR "{a\r\n.\rMAIL FROM:<e@v>\r\n\r.\rx\r\n}"
	    "[verdict][send]v.\r\n^250 ok\r\n" },
	{ "bare LF in content: refused, nothing down",
	    { GREET, EHLO, ENV, U("a\n.\nMAIL FROM:<e@v>\r\n.\r\n"),
	    U("QUIT\r\n"), END },
	    EHLO_UP ENV_TR "^554 5.6.0 Error: bare LF or CR in message content\r\n"
	    "[close-down]^221 2.0.0 Bye\r\n[done]" },
	{ "\".\\r\\r\\n\" (Postfix's end of data): refused",
	    { GREET, EHLO, ENV, U("a\r\n.\r\r\nMAIL FROM:<e@v>\r\n.\r\n"),
	    U("QUIT\r\n"), END },
	    EHLO_UP ENV_TR "^554 5.6.0 Error: bare LF or CR in message content"
	    "\r\n[close-down]^221 2.0.0 Bye\r\n[done]" },
	{ "QUIT inside content then EOF: abort",
	    { GREET, EHLO, ENV, U("body\r\nQUIT\r\n"), UEOF, END },
	    EHLO_UP ENV_TR "[abort]" },
	{ "a body line QUIT is content",
	    { GREET, EHLO, ENV, U("QUIT\r\nmore\r\n.\r\n"), V, END },
	    EHLO_UP ENV_TR "{QUIT\r\nmore\r\n}[verdict][send]" },
	{ "over max_message_size: 552, nothing down",
	    { GREET, EHLO, ENV, U("0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567890123456789\r\n.\r\n"),
	    U("QUIT\r\n"), END },
	    EHLO_UP ENV_TR "^552 5.3.4 Error: message file too big\r\n"
	    "[close-down]^221 2.0.0 Bye\r\n[done]" },
	{ "empty message", { GREET, EHLO, ENV, U(".\r\n"), V, END },
	    EHLO_UP ENV_TR "{}[verdict][send]" },
	{ "DATA refused downstream: its reply, no content",
	    { GREET, EHLO, U("MAIL FROM:<>\r\n"), D("250 Ok\r\n"),
	    U("DATA\r\n"), D("554 5.5.1 no valid recipients\r\n"),
	    U("QUIT\r\n"), D("221 Bye\r\n"), END },
	    EHLO_UP "vMAIL FROM:<>\r\n^250 Ok\r\nvDATA\r\n"
	    "^554 5.5.1 no valid recipients\r\nvQUIT\r\n^221 Bye\r\n"
	    "[close-down]" },
	{ "multi-line reply relayed whole",
	    { GREET, U("NOOP\r\n"), D("250-one\r\n250-two\r\n"),
	    D("250 three\r\n"), END },
	    "^220 after.test ESMTP\r\nvNOOP\r\n^250-one\r\n250-two\r\n"
	    "250 three\r\n" },
	{ "malformed reply: 451, downstream dropped",
	    { GREET, U("NOOP\r\n"), D("hello\r\n"), U("QUIT\r\n"), END },
	    "^220 after.test ESMTP\r\nvNOOP\r\n^451 4.4.2 Error: malformed"
	    " reply from the after-filter smtpd\r\n[close-down]"
	    "^221 2.0.0 Bye\r\n[done]" },
	{ "downstream gone mid-content: 451 at the end",
	    { GREET, EHLO, ENV, U("a\r\n"), DEOF, U(".\r\n"), U("QUIT\r\n"),
	    END },
	    EHLO_UP ENV_TR "^451 4.4.2 Error: lost connection with the"
	    " after-filter smtpd\r\n[close-down]^221 2.0.0 Bye\r\n[done]" },
	{ "downstream gone at RCPT",
	    { GREET, EHLO, U("MAIL FROM:<a@x>\r\n"), D("250 ok\r\n"),
	    U("RCPT TO:<b@y>\r\n"), DEOF, U("RSET\r\n"), END },
	    EHLO_UP "vMAIL FROM:<a@x>\r\n^250 ok\r\nvRCPT TO:<b@y>\r\n"
	    "^451 4.4.2 Error: lost connection with the after-filter"
	    " smtpd\r\n[close-down]^421 4.3.0 Error: the filter's"
	    " transaction has ended\r\n[done]" },
	{ "bad greeting", { D("554 go away\r\n"), U("QUIT\r\n"), END },
	    "^554 go away\r\n[close-down]^221 2.0.0 Bye\r\n[done]" },
	{ "BDAT and STARTTLS refused here",
	    { GREET, U("BDAT 10 LAST\r\n"), U("STARTTLS\r\n"), END },
	    "^220 after.test ESMTP\r\n^502 5.5.1 Error: command not"
	    " implemented by the filter\r\n^502 5.5.1 Error: command not"
	    " implemented by the filter\r\n" },
};

static void
check_envelope(void)
{
	static const struct step steps[] = {
		GREET, EHLO,
		U("XFORWARD NAME=mx.example ADDR=IPV6:2001:db8::1"
		    " HELO=h+2Bx+0A\r\n"), D("250 Ok\r\n"),
		U("mail from:<Alice@Example.ORG>  size=1\r\n"), D("250 ok\r\n"),
		U("RCPT TO:<b@y> NOTIFY=NEVER\r\n"), D("250 ok\r\n"),
		U("RCPT TO:<no@y>\r\n"), D("550 no\r\n"),
		U("RCPT TO:<c@z>\r\n"), D("250 ok\r\n"),
		U("DATA\r\n"), D("354 go\r\n"), U(".\r\n"), END,
	};
	struct relay_opts o = { .max_message_size = 1000 };
	struct relay *r = relay_new(&o);
	const char *span;
	size_t	 i, used, spanlen;

	for (i = 0; steps[i].who != 0; i++) {
		if (steps[i].who == 'D')
			(void)relay_down(r, steps[i].p, steps[i].n, &used);
		else
			(void)relay_up(r, steps[i].p, steps[i].n, &used, &span,
			    &spanlen);
		while (relay_next(r) != RELAY_MORE)
			;
	}
	is_str(relay_sender(r), "Alice@Example.ORG", "envelope: sender");
	is_int(relay_nrcpts(r), 2, "envelope: accepted recipients only");
	is_str(relay_rcpt(r, 0), "b@y", "envelope: first recipient");
	is_str(relay_rcpt(r, 1), "c@z", "envelope: second recipient");
	is_str(relay_xforward(r, "NAME"), "mx.example", "XFORWARD NAME");
	is_str(relay_xforward(r, "ADDR"), "2001:db8::1", "XFORWARD ADDR");
	is_str(relay_xforward(r, "HELO"), "h+x?", "XFORWARD HELO xtext");
	relay_free(r);
}

static void
check_data(void)
{
	struct smtpdata sd;
	struct buf out;
	const char *wire = "..dot\r\nstray\rcr\r\nlast";
	const char *file = ".dot\nstray\rcr\r\nend";
	size_t	 i;

	buf_init(&out, BUF_UNLIMITED);
	smtpdata_init(&sd);
	for (i = 0; wire[i] != '\0'; i++)
		(void)smtpdata_unstuff(&sd, wire + i, 1, &out);
	(void)smtpdata_unstuff_end(&sd, &out);
	is_str(buf_str(&out), ".dot\nstray\rcr\nlast",
	    "unstuff, byte by byte: dots, CRLF to LF, stray CR kept");
	buf_reset(&out);
	for (i = 0; file[i] != '\0'; i++)
		(void)smtpdata_stuff(&sd, file + i, 1, &out);
	(void)smtpdata_stuff_end(&sd, &out);
	is_str(buf_str(&out), "..dot\r\nstray\rcr\r\nend\r\n",
	    "stuff, byte by byte: dots, LF and CRLF to CRLF, last line ended");
	buf_free(&out);
}

int
main(void)
{
	struct buf tr;
	size_t	 i;

	buf_init(&tr, BUF_UNLIMITED);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(cases[i].steps, (size_t)-1, &tr);
		is_mem(tr.data, tr.len, cases[i].want, strlen(cases[i].want),
		    "%s (whole)", cases[i].name);
		run_case(cases[i].steps, 1, &tr);
		is_mem(tr.data, tr.len, cases[i].want, strlen(cases[i].want),
		    "%s (byte by byte)", cases[i].name);
	}
	buf_free(&tr);
	check_envelope();
	check_data();
	return (done_testing());
}
