/*
 * tokdrv.c - speak the pfxhttp-tokend protocol directly, for bench/run
 *
 * SYNOPSIS
 *	bench-tokdrv fill -S SOCKET -n N [-f FIRST]
 *	bench-tokdrv cget -S SOCKET -n N [-f FIRST]
 *
 * DESCRIPTION
 *	fill: store N socketmap answers in the response cache with CPUT
 *	messages (tokproto.h framing, encoded by libpfxcore's tok_encode),
 *	as pfxhttp-spawn stores them after a backend call: section
 *	"socket_maps", map "bench", keys "user<FIRST+i>@example.com"
 *	(FIRST defaults to 100000: 22-byte keys), verdict found, values
 *	"found:user<FIRST+i>@example.com".  CPUT has no reply, so the
 *	messages are written in batches; a STATS request at the end
 *	returns once tokend has handled them all.
 *
 *	cget: N CGET round trips (purpose "fallback", so that they do not
 *	count as fresh serves) for those keys, one at a time; each must be
 *	a HIT with the stored value.  The tokend-only part of a cache hit.
 *
 *	With the engine in tokend (protocol PFXTOK2: no CPUT or CGET, one
 *	LOOKUP per lookup, which tokend answers from its cache or by calling
 *	the backend its configuration names), the same modes send LOOKUPs:
 *	fill: N lookups of those keys on FILL_CONNS connections, a batch
 *	of one per connection at a time, each answered by tokend's backend
 *	call (tokend's configuration must name a backend that answers
 *	"bench-value" and have the cache on) and stored; cget: N lookups of
 *	the stored keys, one at a time, answered from the fresh cache
 *	(serve_fresh).  Every answer must be ANSWER found bench-value.
 *
 *	Output: key=value lines (fill_ns, the STATS text as stats_NAME=V;
 *	cget_median_ns and the rest as in bench-drv; proto=PFXTOK1|2).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "err.h"
#include "tokproto.h"

#define BATCH_BYTES	(64 * 1024)
#define FILL_CONNS	16
#define LOOKUP_VALUE	"bench-value"	/* what bench/run's nginx answers */

/* the engine's protocol (LOOKUP), not CPUT/CGET: known from the header */
static int
engine_proto(void)
{
	return (strcmp(TOK_VERSION, "PFXTOK1") != 0);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int	 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("%s: socket path too long", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		die("%s: %s", path, strerror(errno));
	return (fd);
}

/*
 * read_msg - read one framed reply into b (exactly one: tokend answers
 * one request at a time) and parse it into m
 */
static char	 inbuf[TOK_MAX_MSG + 32];

static void
read_msg(int fd, struct tok_msg *m)
{
	size_t	 len = 0, want = 0, hdr = 0;
	char	*colon;

	for (;;) {
		if (want == 0 && (colon = memchr(inbuf, ':', len)) != NULL) {
			hdr = (size_t)(colon - inbuf) + 1;
			want = strtoul(inbuf, NULL, 10) + hdr + 1;
			if (want > sizeof(inbuf))
				die("reply too large");
		}
		if (want > 0 && len >= want)
			break;
		len += read_some(fd, inbuf + len, sizeof(inbuf) - len);
	}
	if (len != want || inbuf[want - 1] != ',' ||
	    tok_parse(inbuf + hdr, want - hdr - 1, m) != PFX_OK)
		die("malformed reply");
}

/* send_lookup - one LOOKUP for socketmap "bench", key user<first+i> */
static void
send_lookup(int fd, struct buf *out, unsigned long k)
{
	struct tok_msg m;
	char	 key[64];
	size_t	 klen;

	klen = (size_t)snprintf(key, sizeof(key), "user%lu@example.com", k);
	buf_reset(out);
	tok_init(&m, "LOOKUP");
	tok_adds(&m, "socket_maps");
	tok_adds(&m, "bench");
	tok_adds(&m, "5000");
	tok_adds(&m, "");
	tok_adds(&m, "name");
	tok_adds(&m, "bench");
	tok_adds(&m, "key");
	tok_add(&m, key, klen);
	if (tok_encode(out, &m) != PFX_OK)
		die("tok_encode");
	write_all(fd, out->data, out->len);
}

/* read_answer - the answer to a LOOKUP (after any PENDING): found value */
static void
read_answer(int fd, unsigned long k)
{
	struct tok_msg rp;

	do
		read_msg(fd, &rp);
	while (tok_is(&rp, 0, "PENDING"));
	if (!tok_is(&rp, 0, "ANSWER") || rp.n != 4 || !tok_is(&rp, 1, "found") ||
	    rp.len[2] != strlen(LOOKUP_VALUE) ||
	    memcmp(rp.f[2], LOOKUP_VALUE, rp.len[2]) != 0)
		die("LOOKUP user%lu@example.com: not \"found %s\" (%.*s %.*s)",
		    k, LOOKUP_VALUE, (int)rp.len[0], rp.f[0],
		    rp.n > 1 ? (int)rp.len[1] : 0, rp.n > 1 ? rp.f[1] : "");
}

static void
print_stats_text(const struct tok_msg *rp)
{
	size_t	 i, j, s;

	/* "name value\n" lines -> stats_name=value */
	for (i = 0; i < rp->len[1]; i = j + 1) {
		for (j = i; j < rp->len[1] && rp->f[1][j] != '\n'; j++)
			;
		for (s = i; s < j && rp->f[1][s] != ' '; s++)
			;
		if (s < j)
			printf("stats_%.*s=%.*s\n", (int)(s - i), rp->f[1] + i,
			    (int)(j - s - 1), rp->f[1] + s + 1);
	}
}

static void
stats_request(int fd)
{
	struct buf out;
	struct tok_msg m, rp;

	buf_init(&out, 256);
	tok_init(&m, "STATS");
	if (tok_encode(&out, &m) != PFX_OK)
		die("tok_encode");
	write_all(fd, out.data, out.len);
	read_msg(fd, &rp);
	if (!tok_is(&rp, 0, "OK") || rp.n != 2)
		die("STATS refused");
	print_stats_text(&rp);
	buf_free(&out);
}

/* fill_lookup - the engine's fill: N LOOKUPs, FILL_CONNS at a time */
static int
fill_lookup(const char *path, size_t n, unsigned long first)
{
	struct buf out;
	int	 fd[FILL_CONNS];
	size_t	 i, c, m;
	int64_t	 t0;

	buf_init(&out, 4096);
	for (c = 0; c < FILL_CONNS; c++)
		fd[c] = connect_to(path);
	t0 = now_ns();
	for (i = 0; i < n; i += FILL_CONNS) {
		m = n - i < FILL_CONNS ? n - i : FILL_CONNS;
		for (c = 0; c < m; c++)
			send_lookup(fd[c], &out, first + i + c);
		for (c = 0; c < m; c++)
			read_answer(fd[c], first + i + c);
	}
	printf("fill_ns=%lld\n", (long long)(now_ns() - t0));
	printf("proto=%s\n", TOK_VERSION);
	stats_request(fd[0]);
	for (c = 0; c < FILL_CONNS; c++)
		close(fd[c]);
	buf_free(&out);
	return (0);
}

static int
cget_lookup(const char *path, size_t n, unsigned long first)
{
	struct buf out;
	int64_t	*t = calloc(n, sizeof(*t)), t0;
	size_t	 i;
	int	 fd = connect_to(path);

	if (t == NULL)
		die("out of memory");
	buf_init(&out, 4096);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		send_lookup(fd, &out, first + i);
		read_answer(fd, first + i);
		t[i] = now_ns() - t0;
	}
	printf("proto=%s\n", TOK_VERSION);
	print_stats("cget", t, n);
	close(fd);
	free(t);
	buf_free(&out);
	return (0);
}

static int
do_fill(const char *path, size_t n, unsigned long first)
{
	struct buf out;
	struct tok_msg m, rp;
	char	 key[64], val[80];
	size_t	 i, klen, vlen;
	int64_t	 t0;
	int	 fd = connect_to(path);

	buf_init(&out, 4 * BATCH_BYTES);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		klen = (size_t)snprintf(key, sizeof(key), "user%lu@example.com",
		    first + i);
		vlen = (size_t)snprintf(val, sizeof(val), "found:%s", key);
		tok_init(&m, "CPUT");
		tok_adds(&m, "socket_maps");
		tok_adds(&m, "bench");
		tok_add(&m, key, klen);
		tok_adds(&m, "0");	/* PFX_FOUND */
		tok_add(&m, val, vlen);
		if (tok_encode(&out, &m) != PFX_OK)
			die("tok_encode");
		if (out.len >= BATCH_BYTES) {
			write_all(fd, out.data, out.len);
			buf_reset(&out);
		}
	}
	tok_init(&m, "STATS");
	if (tok_encode(&out, &m) != PFX_OK)
		die("tok_encode");
	write_all(fd, out.data, out.len);
	read_msg(fd, &rp);
	printf("fill_ns=%lld\n", (long long)(now_ns() - t0));
	if (!tok_is(&rp, 0, "OK") || rp.n != 2)
		die("STATS refused");
	printf("proto=%s\n", TOK_VERSION);
	print_stats_text(&rp);
	close(fd);
	buf_free(&out);
	return (0);
}

static int
do_cget(const char *path, size_t n, unsigned long first)
{
	struct buf out;
	struct tok_msg m, rp;
	char	 key[64], val[80];
	int64_t	*t = calloc(n, sizeof(*t)), t0;
	size_t	 i, klen, vlen;
	int	 fd = connect_to(path);

	if (t == NULL)
		die("out of memory");
	buf_init(&out, TOK_MAX_MSG + 32);
	for (i = 0; i < n; i++) {
		klen = (size_t)snprintf(key, sizeof(key), "user%lu@example.com",
		    first + i);
		vlen = (size_t)snprintf(val, sizeof(val), "found:%s", key);
		buf_reset(&out);
		tok_init(&m, "CGET");
		tok_adds(&m, "socket_maps");
		tok_adds(&m, "bench");
		tok_add(&m, key, klen);
		tok_adds(&m, "3600000");
		tok_adds(&m, "fallback");
		t0 = now_ns();
		if (tok_encode(&out, &m) != PFX_OK)
			die("tok_encode");
		write_all(fd, out.data, out.len);
		read_msg(fd, &rp);
		t[i] = now_ns() - t0;
		if (!tok_is(&rp, 0, "HIT") || rp.n != 4 || rp.len[3] != vlen ||
		    memcmp(rp.f[3], val, vlen) != 0)
			die("CGET: not the stored value");
	}
	print_stats("cget", t, n);
	close(fd);
	free(t);
	buf_free(&out);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned long first = 100000;
	size_t	 n = 0;
	int	 i;

	bench_prog = "bench-tokdrv";
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-S") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "-n") == 0)
			n = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-f") == 0)
			first = strtoul(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (argc < 2 || i != argc || path == NULL || n == 0) {
		fprintf(stderr, "usage: bench-tokdrv fill|cget -S SOCKET -n N"
		    " [-f FIRST]\n");
		return (2);
	}
	if (strcmp(argv[1], "fill") == 0)
		return (engine_proto() ? fill_lookup(path, n, first) :
		    do_fill(path, n, first));
	if (strcmp(argv[1], "cget") == 0)
		return (engine_proto() ? cget_lookup(path, n, first) :
		    do_cget(path, n, first));
	fprintf(stderr, "bench-tokdrv: unknown mode %s\n", argv[1]);
	return (2);
}
