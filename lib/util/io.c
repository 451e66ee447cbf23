/*
 * io.c - whole writes (a reply must reach Postfix in full or not at
 * all) and bounded whole reads
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
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

int
io_write_by(int fd, const char *p, size_t n, long long deadline_ms)
{
	struct pollfd pfd;
	long long left;
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) >= 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (PFX_EIO);
		if ((left = deadline_ms - clock_ms()) <= 0)
			return (PFX_ETIMEOUT);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) < 0 &&
		    errno != EINTR)
			return (PFX_EIO);
	}
	return (PFX_OK);
}

int
io_read_file(const char *path, struct buf *out)
{
	char	 tmp[4096];
	ssize_t	 n;
	int	 fd, r = PFX_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (PFX_EIO);
	while (r == PFX_OK && (n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		r = n < 0 ? PFX_EIO : buf_append(out, tmp, (size_t)n);
	}
	(void)close(fd);
	explicit_bzero(tmp, sizeof(tmp));
	if (r != PFX_OK)
		buf_wipe(out);
	return (r);
}

void
io_no_core_dumps(int no_ptrace)
{
	struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	if (no_ptrace)
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
