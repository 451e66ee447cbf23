/*
 * jsonscan.c - a strict RFC 8259 syntax check, without building a tree
 *
 * DESCRIPTION
 *	json-c accepts single quotes, NaN and Infinity even in strict mode
 *	and clamps integers to 64 bits; this check runs first.  It also
 *	finds integer literals beyond 64 bits and, asked to, copies the
 *	text with "e0" after each, so that json-c reads them as doubles
 *	that keep their digits.  pfxhttp.conf's payload check uses it too,
 *	so the configuration needs no JSON library.
 */
#include <string.h>

#include "err.h"
#include "jsonscan.h"

static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

struct jscan {
	const char	*p;
	size_t		 n, i;
	struct buf	*copy;		/* NULL: check only */
	size_t		 copied;	/* p[0..copied) is in copy */
	int		 big;		/* integers beyond 64 bits seen */
};

static int	 scan_value(struct jscan *, int);

static void
scan_ws(struct jscan *js)
{
	while (js->i < js->n && is_space(js->p[js->i]))
		js->i++;
}

static int
scan_digits(struct jscan *js)
{
	size_t	 b = js->i;

	while (js->i < js->n && js->p[js->i] >= '0' && js->p[js->i] <= '9')
		js->i++;
	return (js->i > b);
}

/* beyond64 - does the integer literal p[0..n) overflow int64/uint64? */
static int
beyond64(const char *p, size_t n)
{
	const char *lim = "18446744073709551615";

	if (*p == '-') {
		p++;
		n--;
		lim = "9223372036854775808";
	}
	return (n > strlen(lim) || (n == strlen(lim) &&
	    memcmp(p, lim, n) > 0));
}

static int
scan_number(struct jscan *js)
{
	size_t	 b = js->i;
	int	 integer = 1;

	if (js->p[js->i] == '-')
		js->i++;
	if (js->i < js->n && js->p[js->i] == '0')
		js->i++;
	else if (!scan_digits(js))
		return (0);
	if (js->i < js->n && js->p[js->i] == '.') {
		js->i++;
		integer = 0;
		if (!scan_digits(js))
			return (0);
	}
	if (js->i < js->n && (js->p[js->i] == 'e' || js->p[js->i] == 'E')) {
		js->i++;
		integer = 0;
		if (js->i < js->n && (js->p[js->i] == '+' ||
		    js->p[js->i] == '-'))
			js->i++;
		if (!scan_digits(js))
			return (0);
	}
	if (integer && beyond64(js->p + b, js->i - b)) {
		js->big = 1;
		if (js->copy != NULL && (buf_append(js->copy, js->p +
		    js->copied, js->i - js->copied) != PFX_OK ||
		    buf_puts(js->copy, "e0") != PFX_OK))
			return (0);
		js->copied = js->i;
	}
	return (1);
}

static int
scan_string(struct jscan *js)
{
	unsigned char c;
	int	 k;

	for (js->i++; js->i < js->n; js->i++) {
		c = (unsigned char)js->p[js->i];
		if (c == '"') {
			js->i++;
			return (1);
		}
		if (c < 0x20)
			return (0);
		if (c != '\\')
			continue;
		if (++js->i == js->n)
			return (0);
		c = (unsigned char)js->p[js->i];
		if (c == 'u') {
			for (k = 0; k < 4; k++)
				if (++js->i == js->n ||
				    strchr("0123456789abcdefABCDEF",
				    js->p[js->i]) == NULL || js->p[js->i] == 0)
					return (0);
		} else if (c == 0 || strchr("\"\\/bfnrt", c) == NULL)
			return (0);
	}
	return (0);
}

static int
scan_word(struct jscan *js, const char *w)
{
	size_t	 n = strlen(w);

	if (js->n - js->i < n || memcmp(js->p + js->i, w, n) != 0)
		return (0);
	js->i += n;
	return (1);
}

/* scan_list - the members of an object or array; js->i is past the { or [ */
static int
scan_list(struct jscan *js, int depth, char close)
{
	scan_ws(js);
	if (js->i < js->n && js->p[js->i] == close) {
		js->i++;
		return (1);
	}
	for (;;) {
		if (close == '}') {
			scan_ws(js);
			if (js->i == js->n || js->p[js->i] != '"' ||
			    !scan_string(js))
				return (0);
			scan_ws(js);
			if (js->i == js->n || js->p[js->i++] != ':')
				return (0);
		}
		if (!scan_value(js, depth + 1))
			return (0);
		scan_ws(js);
		if (js->i == js->n)
			return (0);
		if (js->p[js->i] == close) {
			js->i++;
			return (1);
		}
		if (js->p[js->i++] != ',')
			return (0);
	}
}

static int
scan_value(struct jscan *js, int depth)
{
	scan_ws(js);
	if (js->i == js->n)
		return (0);
	switch (js->p[js->i]) {
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			return (0);
		js->i++;
		return (scan_list(js, depth, js->p[js->i - 1] == '{' ? '}' :
		    ']'));
	case '"':
		return (scan_string(js));
	case 't':
		return (scan_word(js, "true"));
	case 'f':
		return (scan_word(js, "false"));
	case 'n':
		return (scan_word(js, "null"));
	default:
		return (js->p[js->i] == '-' || (js->p[js->i] >= '0' &&
		    js->p[js->i] <= '9') ? scan_number(js) : 0);
	}
}




int
json_strict(const char *p, size_t n, int *big, struct buf *copy)
{
	struct jscan js;

	memset(&js, 0, sizeof(js));
	js.p = p;
	js.n = n;
	js.copy = copy;
	if (!scan_value(&js, 0))
		return (0);
	scan_ws(&js);
	if (js.i != js.n)
		return (0);
	*big = js.big;
	if (copy != NULL && buf_append(copy, p + js.copied, n - js.copied) !=
	    PFX_OK)
		return (0);
	return (1);
}
