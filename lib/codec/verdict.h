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

struct pfx_result {
	enum pfx_verdict verdict;
	struct buf	 text;	/* value (FOUND) or reason (failures) */
};

void	 result_init(struct pfx_result *, size_t max);
void	 result_free(struct pfx_result *);
void	 result_set(struct pfx_result *, enum pfx_verdict, const char *);
const char *verdict_name(enum pfx_verdict);
/* verdict_word - one lower-case word per verdict, for wires and labels */
const char *verdict_word(enum pfx_verdict);
/* verdict_from_word - PFX_VERDICT_COUNT when the word is none */
enum pfx_verdict verdict_from_word(const char *, size_t);

#endif
