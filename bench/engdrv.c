/*
 * engdrv.c - many pfxhttp-spawn connections at once, for bench/run
 *
 * SYNOPSIS
 *	bench-engdrv many -c K -n N [-k BASE] [-s SMAPS_OUT] [-P PID]...
 *	    -- CMD [ARG...]
 *
 * DESCRIPTION
 *	Start K copies of CMD, each with stdin and stdout on one end of a
 *	socketpair (as Postfix's spawn(8) runs one pfxhttp-spawn per
 *	connection), send each one lookup (the warm-up: every process has
 *	exec'd, read its configuration and made its first call; 10 processes
 *	are started and warmed up at a time), then N
 *	lookups on every connection at once, one outstanding per
 *	connection, so that K processes are busy together.  Every key is
 *	new: connection j's lookup i asks for "bench key<BASE + j*(N+1) +
 *	i>@example.org", so no answer can come from a cache; every reply
 *	must be exactly "OK bench-value".
 *
 *	Before the timed phase and after it, the CPU time of each copy and
 *	of each -P PID (pfxhttp-tokend, nginx) is read (cpu_ns: schedstat,
 *	else stat).  After the last reply, while all K are still alive,
 *	Private_Clean + Private_Dirty of each (smaps_rollup) is read, and
 *	that of each -P PID; SMAPS_OUT gets /proc/PID/smaps of the first
 *	copy.  Then every connection is closed and every copy must exit 0.
 *
 *	Output: key=value lines:
 *	  lookups, elapsed_ns, lookups_per_s	the timed phase
 *	  lat_*_ns				per-lookup round trips in it
 *	  cmd_cpu_ns				CPU of the K copies in it
 *	  self_cpu_ns				CPU of this driver in it
 *	  machine_busy_ns			all CPUs, not idle, in it
 *						(/proc/stat: what else ran)
 *	  pid<J>_cpu_ns				CPU of the J-th -P PID in it
 *	  mem_private_{median,max,min,sum}_kib	over the K copies
 *	  mem_dirty_median_kib, mem_clean_median_kib
 *	  pid<J>_private_kib, pid<J>_dirty_kib, pid<J>_clean_kib
 *
 *	Links libc and libpfxcore only (see drv.c on why the driver must not
 *	map the libraries it measures).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

#define REPLY_OK	"14:OK bench-value,"
#define MAX_PIDS	8
#define WARM_BATCH	10

struct conn {
	pid_t		 pid;
	int		 fd;
	size_t		 done;		/* replies checked */
	size_t		 got;		/* bytes of the current reply */
	int64_t		 t0;		/* when the current request went out */
	char		 reply[256];
};

static struct conn *conns;
static size_t	 nconns;

static void
kill_all(void)
{
	size_t	 j;

	for (j = 0; j < nconns; j++)
		if (conns[j].pid > 0)
			(void)kill(conns[j].pid, SIGKILL);
}

static unsigned long long key_base;
static size_t	 per_conn;

static void
send_lookup(struct conn *c, size_t j, size_t i)
{
	char	 req[128];
	size_t	 len;

	len = make_request(req, sizeof(req),
	    key_base + (unsigned long long)j * (per_conn + 1) + i);
	c->got = 0;
	c->t0 = now_ns();
	write_all(c->fd, req, len);
}

/*
 * take_reply - read what is there of c's reply; 1 once it is complete
 * and right, 0 while more is due (dies on anything else)
 */
static int
take_reply(struct conn *c, size_t j)
{
	const size_t want = sizeof(REPLY_OK) - 1;
	ssize_t	 r;

	r = read(c->fd, c->reply + c->got, sizeof(c->reply) - 1 - c->got);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return (0);
		die("connection %zu: read: %s", j, strerror(errno));
	}
	if (r == 0)
		die("connection %zu: EOF after %zu replies", j, c->done);
	c->got += (size_t)r;
	if (c->got < want && memcmp(c->reply, REPLY_OK, c->got) == 0)
		return (0);
	if (c->got != want || memcmp(c->reply, REPLY_OK, want) != 0)
		die("connection %zu: unexpected reply \"%.*s\", want \"%s\"",
		    j, (int)c->got, c->reply, REPLY_OK);
	return (1);
}

/*
 * run_phase - lookup first..first+count-1 on connections lo..nconns-1,
 * one outstanding per connection; t[] gets each round trip (may be NULL)
 */
static void
run_phase(size_t lo, size_t first, size_t count, int64_t *t)
{
	struct pollfd *pfd = calloc(nconns, sizeof(*pfd));
	size_t	 j, active = 0, k = 0;
	int	 pr;

	if (pfd == NULL)
		die("out of memory");
	for (j = 0; j < lo; j++)
		pfd[j].fd = -1;
	for (j = lo; j < nconns; j++) {
		pfd[j].fd = conns[j].fd;
		pfd[j].events = POLLIN;
		conns[j].done = 0;
		if (count > 0) {
			send_lookup(&conns[j], j, first);
			active++;
		} else
			pfd[j].fd = -1;
	}
	while (active > 0) {
		if ((pr = poll(pfd, nconns, BENCH_IO_TIMEOUT_MS)) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pr == 0)
			die("timed out after %dms waiting for replies "
			    "(%zu connections still waiting)",
			    BENCH_IO_TIMEOUT_MS, active);
		for (j = 0; j < nconns; j++) {
			if (pfd[j].fd < 0 || pfd[j].revents == 0)
				continue;
			if (!take_reply(&conns[j], j))
				continue;
			if (t != NULL)
				t[k++] = now_ns() - conns[j].t0;
			if (++conns[j].done == count) {
				pfd[j].fd = -1;
				active--;
			} else
				send_lookup(&conns[j], j,
				    first + conns[j].done);
		}
	}
	free(pfd);
}

static int
cmp_long(const void *a, const void *b)
{
	long	 x = *(const long *)a, y = *(const long *)b;

	return (x < y ? -1 : x > y);
}

static long
median_long(long *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_long);
	return (v[n / 2]);
}


/* machine_busy_ns - CPU time all CPUs spent not idle, from /proc/stat */
static int64_t
machine_busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	long	 hz = sysconf(_SC_CLK_TCK);
	FILE	*f;
	int	 ok;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		die("/proc/stat: %s", strerror(errno));
	/* cpu user nice system idle iowait irq softirq steal */
	ok = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8;
	fclose(f);
	if (!ok)
		die("/proc/stat: cannot parse");
	return ((int64_t)((v[0] + v[1] + v[2] + v[5] + v[6]) *
	    (1000000000ULL / (unsigned long long)hz)));
}

static int64_t
self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	    (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000);
}

static int
do_many(size_t k, size_t n, const char *smaps_out, pid_t *pids,
    size_t npids, char **argv)
{
	int64_t	*t = calloc(k * n, sizeof(*t)), t0, el, c0 = 0, c1 = 0;
	int64_t	 p0[MAX_PIDS], p1[MAX_PIDS], m0, m1, s0, s1;
	long	*priv = calloc(k, sizeof(long)), *dirty = calloc(k, sizeof(long));
	long	*clean = calloc(k, sizeof(long)), sum = 0;
	struct mem m;
	char	 from[64];
	size_t	 j, i;

	if (t == NULL || priv == NULL || dirty == NULL || clean == NULL ||
	    (conns = calloc(k, sizeof(*conns))) == NULL)
		die("out of memory");
	per_conn = n;
	/*
	 * start them WARM_BATCH at a time, each batch warmed up (key index
	 * n) before the next starts: 300 processes starting at once on one
	 * CPU would be a test of start-up under overload, not of memory
	 */
	for (j = 0; j < k; j += WARM_BATCH) {
		for (i = j; i < k && i < j + WARM_BATCH; i++) {
			conns[i].pid = spawn_cmd(argv, &conns[i].fd);
			nconns = i + 1;
		}
		run_phase(j, n, 1, NULL);
	}
	for (i = 0; i < npids; i++)
		p0[i] = cpu_ns(pids[i]);
	for (j = 0; j < k; j++)
		c0 += cpu_ns(conns[j].pid);
	m0 = machine_busy_ns();
	s0 = self_cpu_ns();
	t0 = now_ns();
	run_phase(0, 0, n, t);
	el = now_ns() - t0;
	s1 = self_cpu_ns();
	m1 = machine_busy_ns();
	for (j = 0; j < k; j++)
		c1 += cpu_ns(conns[j].pid);
	for (i = 0; i < npids; i++)
		p1[i] = cpu_ns(pids[i]);
	for (j = 0; j < k; j++) {
		smaps(conns[j].pid, &m);
		priv[j] = m.clean + m.dirty;
		dirty[j] = m.dirty;
		clean[j] = m.clean;
		sum += priv[j];
	}
	printf("lookups=%zu\n", k * n);
	printf("connections=%zu\n", k);
	printf("elapsed_ns=%lld\n", (long long)el);
	printf("lookups_per_s=%.0f\n", (double)(k * n) * 1e9 / (double)el);
	printf("cmd_cpu_ns=%lld\n", (long long)(c1 - c0));
	printf("self_cpu_ns=%lld\n", (long long)(s1 - s0));
	printf("machine_busy_ns=%lld\n", (long long)(m1 - m0));
	for (i = 0; i < npids; i++) {
		printf("pid%zu_cpu_ns=%lld\n", i, (long long)(p1[i] - p0[i]));
		smaps(pids[i], &m);
		printf("pid%zu_private_kib=%ld\n", i, m.clean + m.dirty);
		printf("pid%zu_dirty_kib=%ld\n", i, m.dirty);
		printf("pid%zu_clean_kib=%ld\n", i, m.clean);
	}
	if (smaps_out != NULL) {
		snprintf(from, sizeof(from), "/proc/%d/smaps",
		    (int)conns[0].pid);
		copy_file(from, smaps_out);
	}
	printf("mem_private_sum_kib=%ld\n", sum);
	printf("mem_private_median_kib=%ld\n", median_long(priv, k));
	printf("mem_private_min_kib=%ld\n", priv[0]);
	printf("mem_private_max_kib=%ld\n", priv[k - 1]);
	printf("mem_dirty_median_kib=%ld\n", median_long(dirty, k));
	printf("mem_clean_median_kib=%ld\n", median_long(clean, k));
	print_stats("lat", t, k * n);
	for (j = 0; j < k; j++)
		close(conns[j].fd);
	for (j = 0; j < k; j++) {
		reap(conns[j].pid, argv[0]);
		conns[j].pid = -1;
	}
	free(t);
	free(priv);
	free(dirty);
	free(clean);
	free(conns);
	conns = NULL;
	nconns = 0;
	return (0);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench-engdrv many -c K -n N [-k BASE]"
	    " [-s SMAPS_OUT] [-P PID]... -- CMD [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *smaps_out = NULL;
	pid_t	 pids[MAX_PIDS];
	size_t	 k = 0, n = 0, npids = 0;
	int	 i;

	bench_prog = "bench-engdrv";
	bench_on_die = kill_all;
	(void)signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "many") != 0)
		usage();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			k = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
			key_base = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			smaps_out = argv[++i];
		else if (strcmp(argv[i], "-P") == 0 && i + 1 < argc &&
		    npids < MAX_PIDS)
			pids[npids++] = (pid_t)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			usage();
	}
	if (k == 0 || n == 0 || i >= argc)
		usage();
	return (do_many(k, n, smaps_out, pids, npids, argv + i));
}
