/*
 * escape.c - context escaping for templated values
 *
 * Keys and attributes come from SMTP clients.  Each value is escaped
 * for its context so that it can never end a JSON string, add a query
 * parameter or start a new header line.
 */
#include <string.h>

#include "err.h"
#include "escape.h"
#include "utf8.h"

static const char hexdig[] = "0123456789ABCDEF";

/* json_plain - printable ASCII that a JSON string holds as it is */
static int
json_plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
}

int
escape_json(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, k;
	int	 r;

	while (i < n) {
		unsigned char c = p[i];

		/* most values are plain ASCII: copy a run at once */
		for (k = i; k < n && json_plain(p[k]); k++)
			;
		if (k > i) {
			r = buf_append(out, p + i, k - i);
			i = k;
			if (r != PFX_OK)
				return (r);
			continue;
		}
		if (c == '"' || c == '\\') {
			char	 e[2] = { '\\', (char)c };

			r = buf_append(out, e, 2);
			k = 1;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n':
				r = buf_puts(out, "\\n");
				break;
			case '\r':
				r = buf_puts(out, "\\r");
				break;
			case '\t':
				r = buf_puts(out, "\\t");
				break;
			default:
				r = buf_printf(out, "\\u%04x", c);
				break;
			}
			k = 1;
		} else if ((k = utf8_seq(p + i, n - i)) != 0) {
			r = buf_append(out, p + i, k);
		} else {
			r = buf_puts(out, "\\ufffd");
			k = 1;
		}
		if (r != PFX_OK)
			return (r);
		i += k;
	}
	return (PFX_OK);
}

/* escape_pct_unless - bytes keep() refuses become %XX (upper case) */

int
escape_pct_unless(struct buf *out, const char *s, size_t n,
    int (*keep)(unsigned char))
{
	size_t	 i = 0, k;
	unsigned char c;
	char	 e[3] = { '%', 0, 0 };
	int	 r;

	while (i < n) {
		for (k = i; k < n && keep((unsigned char)s[k]); k++)
			;
		if (k > i) {	/* a run kept as it is, copied at once */
			if ((r = buf_append(out, s + i, k - i)) != PFX_OK)
				return (r);
			if ((i = k) == n)
				break;
		}
		c = (unsigned char)s[i++];
		e[1] = hexdig[c >> 4];
		e[2] = hexdig[c & 15];
		if ((r = buf_append(out, e, 3)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

/* RFC 3986 unreserved */

static int
url_keep(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

static int
header_keep(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '%');
}

int
escape_url(struct buf *out, const char *s, size_t n)
{
	return (escape_pct_unless(out, s, n, url_keep));
}

/*
 * escape_url_path - a value of dots only would be a dot segment ("/x/..")
 * that URL normalisation removes, changing which path is requested
 */
int
escape_url_path(struct buf *out, const char *s, size_t n)
{
	size_t	 i;
	int	 r;

	/* s need not be NUL-terminated: no strspn */
	for (i = 0; i < n && s[i] == '.'; i++)
		;
	if (n == 0 || i < n)
		return (escape_url(out, s, n));
	for (i = 0; i < n; i++)
		if ((r = buf_puts(out, "%2E")) != PFX_OK)
			return (r);
	return (PFX_OK);
}

int
escape_header(struct buf *out, const char *s, size_t n)
{
	return (escape_pct_unless(out, s, n, header_keep));
}
