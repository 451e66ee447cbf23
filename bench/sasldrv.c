/*
 * sasldrv.c - the Dovecot auth-client side of bench/sasl: what Postfix
 * smtpd does on its auth connection, as fast as it can
 *
 *   sasldrv -u SOCKET | -e "COMMAND" [-n N] [-c CONNS] [-U user -P pass]
 *
 * Each of CONNS children opens one connection (-u: a UNIX socket such as
 * Dovecot's auth-client listener; -e: COMMAND run by /bin/sh on one end of
 * a socketpair, its stdin and stdout, as spawn(8) runs pfxhttp-spawn),
 * sends "VERSION\t1\t0\nCPID\t<pid>\n", reads the handshake up to DONE,
 * waits until every child is connected, then sends N sequential
 * "AUTH\t<id>\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.1\tresp=..."
 * lines, each after the answer to the previous one, and checks that every
 * answer is "OK\t<id>\t...".  Prints, on stdout, key=value lines:
 *   auths, conns, wall_ns (first AUTH to last answer, all children),
 *   per_s, median_ns, p90_ns, p99_ns, errors
 * Exits 1 on any error (a FAIL, a short read, a handshake without DONE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static char	rbuf[65536];
static size_t	rlen;

/* one line (without LF) into *line; 0 on EOF/error/timeout */
static int
read_line(int fd, char **line)
{
	static size_t consumed;
	char *nl;
	ssize_t n;

	if (consumed) {
		memmove(rbuf, rbuf + consumed, rlen - consumed);
		rlen -= consumed;
		consumed = 0;
	}
	for (;;) {
		nl = memchr(rbuf, '\n', rlen);
		if (nl != NULL) {
			*nl = '\0';
			*line = rbuf;
			consumed = (size_t)(nl - rbuf) + 1;
			return (1);
		}
		if (rlen == sizeof(rbuf))
			return (0);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10000) <= 0)
			return (0);
		n = read(fd, rbuf + rlen, sizeof(rbuf) - rlen);
		if (n <= 0)
			return (0);
		rlen += (size_t)n;
	}
}

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return (0);
		s += w;
		n -= (size_t)w;
	}
	return (1);
}

static const char b64c[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = b64c[in[i] >> 2];
		*out++ = b64c[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = b64c[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = b64c[in[i + 2] & 63];
	}
	if (i + 1 == n) {
		*out++ = b64c[in[i] >> 2];
		*out++ = b64c[(in[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (i + 2 == n) {
		*out++ = b64c[in[i] >> 2];
		*out++ = b64c[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = b64c[(in[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
open_conn(const char *sock, const char *cmd)
{
	int sv[2], fd;

	if (sock != NULL) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(sock) >= sizeof(sun.sun_path))
			return (-1);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return (-1);
		return (fd);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return (-1);
	switch (fork()) {
	case -1:
		return (-1);
	case 0:
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		close(sv[0]);
		close(sv[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	return (sv[0]);
}

/* child: returns 0 or 1; writes N latencies (ns) and start/end to out */
static int
run_child(const char *sock, const char *cmd, long n, const char *resp,
    int ready_w, int go_r, int out)
{
	char line[512], *l, c;
	uint64_t t0, t1, first = 0, *lat;
	int fd, len;
	long i;

	lat = calloc((size_t)n + 2, sizeof(*lat));
	fd = open_conn(sock, cmd);
	if (fd < 0 || lat == NULL)
		return (1);
	len = snprintf(line, sizeof(line), "VERSION\t1\t0\nCPID\t%d\n", (int)getpid());
	if (!write_all(fd, line, (size_t)len))
		return (1);
	do {
		if (!read_line(fd, &l)) {
			fprintf(stderr, "sasldrv: no DONE in the handshake\n");
			return (1);
		}
	} while (strcmp(l, "DONE") != 0);
	c = 'r';
	if (write(ready_w, &c, 1) != 1 || read(go_r, &c, 1) < 0)
		return (1);
	for (i = 1; i <= n; i++) {
		char want[32];

		len = snprintf(line, sizeof(line), "AUTH\t%ld\tPLAIN\tservice=smtp\t"
		    "nologin\tlip=127.0.0.1\trip=127.0.0.1\tresp=%s\n", i, resp);
		t0 = now_ns();
		if (i == 1)
			first = t0;
		if (!write_all(fd, line, (size_t)len) || !read_line(fd, &l)) {
			fprintf(stderr, "sasldrv: request %ld: no answer\n", i);
			return (1);
		}
		t1 = now_ns();
		snprintf(want, sizeof(want), "OK\t%ld\t", i);
		if (strncmp(l, want, strlen(want)) != 0) {
			fprintf(stderr, "sasldrv: request %ld: %s\n", i, l);
			return (1);
		}
		lat[i + 1] = t1 - t0;
	}
	lat[0] = first;
	lat[1] = now_ns();
	close(fd);
	if (!write_all(out, (const char *)lat, ((size_t)n + 2) * sizeof(*lat)))
		return (1);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *cmd = NULL, *user = "bench", *pass = "secret";
	long n = 10000, conns = 1, i, k;
	int opt, ready[2], go[2], errors = 0;
	char plain[512], resp[1024], c;
	size_t pl;

	while ((opt = getopt(argc, argv, "u:e:n:c:U:P:")) != -1) {
		switch (opt) {
		case 'u': sock = optarg; break;
		case 'e': cmd = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'c': conns = strtol(optarg, NULL, 10); break;
		case 'U': user = optarg; break;
		case 'P': pass = optarg; break;
		default:
			fprintf(stderr, "usage: sasldrv -u SOCKET | -e CMD [-n N] [-c CONNS]\n");
			return (2);
		}
	}
	if ((sock == NULL) == (cmd == NULL) || n < 1 || conns < 1 ||
	    strlen(user) + strlen(pass) + 2 > sizeof(plain) / 2)
		return (2);
	signal(SIGPIPE, SIG_IGN);
	pl = (size_t)snprintf(plain, sizeof(plain), "%c%s%c%s", 0, user, 0, pass);
	b64((unsigned char *)plain, pl, resp);
	if (pipe(ready) < 0 || pipe(go) < 0)
		return (1);

	int outs[conns];
	pid_t pids[conns];

	for (k = 0; k < conns; k++) {
		int o[2];

		if (pipe(o) < 0)
			return (1);
		pids[k] = fork();
		if (pids[k] == 0) {
			close(o[0]);
			close(ready[0]);
			close(go[1]);
			_exit(run_child(sock, cmd, n, resp, ready[1], go[0], o[1]));
		}
		close(o[1]);
		outs[k] = o[0];
	}
	close(ready[1]);
	close(go[0]);
	for (k = 0; k < conns; k++)
		if (read(ready[0], &c, 1) != 1) {
			errors++;
			break;
		}
	close(go[1]);	/* go */

	uint64_t *all = calloc((size_t)(n * conns), sizeof(*all));
	uint64_t *buf = calloc((size_t)n + 2, sizeof(*buf));
	uint64_t start = UINT64_MAX, end = 0;
	long got = 0;

	for (k = 0; k < conns && all != NULL && buf != NULL; k++) {
		size_t want = ((size_t)n + 2) * sizeof(*buf), have = 0;
		ssize_t r;

		while (have < want && (r = read(outs[k], (char *)buf + have, want - have)) > 0)
			have += (size_t)r;
		if (have != want)
			continue;
		if (buf[0] < start)
			start = buf[0];
		if (buf[1] > end)
			end = buf[1];
		for (i = 0; i < n; i++)
			all[got++] = buf[i + 2];
	}
	for (k = 0; k < conns; k++) {
		int st;

		waitpid(pids[k], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			errors++;
	}
	if (got == 0) {
		printf("auths=0\nerrors=%d\n", errors ? errors : 1);
		return (1);
	}
	qsort(all, (size_t)got, sizeof(*all), cmp_u64);
	printf("auths=%ld\nconns=%ld\nwall_ns=%llu\nper_s=%.0f\nmedian_ns=%llu\n"
	    "p90_ns=%llu\np99_ns=%llu\nerrors=%d\n", got, conns,
	    (unsigned long long)(end - start),
	    (double)got * 1e9 / (double)(end - start),
	    (unsigned long long)all[got / 2],
	    (unsigned long long)all[(long)((double)got * 0.9)],
	    (unsigned long long)all[(long)((double)got * 0.99)], errors);
	return (errors ? 1 : 0);
}
