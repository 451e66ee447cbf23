/*
 * metrics.h - GET /metrics on server.tokend.metrics.listen
 *
 * A tiny HTTP/1.x server inside tokend's event loop: one request per
 * connection, then Connection: close.  It keeps its own epoll set, so
 * that tokend's loop watches one descriptor for it (metrics_fd) and
 * calls metrics_tick when that is readable or metrics_next_ms is due.
 * Nothing here blocks or waits: lookups never wait for a scraper.
 */
#ifndef PFX_METRICS_H
#define PFX_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "promtext.h"

#define METRICS_MAX_REQUEST	8192	/* request line and headers */
#define METRICS_MAX_CONNS	8	/* then the oldest is dropped */
#define METRICS_IDLE_MS		3000	/* silent that long: dropped */
#define METRICS_LIFE_MS		10000	/* a whole exchange, at most */

/*
 * metrics_page_fn - the page: p holds the process figures metrics.c
 * knows (version, start, uptime, RSS); the callee adds its own and
 * renders with prom_render
 */
typedef int metrics_page_fn(struct buf *, struct prom_process *p,
	    void *arg);

struct metrics;

struct metrics *metrics_new(metrics_page_fn *, void *arg);
void	 metrics_free(struct metrics *);
/* metrics_fd - the descriptor to watch for input (an epoll set) */
int	 metrics_fd(const struct metrics *);
/*
 * metrics_configure - listen as configured: a new address is bound
 * before the old one is closed (a failure keeps the old one, with the
 * reason in err); the same address keeps its socket; none closes it.
 * The Basic auth password is (re)read here.
 */
int	 metrics_configure(struct metrics *, const struct conf_metrics *,
	    char *err, size_t errlen);
/* metrics_check - for -t: the password can be read and is not empty */
int	 metrics_check(const struct conf_metrics *, char *err, size_t errlen);
/* metrics_tick - accept, read, answer, write; drop idle scrapers */
void	 metrics_tick(struct metrics *, int ready, long long now_ms);
/*
 * metrics_next_ms - when a scraper's deadline is due, or accepting
 * resumes after a want of descriptors; -1: none
 */
int	 metrics_next_ms(const struct metrics *, long long now_ms);
/* proc_rss_bytes - resident memory from /proc/self/statm, -1: unknown */
long long proc_rss_bytes(void);

#endif
