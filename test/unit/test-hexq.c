/*
 * test-hexq.c - tcp_table %XX quoting (Postfix hex_quote/hex_unquote)
 */
#include "err.h"
#include "hexq.h"
#include "t.h"

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} enc[] = {
	{ W("alice@example.com"),	"alice@example.com" },
	{ W(""),			"" },
	{ W("a b"),			"a%20b" },
	{ W("100%"),			"100%25" },
	{ W("\t\r\n\v\f"),		"%09%0D%0A%0B%0C" },
	{ W("\0\x01\x1f\x7f"),		"%00%01%1F%7F" },
	{ W("\x80\xc3\xa9\xff"),	"%80%C3%A9%FF" },
	{ W("!~\"+=:,;<>"),		"!~\"+=:,;<>" },
};

static const struct {
	const char	*in;
	int		 err;
	const char	*want;
	size_t		 wantlen;
} dec[] = {
	{ "alice",		PFX_OK,		W("alice") },
	{ "",			PFX_OK,		W("") },
	{ "a%20b",		PFX_OK,		W("a b") },
	{ "%c3%A9%Ff",		PFX_OK,		W("\xc3\xa9\xff") },
	{ "%00",		PFX_OK,		W("\0") },
	{ "%2525",		PFX_OK,		W("%25") },
	{ "raw space ok",	PFX_OK,		W("raw space ok") },
	{ "%G1",		PFX_EPROTO,	W("") },
	{ "%1G",		PFX_EPROTO,	W("") },
	{ "%",			PFX_EPROTO,	W("") },
	{ "ab%4",		PFX_EPROTO,	W("") },
	{ "%%41",		PFX_EPROTO,	W("") },
	{ "% 1",		PFX_EPROTO,	W("") },
	{ "%-1",		PFX_EPROTO,	W("") },
};

int
main(void)
{
	struct buf b, r;
	size_t	 i;
	int	 err;

	buf_init(&b, BUF_UNLIMITED);
	buf_init(&r, BUF_UNLIMITED);
	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		buf_reset(&b);
		buf_reset(&r);
		is_int(hexq_encode(&b, enc[i].in, enc[i].len), PFX_OK,
		    "encode %zu: status", i);
		is_str(buf_str(&b), enc[i].want, "encode %zu: \"%s\"", i,
		    enc[i].want);
		/* and back */
		is_int(hexq_decode(&r, b.data != NULL ? b.data : "", b.len),
		    PFX_OK, "round trip %zu: status", i);
		is_mem(buf_str(&r), r.len, enc[i].in, enc[i].len,
		    "round trip %zu", i);
	}
	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
		buf_reset(&b);
		err = hexq_decode(&b, dec[i].in, strlen(dec[i].in));
		is_int(err, dec[i].err, "decode \"%s\": status", dec[i].in);
		if (err == PFX_OK)
			is_mem(buf_str(&b), b.len, dec[i].want, dec[i].wantlen,
			    "decode \"%s\"", dec[i].in);
	}
	buf_free(&b);
	buf_init(&b, 4);
	is_int(hexq_encode(&b, W("a b")), PFX_ETOOBIG, "encode over the limit");
	buf_free(&b);
	buf_free(&r);
	return (done_testing());
}
