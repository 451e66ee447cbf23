/*
 * jpath.h - deterministic JSON field paths: "data.result", "items[0].name"
 *
 * A bare name ("result") matches a top-level key first and otherwise the
 * first key of that name in document order, so configurations written
 * for pfxhttp's any-depth search keep working, deterministically.
 */
#ifndef PFX_JPATH_H
#define PFX_JPATH_H

#include <stddef.h>

#define JPATH_MAX_STEPS	32

struct jstep {
	char	*name;		/* NULL for an index step */
	size_t	 index;
};

struct jpath {
	struct jstep	 steps[JPATH_MAX_STEPS];
	size_t		 n;
	int		 bare;	/* a single name: search compatibly */
};

/* jpath_compile - NULL and a reason in *err when malformed */
struct jpath *jpath_compile(const char *, const char **err);
void	 jpath_free(struct jpath *);

#endif
