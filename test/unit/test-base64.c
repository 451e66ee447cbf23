/*
 * test-base64.c - RFC 4648 base64, standard (padded) and URL (unpadded)
 */
#include "base64.h"
#include "err.h"
#include "t.h"

/* RFC 4648 section 10 test vectors, both alphabets */
static const struct {
	const char	*plain;
	const char	*std;
	const char	*url;
} vec[] = {
	{ "",		"",		"" },
	{ "f",		"Zg==",		"Zg" },
	{ "fo",		"Zm8=",		"Zm8" },
	{ "foo",	"Zm9v",		"Zm9v" },
	{ "foob",	"Zm9vYg==",	"Zm9vYg" },
	{ "fooba",	"Zm9vYmE=",	"Zm9vYmE" },
	{ "foobar",	"Zm9vYmFy",	"Zm9vYmFy" },
	{ "\xfb\xff\xbf", "+/+/",	"-_-_" },
	{ "user:pa ss",	"dXNlcjpwYSBzcw==", "dXNlcjpwYSBzcw" },
};

static const struct {
	const char	*name;
	const char	*in;
	int		 url;
	int		 err;
	const char	*want;
	size_t		 wantlen;
} dec[] = {
	{ "binary",		"AP8A",		0, PFX_OK,	W("\0\xff\0") },
	{ "missing padding",	"Zg",		0, PFX_EINVAL,	W("") },
	{ "one pad short",	"Zg=",		0, PFX_EINVAL,	W("") },
	{ "too much padding",	"Z===",		0, PFX_EINVAL,	W("") },
	{ "only padding",	"====",		0, PFX_EINVAL,	W("") },
	{ "pad in the middle",	"Zg==Zg==",	0, PFX_EINVAL,	W("") },
	{ "pad then data",	"Z=g=",		0, PFX_EINVAL,	W("") },
	{ "non-zero bits (1 byte)", "Zh==",	0, PFX_EINVAL,	W("") },
	{ "non-zero bits (2 bytes)", "Zm9=",	0, PFX_EINVAL,	W("") },
	{ "whitespace",		"Zm9v Zm9v",	0, PFX_EINVAL,	W("") },
	{ "newline",		"Zm9v\n",	0, PFX_EINVAL,	W("") },
	{ "url char in std",	"-_-_",		0, PFX_EINVAL,	W("") },
	{ "std char in url",	"+/+/",		1, PFX_EINVAL,	W("") },
	{ "padding in url",	"Zg==",		1, PFX_EINVAL,	W("") },
	{ "url length 4n+1",	"Zm9vY",	1, PFX_EINVAL,	W("") },
	{ "url non-zero bits",	"Zh",		1, PFX_EINVAL,	W("") },
	{ "url non-zero bits 2", "Zm9",		1, PFX_EINVAL,	W("") },
	{ "std length 4n+2",	"Zm9vYg",	0, PFX_EINVAL,	W("") },
	{ "NUL-free garbage",	"Zm9v*m9v",	0, PFX_EINVAL,	W("") },
};

int
main(void)
{
	struct buf b;
	size_t	 i;
	int	 url, err;

	buf_init(&b, BUF_UNLIMITED);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		for (url = 0; url < 2; url++) {
			const char *enc = url ? vec[i].url : vec[i].std;

			buf_reset(&b);
			(void)base64_encode(&b, vec[i].plain,
			    strlen(vec[i].plain), url);
			is_str(buf_str(&b), enc, "encode \"%s\" (%s)",
			    vec[i].plain, url ? "url" : "std");
			buf_reset(&b);
			is_int(base64_decode(&b, enc, strlen(enc), url), PFX_OK,
			    "decode \"%s\" (%s): status", enc,
			    url ? "url" : "std");
			is_str(buf_str(&b), vec[i].plain, "decode \"%s\" (%s)",
			    enc, url ? "url" : "std");
		}
	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
		buf_reset(&b);
		err = base64_decode(&b, dec[i].in, strlen(dec[i].in),
		    dec[i].url);
		is_int(err, dec[i].err, "decode %s: status", dec[i].name);
		if (err == PFX_OK)
			is_mem(buf_str(&b), b.len, dec[i].want, dec[i].wantlen,
			    "decode %s", dec[i].name);
	}
	buf_free(&b);
	return (done_testing());
}
