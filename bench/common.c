/*
 * common.c - I/O, timing and statistics shared by the bench drivers
 * (see common.h)
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "io.h"

const char *bench_prog = "bench";
void	(*bench_on_die)(void);

void
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", bench_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (bench_on_die != NULL)
		bench_on_die();
	exit(1);
}

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

void
write_all(int fd, const char *p, size_t n)
{
	if (io_write_all(fd, p, n) != 0)
		die("write: %s", strerror(errno));
}

size_t
read_some(int fd, char *p, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t	 r;
	int	 pr;

	for (;;) {
		if ((pr = poll(&pfd, 1, BENCH_IO_TIMEOUT_MS)) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pr == 0)
			die("timed out after %dms waiting for a reply",
			    BENCH_IO_TIMEOUT_MS);
		if ((r = read(fd, p, cap)) < 0) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		if (r == 0)
			die("unexpected EOF (the peer closed the connection)");
		return ((size_t)r);
	}
}

void
read_exact(int fd, char *p, size_t n)
{
	size_t	 r;

	while (n > 0) {
		r = read_some(fd, p, n);
		p += r;
		n -= r;
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

void
print_stats(const char *prefix, int64_t *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp64);
	printf("%s_median_ns=%lld\n", prefix, (long long)t[n / 2]);
	printf("%s_p90_ns=%lld\n", prefix, (long long)t[n * 90 / 100]);
	printf("%s_p99_ns=%lld\n", prefix, (long long)t[n * 99 / 100]);
	printf("%s_min_ns=%lld\n", prefix, (long long)t[0]);
	printf("%s_n=%zu\n", prefix, n);
}
