/*
 * child.h - run a program as a contained child process
 *
 * The program is started with execve() (no shell, no PATH search) in a
 * process group of its own, with the environment it is given and
 * nothing else, its stdin, stdout and stderr each a pipe to us or
 * /dev/null, every other descriptor closed (a Postfix socket never
 * reaches it), every signal at its default and PR_SET_PDEATHSIG set: it
 * never outlives the process that started it.  child_kill() sends the
 * whole group SIGKILL; child_reap() reaps it, blocking or not.
 */
#ifndef PFX_CHILD_H
#define PFX_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#define CHILD_STDIN	0x1	/* a pipe to its stdin, else /dev/null */
#define CHILD_STDOUT	0x2	/* a pipe from its stdout */
#define CHILD_STDERR	0x4	/* a pipe from its stderr */

/* how far a child that could not exec came */
enum child_stage { CHILD_RAN = 0, CHILD_SETUP = 1, CHILD_EXEC };

struct child {
	pid_t	 pid;		/* the leader, also the group id; -1: none */
	int	 pidfd;		/* readable at its exit; -1: ask waitid() */
	int	 in_w;		/* our ends (non-blocking, close-on-exec), */
	int	 out_r;		/* -1 when not a pipe or closed */
	int	 err_r;
	int	 status_r;	/* the exec report; -1 once read */
	int	 stage;		/* CHILD_RAN: execve() worked (or unknown) */
	int	 err;		/* errno of the failed stage */
	int	 status;	/* wait status, once reaped */
	int	 reaped;	/* the leader is reaped */
	int	 lost;		/* someone else reaped it: no status */
	int	 killed;	/* the group was sent SIGKILL */
};

/*
 * child_start - fork and exec argv with envp.  1: running; 0: not
 * started (why says so); -1: started but it cannot be watched (why):
 * kill and reap it.
 */
int	 child_start(struct child *, char *const argv[], char *const envp[],
	    int flags, char *why, size_t whylen);
/* child_report - read whether execve() worked (when status_r is ready) */
void	 child_report(struct child *);
/* child_exited - has the leader exited (not reaped yet)? */
int	 child_exited(const struct child *, short pidfd_revents);
/* child_kill - SIGKILL to the whole group and the leader */
void	 child_kill(struct child *);
/*
 * child_reap - kill the group and reap what is ours of it, the leader
 * last; with block 0 only what has exited.  1 when the leader is reaped
 * and no member of the group is left to us.
 */
int	 child_reap(struct child *, int block);
/* child_close - close our ends of the pipes and the pidfd */
void	 child_close(struct child *);
/* child_fd_close - close *fd if open, and set it to -1 */
void	 child_fd_close(int *);

#endif
