/*
 * hexq.c - %XX quoting for tcp_table(5)
 *
 * Encoding follows Postfix hex_quote(): '%', whitespace and every byte
 * outside printable ASCII become upper-case %XX.  Decoding accepts either
 * case and refuses a truncated or non-hex escape.
 */
#include "err.h"
#include "escape.h"
#include "hexq.h"

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* hexq_keep - what Postfix hex_quote() leaves as it is */
static int
hexq_keep(unsigned char c)
{
	return (c > 0x20 && c < 0x7f && c != '%');
}

int
hexq_encode(struct buf *out, const char *p, size_t n)
{
	return (escape_pct_unless(out, p, n, hexq_keep));
}

int
hexq_decode(struct buf *out, const char *p, size_t n)
{
	size_t	 i;
	int	 hi, lo, r;

	for (i = 0; i < n; i++) {
		if (p[i] != '%') {
			r = buf_putc(out, p[i]);
		} else {
			if (n - i < 3 || (hi = hex_digit(p[i + 1])) < 0 ||
			    (lo = hex_digit(p[i + 2])) < 0)
				return (PFX_EPROTO);
			r = buf_putc(out, hi << 4 | lo);
			i += 2;
		}
		if (r != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}
