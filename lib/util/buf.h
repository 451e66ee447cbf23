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

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

#define BUF_UNLIMITED	((size_t)-2)

void	 buf_init(struct buf *, size_t max);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, int);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);
void	 buf_truncate(struct buf *, size_t);
void	 buf_free(struct buf *);
void	 buf_wipe(struct buf *);
void	 buf_free_secret(struct buf *);
const char *buf_str(const struct buf *);

#endif
