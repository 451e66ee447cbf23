/*
 * xalloc.h - allocate or die
 *
 * Running out of memory is not an error path the callers handle: the
 * process logs and exits (Postfix mymalloc, OpenSMTPD xmalloc).
 */
#ifndef PFX_XALLOC_H
#define PFX_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
/* free_secret - wipe a NUL-terminated string, then free it; NULL is fine */
void	 free_secret(char *);

#endif
