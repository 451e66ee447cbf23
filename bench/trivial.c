/*
 * trivial.c - the floor of any spawn(8) lookup helper: answers from memory
 *
 * SYNOPSIS
 *	bench-trivial [-c FILE] socketmap [VALUE]
 *	bench-trivial [-c FILE] tcp NAME [VALUE]
 *	bench-trivial [-c FILE] policy NAME [ACTION]
 *
 * DESCRIPTION
 *	Run by spawn(8) exactly like pfxhttp-spawn (the same argv, with
 *	"-c FILE" and the entry name accepted and ignored), it reads
 *	requests on fd 0 and writes one constant answer per request on fd 1,
 *	without looking at the key:
 *
 *	  socketmap  a netstring request "N:name key," gets "N:OK VALUE,"
 *	             (VALUE default "OK");
 *	  tcp        a line "get KEY" gets "200 VALUE" (default "OK");
 *	  policy     attribute lines up to an empty line get
 *	             "action=ACTION" and an empty line (default "DUNNO").
 *
 *	When FILE is a UNIX socket, each request first makes a round trip
 *	to the bench-relay listening there (a line out, "ok" back), which
 *	asks the HTTP backend: the same hops as a lookup through
 *	pfxhttp-tokend, with nothing else done (bench/e2e's relay floor).
 *
 *	Pipelined requests are answered in order; it exits at EOF, on a
 *	malformed request or when the relay fails.  bench/e2e uses it as the trivial-responder floor
 *	of the real-Postfix throughput figure.  libc only, no allocation
 *	after start-up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_SIZE	(64 * 1024)

enum mode { M_SOCKETMAP, M_TCP, M_POLICY };

static char	 in[BUF_SIZE];
static size_t	 inlen;
static char	 answer[512];
static size_t	 answerlen;

static int	 relay = -1;

/* relay_open - connect to the bench-relay at PATH, if PATH is a socket */

static void
relay_open(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		exit(2);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((relay = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(relay, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		exit(1);
}

/* relay_ask - one round trip to the relay: 0 when it said "ok" */

static int
relay_ask(void)
{
	char	 b[8];
	size_t	 n = 0;
	ssize_t	 r;

	if (write(relay, "q\n", 2) != 2)
		return (-1);
	while (n == 0 || b[n - 1] != '\n') {
		if ((r = read(relay, b + n, sizeof(b) - n)) <= 0 ||
		    (n += (size_t)r) == sizeof(b))
			return (-1);
	}
	return (n == 3 && memcmp(b, "ok\n", 3) == 0 ? 0 : -1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-trivial [-c FILE] socketmap [VALUE]\n"
	    "       bench-trivial [-c FILE] tcp NAME [VALUE]\n"
	    "       bench-trivial [-c FILE] policy NAME [ACTION]\n");
	exit(2);
}

static int
write_all(const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(STDOUT_FILENO, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		n -= (size_t)w;
	}
	return (0);
}

/*
 * one_request - the length of the first complete request in in[0..inlen),
 * 0 if it is not complete yet, -1 if it is malformed
 */
static long
one_request(enum mode m)
{
	size_t	 i, len;
	char	*nl;

	switch (m) {
	case M_SOCKETMAP:
		for (i = 0, len = 0; i < inlen && in[i] >= '0' && in[i] <= '9';
		    i++) {
			len = len * 10 + (size_t)(in[i] - '0');
			if (i > 6)
				return (-1);
		}
		if (i == inlen)
			return (0);
		if (i == 0 || in[i] != ':')
			return (-1);
		if (i + 1 + len + 1 > sizeof(in))
			return (-1);
		if (inlen < i + 1 + len + 1)
			return (0);
		if (in[i + 1 + len] != ',')
			return (-1);
		return ((long)(i + 1 + len + 1));
	case M_TCP:
		if ((nl = memchr(in, '\n', inlen)) == NULL)
			return (inlen == sizeof(in) ? -1 : 0);
		return ((long)(nl - in + 1));
	case M_POLICY:
		/* an empty line ends the request: "\n\n", or "\n" first */
		if (inlen > 0 && in[0] == '\n')
			return (1);
		for (i = 1; i < inlen; i++)
			if (in[i] == '\n' && in[i - 1] == '\n')
				return ((long)(i + 1));
		return (inlen == sizeof(in) ? -1 : 0);
	}
	return (-1);
}

int
main(int argc, char **argv)
{
	enum mode m;
	const char *value;
	char	 body[400];
	ssize_t	 r;
	long	 n;
	int	 i = 1;

	if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
		relay_open(argv[i + 1]);
		i += 2;
	}
	if (i >= argc)
		usage();
	if (strcmp(argv[i], "socketmap") == 0) {
		m = M_SOCKETMAP;
		value = i + 1 < argc ? argv[i + 1] : "OK";
	} else if (strcmp(argv[i], "tcp") == 0 && i + 1 < argc) {
		m = M_TCP;
		value = i + 2 < argc ? argv[i + 2] : "OK";
	} else if (strcmp(argv[i], "policy") == 0 && i + 1 < argc) {
		m = M_POLICY;
		value = i + 2 < argc ? argv[i + 2] : "DUNNO";
	} else
		usage();
	if (strlen(value) > 300)
		usage();

	switch (m) {
	case M_SOCKETMAP:
		snprintf(body, sizeof(body), "OK %s", value);
		snprintf(answer, sizeof(answer), "%zu:%s,", strlen(body), body);
		break;
	case M_TCP:
		snprintf(answer, sizeof(answer), "200 %s\n", value);
		break;
	case M_POLICY:
		snprintf(answer, sizeof(answer), "action=%s\n\n", value);
		break;
	}
	answerlen = strlen(answer);

	for (;;) {
		while ((n = one_request(m)) > 0) {
			if ((relay >= 0 && relay_ask() < 0) ||
			    write_all(answer, answerlen) < 0)
				return (1);
			memmove(in, in + n, inlen - (size_t)n);
			inlen -= (size_t)n;
		}
		if (n < 0)
			return (1);
		if ((r = read(STDIN_FILENO, in + inlen, sizeof(in) - inlen)) < 0) {
			if (errno == EINTR)
				continue;
			return (1);
		}
		if (r == 0)
			return (0);
		inlen += (size_t)r;
	}
}
