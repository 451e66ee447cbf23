/*
 * fuzz-smtprelay.c - the smtpd_proxy_filter relay
 *
 * The input is a script: records of [kind][length][bytes], kind 0 what
 * smtpd sends, 1 what the downstream sends, 2 an accept, 3 a reject, 4
 * "message streamed", 5 EOF from smtpd, 6 EOF from the downstream.
 * It runs twice, smtpd's bytes fed whole and one byte at a time, and
 * the transcripts must be equal.  Every byte written up is a well-formed
 * reply line; nothing is written down between the downstream's 354 and
 * the relay's own ".", so no content can become a command; every spooled
 * byte is a byte smtpd sent.
 */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "smtprelay.h"

static void
check_up(const char *p, size_t n)
{
	const char *nl;
	size_t	 len;

	while (n > 0) {
		CHECK((nl = memchr(p, '\n', n)) != NULL);
		len = (size_t)(nl - p);
		CHECK(len >= 4 && p[len - 1] == '\r');
		CHECK(p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'
		    && p[2] >= '0' && p[2] <= '9');
		CHECK(len == 4 || p[3] == ' ' || p[3] == '-');
		n -= len + 1;
		p = nl + 1;
	}
}

struct run {
	struct relay	*r;
	struct buf	 tr;
	struct buf	 spool;		/* every span, in order */
	int		 in_data;	/* the downstream is in DATA */
	int		 sent;		/* relay_sent was called */
	int		 done;
};

static void
drain(struct run *x, enum relay_event ev)
{
	struct buf *u = relay_up_out(x->r), *d = relay_down_out(x->r);

	check_up(u->data, u->len);
	if (x->in_data && d->len > 0)
		/* only the relay's own end of the message */
		CHECK(x->sent && d->len == 3 && memcmp(d->data, ".\r\n", 3) ==
		    0);
	if (x->in_data && d->len > 0)
		x->in_data = 0;
	if (ev != RELAY_MORE)
		CHECK(buf_printf(&x->tr, "[%d]", (int)ev) == PFX_OK);
	if (u->len > 0)
		CHECK(buf_putc(&x->tr, '^') == PFX_OK &&
		    buf_append(&x->tr, u->data, u->len) == PFX_OK);
	if (d->len > 0)
		CHECK(buf_putc(&x->tr, 'v') == PFX_OK &&
		    buf_append(&x->tr, d->data, d->len) == PFX_OK);
	buf_reset(u);
	buf_reset(d);
	if (ev == RELAY_SPOOL_OPEN) {
		x->in_data = 1;
		x->sent = 0;
	}
	if (ev == RELAY_CLOSE_DOWN)
		x->in_data = 0;
	if (ev == RELAY_DONE || ev == RELAY_ABORT)
		x->done = 1;
}

static void
events(struct run *x, enum relay_event ev)
{
	do {
		drain(x, ev);
	} while ((ev = relay_next(x->r)) != RELAY_MORE && !x->done);
}

static void
run(const uint8_t *data, size_t size, size_t step, struct buf *tr,
    struct buf *spool)
{
	struct relay_opts o = { .max_message_size = 200 };
	struct run x;
	struct buf held;
	const char *p, *span;
	size_t	 i = 0, n, off, used, spanlen, k;
	enum relay_event ev;

	memset(&x, 0, sizeof(x));
	x.r = relay_new(&o);
	buf_init(&x.tr, BUF_UNLIMITED);
	buf_init(&x.spool, BUF_UNLIMITED);
	buf_init(&held, BUF_UNLIMITED);
	while (i + 2 <= size && !x.done) {
		k = data[i] % 7;
		n = data[i + 1];
		p = (const char *)data + i + 2;
		if (n > size - i - 2)
			n = size - i - 2;
		i += 2 + n;
		switch (k) {
		case 0:
			CHECK(buf_append(&held, p, n) == PFX_OK);
			break;
		case 1:
			events(&x, relay_down(x.r, p, n, &used));
			CHECK(used == n);
			break;
		case 2:
			events(&x, relay_verdict(x.r, RV_ACCEPT, NULL));
			break;
		case 3:
			events(&x, relay_verdict(x.r, RV_REJECT,
			    "550 5.7.1 no"));
			break;
		case 4:
			x.sent = 1;
			events(&x, relay_sent(x.r));
			break;
		case 5:
			events(&x, relay_up_eof(x.r));
			break;
		case 6:
			events(&x, relay_down_eof(x.r));
			break;
		}
		/* smtpd's bytes, as far as the relay takes them now */
		for (off = 0; off < held.len && !x.done &&
		    relay_wants_up(x.r); off += used) {
			ev = relay_up(x.r, held.data + off, held.len - off <
			    step ? held.len - off : step, &used, &span,
			    &spanlen);
			if (ev == RELAY_SPOOL) {
				CHECK(span >= held.data + off && spanlen <=
				    used);
				CHECK(buf_append(&x.spool, span, spanlen) ==
				    PFX_OK);
				ev = relay_next(x.r);
			}
			events(&x, ev);
			if (used == 0)
				break;
		}
		if (off > 0)
			memmove(held.data, held.data + off, held.len - off);
		buf_truncate(&held, held.len - off);
	}
	buf_reset(tr);
	CHECK(buf_append(tr, x.tr.data, x.tr.len) == PFX_OK);
	buf_reset(spool);
	CHECK(buf_append(spool, x.spool.data, x.spool.len) == PFX_OK);
	buf_free(&x.tr);
	buf_free(&x.spool);
	buf_free(&held);
	relay_free(x.r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b, sa, sb;

	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	buf_init(&sa, BUF_UNLIMITED);
	buf_init(&sb, BUF_UNLIMITED);
	run(data, size, (size_t)-1, &a, &sa);
	run(data, size, 1, &b, &sb);
	/* how smtpd's bytes arrive changes nothing */
	CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) ==
	    0));
	CHECK(sa.len == sb.len && (sa.len == 0 || memcmp(sa.data, sb.data,
	    sa.len) == 0));
	buf_free(&a);
	buf_free(&b);
	buf_free(&sa);
	buf_free(&sb);
	return (0);
}
