/*
 * buf.h - growable byte buffer with a hard upper limit
 *
 * The data is always NUL-terminated (a safety net, as in Postfix VSTRING)
 * but may hold embedded NULs; len is authoritative.  An append that would
 * exceed max fails with PFX_ETOOBIG and leaves the buffer unchanged.
 */
#ifndef PFX_BUF_H
#define PFX_BUF_H

#include <stddef.h>
#include <string.h>

#include "err.h"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

#define BUF_UNLIMITED	((size_t)-2)

void	 buf_init(struct buf *, size_t max);
/* buf_append_grow - buf_append when the buffer must grow first */
int	 buf_append_grow(struct buf *, const void *, size_t);

/*
 * buf_append, buf_putc - inline while the buffer has room: keys, JSON
 * and headers are built from many short pieces
 */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len || b->data == NULL || n > b->cap - b->len)
		return (buf_append_grow(b, p, n));
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (PFX_OK);
}

static inline int
buf_putc(struct buf *b, int c)
{
	char	 ch = (char)c;

	return (buf_append(b, &ch, 1));
}

int	 buf_puts(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);
void	 buf_truncate(struct buf *, size_t);
void	 buf_free(struct buf *);
void	 buf_wipe(struct buf *);
void	 buf_free_secret(struct buf *);
const char *buf_str(const struct buf *);

#endif
