/*
 * trace.c - record one lookup's steps and render them (see trace.h)
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "escape.h"
#include "trace.h"
#include "visible.h"
#include "xalloc.h"

enum ftype { F_STR, F_NUM, F_ITEM };

struct field {
	int		 step;		/* -1: the document's own */
	enum ftype	 type;
	char		*key;
	char		*val;
	size_t		 len;
};

struct step {
	char		*name;
	double		 ms;
};

struct trace {
	struct timespec	 t0;
	struct step	 steps[TRACE_MAX_STEPS];
	size_t		 nsteps;
	int		 cur;
	struct field	*f;
	size_t		 nf;
	size_t		 bytes;		/* of all values */
	int		 full;		/* something was left out */
};

static double
since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((double)(now.tv_sec - t0->tv_sec) * 1000.0 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6);
}

struct trace *
trace_new(void)
{
	struct trace *t = xcalloc(1, sizeof(*t));

	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	t->cur = -1;
	t->f = xcalloc(TRACE_MAX_FIELDS, sizeof(*t->f));
	return (t);
}

void
trace_free(struct trace *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsteps; i++)
		free(t->steps[i].name);
	for (i = 0; i < t->nf; i++) {
		free(t->f[i].key);
		free(t->f[i].val);
	}
	free(t->f);
	free(t);
}

double
trace_ms(const struct trace *t)
{
	return (t != NULL ? since(&t->t0) : 0);
}

void
trace_step(struct trace *t, const char *name)
{
	if (t == NULL)
		return;
	if (t->nsteps == TRACE_MAX_STEPS) {
		t->full = 1;
		t->cur = -2;	/* its fields go nowhere */
		return;
	}
	t->steps[t->nsteps].name = xstrdup(name);
	t->steps[t->nsteps].ms = since(&t->t0);
	t->cur = (int)t->nsteps++;
}

void
trace_top(struct trace *t)
{
	if (t != NULL)
		t->cur = -1;
}

static void
add(struct trace *t, enum ftype type, const char *key, const char *p,
    size_t n)
{
	struct field *f;

	if (t == NULL || t->cur == -2)
		return;
	if (t->nf == TRACE_MAX_FIELDS) {
		t->full = 1;
		return;
	}
	if (n > TRACE_MAX_VALUE) {
		n = TRACE_MAX_VALUE;
		t->full = 1;
	}
	if (t->bytes + n > TRACE_MAX_BYTES) {
		t->full = 1;
		return;
	}
	t->bytes += n;
	f = &t->f[t->nf++];
	f->step = t->cur;
	f->type = type;
	f->key = xstrdup(key);
	f->val = xmalloc(n + 1);
	if (n > 0)
		memcpy(f->val, p, n);
	f->val[n] = '\0';
	f->len = n;
}

void
trace_str(struct trace *t, const char *key, const char *p, size_t n)
{
	add(t, F_STR, key, p != NULL ? p : "", p != NULL ? n : 0);
}

void
trace_strz(struct trace *t, const char *key, const char *s)
{
	if (s != NULL)
		add(t, F_STR, key, s, strlen(s));
}

void
trace_fmt(struct trace *t, const char *key, const char *fmt, ...)
{
	char	 b[1024];
	va_list	 ap;
	int	 n;

	if (t == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	add(t, F_STR, key, b, (size_t)n < sizeof(b) ? (size_t)n :
	    sizeof(b) - 1);
}

void
trace_num(struct trace *t, const char *key, long long v)
{
	char	 b[32];
	int	 n;

	if (t == NULL)
		return;
	n = snprintf(b, sizeof(b), "%lld", v);
	add(t, F_NUM, key, b, (size_t)n);
}

void
trace_real(struct trace *t, const char *key, double v)
{
	char	 b[48];
	int	 n;

	if (t == NULL)
		return;
	n = snprintf(b, sizeof(b), "%.1f", v);
	add(t, F_NUM, key, b, (size_t)n);
}

void
trace_item(struct trace *t, const char *key, const char *p, size_t n)
{
	add(t, F_ITEM, key, p, n);
}

void
trace_cut(struct trace *t, const char *key, const char *p, size_t n,
    size_t max)
{
	char	 k[64];

	if (t == NULL)
		return;
	trace_str(t, key, p, n < max ? n : max);
	snprintf(k, sizeof(k), "%s_bytes", key);
	trace_num(t, k, (long long)n);
	snprintf(k, sizeof(k), "%s_truncated", key);
	trace_num(t, k, n > max);
}

/* secret_name - a header that may carry a credential */
static int
secret_name(const char *h, size_t n)
{
	static const char *const words[] = {
		"auth", "token", "key", "secret", "password", "passwd",
		"session", "cookie", "credential",
	};
	size_t	 i, w, k;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		w = strlen(words[i]);
		for (k = 0; k + w <= n; k++)
			if (strncasecmp(h + k, words[i], w) == 0)
				return (1);
	}
	return (0);
}

void
trace_headers(struct trace *t, const struct curl_slist *l)
{
	const char *c;
	struct buf b;

	if (t == NULL)
		return;
	buf_init(&b, TRACE_MAX_VALUE);
	for (; l != NULL; l = l->next) {
		if ((c = strchr(l->data, ':')) == NULL)
			continue;
		/* "Expect:" with no value only turns curl's one off */
		if (c[1] == '\0')
			continue;
		buf_reset(&b);
		if (secret_name(l->data, (size_t)(c - l->data))) {
			(void)buf_append(&b, l->data, (size_t)(c - l->data));
			(void)buf_puts(&b, ": <redacted>");
		} else
			(void)buf_puts(&b, l->data);
		trace_item(t, "headers", b.data, b.len);
	}
	buf_free(&b);
}

void
trace_url(struct trace *t, const char *key, const char *url)
{
	const char *s, *at, *end;
	struct buf b;

	if (t == NULL || url == NULL)
		return;
	if ((s = strstr(url, "://")) == NULL) {
		trace_strz(t, key, url);
		return;
	}
	s += 3;
	end = s + strcspn(s, "/?#");
	at = memchr(s, '@', (size_t)(end - s));
	if (at == NULL) {
		trace_strz(t, key, url);
		return;
	}
	buf_init(&b, BUF_UNLIMITED);
	(void)buf_append(&b, url, (size_t)(s - url));
	(void)buf_puts(&b, "<redacted>@");
	(void)buf_puts(&b, at + 1);
	trace_str(t, key, b.data, b.len);
	buf_free(&b);
}

/* ------------------------------------------------------------ render */

static int
json_string(struct buf *o, const char *p, size_t n)
{
	int	 r;

	if ((r = buf_putc(o, '"')) != PFX_OK ||
	    (r = escape_json(o, p, n)) != PFX_OK)
		return (r);
	return (buf_putc(o, '"'));
}

/* json_fields - the fields of one step (or of the document) */
static int
json_fields(const struct trace *t, int step, struct buf *o, int first)
{
	const struct field *f;
	size_t	 i, j;
	int	 r = PFX_OK, listed;

	for (i = 0; i < t->nf && r == PFX_OK; i++) {
		f = &t->f[i];
		if (f->step != step)
			continue;
		if (f->type == F_ITEM) {
			/* the list is written at its first item */
			for (listed = 0, j = 0; j < i && !listed; j++)
				listed = t->f[j].step == step &&
				    t->f[j].type == F_ITEM &&
				    strcmp(t->f[j].key, f->key) == 0;
			if (listed)
				continue;
		}
		if (!first)
			r = buf_putc(o, ',');
		first = 0;
		if (r == PFX_OK)
			r = json_string(o, f->key, strlen(f->key));
		if (r == PFX_OK)
			r = buf_putc(o, ':');
		if (r != PFX_OK)
			break;
		if (f->type == F_NUM)
			r = buf_append(o, f->val, f->len);
		else if (f->type == F_STR)
			r = json_string(o, f->val, f->len);
		else {
			r = buf_putc(o, '[');
			for (listed = 0, j = i; j < t->nf && r == PFX_OK; j++)
				if (t->f[j].step == step &&
				    t->f[j].type == F_ITEM &&
				    strcmp(t->f[j].key, f->key) == 0) {
					if (listed++)
						r = buf_putc(o, ',');
					if (r == PFX_OK)
						r = json_string(o, t->f[j].val,
						    t->f[j].len);
				}
			if (r == PFX_OK)
				r = buf_putc(o, ']');
		}
	}
	return (r);
}

int
trace_json(const struct trace *t, struct buf *o)
{
	size_t	 i;
	int	 r;

	if ((r = buf_putc(o, '{')) != PFX_OK ||
	    (r = json_fields(t, -1, o, 1)) != PFX_OK)
		return (r);
	r = buf_printf(o, "%s\"incomplete\":%d,\"steps\":[", o->data[o->len -
	    1] == '{' ? "" : ",", t->full);
	for (i = 0; i < t->nsteps && r == PFX_OK; i++) {
		if (i > 0)
			r = buf_putc(o, ',');
		if (r == PFX_OK)
			r = buf_puts(o, "{\"step\":");
		if (r == PFX_OK)
			r = json_string(o, t->steps[i].name,
			    strlen(t->steps[i].name));
		if (r == PFX_OK)
			r = buf_printf(o, ",\"ms\":%.1f", t->steps[i].ms);
		if (r == PFX_OK)
			r = json_fields(t, (int)i, o, 0);
		if (r == PFX_OK)
			r = buf_putc(o, '}');
	}
	if (r == PFX_OK)
		r = buf_puts(o, "]}");
	return (r);
}

/* text_fields - "    key  value" lines, values made visible */
static int
text_fields(const struct trace *t, int step, struct buf *o)
{
	const struct field *f;
	size_t	 i;
	int	 r = PFX_OK;

	for (i = 0; i < t->nf && r == PFX_OK; i++) {
		f = &t->f[i];
		if (f->step != step)
			continue;
		r = buf_printf(o, "    %-18s ", f->key);
		if (r == PFX_OK)
			r = escape_visible(o, f->val, f->len);
		if (r == PFX_OK)
			r = buf_putc(o, '\n');
	}
	return (r);
}

int
trace_text(const struct trace *t, struct buf *o)
{
	size_t	 i;
	int	 r = PFX_OK;

	for (i = 0; i < t->nsteps && r == PFX_OK; i++) {
		r = buf_printf(o, "[%8.1f ms] %s\n", t->steps[i].ms,
		    t->steps[i].name);
		if (r == PFX_OK)
			r = text_fields(t, (int)i, o);
	}
	if (r == PFX_OK)
		r = buf_puts(o, "result\n");
	if (r == PFX_OK)
		r = text_fields(t, -1, o);
	if (r == PFX_OK && t->full)
		r = buf_puts(o, "(the trace was cut: too many steps or fields)\n");
	return (r);
}
