/*
 * backend.c - a minimal HTTP/1.1 backend with a fixed answer delay
 *
 * SYNOPSIS
 *	bench-backend [-d DELAY_US] [-p PORTFILE]
 *
 * DESCRIPTION
 *	Listens on 127.0.0.1 on a free port (written to PORTFILE, or to
 *	stdout), keeps connections alive, and answers every request with
 *	200 {"data":{"result":"bench-value"}} DELAY_US microseconds after
 *	the request (headers and Content-Length body) has arrived: the
 *	round trip of an API on the LAN, without tc.  GET /count answers
 *	with the number of other requests served so far, at once; bench/run
 *	uses it to prove that no lookup reached the backend.
 *
 *	One thread; requests are answered one at a time (the delay is a
 *	sleep), which is enough for one pfxhttp-spawn connection at a time.
 *	SIGTERM ends it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	32
#define BUF_SIZE	65536
#define ANSWER		"{\"data\":{\"result\":\"bench-value\"}}"

struct conn {
	int	 fd;
	size_t	 len;
	char	 b[BUF_SIZE];
};

static struct conn *conns[MAX_CONNS];
static unsigned long long served;

static void
die(const char *what)
{
	fprintf(stderr, "bench-backend: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
conn_close(size_t i)
{
	close(conns[i]->fd);
	free(conns[i]);
	conns[i] = NULL;
}

/* request_len - bytes of the first complete request in b, or 0 */

static size_t
request_len(const char *b, size_t n, int *is_count)
{
	const char *end, *p, *line;
	size_t	 hlen, clen = 0;

	if ((end = memmem(b, n, "\r\n\r\n", 4)) == NULL)
		return (0);
	hlen = (size_t)(end - b) + 4;
	for (line = b; line < end; line = p + 2) {
		if ((p = memmem(line, (size_t)(end - line) + 2, "\r\n", 2)) ==
		    NULL)
			break;
		if ((size_t)(p - line) > 15 &&
		    strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
	}
	if (n < hlen + clen)
		return (0);
	*is_count = n >= 11 && memcmp(b, "GET /count ", 11) == 0;
	return (hlen + clen);
}

static int
answer(int fd, int is_count, long delay_us)
{
	struct timespec ts;
	char	 out[256], body[64];
	int	 n;

	if (is_count)
		snprintf(body, sizeof(body), "%llu", served);
	else {
		served++;
		if (delay_us > 0) {
			ts.tv_sec = delay_us / 1000000;
			ts.tv_nsec = (delay_us % 1000000) * 1000;
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		snprintf(body, sizeof(body), "%s", ANSWER);
	}
	n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: keep-alive\r\n\r\n%s", strlen(body), body);
	return (send(fd, out, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct pollfd pfd[MAX_CONNS + 1];
	socklen_t slen = sizeof(sin);
	const char *portfile = NULL;
	long	 delay_us = 2000;
	size_t	 i, np, rl;
	ssize_t	 r;
	FILE	*f;
	int	 lfd, fd, one = 1, ch, is_count;

	while ((ch = getopt(argc, argv, "d:p:")) != -1) {
		switch (ch) {
		case 'd':
			delay_us = strtol(optarg, NULL, 10);
			break;
		case 'p':
			portfile = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench-backend [-d DELAY_US] "
			    "[-p PORTFILE]\n");
			return (2);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0)
		die("bind");
	f = portfile != NULL ? fopen(portfile, "w") : stdout;
	if (f == NULL)
		die(portfile);
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	if (fclose(f) != 0)
		die("write port");
	for (;;) {
		pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
		for (i = 0, np = 1; i < MAX_CONNS; i++)
			pfd[np++] = (struct pollfd){ conns[i] != NULL ?
			    conns[i]->fd : -1, POLLIN, 0 };
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[0].revents & POLLIN) {
			if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				for (i = 0; i < MAX_CONNS && conns[i]; i++)
					;
				if (i == MAX_CONNS)
					close(fd);
				else {
					setsockopt(fd, IPPROTO_TCP,
					    TCP_NODELAY, &one, sizeof(one));
					if ((conns[i] = calloc(1,
					    sizeof(*conns[i]))) == NULL)
						die("calloc");
					conns[i]->fd = fd;
				}
			}
		}
		for (i = 0; i < MAX_CONNS; i++) {
			struct conn *c = conns[i];

			if (c == NULL || !(pfd[i + 1].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((r = read(c->fd, c->b + c->len,
			    BUF_SIZE - c->len)) <= 0) {
				conn_close(i);
				continue;
			}
			c->len += (size_t)r;
			while ((rl = request_len(c->b, c->len, &is_count)) > 0) {
				if (answer(c->fd, is_count, delay_us) != 0)
					break;
				memmove(c->b, c->b + rl, c->len - rl);
				c->len -= rl;
			}
			if (c->len == BUF_SIZE)
				conn_close(i);	/* no request fits */
		}
	}
}
