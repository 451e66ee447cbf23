/*
 * io.c - whole writes: a reply must reach Postfix in full or not at all
 */
#include <errno.h>
#include <unistd.h>

#include "err.h"
#include "io.h"

int
io_write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return (PFX_EIO);
		}
		p += w;
		n -= (size_t)w;
	}
	return (PFX_OK);
}
