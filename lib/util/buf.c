/*
 * buf.c - bounded growable byte buffer
 *
 * Rules taken from curl's dynbuf: every buffer has a maximum, growth is
 * checked before it happens, and a failed append changes nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "xalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t	 ncap;
	char	*nd;

	ncap = b->cap != 0 ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	/* not realloc: any buffer may hold a secret, and realloc would
	 * leave the old copy behind unwiped */
	nd = xmalloc(ncap + 1);
	if (b->data != NULL) {
		memcpy(nd, b->data, b->len);
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = nd;
	b->cap = ncap;
}

int
buf_append_grow(struct buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len)
		return (PFX_ETOOBIG);
	if (b->data == NULL || b->len + n > b->cap)
		buf_grow(b, b->len + n);
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (PFX_OK);
}

int
buf_puts(struct buf *b, const char *s)
{
	return (buf_append(b, s, strlen(s)));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	char	*big;
	int	 n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (PFX_EINVAL);
	if ((size_t)n < sizeof(small))
		return (buf_append(b, small, (size_t)n));
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = buf_append(b, big, (size_t)n);
	free(big);
	return (r);
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * buf_wipe - clear what the buffer holds and empty it.  Every user of a
 * buffer that may hold a secret wipes after each use, so only the used
 * part needs clearing.
 */

void
buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	b->len = 0;
}

/* buf_free_secret - wipe then free; explicit_bzero cannot be elided */

void
buf_free_secret(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap + 1);
	buf_free(b);
}

const char *
buf_str(const struct buf *b)
{
	return (b->data != NULL ? b->data : "");
}
