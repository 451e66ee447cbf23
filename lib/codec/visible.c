/*
 * visible.c - escape_visible (see visible.h)
 */
#include "visible.h"

int
escape_visible(struct buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	char	 e[4];
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < n && r == 0; i++) {
		c = (unsigned char)p[i];
		if (c == '\\')
			r = buf_append(b, "\\\\", 2);
		else if (c >= 0x20 && c < 0x7f)
			r = buf_putc(b, c);
		else if (c == '\r')
			r = buf_append(b, "\\r", 2);
		else if (c == '\n')
			r = buf_append(b, "\\n", 2);
		else if (c == '\t')
			r = buf_append(b, "\\t", 2);
		else {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 0xf];
			r = buf_append(b, e, 4);
		}
	}
	return (r);
}
