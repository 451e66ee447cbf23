/*
 * childenv.h - the clean environment of a child program
 *
 * A child gets no variable of ours: only what its caller sets for it
 * (the message's or the entry's own variables), then the admin's
 * `environment` entries, then a default PATH unless the admin set one.
 * The caller's names are reserved (an admin entry of the same name is
 * dropped); of two admin entries with one name the last wins.
 */
#ifndef PFX_CHILDENV_H
#define PFX_CHILDENV_H

#include <stddef.h>

struct childenv {
	char	**v;		/* NULL-terminated, each string owned */
	size_t	 n, cap;
};

/* childenv_init - room for at most cap variables */
void	 childenv_init(struct childenv *, size_t cap);
/* childenv_set - the caller's own variable NAME=value */
void	 childenv_set(struct childenv *, const char *name, const char *value);
/* childenv_take - the caller's own NAME=value, already allocated */
void	 childenv_take(struct childenv *, char *nv);
/* childenv_finish - add the admin's entries and PATH; the vector */
char	**childenv_finish(struct childenv *, char *const *admin,
	    size_t nadmin, const char *default_path);
/* strv_free - free a NULL-terminated vector of strings and itself */
void	 strv_free(char **);

#endif
