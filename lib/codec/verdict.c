/*
 * verdict.c - lookup results
 */
#include <string.h>

#include "verdict.h"

void
result_init(struct pfx_result *res, size_t max)
{
	res->verdict = PFX_NOTFOUND;
	buf_init(&res->value, max);
	buf_init(&res->reason, max);
}

void
result_free(struct pfx_result *res)
{
	buf_free(&res->value);
	buf_free(&res->reason);
}

void
result_set(struct pfx_result *res, enum pfx_verdict v, const char *text)
{
	res->verdict = v;
	buf_reset(&res->value);
	buf_reset(&res->reason);
	if (text != NULL)
		(void)buf_puts(result_text(res), text);
}

struct buf *
result_text(struct pfx_result *res)
{
	return (res->verdict == PFX_FOUND ? &res->value : &res->reason);
}

const struct buf *
result_ctext(const struct pfx_result *res)
{
	return (res->verdict == PFX_FOUND ? &res->value : &res->reason);
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

static const char *const words[PFX_VERDICT_COUNT] = {
	[PFX_FOUND] = "found",
	[PFX_NOTFOUND] = "notfound",
	[PFX_TEMPFAIL] = "temp",
	[PFX_TIMEOUT] = "timeout",
	[PFX_PERMFAIL] = "perm",
};

const char *
verdict_word(enum pfx_verdict v)
{
	return ((unsigned)v < PFX_VERDICT_COUNT ? words[v] : "?");
}

enum pfx_verdict
verdict_from_word(const char *p, size_t n)
{
	unsigned int v;

	for (v = 0; v < PFX_VERDICT_COUNT; v++)
		if (strlen(words[v]) == n && memcmp(words[v], p, n) == 0)
			return ((enum pfx_verdict)v);
	return (PFX_VERDICT_COUNT);
}
