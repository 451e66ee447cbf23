/*
 * template.c - compile and render "{{ .Name }}" templates
 *
 * In a JSON template the compiler tracks whether each reference sits
 * inside a string literal.  Inside, the value is JSON-escaped; outside,
 * it is emitted as a quoted JSON string (or as is, when the value is
 * itself JSON, like the policy attribute object).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "escape.h"
#include "template.h"
#include "xalloc.h"

struct tmpl_seg {
	size_t		 off, len;	/* literal text before the var */
	int		 var;		/* -1: literal only */
	int		 in_string;
	int		 in_path;	/* TMPL_URL: in the path, not the query */
};

struct tmpl {
	char		*src;
	enum tmpl_ctx	 ctx;
	struct tmpl_seg	*segs;
	size_t		 n;
};

/*
 * url_in_path - does a reference at off of a URL template sit in the
 * path (after scheme://authority, before any "?" or "#")?  References
 * hold none of these characters, so the source text tells.
 */
static int
url_in_path(const char *src, size_t off)
{
	const char *p = strstr(src, "://"), *path;

	if (p == NULL || (size_t)(p - src) >= off)
		return (0);
	if ((path = strchr(p + 3, '/')) == NULL || (size_t)(path - src) >= off)
		return (0);
	return (strcspn(path, "?#") >= off - (size_t)(path - src));
}

/* json_scan - advance the in-string state over literal text */

static void
json_scan(const char *p, size_t n, int *in_string, int *escaped)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!*in_string) {
			if (p[i] == '"')
				*in_string = 1;
		} else if (*escaped) {
			*escaped = 0;
		} else if (p[i] == '\\') {
			*escaped = 1;
		} else if (p[i] == '"') {
			*in_string = 0;
		}
	}
}

struct tmpl *
tmpl_compile(const char *src, enum tmpl_ctx ctx, tmpl_resolve_fn resolve,
    void *arg, char *err, size_t errlen)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	const char *p, *open, *close, *name, *end;
	char	 ident[64];
	int	 in_string = 0, escaped = 0, id;
	size_t	 litoff;

	t->src = xstrdup(src);
	t->ctx = ctx;
	p = t->src;
	for (;;) {
		litoff = (size_t)(p - t->src);
		open = strstr(p, "{{");
		t->segs = xreallocarray(t->segs, t->n + 1, sizeof(*t->segs));
		t->segs[t->n].off = litoff;
		if (open == NULL) {
			t->segs[t->n].len = strlen(p);
			t->segs[t->n++].var = -1;
			break;
		}
		t->segs[t->n].len = (size_t)(open - p);
		if (ctx == TMPL_JSON)
			json_scan(p, (size_t)(open - p), &in_string, &escaped);
		if ((close = strstr(open + 2, "}}")) == NULL) {
			snprintf(err, errlen, "unterminated \"{{\"");
			goto bad;
		}
		name = open + 2;
		while (name < close && isspace((unsigned char)*name))
			name++;
		end = close;
		while (end > name && isspace((unsigned char)end[-1]))
			end--;
		if (name == end || *name != '.' || end - name - 1 <= 0 ||
		    (size_t)(end - name - 1) >= sizeof(ident)) {
			snprintf(err, errlen, "template reference must look like"
			    " \"{{ .Name }}\"");
			goto bad;
		}
		memcpy(ident, name + 1, (size_t)(end - name - 1));
		ident[end - name - 1] = '\0';
		if (strspn(ident, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(ident)) {
			snprintf(err, errlen, "unsupported template expression"
			    " \"{{%.*s}}\" (only \"{{ .Name }}\" references)",
			    (int)(close - open - 2), open + 2);
			goto bad;
		}
		if ((id = resolve(ident, arg)) < 0) {
			snprintf(err, errlen, "unknown template variable"
			    " \".%s\"", ident);
			goto bad;
		}
		t->segs[t->n].var = id;
		t->segs[t->n].in_path = ctx == TMPL_URL &&
		    url_in_path(t->src, (size_t)(open - t->src));
		t->segs[t->n++].in_string = in_string;
		p = close + 2;
	}
	return (t);
bad:
	tmpl_free(t);
	return (NULL);
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->segs);
	free(t);
}

int
tmpl_has_vars(const struct tmpl *t)
{
	return (t->n > 1);
}

void
tmpl_foreach_var(const struct tmpl *t, void (*fn)(int, void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (t->segs[i].var >= 0)
			fn(t->segs[i].var, arg);
}

static int
tmpl_put(const struct tmpl *t, const struct tmpl_seg *sg,
    const struct tmpl_value *v, struct buf *out)
{
	int	 r;

	switch (t->ctx) {
	case TMPL_JSON:
		if (sg->in_string)
			return (escape_json(out, v->p, v->n));
		if (v->json)
			return (buf_append(out, v->p, v->n));
		if ((r = buf_putc(out, '"')) != PFX_OK ||
		    (r = escape_json(out, v->p, v->n)) != PFX_OK)
			return (r);
		return (buf_putc(out, '"'));
	case TMPL_URL:
		if (sg->in_path)
			return (escape_url_path(out, v->p, v->n));
		return (escape_url(out, v->p, v->n));
	case TMPL_FORM:
		return (escape_url(out, v->p, v->n));
	case TMPL_HEADER:
		return (escape_header(out, v->p, v->n));
	case TMPL_TEXT:
		return (buf_append(out, v->p, v->n));
	}
	return (PFX_EINVAL);
}

int
tmpl_render(const struct tmpl *t, struct buf *out, tmpl_value_fn value,
    void *arg)
{
	struct tmpl_value v;
	size_t	 i;
	int	 r;

	for (i = 0; i < t->n; i++) {
		if ((r = buf_append(out, t->src + t->segs[i].off,
		    t->segs[i].len)) != PFX_OK)
			return (r);
		if (t->segs[i].var < 0)
			continue;
		if ((r = value(t->segs[i].var, &v, arg)) != PFX_OK ||
		    (r = tmpl_put(t, &t->segs[i], &v, out)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}
