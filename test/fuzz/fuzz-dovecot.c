/*
 * fuzz-dovecot.c - the Dovecot auth protocol codec (server side)
 *
 * The input is what smtpd (or anything that reaches the socket) writes
 * to the auth server.  It is fed as one read, as two reads split where
 * the first byte says, and one byte per read; each request is answered
 * with a verdict and a text chosen by its number, the text taken from
 * the raw input so that control bytes, TABs and LFs reach the reply
 * path.  The three transcripts must be equal, and every line the codec
 * writes must be a well-formed reply no client byte could have forged:
 * OK with a clean user=, FAIL with clean user=/reason= fields and
 * Dovecot's own code= values,
 * or CONT with base64.
 */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "proto.h"
#include "sasl_mech.h"

static int
id_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 10 || p[0] == '0')
		return (0);
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return (0);
	return (1);
}

static int
b64_ok(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=", p[i]) == NULL || p[i] == '\0')
			return (0);
	return (n % 4 == 0);
}

/* check_line - one reply line, without its LF */
static void
check_line(const char *p, size_t n)
{
	const char *f[8], *tab;
	size_t	 fl[8], k = 0, i;

	CHECK(memchr(p, '\n', n) == NULL && memchr(p, '\r', n) == NULL);
	while (k < 8) {
		tab = memchr(p, '\t', n);
		f[k] = p;
		fl[k++] = tab != NULL ? (size_t)(tab - p) : n;
		if (tab == NULL)
			break;
		n -= (size_t)(tab - p) + 1;
		p = tab + 1;
	}
	CHECK(k >= 2 && id_ok(f[1], fl[1]));
	if (fl[0] == 4 && memcmp(f[0], "CONT", 4) == 0) {
		CHECK(k == 3 && b64_ok(f[2], fl[2]));
		return;
	}
	if (fl[0] == 2 && memcmp(f[0], "OK", 2) == 0) {
		CHECK(k == 3 && fl[2] > 5 && memcmp(f[2], "user=", 5) == 0);
		CHECK(sasl_name_ok(f[2] + 5, fl[2] - 5));
		return;
	}
	CHECK(fl[0] == 4 && memcmp(f[0], "FAIL", 4) == 0);
	for (i = 2; i < k; i++) {
		if (fl[i] > 5 && memcmp(f[i], "user=", 5) == 0)
			CHECK(sasl_name_ok(f[i] + 5, fl[i] - 5));
		else if (fl[i] > 7 && memcmp(f[i], "reason=", 7) == 0)
			CHECK(sasl_name_ok(f[i] + 7, fl[i] - 7));
		else
			CHECK((fl[i] == 14 && memcmp(f[i], "code=temp_fail",
			    14) == 0) || (fl[i] == 19 && memcmp(f[i],
			    "code=invalid_base64", 19) == 0));
	}
}

static void
check_output(const char *p, size_t n)
{
	const char *nl;

	while (n > 0) {
		CHECK((nl = memchr(p, '\n', n)) != NULL);
		check_line(p, (size_t)(nl - p));
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

static void
check_req(const struct pfx_req *req)
{
	const char *u, *s;
	size_t	 ul, sl;

	CHECK(req->flags & PFX_REQ_SECRET);
	CHECK((u = pfx_req_get(req, "username", &ul)) != NULL);
	CHECK(sasl_name_ok(u, ul));
	s = pfx_req_get(req, "password", &sl);
	if (s == NULL)
		CHECK((s = pfx_req_get(req, "token", &sl)) != NULL);
	CHECK(sl > 0);
	CHECK(pfx_req_get(req, "method", &sl) != NULL);
}

static const enum pfx_verdict verdicts[] = {
	PFX_FOUND, PFX_NOTFOUND, PFX_TEMPFAIL, PFX_FOUND, PFX_TIMEOUT,
	PFX_PERMFAIL,
};

static void
conv(const uint8_t *data, size_t size, size_t chunk, size_t split,
    const struct proto_opts *po, struct buf *log)
{
	const char *in = (const char *)data, *why;
	struct pfx_result res;
	struct pfx_req req;
	enum proto_status ps;
	struct buf out;
	size_t	 pos = 0, end, off, used, t;
	unsigned reqno = 0;
	void	*st = proto_dovecot.create(po);

	buf_init(&out, BUF_UNLIMITED);
	result_init(&res, 4096);
	proto_dovecot.greet(st, &out);
	/* never an empty mechanism list; MECH before SPID (Postfix) */
	CHECK(out.len > 20 && memcmp(out.data, "VERSION\t1\t2\nMECH\t", 17) == 0);
	CHECK(strstr(out.data, "\nSPID\t") > strstr(out.data, "\nMECH\t"));
	CHECK(memcmp(out.data + out.len - 6, "\nDONE\n", 6) == 0);
	while (pos < size) {
		end = chunk == 0 ? size : pos + chunk;
		if (split != 0 && pos < split)
			end = split;
		if (end > size)
			end = size;
		for (off = pos; off < end; off += used) {
			buf_reset(&out);
			used = 0;
			why = NULL;
			ps = proto_dovecot.feed(st, in + off, end - off, &used,
			    &req, &out, &why);
			CHECK(used <= end - off);
			CHECK(used > 0 || ps == PROTO_CLOSE);
			if (ps == PROTO_REQUEST) {
				check_req(&req);
				result_set(&res, verdicts[reqno %
				    (sizeof(verdicts) / sizeof(verdicts[0]))],
				    NULL);
				/* text: a piece of the raw input, or none */
				t = (reqno / 2) % 3;
				if (t > 0)
					(void)buf_append(result_text(&res), in,
					    size < 200 ? size : 200);
				reqno++;
				ps = proto_dovecot.reply(st, &res, &out);
				CHECK(ps == PROTO_MORE || ps == PROTO_CLOSE);
				CHECK(ps == PROTO_MORE || out.len == 0);
			} else if (ps == PROTO_MORE)
				CHECK(out.len == 0 && used == end - off);
			else if (ps == PROTO_CLOSE)
				CHECK(why != NULL);
			check_output(out.data, out.len);
			/* requests, replies and the close; not the reads */
			if (ps == PROTO_CLOSE || (ps == PROTO_REQUEST &&
			    reqno > 0))
				CHECK(buf_putc(log, ps == PROTO_CLOSE ? 'C' :
				    'R') == PFX_OK);
			CHECK(buf_append(log, out.data, out.len) == PFX_OK);
			if (ps == PROTO_CLOSE)
				goto done;
		}
		pos = end;
	}
	CHECK(buf_printf(log, "eof:%d", proto_dovecot.in_progress(st)) ==
	    PFX_OK);
done:
	result_free(&res);
	buf_free(&out);
	proto_dovecot.destroy(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_opts po;
	struct buf a, b, c;
	unsigned last = size > 0 ? data[size - 1] : 0;

	memset(&po, 0, sizeof(po));
	po.mech_mask = last & 0x0f;
	po.allow_authzid = (last >> 4) & 1;
	po.temp_fail_closes = (last >> 5) & 1;
	po.default_local_port = (last & 0x40) ? "587" : NULL;
	po.cookie = "00000000000000000000000000000000";
	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	buf_init(&c, BUF_UNLIMITED);
	conv(data, size, 0, 0, &po, &a);
	conv(data, size, 0, size > 1 ? 1 + data[0] % (size - 1) : 0, &po, &b);
	conv(data, size, 1, 0, &po, &c);
	/* how the bytes arrive changes nothing the client sees */
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	return (0);
}
