/*
 * hop.c - what one process hop costs on this machine, for bench/e2e
 *
 * SYNOPSIS
 *	bench-hop [-n N]
 *
 * DESCRIPTION
 *	A parent and a forked child play ping-pong over a UNIX socketpair,
 *	6 bytes each way, N round trips (default 20000), twice: first with
 *	the two on different CPUs, then both on the first CPU.  Each round
 *	trip is the work of one hop of a request (a write that wakes the
 *	peer, a read that sleeps until the answer), with nothing else done.
 *
 *	A lookup through pfxhttp-tokend makes two such hops more than the
 *	trivial responder (pfxhttp-spawn to tokend, tokend to the backend),
 *	so this is the part of bench/e2e's gap that no code of ours can
 *	remove: what the kernel (and, in a VM, the hypervisor) charges for
 *	waking a process on another CPU.
 *
 *	Output: key=value lines, CPU time of both processes per round trip
 *	and the wall-clock round trip, in microseconds:
 *	hop_cross_cpu_us, hop_cross_rtt_us, hop_same_cpu_us, hop_same_rtt_us.
 *	On a machine with one CPU only the same-CPU pair is printed.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s) != 0) {
		perror("bench-hop: sched_setaffinity");
		exit(1);
	}
}

static double
usec(struct timeval tv)
{
	return (tv.tv_sec * 1e6 + tv.tv_usec);
}

/* rusage_us - user + system time of WHO */

static double
rusage_us(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (usec(ru.ru_utime) + usec(ru.ru_stime));
}

/* pingpong - N round trips, the child on CHILD_CPU, this process on
 * SELF_CPU; prints the two figures under PREFIX */

static void
pingpong(const char *prefix, long n, int self_cpu, int child_cpu)
{
	struct timespec a, z;
	double	 self0, kids0, cpu, rtt;
	char	 b[64];
	int	 sv[2], st;
	pid_t	 pid;
	long	 i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("bench-hop: socketpair");
		exit(1);
	}
	self0 = rusage_us(RUSAGE_SELF);
	kids0 = rusage_us(RUSAGE_CHILDREN);
	if ((pid = fork()) < 0) {
		perror("bench-hop: fork");
		exit(1);
	}
	if (pid == 0) {
		ssize_t r;

		close(sv[0]);
		pin(child_cpu);
		while ((r = read(sv[1], b, sizeof(b))) > 0)
			if (write(sv[1], b, (size_t)r) != r)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	pin(self_cpu);
	/* let the child pin itself and block in read() first */
	usleep(20000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (write(sv[0], "hello\n", 6) != 6 ||
		    read(sv[0], b, sizeof(b)) != 6) {
			fprintf(stderr, "bench-hop: short round trip\n");
			exit(1);
		}
	clock_gettime(CLOCK_MONOTONIC, &z);
	close(sv[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench-hop: the child failed\n");
		exit(1);
	}
	cpu = rusage_us(RUSAGE_SELF) - self0 + rusage_us(RUSAGE_CHILDREN) - kids0;
	rtt = ((z.tv_sec - a.tv_sec) * 1e9 + (z.tv_nsec - a.tv_nsec)) / 1e3;
	printf("hop_%s_cpu_us=%.1f\nhop_%s_rtt_us=%.1f\n", prefix, cpu / n,
	    prefix, rtt / n);
}

int
main(int argc, char **argv)
{
	cpu_set_t s;
	long	 n = 20000;
	int	 c, first = -1, second = -1, i;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n' || (n = strtol(optarg, NULL, 10)) <= 0) {
			fprintf(stderr, "usage: bench-hop [-n N]\n");
			return (64);
		}
	}
	if (sched_getaffinity(0, sizeof(s), &s) != 0) {
		perror("bench-hop: sched_getaffinity");
		return (1);
	}
	for (i = 0; i < CPU_SETSIZE && second < 0; i++)
		if (CPU_ISSET(i, &s)) {
			if (first < 0)
				first = i;
			else
				second = i;
		}
	if (second >= 0)
		pingpong("cross", n, first, second);
	pingpong("same", n, first, first);
	return (0);
}
