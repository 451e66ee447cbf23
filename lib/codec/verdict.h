/*
 * verdict.h - what a lookup means, independent of the wire format
 *
 * Each protocol codec maps these to its own replies in one place.
 */
#ifndef PFX_VERDICT_H
#define PFX_VERDICT_H

#include "buf.h"

enum pfx_verdict {
	PFX_FOUND,	/* text is the answer */
	PFX_NOTFOUND,	/* definitive "no such key" */
	PFX_TEMPFAIL,	/* try again later: transport error, 5xx, bad body */
	PFX_TIMEOUT,	/* the backend did not answer in time */
	PFX_PERMFAIL,	/* configuration or permanent backend error */
};
/* not an enum member, so that switches over verdicts stay exhaustive */
#define PFX_VERDICT_COUNT	(PFX_PERMFAIL + 1)

/*
 * A result: the verdict, the value found, and a reason (why it failed,
 * or a note on a value).  Kept apart so that a SASL failure can carry a
 * user and a reason, and no reason is ever taken for a value.
 */
struct pfx_result {
	enum pfx_verdict verdict;
	struct buf	 value;
	struct buf	 reason;
};

void	 result_init(struct pfx_result *, size_t max);
void	 result_free(struct pfx_result *);
/* result_set - a verdict and its text: the value when FOUND, else the
 * reason; the other one is emptied */
void	 result_set(struct pfx_result *, enum pfx_verdict, const char *);
/* result_text - the value of a FOUND, the reason of anything else */
struct buf *result_text(struct pfx_result *);
const struct buf *result_ctext(const struct pfx_result *);
const char *verdict_name(enum pfx_verdict);
/* verdict_word - one lower-case word per verdict, for wires and labels */
const char *verdict_word(enum pfx_verdict);
/* verdict_from_word - PFX_VERDICT_COUNT when the word is none */
enum pfx_verdict verdict_from_word(const char *, size_t);

#endif
