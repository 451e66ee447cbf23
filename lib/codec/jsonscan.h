/*
 * jsonscan.h - strict JSON syntax (RFC 8259), no tree, no allocation
 */
#ifndef PFX_JSONSCAN_H
#define PFX_JSONSCAN_H

#include <stddef.h>

#include "buf.h"

#define JSON_MAX_DEPTH	64

/*
 * json_strict - 1 when p[0..n) is one JSON text and nothing but white
 * space; *big says whether an integer overflows 64 bits.  With copy, the
 * text is appended there with "e0" after each such integer.
 */
int	 json_strict(const char *, size_t, int *big, struct buf *copy);

#endif
