/*
 * io.h - whole writes on blocking descriptors
 */
#ifndef PFX_IO_H
#define PFX_IO_H

#include <stddef.h>

/* io_write_all - write n bytes, retrying short writes and EINTR */
int	 io_write_all(int fd, const char *, size_t);

#endif
