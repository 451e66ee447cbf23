/*
 * hexq.h - tcp_table %XX quoting (Postfix hex_quote/hex_unquote)
 */
#ifndef PFX_HEXQ_H
#define PFX_HEXQ_H

#include <stddef.h>

#include "buf.h"

int	 hexq_encode(struct buf *, const char *, size_t);
int	 hexq_decode(struct buf *, const char *, size_t);
/* hex_digit - the value of one hex digit (either case), -1 if none */
int	 hex_digit(int);

#endif
