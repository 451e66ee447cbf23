/*
 * base64.h - RFC 4648 base64 (standard and URL alphabets), strict decode
 */
#ifndef PFX_BASE64_H
#define PFX_BASE64_H

#include <stddef.h>

#include "buf.h"

int	 base64_encode(struct buf *, const void *, size_t, int url);
/* strict: padding required (standard) or absent (url), no whitespace */
int	 base64_decode(struct buf *, const char *, size_t, int url);

#endif
