/*
 * verdict.c - lookup results
 */
#include "verdict.h"

void
result_init(struct pfx_result *res, size_t max)
{
	res->verdict = PFX_NOTFOUND;
	buf_init(&res->text, max);
}

void
result_free(struct pfx_result *res)
{
	buf_free(&res->text);
}

/* result_set - set a verdict with a short fixed text (reasons fit) */

void
result_set(struct pfx_result *res, enum pfx_verdict v, const char *text)
{
	res->verdict = v;
	buf_reset(&res->text);
	if (text != NULL)
		(void)buf_puts(&res->text, text);
}

const char *
verdict_name(enum pfx_verdict v)
{
	switch (v) {
	case PFX_FOUND:
		return ("found");
	case PFX_NOTFOUND:
		return ("not found");
	case PFX_TEMPFAIL:
		return ("temporary failure");
	case PFX_TIMEOUT:
		return ("timeout");
	case PFX_PERMFAIL:
		return ("permanent failure");
	}
	return ("?");
}
