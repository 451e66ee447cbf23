/*
 * h1pool.h - tokend's own HTTP/1.1 client for plain-HTTP backends
 *
 * A lookup's exchange with a backend at http://ADDRESS[:PORT] (an IP
 * address, no proxy) is one request written on a kept-alive connection
 * and one response read back: this pool does it without libcurl, whose
 * per-request work was most of tokend's cost for such a lookup (see
 * bench/e2e's relay floor).  Everything else (names to resolve, https,
 * a proxy, uploads, a compressed request body, curl's own header
 * conventions it cannot keep exactly) stays with libcurl:
 * h1pool_submit() decides, request by request.
 *
 * Connections per address are at most max_connections_per_host, like
 * libcurl's; a request waits in the address's queue while all are busy.
 * A request that finds its kept-alive connection closed by the backend
 * before any byte of the answer is sent once more on a new connection.
 * The pool has one epoll descriptor of its own, which tokend's event
 * loop watches; h1pool_run() acts on it.
 */
#ifndef PFX_H1POOL_H
#define PFX_H1POOL_H

#include "conf.h"
#include "http.h"

struct h1pool;

/* h1pool_done_fn - the exchange for job ended; ok: resp holds a whole
 * response (status, headers, decoded body), else resp->failure says why */
typedef void h1pool_done_fn(void *job, int ok, void *arg);

struct h1pool *h1pool_new(h1pool_done_fn *, void *arg);
void	 h1pool_free(struct h1pool *);
int	 h1pool_fd(const struct h1pool *);
/*
 * h1pool_submit - start rq for job (rq and resp live until the end); 1:
 * the end comes through done; 0: not for this pool (a host name, https,
 * a proxy, an upload, a compressed body, a header libcurl would treat
 * its own way, no room for another address): libcurl's, and resp is
 * untouched
 */
int	 h1pool_submit(struct h1pool *, const struct conf *,
	    const struct http_request *, struct http_response *, void *job);
/* h1pool_cancel - no end for job; its connection, if busy, is closed */
void	 h1pool_cancel(struct h1pool *, void *job);
/* h1pool_cancel_all - h1pool_cancel for every job at once */
void	 h1pool_cancel_all(struct h1pool *);
/* h1pool_run - act on what is ready (h1pool_fd is readable) */
void	 h1pool_run(struct h1pool *);
/* h1pool_next_ms - when h1pool_tick has work next, -1: none */
int	 h1pool_next_ms(const struct h1pool *, long long now_ms);
/* h1pool_tick - deadlines, idle connections */
void	 h1pool_tick(struct h1pool *, long long now_ms);
/* h1pool_connections - open connections, every address */
size_t	 h1pool_connections(const struct h1pool *);

#endif
