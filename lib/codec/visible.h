/*
 * visible.h - bytes as a terminal can show them, every one visible
 */
#ifndef PFX_VISIBLE_H
#define PFX_VISIBLE_H

#include <stddef.h>

#include "buf.h"

/*
 * escape_visible - printable ASCII as is, a backslash doubled, \r \n \t
 * as such, every other byte (control bytes, DEL, bytes of 8 bits) as
 * \xNN: nothing a terminal would act on, nothing hidden
 */
int	 escape_visible(struct buf *, const char *, size_t);

#endif
