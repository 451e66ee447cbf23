/*
 * test-netstring.c - the netstring decoder and encoder
 *
 * Each case is a byte stream and the transcript the decoder must produce:
 * "<payload>" per completed netstring (NUL shown as \0), "<TOOBIG>" for a
 * skipped one, "!" for a framing error (decoding stops there) and "..."
 * when the input ends in the middle of a netstring.  Every case is fed
 * whole, one byte at a time and in 3-byte pieces: the transcripts must
 * be the same.
 */
#include <stdint.h>

#include "err.h"
#include "netstring.h"
#include "t.h"

#define MAX	16	/* payload limit used by the cases */

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
} cases[] = {
	{ "basic",		W("5:hello,"),		"<hello>" },
	{ "empty payload",	W("0:,"),		"<>" },
	{ "leading zeros",	W("005:hello,"),	"<hello>" },
	{ "ten zeros",		W("0000000000:,"),	"<>" },
	{ "eleven digits",	W("00000000000:,"),	"!" },
	{ "11-digit length",	W("12345678901:x,"),	"!" },
	{ "empty length",	W(":hello,"),		"!" },
	{ "negative length",	W("-1:x,"),		"!" },
	{ "plus sign",		W("+1:x,"),		"!" },
	{ "leading space",	W(" 1:x,"),		"!" },
	{ "space before colon",	W("1 :x,"),		"!" },
	{ "hex digit",		W("a:0123456789,"),	"!" },
	{ "missing comma",	W("5:hello;"),		"!" },
	{ "payload too long",	W("5:hellox,"),		"!" },
	{ "payload too short",	W("6:hello,"),		"..." },
	{ "embedded NUL",	W("3:a\0b,"),		"<a\\0b>" },
	{ "comma in payload",	W("3:a,b,"),		"<a,b>" },
	{ "exactly the limit",	W("16:0123456789abcdef,"), "<0123456789abcdef>" },
	{ "one over the limit",	W("17:0123456789abcdefg,"), "<TOOBIG>" },
	{ "too big, in sync",	W("20:aaaaaaaaaaaaaaaaaaaa,5:hello,"),
	    "<TOOBIG><hello>" },
	{ "too big, bad comma",	W("20:aaaaaaaaaaaaaaaaaaaa;5:hello,"),
	    "!" },
	{ "huge declared length", W("4294967296:abc"),	"..." },
	{ "max declared length", W("9999999999:"),	"..." },
	{ "several in one feed", W("1:a,1:b,0:,3:xyz,"), "<a><b><><xyz>" },
	{ "error after good",	W("1:a,x"),		"<a>!" },
	{ "EOF in length",	W("1:a,12"),		"<a>..." },
	{ "EOF after colon",	W("5:"),		"..." },
	{ "EOF in payload",	W("5:hel"),		"..." },
	{ "EOF before comma",	W("5:hello"),		"..." },
	{ "empty input",	W(""),			"" },
};

static void
show(struct buf *t, const struct buf *p)
{
	size_t	 i;

	(void)buf_putc(t, '<');
	for (i = 0; i < p->len; i++)
		if (p->data[i] == '\0')
			(void)buf_puts(t, "\\0");
		else
			(void)buf_putc(t, p->data[i]);
	(void)buf_putc(t, '>');
}

/* run - decode in pieces of at most step bytes; the transcript goes to t */

static void
run(const char *in, size_t len, size_t step, struct buf *t)
{
	struct ns_dec d;
	size_t	 off = 0, n, used;
	int	 done, r;

	ns_init(&d, MAX);
	buf_reset(t);
	while (off < len) {
		n = len - off < step ? len - off : step;
		while (n > 0) {
			used = 0;
			if ((r = ns_feed(&d, in + off, n, &used, &done)) !=
			    PFX_OK) {
				(void)buf_puts(t, r == PFX_EPROTO ? "!" : "?");
				goto out;
			}
			if (used > n || (!done && used != n)) {
				(void)buf_puts(t, "?used");
				goto out;
			}
			off += used;
			n -= used;
			if (done) {
				if (d.toobig)
					(void)buf_puts(t, "<TOOBIG>");
				else
					show(t, &d.payload);
				ns_reset(&d);
			}
		}
	}
	if (ns_in_progress(&d))
		(void)buf_puts(t, "...");
out:
	ns_free(&d);
}

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
	size_t		 wantlen;
} enc[] = {
	{ W("hello"),		W("5:hello,") },
	{ W(""),		W("0:,") },
	{ W("a\0b"),		W("3:a\0b,") },
	{ W("OK caf\xc3\xa9"),	W("8:OK caf\xc3\xa9,") },	/* bytes */
};

int
main(void)
{
	static const size_t steps[] = { SIZE_MAX, 1, 3 };
	struct buf t, out;
	struct ns_dec d;
	size_t	 i, s, used;
	int	 done;

	buf_init(&t, BUF_UNLIMITED);
	buf_init(&out, BUF_UNLIMITED);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			run(cases[i].in, cases[i].len, steps[s], &t);
			is_str(buf_str(&t), cases[i].want, "%s (%s)",
			    cases[i].name, s == 0 ? "whole" : s == 1 ?
			    "byte by byte" : "3-byte pieces");
		}

	/* a completed netstring is not "in progress"; a fresh one is not */
	ns_init(&d, MAX);
	ok(!ns_in_progress(&d), "fresh decoder is not in progress");
	ok(ns_feed(&d, W("1"), &used, &done) == PFX_OK && !done &&
	    ns_in_progress(&d), "one digit is in progress");
	ns_reset(&d);
	ok(!ns_in_progress(&d), "reset clears the progress");
	ns_free(&d);

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		buf_reset(&out);
		is_int(ns_encode(&out, enc[i].in, enc[i].len), PFX_OK,
		    "encode %zu succeeds", i);
		is_mem(out.data, out.len, enc[i].want, enc[i].wantlen,
		    "encode %zu", i);
	}
	buf_free(&out);
	buf_init(&out, 8);
	is_int(ns_encode(&out, W("123456")), PFX_ETOOBIG,
	    "encode beyond the buffer limit fails");
	buf_free(&out);
	buf_free(&t);
	return (done_testing());
}
