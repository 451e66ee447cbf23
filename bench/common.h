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
 *	fork_pair(&fd)		fork with a socketpair; fd is this side's end
 *	spawn_cmd(argv, &fd)	run argv with stdin/stdout on a socketpair
 *	reap(pid, what)		wait (5 s at most); die unless it exited 0
 *	make_request(b, cap, i)	the socketmap lookup "bench key<i>@example.org"
 *	smaps(pid, &m)		Private_Clean, Private_Dirty, Rss (KiB) from
 *				/proc/PID/smaps_rollup; print_mem prints them
 *	cpu_ns(pid)		CPU time used so far (schedstat, else stat)
 *
 * Only libc: bench-drv must not map the libraries it measures.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_IO_TIMEOUT_MS	10000
#define BENCH_EXIT_TIMEOUT_MS	5000

extern const char *bench_prog;		/* message prefix */
extern void (*bench_on_die)(void);	/* e.g. kill a child */

void	 die(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
int64_t	 now_ns(void);
void	 write_all(int, const char *, size_t);
size_t	 read_some(int, char *, size_t);
void	 read_exact(int, char *, size_t);
void	 print_stats(const char *, int64_t *, size_t);

struct mem {
	long	 clean, dirty, rss;	/* KiB */
};

pid_t	 fork_pair(int *);
pid_t	 spawn_cmd(char **, int *);
void	 reap(pid_t, const char *);
size_t	 make_request(char *, size_t, unsigned long long);
void	 smaps(pid_t, struct mem *);
void	 print_mem(const char *, const struct mem *);
int64_t	 cpu_ns(pid_t);

void	 copy_file(const char *from, const char *to);

#endif
