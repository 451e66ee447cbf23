/*
 * linebuf.h - bounded LF line splitter (sans I/O)
 *
 * Collects bytes up to LF.  A line longer than max is not stored: the
 * rest of it is discarded up to its LF and reported as LB_TOOLONG, so
 * memory stays bounded and the stream stays in sync.  A trailing CR is
 * stripped (Postfix sends LF only; shell users may send CRLF).
 */
#ifndef PFX_LINEBUF_H
#define PFX_LINEBUF_H

#include <stddef.h>

#include "buf.h"

enum lb_status { LB_MORE, LB_LINE, LB_TOOLONG };

struct linebuf {
	struct buf	 line;
	int		 overflow;
};

void	 lb_init(struct linebuf *, size_t max);
void	 lb_free(struct linebuf *);
int	 lb_in_progress(const struct linebuf *);
enum lb_status lb_feed(struct linebuf *, const char *, size_t, size_t *used);
void	 lb_consumed(struct linebuf *);

#endif
