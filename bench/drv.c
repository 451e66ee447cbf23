/*
 * drv.c - latency driver for bench/run
 *
 * SYNOPSIS
 *	bench-drv loop -n N [-k BASE] [-s SMAPS_OUT] -- CMD [ARG...]
 *	bench-floorloop floorloop -n N [-e E] -u URL
 *	bench-floorloop pair -n N [-k BASE] [-e E] -u URL -- CMD [ARG...]
 *	bench-drv oneshot -n N [-k BASE] [-s SMAPS_OUT] CMD_A [ARG...] :: CMD_B [ARG...]
 *	bench-drv echo -n N
 *
 * DESCRIPTION
 *	loop: start CMD with stdin and stdout on one end of a socketpair,
 *	send N socketmap lookups "bench key<i>" one at a time, each reply
 *	must be exactly "OK bench-value".  Each round trip is timed with
 *	CLOCK_MONOTONIC.  After the last reply, and before stdin is closed,
 *	Private_Clean + Private_Dirty of CMD is read from
 *	/proc/PID/smaps_rollup (and /proc/PID/smaps is copied to SMAPS_OUT).
 *
 *	floorloop: the floor for loop: per iteration one round trip of the
 *	same request bytes over a socketpair to an echo child, plus the
 *	same HTTP request pfxhttp-spawn makes (POST, same body and
 *	headers), on one keep-alive libcurl easy handle.
 *
 *	oneshot: N times each (interleaved A, B, A, B...): fork/exec CMD
 *	over a socketpair, send one lookup, read the reply, close, wait for
 *	exit; wall time from fork to the end of waitpid.  The private
 *	memory of A and B after their reply (first, warm-up run) is printed
 *	too: B's is the memory floor of a process with these libraries.
 *
 *	pair: floorloop and loop in one process, alternating one lookup of
 *	each (which goes first alternates too), so that both see the same
 *	machine noise; no memory figure (see below).
 *
 *	echo: N round trips of the same request bytes over a socketpair to
 *	an echo child: the floor of a lookup that needs no backend call.
 *
 *	-k BASE: the keys are key<BASE+i> (default 0), so that runs against
 *	one response cache never repeat a key; oneshot uses a new key per
 *	run.  -e E: the floor iteration makes E socketpair round trips to
 *	the echo child (default 1; 2 is the floor of a lookup through
 *	pfxhttp-tokend: Postfix to spawn, spawn to tokend).
 *
 *	Only bench-floorloop (built with -DWITH_CURL) links libcurl: the
 *	driver of the measured process must not map the libraries it uses,
 *	or their pages would count as shared, not private, in the child.
 *
 *	Output: key=value lines on stdout.  Any unexpected reply, timeout
 *	or exit status aborts with status 1 and a message on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#ifdef WITH_CURL
#include "floorhttp.h"
#endif

#define REPLY_OK	"14:OK bench-value,"

static pid_t	 child_pid = -1;
static unsigned long long key_base;	/* -k: keys key<key_base + i> */
static size_t	 echo_rounds = 1;	/* -e: echo round trips per floor lookup */

/* die() kills the child being measured */
static void
kill_child(void)
{
	if (child_pid > 0)
		(void)kill(child_pid, SIGKILL);
}

/* read_reply - read one reply of the expected length and compare it */

static void
read_reply(int fd, const char *expect)
{
	char	 got[64];
	size_t	 n = strlen(expect);

	read_exact(fd, got, n);
	if (memcmp(got, expect, n) != 0)
		die("unexpected reply \"%.*s\", want \"%s\"", (int)n, got,
		    expect);
}


/* echo child for floorloop and echo: read one netstring, write it back */

static void __attribute__((noreturn))
echo_loop(int fd)
{
	char	 b[4096];
	ssize_t	 r;

	for (;;) {
		if ((r = read(fd, b, sizeof(b))) <= 0)
			_exit(r == 0 ? 0 : 1);
		/* one request per read in practice; echo what came */
		if (write(fd, b, (size_t)r) != r)
			_exit(1);
	}
}

/* start_echo - fork an echo child on a socketpair; *fd is our end */

static pid_t
start_echo(int *fd)
{
	pid_t	 pid;

	if ((pid = fork_pair(fd)) == 0)
		echo_loop(*fd);
	return (pid);
}

/*
 * do_echo - the floor of any socketmap lookup: the same request bytes
 * over a socketpair to a child that writes them straight back
 */
static int
do_echo(size_t n)
{
	int64_t	*t = calloc(n, sizeof(*t)), t0;
	char	 req[128], echo[128];
	size_t	 i, len;
	pid_t	 pid;
	int	 fd;

	if (t == NULL)
		die("out of memory");
	pid = start_echo(&fd);
	for (i = 0; i < n; i++) {
		len = make_request(req, sizeof(req), key_base + i);
		t0 = now_ns();
		write_all(fd, req, len);
		read_exact(fd, echo, len);
		t[i] = now_ns() - t0;
		if (memcmp(echo, req, len) != 0)
			die("echo mismatch");
	}
	close(fd);
	reap(pid, "echo child");
	print_stats("echo", t, n);
	free(t);
	return (0);
}

static int
do_loop(size_t n, const char *smaps_out, char **argv)
{
	int64_t	*t = calloc(n, sizeof(*t)), t0;
	char	 req[128], path[64];
	struct mem m;
	size_t	 i, len;
	int	 fd;

	if (t == NULL)
		die("out of memory");
	child_pid = spawn_cmd(argv, &fd);
	for (i = 0; i < n; i++) {
		len = make_request(req, sizeof(req), key_base + i);
		t0 = now_ns();
		write_all(fd, req, len);
		read_reply(fd, REPLY_OK);
		t[i] = now_ns() - t0;
	}
	smaps(child_pid, &m);
	if (smaps_out != NULL) {
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)child_pid);
		copy_file(path, smaps_out);
	}
	close(fd);
	reap(child_pid, argv[0]);
	child_pid = -1;
	print_stats("loop", t, n);
	print_mem("loop", &m);
	free(t);
	return (0);
}

#ifdef WITH_CURL
static void
floor_request(CURL *h, struct sink *s, const char *body, size_t bodylen)
{
	CURLcode cc;
	long	 status;

	if ((cc = floor_post(h, s, body, bodylen, &status)) != CURLE_OK)
		die("curl: %s", curl_easy_strerror(cc));
	if (!floor_answer_ok(s, status))
		die("unexpected HTTP answer %ld \"%.*s\"", status, (int)s->len,
		    s->b);
}

static size_t
make_body(char *out, size_t cap, unsigned long long i)
{
	return ((size_t)snprintf(out, cap,
	    "{\"name\":\"bench\",\"key\":\"key%llu@example.org\"}", i));
}

/*
 * do_pair - the floor loop, and with argv also pfxhttp-spawn, alternating
 * one lookup each (in turn first and second), so both see the same noise
 */
static int
do_pair(size_t n, const char *url, char **argv)
{
	int64_t	*tf = calloc(n, sizeof(*tf)), *tp = calloc(n, sizeof(*tp)), t0;
	struct curl_slist *hdrs;
	struct sink sink;
	char	 req[128], echo[128], body[128];
	size_t	 i, len, blen, k, e;
	pid_t	 echo_pid;
	int	 efd, fd = -1;
	long	 conns = 0;
	CURL	*h;

	if (tf == NULL || tp == NULL)
		die("out of memory");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	echo_pid = start_echo(&efd);
	if (argv != NULL)
		child_pid = spawn_cmd(argv, &fd);
	if ((h = floor_handle(url, &hdrs, &sink)) == NULL)
		die("curl_easy_init failed");
	for (i = 0; i < n; i++) {
		len = make_request(req, sizeof(req), key_base + i);
		for (k = 0; k < 2; k++) {
			if ((k == (i & 1)) && argv != NULL) {
				t0 = now_ns();
				write_all(fd, req, len);
				read_reply(fd, REPLY_OK);
				tp[i] = now_ns() - t0;
			} else if (k != (i & 1)) {
				t0 = now_ns();
				blen = make_body(body, sizeof(body), key_base + i);
				for (e = 0; e < echo_rounds; e++) {
					write_all(efd, req, len);
					read_exact(efd, echo, len);
					if (memcmp(echo, req, len) != 0)
						die("echo mismatch");
				}
				floor_request(h, &sink, body, blen);
				tf[i] = now_ns() - t0;
			}
		}
	}
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
	if (conns != 0 && n > 1)
		die("floor: libcurl opened a new connection (keep-alive lost)");
	close(efd);
	reap(echo_pid, "echo child");
	if (argv != NULL) {
		close(fd);
		reap(child_pid, argv[0]);
		child_pid = -1;
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	print_stats("floorloop", tf, n);
	if (argv != NULL)
		print_stats("loop", tp, n);
	free(tf);
	free(tp);
	return (0);
}

#endif /* WITH_CURL */

static int64_t
oneshot_once(char **argv, unsigned long long key, struct mem *m,
    const char *smaps_out)
{
	char	 path[64];
	char	 req[128];
	size_t	 len;
	int64_t	 t0;
	int	 fd;

	len = make_request(req, sizeof(req), key);
	t0 = now_ns();
	child_pid = spawn_cmd(argv, &fd);
	write_all(fd, req, len);
	read_reply(fd, REPLY_OK);
	if (m != NULL)
		smaps(child_pid, m);
	if (smaps_out != NULL) {
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)child_pid);
		copy_file(path, smaps_out);
	}
	close(fd);
	reap(child_pid, argv[0]);
	child_pid = -1;
	return (now_ns() - t0);
}

static int
do_oneshot(size_t n, const char *smaps_out, char **a, char **b)
{
	char	*sa = NULL, *sb = NULL;
	int64_t	*ta = calloc(n, sizeof(*ta)), *tb = calloc(n, sizeof(*tb));
	size_t	 i;
	struct mem pa, pb;

	if (ta == NULL || tb == NULL)
		die("out of memory");
	/* warm the page cache and the backend; private memory after 1 lookup */
	if (smaps_out != NULL && (asprintf(&sa, "%s.a", smaps_out) < 0 ||
	    asprintf(&sb, "%s.b", smaps_out) < 0))
		die("out of memory");
	(void)oneshot_once(a, key_base + n, &pa, sa);
	(void)oneshot_once(b, key_base + n, &pb, sb);
	for (i = 0; i < n; i++) {
		ta[i] = oneshot_once(a, key_base + i, NULL, NULL);
		tb[i] = oneshot_once(b, key_base + i, NULL, NULL);
	}
	free(sa);
	free(sb);
	print_mem("oneshot_a", &pa);
	print_mem("oneshot_b", &pb);
	print_stats("oneshot_a", ta, n);
	print_stats("oneshot_b", tb, n);
	free(ta);
	free(tb);
	return (0);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: bench-drv loop -n N [-k BASE] [-s SMAPS_OUT] -- CMD [ARG...]\n"
	    "       bench-floorloop floorloop -n N [-e E] -u URL\n"
	    "       bench-floorloop pair -n N [-k BASE] [-e E] -u URL -- CMD [ARG...]\n"
	    "       bench-drv oneshot -n N [-k BASE] [-s SMAPS_OUT] CMD_A [ARG...] :: CMD_B [ARG...]\n"
	    "       bench-drv echo -n N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *mode, *url = NULL, *smaps_out = NULL;
	size_t	 n = 0;
	int	 i, sep;

	if (argc < 2)
		usage();
	bench_prog = "bench-drv";
	bench_on_die = kill_child;
	(void)signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			smaps_out = argv[++i];
		else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
			key_base = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			echo_rounds = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (n == 0)
		usage();
	if (strcmp(mode, "echo") == 0)
		return (do_echo(n));
	if (strcmp(mode, "loop") == 0) {
		if (i >= argc)
			usage();
		return (do_loop(n, smaps_out, argv + i));
	}
#ifdef WITH_CURL
	if (strcmp(mode, "floorloop") == 0) {
		if (url == NULL)
			usage();
		return (do_pair(n, url, NULL));
	}
	if (strcmp(mode, "pair") == 0) {
		if (url == NULL || i >= argc)
			usage();
		return (do_pair(n, url, argv + i));
	}
#else
	(void)url;
#endif
	if (strcmp(mode, "oneshot") == 0) {
		for (sep = i; sep < argc && strcmp(argv[sep], "::") != 0; sep++)
			;
		if (sep == i || sep >= argc - 1)
			usage();
		argv[sep] = NULL;
		return (do_oneshot(n, smaps_out, argv + i, argv + sep + 1));
	}
	usage();
}
