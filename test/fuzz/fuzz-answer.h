/*
 * fuzz-answer.h - shared by the targets that map an answer to a
 * verdict (fuzz-jpath: an HTTP body; fuzz-checkreply: a check
 * program's reply): the input's leading lines and the invariants of
 * every result a codec may have to send
 */
#ifndef PFX_FUZZ_ANSWER_H
#define PFX_FUZZ_ANSWER_H

#include <string.h>

#include "fuzz.h"
#include "verdict.h"

/* fuzz_take_line - the bytes up to the next newline (or the end), owned */
static inline char *
fuzz_take_line(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t	 len = nl != NULL ? (size_t)(nl - *p) : *n;
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += len;
	*n -= len;
	if (nl != NULL) {
		(*p)++;
		(*n)--;
	}
	return (s);
}

#define FUZZ_ANY_VERDICT	1	/* PERMFAIL is allowed */
#define FUZZ_NEVER_PERMANENT	0

/*
 * fuzz_check_result - FOUND has a non-empty text without NUL (nor a
 * newline when no_newline), NOTFOUND none, failures a short printable
 * reason; everything within max
 */
static inline void
fuzz_check_result(const struct pfx_result *res, size_t max, int any_verdict,
    int no_newline)
{
	const struct buf *t = result_ctext(res);
	size_t	 i;

	CHECK(t->len <= max);
	switch (res->verdict) {
	case PFX_FOUND:
		CHECK(t->len > 0);
		CHECK(memchr(t->data, '\0', t->len) == NULL);
		if (no_newline)
			CHECK(memchr(t->data, '\n', t->len) == NULL);
		break;
	case PFX_NOTFOUND:
		CHECK(t->len == 0);
		break;
	case PFX_PERMFAIL:
		CHECK(any_verdict);
		/* FALLTHROUGH */
	case PFX_TEMPFAIL:
	case PFX_TIMEOUT:
		CHECK(t->len > 0 && t->len <= 256);
		for (i = 0; i < t->len; i++)
			CHECK((unsigned char)t->data[i] >= 0x20 &&
			    t->data[i] != 0x7f);
		break;
	default:
		CHECK(!"unknown verdict");
	}
}

#endif
