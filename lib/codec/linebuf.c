/*
 * linebuf.c - bounded line splitter for tcp_table, policy and Dovecot
 */
#include <string.h>

#include "err.h"
#include "linebuf.h"

void
lb_init(struct linebuf *lb, size_t max)
{
	buf_init(&lb->line, max);
	lb->overflow = 0;
}

void
lb_free(struct linebuf *lb)
{
	buf_free(&lb->line);
}

int
lb_in_progress(const struct linebuf *lb)
{
	return (lb->line.len != 0 || lb->overflow);
}

/* lb_consumed - forget the line returned by the last lb_feed() */

void
lb_consumed(struct linebuf *lb)
{
	buf_reset(&lb->line);
	lb->overflow = 0;
}

enum lb_status
lb_feed(struct linebuf *lb, const char *p, size_t n, size_t *used)
{
	const char *nl = memchr(p, '\n', n);
	size_t	 take = nl != NULL ? (size_t)(nl - p) : n;

	*used = nl != NULL ? take + 1 : n;
	if (!lb->overflow && buf_append(&lb->line, p, take) != PFX_OK) {
		buf_reset(&lb->line);
		lb->overflow = 1;
	}
	if (nl == NULL)
		return (LB_MORE);
	if (lb->overflow)
		return (LB_TOOLONG);
	if (lb->line.len > 0 && lb->line.data[lb->line.len - 1] == '\r')
		buf_truncate(&lb->line, lb->line.len - 1);
	return (LB_LINE);
}
