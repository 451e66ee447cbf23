/*
 * template.h - "{{ .Key }}" templates, compiled once, escaped by context
 *
 * The syntax is the subset of Go templates that pfxhttp configurations
 * use: literal text and "{{ .Name }}" references.  Which names exist is
 * decided by the caller at compile time, so a typo is a load-time error.
 */
#ifndef PFX_TEMPLATE_H
#define PFX_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

enum tmpl_ctx {
	TMPL_JSON,	/* JSON document: strings escaped, bare values quoted */
	TMPL_URL,	/* URL: values percent-encoded */
	TMPL_HEADER,	/* header value: control bytes percent-encoded */
	TMPL_FORM,	/* x-www-form-urlencoded body */
	TMPL_TEXT,	/* anything else: values as they are */
};

/* A value to substitute; json marks text that is already a JSON value. */
struct tmpl_value {
	const char	*p;
	size_t		 n;
	int		 json;
};

/* Resolve a variable name to an id >= 0, or -1 if unknown. */
typedef int (*tmpl_resolve_fn)(const char *name, void *arg);
/* Produce the value of variable id into *v (valid until the next call). */
typedef int (*tmpl_value_fn)(int id, struct tmpl_value *v, void *arg);

struct tmpl;

struct tmpl *tmpl_compile(const char *, enum tmpl_ctx, tmpl_resolve_fn,
	    void *, char *err, size_t errlen);
void	 tmpl_free(struct tmpl *);
int	 tmpl_has_vars(const struct tmpl *);
/* tmpl_foreach_var - call fn for every variable id the template uses */
void	 tmpl_foreach_var(const struct tmpl *, void (*fn)(int, void *),
	    void *);
int	 tmpl_render(const struct tmpl *, struct buf *, tmpl_value_fn, void *);

#endif
