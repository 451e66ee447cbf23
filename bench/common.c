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
#include <sys/socket.h>
#include <sys/wait.h>
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

/*
 * fork_pair - fork with a socketpair between parent and child; *fd is
 * the caller's end in both (returns 0 in the child, as fork does)
 */
pid_t
fork_pair(int *fd)
{
	int	 sv[2];
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	close(sv[pid == 0 ? 0 : 1]);
	*fd = sv[pid == 0 ? 1 : 0];
	return (pid);
}

/* spawn_cmd - run argv with stdin and stdout on a socketpair */

pid_t
spawn_cmd(char **argv, int *fd)
{
	pid_t	 pid;

	if ((pid = fork_pair(fd)) == 0) {
		if (dup2(*fd, 0) < 0 || dup2(*fd, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return (pid);
}

/* reap - wait for pid with a timeout; die unless it exited with 0 */

void
reap(pid_t pid, const char *what)
{
	int64_t	 deadline = now_ns() + (int64_t)BENCH_EXIT_TIMEOUT_MS * 1000000;
	struct timespec nap = { 0, 20000 };
	int	 st;
	pid_t	 r;

	for (;;) {
		if ((r = waitpid(pid, &st, WNOHANG)) == pid)
			break;
		if (r < 0 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		if (now_ns() > deadline)
			die("%s did not exit within %dms", what,
			    BENCH_EXIT_TIMEOUT_MS);
		nanosleep(&nap, NULL);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("%s exited abnormally (status 0x%x)", what, st);
}

size_t
make_request(char *out, size_t cap, unsigned long long i)
{
	char	 payload[64];
	int	 n;

	n = snprintf(payload, sizeof(payload), "bench key%llu@example.org", i);
	return ((size_t)snprintf(out, cap, "%d:%s,", n, payload));
}

/* smaps_field - the kB figure of a "Name:   123 kB" line, else -1 */
static long
smaps_field(const char *line, const char *name)
{
	size_t	 n = strlen(name);
	char	*end;
	long	 v;

	if (strncmp(line, name, n) != 0)
		return (-1);
	v = strtol(line + n, &end, 10);
	return (end == line + n || v < 0 ? -1 : v);
}

void
smaps(pid_t pid, struct mem *m)
{
	char	 path[64], line[256];
	long	 v;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	m->clean = m->dirty = m->rss = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((v = smaps_field(line, "Private_Clean:")) >= 0)
			m->clean = v;
		else if ((v = smaps_field(line, "Private_Dirty:")) >= 0)
			m->dirty = v;
		else if ((v = smaps_field(line, "Rss:")) >= 0)
			m->rss = v;
	}
	fclose(f);
	if (m->clean < 0 || m->dirty < 0)
		die("%s: no Private_* lines", path);
}

void
print_mem(const char *prefix, const struct mem *m)
{
	printf("%s_private_kib=%ld\n", prefix, m->clean + m->dirty);
	printf("%s_private_clean_kib=%ld\n", prefix, m->clean);
	printf("%s_private_dirty_kib=%ld\n", prefix, m->dirty);
	printf("%s_rss_kib=%ld\n", prefix, m->rss);
}


/*
 * cpu_ns - CPU time pid has used, in ns: /proc/PID/schedstat (exact)
 * when the kernel has it, else utime + stime of /proc/PID/stat (ticks)
 */
int64_t
cpu_ns(pid_t pid)
{
	unsigned long long run, ut, st;
	char	 path[64], line[1024], *p, *end;
	long	 hz;
	FILE	*f;
	int	 ok, i;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		ok = fscanf(f, "%llu", &run) == 1;
		fclose(f);
		if (ok && run > 0)
			return ((int64_t)run);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		die("%s: empty", path);
	fclose(f);
	/* fields after "(comm)": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(line, ')')) == NULL)
		die("%s: cannot parse", path);
	for (i = 3; i <= 14 && p != NULL; i++)	/* to the space before 14 */
		p = strchr(p + 1, ' ');
	if (p == NULL)
		die("%s: cannot parse", path);
	ut = strtoull(p + 1, &end, 10);
	if (end == p + 1 || *end != ' ')
		die("%s: cannot parse", path);
	st = strtoull(end + 1, &end, 10);
	hz = sysconf(_SC_CLK_TCK);
	return ((int64_t)((ut + st) * (1000000000ULL / (unsigned long long)hz)));
}

/* copy_file - keep a copy of a /proc file for the report */
void
copy_file(const char *from, const char *to)
{
	char	 b[8192];
	size_t	 n;
	FILE	*in, *out;

	if ((in = fopen(from, "r")) == NULL || (out = fopen(to, "w")) == NULL)
		die("copy %s: %s", from, strerror(errno));
	while ((n = fread(b, 1, sizeof(b), in)) > 0)
		fwrite(b, 1, n, out);
	fclose(in);
	fclose(out);
}
