/*
 * common.h - I/O, timing and statistics shared by the bench drivers
 *
 *	die(fmt, ...)		"<bench_prog>: message" on stderr, run
 *				bench_on_die (if set), exit 1
 *	now_ns()		CLOCK_MONOTONIC in nanoseconds
 *	write_all(fd, p, n)	all of it, or die
 *	read_some(fd, p, cap)	at least one byte within BENCH_IO_TIMEOUT_MS,
 *				or die (timeout, EOF, error)
 *	read_exact(fd, p, n)	exactly n bytes, or die
 *	print_stats(prefix, t, n)  sorts t and prints PREFIX_median_ns,
 *				_p90_ns, _p99_ns, _min_ns and _n lines
 *
 * Only libc: bench-drv must not map the libraries it measures.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_IO_TIMEOUT_MS	10000

extern const char *bench_prog;		/* message prefix */
extern void (*bench_on_die)(void);	/* e.g. kill a child */

void	 die(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
int64_t	 now_ns(void);
void	 write_all(int, const char *, size_t);
size_t	 read_some(int, char *, size_t);
void	 read_exact(int, char *, size_t);
void	 print_stats(const char *, int64_t *, size_t);

#endif
