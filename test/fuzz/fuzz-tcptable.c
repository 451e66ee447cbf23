/*
 * fuzz-tcptable.c - line splitting, %XX decoding and the tcp_table codec
 *
 * The input is what Postfix writes to a tcp_table server.  Every reply
 * is one line of at most 4096 bytes including its LF (DICT_TCP_MAXLEN),
 * "200 ", "400 " or "500 " and a non-empty text in Postfix hex_quote()
 * form: printable ASCII without space, '%' only as upper-case "%XX".
 * A 200 reply decodes to exactly the value that was answered.
 */
#include <string.h>

#include "fuzz-proto.h"
#include "hexq.h"

#define TCP_MAX_REPLY	4096

static int
hexdigit(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
}

/* tcp_line - check the framing and quoting; return the code, decode text */

static int
tcp_line(const char *p, size_t n, struct buf *text)
{
	size_t	 i;
	int	 code;

	CHECK(n >= 6 && n <= TCP_MAX_REPLY);
	CHECK(p[n - 1] == '\n' && memchr(p, '\n', n - 1) == NULL);
	CHECK(p[3] == ' ');
	if (memcmp(p, "200", 3) == 0)
		code = 200;
	else if (memcmp(p, "400", 3) == 0)
		code = 400;
	else {
		CHECK(memcmp(p, "500", 3) == 0);
		code = 500;
	}
	for (i = 4; i < n - 1; i++) {
		CHECK(p[i] > 0x20 && p[i] < 0x7f);
		if (p[i] == '%') {
			CHECK(i + 2 < n - 1 && hexdigit(p[i + 1]) &&
			    hexdigit(p[i + 2]));
			i += 2;
		}
	}
	buf_reset(text);
	CHECK(hexq_decode(text, p + 4, n - 5) == PFX_OK);
	CHECK(text->len > 0);
	return (code);
}

static void
tcp_check_req(const struct fz_codec *c, const struct pfx_req *req,
    const char *blk, size_t n)
{
	struct buf enc, dec;
	const char *key;
	size_t	 keylen;

	CHECK(req->nattrs == 1 && strcmp(req->attrs[0].name, "key") == 0);
	key = pfx_req_get(req, "key", &keylen);
	CHECK(key != NULL && keylen > 0);
	CHECK(memchr(key, '\0', keylen) == NULL);
	CHECK(keylen + 4 <= c->opts.max_request);
	/* our quoting round-trips whatever Postfix sent */
	buf_init(&enc, BUF_UNLIMITED);
	buf_init(&dec, BUF_UNLIMITED);
	CHECK(hexq_encode(&enc, key, keylen) == PFX_OK);
	CHECK(hexq_decode(&dec, enc.data, enc.len) == PFX_OK);
	CHECK(dec.len == keylen && memcmp(dec.data, key, dec.len) == 0);
	/* the request is exactly "get <key>\n" (or "\r\n") */
	CHECK(n >= 5 && memcmp(blk, "get ", 4) == 0 && blk[n - 1] == '\n');
	n--;
	if (blk[n - 1] == '\r')
		n--;
	buf_reset(&dec);
	CHECK(hexq_decode(&dec, blk + 4, n - 4) == PFX_OK);
	CHECK(dec.len == keylen && memcmp(dec.data, key, dec.len) == 0);
	buf_free(&enc);
	buf_free(&dec);
}

static void
tcp_check_own(const struct fz_codec *c, enum proto_status ps, const char *p,
    size_t n)
{
	struct buf text;

	(void)c;
	/* every request line gets an answer; nothing closes */
	CHECK(ps == PROTO_REPLIED);
	buf_init(&text, BUF_UNLIMITED);
	CHECK(tcp_line(p, n, &text) == 400);
	buf_free(&text);
}

static void
tcp_check_reply(const struct fz_codec *c, const struct pfx_result *res,
    const char *p, size_t n)
{
	const struct buf *v = result_ctext(res);
	struct buf text;
	size_t	 i;
	int	 code;

	(void)c;
	buf_init(&text, BUF_UNLIMITED);
	code = tcp_line(p, n, &text);
	switch (res->verdict) {
	case PFX_FOUND:
		if (v->len == 0) {
			CHECK(code == 500);
			break;
		}
		if (code == 400) {
			CHECK(n == 23 && memcmp(p, "400 reply%20too%20long\n",
			    n) == 0);
			break;
		}
		CHECK(code == 200);
		CHECK(text.len == v->len &&
		    memcmp(text.data, v->data, v->len) == 0);
		break;
	case PFX_NOTFOUND:
		CHECK(code == 500);
		break;
	case PFX_TEMPFAIL:
	case PFX_TIMEOUT:
	case PFX_PERMFAIL:
		CHECK(code == 400);
		/* a reason is one printable line */
		for (i = 0; i < text.len; i++)
			CHECK((unsigned char)text.data[i] >= 0x20 &&
			    text.data[i] != 0x7f);
		break;
	}
	buf_free(&text);
}

/* hexq_check - decode(encode(x)) == x; encode(decode(x)) is canonical */

static void
hexq_check(const uint8_t *data, size_t size)
{
	struct buf a, b, c2;

	buf_init(&a, BUF_UNLIMITED);
	buf_init(&b, BUF_UNLIMITED);
	buf_init(&c2, BUF_UNLIMITED);
	CHECK(hexq_encode(&a, (const char *)data, size) == PFX_OK);
	CHECK(hexq_decode(&b, buf_str(&a), a.len) == PFX_OK);
	CHECK(b.len == size && (size == 0 ||
	    memcmp(b.data, data, size) == 0));
	buf_reset(&a);
	buf_reset(&b);
	if (hexq_decode(&a, (const char *)data, size) == PFX_OK) {
		CHECK(a.len <= size);
		CHECK(hexq_encode(&b, buf_str(&a), a.len) == PFX_OK);
		CHECK(hexq_decode(&c2, buf_str(&b), b.len) == PFX_OK);
		CHECK(c2.len == a.len && (a.len == 0 ||
		    memcmp(c2.data, a.data, a.len) == 0));
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_codec c;

	fz_limits(&c, data, size);
	c.ops = &proto_tcptable;
	c.check_req = tcp_check_req;
	c.check_own = tcp_check_own;
	c.check_reply = tcp_check_reply;
	fz_run(&c);
	hexq_check(data, size);
	return (0);
}
