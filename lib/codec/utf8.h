/*
 * utf8.h - UTF-8 validation
 */
#ifndef PFX_UTF8_H
#define PFX_UTF8_H

#include <stddef.h>

int	 utf8_valid(const char *, size_t);
/* utf8_seq - length of the valid sequence at p, 0 if invalid */
size_t	 utf8_seq(const unsigned char *, size_t);

#endif
