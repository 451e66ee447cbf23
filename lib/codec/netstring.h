/*
 * netstring.h - incremental netstring decoder and encoder (sans I/O)
 *
 * "<len>:<bytes>," with Postfix's reading rules: digits only (leading
 * zeros allowed), at most NS_MAX_DIGITS digits, then exactly len bytes,
 * then ','.  A payload larger than the buffering limit is skipped (not
 * stored) so that the peer still gets an answer and the stream stays in
 * sync; ns_toobig() tells the caller.
 */
#ifndef PFX_NETSTRING_H
#define PFX_NETSTRING_H

#include <stddef.h>

#include "buf.h"

#define NS_MAX_DIGITS	10

enum ns_state { NS_LEN, NS_DATA, NS_COMMA, NS_DONE };

struct ns_dec {
	enum ns_state	 state;
	unsigned long long want;	/* declared payload length */
	unsigned long long seen;	/* payload bytes consumed */
	unsigned int	 ndigits;
	int		 toobig;	/* payload skipped, not stored */
	struct buf	 payload;
};

void	 ns_init(struct ns_dec *, size_t max);
void	 ns_reset(struct ns_dec *);
void	 ns_free(struct ns_dec *);
int	 ns_feed(struct ns_dec *, const char *, size_t, size_t *used,
	    int *done) __attribute__((warn_unused_result));
int	 ns_in_progress(const struct ns_dec *);
int	 ns_encode(struct buf *, const char *, size_t);

#endif
