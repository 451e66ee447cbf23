/*
 * relay.c - the cheapest daemon between spawn helpers and an HTTP
 * backend, for bench/e2e
 *
 * SYNOPSIS
 *	bench-relay SOCKET PORT PATH
 *
 * DESCRIPTION
 *	Listens on the UNIX socket SOCKET (mode 0666).  Each line a peer
 *	sends becomes one fixed keep-alive HTTP/1.1 POST of PATH to
 *	127.0.0.1:PORT, over the peer's own backend connection; when the
 *	whole response is in (headers and Content-Length body), the peer
 *	gets "ok" (status 200) or "fail" and a newline.  Nothing else: no
 *	configuration, cache, JSON, libcurl or per-request allocation.
 *
 *	bench-trivial relays through it when its -c FILE is a socket, so
 *	that each lookup makes the same hops as one through pfxhttp-tokend
 *	(helper, daemon, backend, daemon, helper): the measured floor of
 *	that design on this machine.  Exits on the first error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_SIZE	4096
#define MAX_EVENTS	64

struct peer {
	int	 fd;		/* the helper */
	int	 bfd;		/* its backend connection, -1 until needed */
	int	 waiting;	/* a request is at the backend */
	int	 dead;		/* closed; freed after this batch of events */
	size_t	 queued;	/* lines not sent yet */
	char	 resp[BUF_SIZE];
	size_t	 resplen;
};

static struct sockaddr_in backend;
static char	 request[512];
static size_t	 requestlen;
static int	 ep;

static void
die(const char *what)
{
	fprintf(stderr, "bench-relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
watch(int fd, void *p)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl");
}

static struct peer *graveyard[MAX_EVENTS];
static int	 ngrave;

/* peer_close - close both sockets (which leaves epoll too); the memory
 * waits for the end of the batch, where another event may name it */

static void
peer_close(struct peer *p)
{
	close(p->fd);
	if (p->bfd >= 0)
		close(p->bfd);
	p->dead = 1;
	graveyard[ngrave++] = p;
}

/* send_next - one queued line to the backend (connecting first) */

static int
send_next(struct peer *p)
{
	int	 one = 1;

	if (p->waiting || p->queued == 0)
		return (0);
	if (p->bfd < 0) {
		if ((p->bfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(p->bfd, (struct sockaddr *)&backend,
		    sizeof(backend)) != 0)
			return (-1);
		setsockopt(p->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* the low bit tells a backend event from a peer event */
		watch(p->bfd, (char *)p + 1);
	}
	if (write(p->bfd, request, requestlen) != (ssize_t)requestlen)
		return (-1);
	p->queued--;
	p->waiting = 1;
	p->resplen = 0;
	return (0);
}

/* response_len - the length of a whole response in p->resp, 0 if it is
 * not complete yet, -1 if it cannot be read */

static long
response_len(struct peer *p)
{
	char	*end, *cl;
	size_t	 hlen;
	long	 blen;

	p->resp[p->resplen] = '\0';
	if ((end = strstr(p->resp, "\r\n\r\n")) == NULL)
		return (p->resplen >= sizeof(p->resp) - 1 ? -1 : 0);
	hlen = (size_t)(end - p->resp) + 4;
	for (cl = p->resp; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			break;
	if (cl == NULL || cl >= end)
		return (-1);
	blen = strtol(cl + 16, NULL, 10);
	if (blen < 0 || hlen + (size_t)blen >= sizeof(p->resp))
		return (-1);
	return (p->resplen >= hlen + (size_t)blen ? (long)(hlen + blen) : 0);
}

static int
from_backend(struct peer *p)
{
	const char *answer;
	ssize_t	 r;
	long	 n;

	r = read(p->bfd, p->resp + p->resplen, sizeof(p->resp) - 1 - p->resplen);
	if (r <= 0 || !p->waiting)
		return (-1);
	p->resplen += (size_t)r;
	if ((n = response_len(p)) <= 0)
		return ((int)n);
	if ((size_t)n != p->resplen)
		return (-1);	/* one request at a time: nothing may follow */
	answer = strncmp(p->resp, "HTTP/1.1 200 ", 13) == 0 ? "ok\n" : "fail\n";
	if (write(p->fd, answer, strlen(answer)) != (ssize_t)strlen(answer))
		return (-1);
	p->waiting = 0;
	return (send_next(p));
}

static int
from_peer(struct peer *p)
{
	char	 b[BUF_SIZE];
	ssize_t	 r, i;

	if ((r = read(p->fd, b, sizeof(b))) <= 0)
		return (-1);
	for (i = 0; i < r; i++)
		p->queued += b[i] == '\n';
	return (send_next(p));
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct epoll_event ev[MAX_EVENTS];
	static const char body[] = "{\"name\":\"relay\",\"key\":\"bench\"}";
	long	 port = 0;
	int	 lfd, n, i;

	if (argc == 4)
		port = strtol(argv[2], NULL, 10);
	if (argc != 4 || port <= 0 || port > 65535 ||
	    strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: bench-relay SOCKET PORT PATH\n");
		return (2);
	}
	backend.sin_family = AF_INET;
	backend.sin_port = htons((unsigned short)port);
	backend.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = snprintf(request, sizeof(request), "POST %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%ld\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", argv[3], port, sizeof(body) - 1,
	    body);
	if (n < 0 || (size_t)n >= sizeof(request)) {
		fprintf(stderr, "bench-relay: PATH too long\n");
		return (2);
	}
	requestlen = (size_t)n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(argv[1], 0666) != 0 || listen(lfd, 128) != 0)
		die(argv[1]);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	watch(lfd, NULL);
	for (;;) {
		if ((n = epoll_wait(ep, ev, MAX_EVENTS, -1)) < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			struct peer *p;
			uintptr_t tag = (uintptr_t)ev[i].data.ptr;
			int	 fd;

			if (tag == 0) {
				if ((fd = accept4(lfd, NULL, NULL,
				    SOCK_CLOEXEC)) < 0)
					continue;
				if ((p = calloc(1, sizeof(*p))) == NULL)
					die("calloc");
				p->fd = fd;
				p->bfd = -1;
				watch(fd, p);
				continue;
			}
			p = (struct peer *)(tag & ~(uintptr_t)1);
			if (!p->dead &&
			    (tag & 1 ? from_backend(p) : from_peer(p)) < 0)
				peer_close(p);
		}
		while (ngrave > 0)
			free(graveyard[--ngrave]);
	}
}
