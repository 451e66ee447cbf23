/*
 * tokproto.c - encode and parse pfxhttp-tokend messages
 *
 * The outer framing is decoded incrementally by netstring.c; this file
 * handles the fields inside one complete frame, where every length is
 * checked against the bytes that remain.
 */
#include <string.h>

#include "err.h"
#include "netstring.h"
#include "tokproto.h"

void
tok_init(struct tok_msg *m, const char *verb)
{
	m->n = 0;
	m->overflow = 0;
	tok_adds(m, verb);
}

void
tok_add(struct tok_msg *m, const char *p, size_t n)
{
	if (m->n == TOK_MAX_FIELDS) {
		m->overflow = 1;
		return;
	}
	m->f[m->n] = p;
	m->len[m->n++] = n;
}

void
tok_adds(struct tok_msg *m, const char *s)
{
	tok_add(m, s, strlen(s));
}

int
tok_encode(struct buf *out, const struct tok_msg *m)
{
	struct buf inner;
	size_t	 i;
	int	 r;

	if (m->overflow)
		return (PFX_ETOOBIG);
	buf_init(&inner, TOK_MAX_MSG);
	r = ns_encode(&inner, TOK_VERSION, sizeof(TOK_VERSION) - 1);
	for (i = 0; i < m->n && r == PFX_OK; i++)
		r = ns_encode(&inner, m->f[i], m->len[i]);
	if (r == PFX_OK)
		r = ns_encode(out, buf_str(&inner), inner.len);
	buf_free(&inner);
	return (r);
}

int
tok_parse(const char *p, size_t n, struct tok_msg *m)
{
	size_t	 i = 0, len, digits;

	m->n = 0;
	m->overflow = 0;
	while (i < n) {
		len = 0;
		for (digits = 0; i < n && p[i] >= '0' && p[i] <= '9';
		    i++, digits++) {
			if (digits == NS_MAX_DIGITS)
				return (PFX_EPROTO);
			len = len * 10 + (size_t)(p[i] - '0');
		}
		if (digits == 0 || i >= n || p[i] != ':' || n - i < 2 ||
		    len > n - i - 2 || p[i + 1 + len] != ',')
			return (PFX_EPROTO);
		if (m->n == TOK_MAX_FIELDS + 1)
			return (PFX_EPROTO);
		if (m->n == 0) {
			if (len != sizeof(TOK_VERSION) - 1 ||
			    memcmp(p + i + 1, TOK_VERSION, len) != 0)
				return (PFX_EPROTO);
			m->n = 1;	/* version: not kept */
		} else {
			m->f[m->n - 1] = p + i + 1;
			m->len[m->n - 1] = len;
			m->n++;
		}
		i += len + 2;
	}
	if (m->n < 2)
		return (PFX_EPROTO);
	m->n--;
	return (PFX_OK);
}

int
tok_is(const struct tok_msg *m, size_t i, const char *s)
{
	return (i < m->n && m->len[i] == strlen(s) &&
	    memcmp(m->f[i], s, m->len[i]) == 0);
}

/* tok_num - field i as a non-negative decimal, -1 if it is not one */

long long
tok_num(const struct tok_msg *m, size_t i)
{
	long long v = 0;
	size_t	 j;

	if (i >= m->n || m->len[i] == 0 || m->len[i] > 15)
		return (-1);
	for (j = 0; j < m->len[i]; j++) {
		if (m->f[i][j] < '0' || m->f[i][j] > '9')
			return (-1);
		v = v * 10 + (m->f[i][j] - '0');
	}
	return (v);
}

int
tok_lookup_split(const struct tok_msg *m, size_t *first, const char **rid,
    size_t *ridlen)
{
	/* verb section name left_ms flags, then [rid] and the pairs */
	if (m->n < 5)
		return (PFX_EPROTO);
	*rid = NULL;
	*ridlen = 0;
	*first = 5;
	if ((m->n - 5) % 2 == 1) {
		/* named, so that a lost attribute is still malformed */
		if (m->len[5] < 4 || memcmp(m->f[5], "rid=", 4) != 0)
			return (PFX_EPROTO);
		*rid = m->f[5] + 4;
		*ridlen = m->len[5] - 4;
		*first = 6;
	}
	return (PFX_OK);
}
