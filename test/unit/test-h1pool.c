/*
 * test-h1pool.c - tokend's HTTP/1.1 pool ends a full queue at once
 *
 * With max_connections_per_host = 1 and four requests to a backend that
 * accepts but never answers, one request is under way and three wait.
 * h1pool_cancel_all() (a reload) must end all four without handing a
 * waiting one the connection: the backend sees one connection.  Ending
 * them one by one, oldest first, does hand it on; the contrast shows
 * that the count measures what it should.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "h1pool.h"
#include "http.h"
#include "t.h"

#define NJOBS	4

static int	 done_calls;

static void
on_done(void *job, int ok, void *arg)
{
	(void)job;
	(void)ok;
	(void)arg;
	done_calls++;
}

/* accepted - connections the listener has seen since the last call */
static int
accepted(int lfd)
{
	int	 fd, n = 0;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		close(fd);
		n++;
	}
	return (n);
}

static struct conf *
config(int port)
{
	char	 path[] = "/tmp/test-h1pool.XXXXXX", err[512];
	struct conf *c;
	FILE	*f;
	int	 fd;

	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return (NULL);
	fprintf(f, "server = { http_client = { max_connections_per_host = 1;"
	    " timeout = \"5s\"; }; };\n"
	    "socket_maps = { m = { target = \"http://127.0.0.1:%d/m\"; }; };\n",
	    port);
	fclose(f);
	c = conf_load(path, 0, err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "# %s\n", err);
	unlink(path);
	return (c);
}

/* submit_all - NJOBS requests; how many the pool took */
static int
submit_all(struct h1pool *p, const struct conf *c,
    const struct http_request *rq, struct http_response *resp, int *jobs)
{
	int	 i, n = 0;

	for (i = 0; i < NJOBS; i++)
		n += h1pool_submit(p, c, rq, &resp[i], &jobs[i]);
	return (n);
}

int
main(void)
{
	struct sockaddr_in sa;
	struct http_response resp[NJOBS];
	struct http_request rq;
	struct h1pool *p;
	struct conf *c;
	socklen_t len = sizeof(sa);
	char	 url[64];
	int	 lfd, jobs[NJOBS], i, n;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
		printf("1..0 # SKIP no loopback listener: %s\n",
		    strerror(errno));
		return (0);
	}
	c = config(ntohs(sa.sin_port));
	ok(c != NULL, "configuration with max_connections_per_host = 1");
	if (c == NULL)
		return (done_testing());
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/m", ntohs(sa.sin_port));
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.timeout_ms = 5000;
	for (i = 0; i < NJOBS; i++)
		http_response_init(&resp[i], 4096);
	p = h1pool_new(on_done, NULL);

	n = submit_all(p, c, &rq, resp, jobs);
	is_int(n, NJOBS, "the pool takes all four requests");
	is_int(accepted(lfd), 1, "... over one connection: three wait");
	h1pool_cancel_all(p);
	h1pool_run(p);
	is_int(accepted(lfd), 0, "cancel_all: no waiting request was handed"
	    " a connection");
	is_int((int)h1pool_connections(p), 0, "cancel_all: no connection"
	    " left open");
	is_int(done_calls, 0, "cancel_all: no end reported (the caller"
	    " answers)");

	/* the contrast: one by one, oldest first */
	n = submit_all(p, c, &rq, resp, jobs);
	is_int(accepted(lfd), 1, "again: four requests, one connection");
	for (i = 0; i < NJOBS; i++)
		h1pool_cancel(p, &jobs[i]);
	h1pool_run(p);
	is_int(accepted(lfd), NJOBS - 1, "one by one, oldest first: each"
	    " cancel hands the next its own connection (what cancel_all"
	    " avoids)");

	h1pool_free(p);
	for (i = 0; i < NJOBS; i++)
		buf_free(&resp[i].body);
	conf_free(c);
	close(lfd);
	return (done_testing());
}
