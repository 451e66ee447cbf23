/*
 * test-escape.c - escaping of untrusted values for JSON, URLs, headers
 */
#include "err.h"
#include "escape.h"
#include "t.h"

typedef int (*esc_fn)(struct buf *, const char *, size_t);

static const struct {
	const char	*name;
	esc_fn		 fn;
	const char	*in;
	size_t		 len;
	const char	*want;
} cases[] = {
	{ "json plain",		escape_json, W("alice@example.com"),
	    "alice@example.com" },
	{ "json empty",		escape_json, W(""), "" },
	{ "json quote",		escape_json, W("a\"b"), "a\\\"b" },
	{ "json backslash",	escape_json, W("a\\b"), "a\\\\b" },
	{ "json end string",	escape_json, W("\",\"admin\":true,\"x\":\""),
	    "\\\",\\\"admin\\\":true,\\\"x\\\":\\\"" },
	{ "json LF CR TAB",	escape_json, W("\n\r\t"), "\\n\\r\\t" },
	{ "json other controls", escape_json, W("\x01\x08\x0c\x1f\x7f"),
	    "\\u0001\\u0008\\u000c\\u001f\\u007f" },
	{ "json NUL",		escape_json, W("a\0b"), "a\\u0000b" },
	{ "json slash kept",	escape_json, W("a/b</script>"),
	    "a/b</script>" },
	{ "json UTF-8 kept",	escape_json, W("caf\xc3\xa9 \xe2\x82\xac"
	    " \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	{ "json Latin-1 byte",	escape_json, W("caf\xe9"), "caf\\ufffd" },
	{ "json 0xFF",		escape_json, W("\xff\xfe"), "\\ufffd\\ufffd" },
	{ "json overlong",	escape_json, W("\xc0\xaf"), "\\ufffd\\ufffd" },
	{ "json surrogate",	escape_json, W("\xed\xa0\x80"),
	    "\\ufffd\\ufffd\\ufffd" },
	{ "json truncated seq",	escape_json, W("a\xe2\x82"),
	    "a\\ufffd\\ufffd" },
	{ "json truncated then quote", escape_json, W("\xe2\""),
	    "\\ufffd\\\"" },
	{ "url unreserved",	escape_url, W("AZaz09-._~"), "AZaz09-._~" },
	{ "url reserved",	escape_url, W("a b&c=d/e?f#g+h%i@j"),
	    "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25i%40j" },
	{ "url controls",	escape_url, W("\r\n\0"), "%0D%0A%00" },
	{ "url UTF-8",		escape_url, W("\xc3\xa9"), "%C3%A9" },
	{ "url dots kept",	escape_url, W(".."), ".." },
	{ "url path ..",	escape_url_path, W(".."), "%2E%2E" },
	{ "url path .",		escape_url_path, W("."), "%2E" },
	{ "url path name",	escape_url_path, W("a.b"), "a.b" },
	{ "url path ../x",	escape_url_path, W("../x"), "..%2Fx" },
	{ "url path empty",	escape_url_path, W(""), "" },
	{ "header plain",	escape_header, W("Bearer abc.def"),
	    "Bearer abc.def" },
	{ "header CRLF",	escape_header, W("a\r\nX-Evil: 1"),
	    "a%0D%0AX-Evil: 1" },
	{ "header percent",	escape_header, W("100%"), "100%25" },
	{ "header controls",	escape_header, W("\t\0\x7f"), "%09%00%7F" },
	{ "header 8-bit",	escape_header, W("\xc3\xa9"), "%C3%A9" },
	{ "header punctuation",	escape_header, W("a:b;c=\"d\" <e>"),
	    "a:b;c=\"d\" <e>" },
};

int
main(void)
{
	struct buf b;
	size_t	 i;

	buf_init(&b, BUF_UNLIMITED);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		is_int(cases[i].fn(&b, cases[i].in, cases[i].len), PFX_OK,
		    "%s: status", cases[i].name);
		is_str(buf_str(&b), cases[i].want, "%s", cases[i].name);
	}
	buf_free(&b);
	buf_init(&b, 5);
	is_int(escape_json(&b, W("\"\"\"")), PFX_ETOOBIG, "json over limit");
	buf_free(&b);
	buf_init(&b, 5);
	is_int(escape_url(&b, W("  ")), PFX_ETOOBIG, "url over limit");
	buf_free(&b);
	return (done_testing());
}
