/*
 * child.c - run a program as a contained child process (see child.h)
 *
 * SECURITY
 *	Everything the child needs is ready before fork(); between fork()
 *	and execve() it calls only async-signal-safe functions (the parent
 *	may have threads; malloc's lock may be held).  Nothing is written
 *	to fd 2 here: in pfxhttp-spawn that is the Postfix socket.
 *
 *	The group is killed before the leader is reaped: the unreaped
 *	leader holds the group id, so kill(-pid) cannot hit a stranger.  A
 *	process that leaves the group on purpose (setsid(), setpgid())
 *	escapes; containing those takes a cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

/* What a child that could not exec tells its parent on the status pipe. */
struct child_msg {
	int	 stage;
	int	 err;
};

/* What the child needs, ready before fork(). */
struct plan {
	char *const *argv;
	char *const *envp;
	int	 fd[3];		/* its 0, 1 and 2 */
	int	 status_w;	/* close-on-exec: EOF means exec worked */
	int	 max_fd;	/* for closing without close_range() */
	pid_t	 parent;	/* who we must not outlive */
};

void
child_fd_close(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* fd_high - fd moved above 0, 1 and 2 (a caller that closed them) */

static int
fd_high(int fd)
{
	int	 nfd;

	if (fd < 0 || fd > 2)
		return (fd);
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	(void)close(fd);
	return (nfd);
}

/* child_fail - tell the parent why there is no program, and go */

__attribute__((noreturn))
static void
child_fail(int fd, int stage)
{
	struct child_msg rep = { stage, errno };
	ssize_t	 n;

	n = write(fd, &rep, sizeof(rep));	/* a pipe: all or nothing */
	(void)n;
	_exit(127);
}

__attribute__((noreturn))
static void
child_exec(const struct plan *p)
{
	struct sigaction sa;
	sigset_t none;
	int	 sig, fd, sfd = p->status_w;

	/* first, so the parent's kill(-pid) can never miss us */
	(void)setpgid(0, 0);
	/* the program must not outlive us (spawn(8) kills our group only) */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != p->parent)
		_exit(127);	/* the parent died before the line above */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* EINVAL: KILL, STOP */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* the plan's descriptors are all 3 or above (fd_high) */
	for (fd = 0; fd < 3; fd++)
		if (dup2(p->fd[fd], fd) < 0)
			child_fail(sfd, CHILD_SETUP);
	if (sfd != 3) {
		if (dup3(sfd, 3, O_CLOEXEC) < 0)
			child_fail(sfd, CHILD_SETUP);
		sfd = 3;
	}
	if (close_range(4, ~0U, 0) < 0)
		for (fd = 4; fd < p->max_fd; fd++)
			(void)close(fd);
	execve(p->argv[0], p->argv, p->envp);
	child_fail(sfd, CHILD_EXEC);
}

/* a_pipe - a pipe above fd 2; ours is end mine, made non-blocking */

static int
a_pipe(int fds[2], int mine)
{
	if (pipe2(fds, O_CLOEXEC) < 0 || (fds[0] = fd_high(fds[0])) < 0 ||
	    (fds[1] = fd_high(fds[1])) < 0)
		return (-1);
	/* only our end: the program's stays blocking */
	if (mine >= 0)
		(void)fcntl(fds[mine], F_SETFL, O_NONBLOCK);
	return (0);
}

int
child_start(struct child *c, char *const argv[], char *const envp[],
    int flags, char *why, size_t whylen)
{
	struct plan p;
	struct rlimit rl;
	int	 io[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	int	 stp[2] = { -1, -1 }, null_fd, ok = 0, i;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->pidfd = c->in_w = c->out_r = c->err_r = c->status_r = -1;
	memset(&p, 0, sizeof(p));
	if ((null_fd = fd_high(open("/dev/null", O_RDWR | O_CLOEXEC))) < 0) {
		snprintf(why, whylen, "cannot open /dev/null: %s",
		    strerror(errno));
		return (0);
	}
	if (((flags & CHILD_STDIN) && a_pipe(io[0], 1) < 0) ||
	    ((flags & CHILD_STDOUT) && a_pipe(io[1], 0) < 0) ||
	    ((flags & CHILD_STDERR) && a_pipe(io[2], 0) < 0) ||
	    a_pipe(stp, 0) < 0) {
		snprintf(why, whylen, "cannot make a pipe: %s",
		    strerror(errno));
		goto out;
	}
	p.argv = argv;
	p.envp = envp;
	p.fd[0] = (flags & CHILD_STDIN) ? io[0][0] : null_fd;
	p.fd[1] = (flags & CHILD_STDOUT) ? io[1][1] : null_fd;
	p.fd[2] = (flags & CHILD_STDERR) ? io[2][1] : null_fd;
	p.status_w = stp[1];
	p.max_fd = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1 << 20) ?
	    (int)rl.rlim_cur : (1 << 20);
	p.parent = getpid();
	if ((c->pid = fork()) < 0) {
		snprintf(why, whylen, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (c->pid == 0)
		child_exec(&p);
	(void)setpgid(c->pid, c->pid);	/* EACCES once it has exec'd */
	c->in_w = io[0][1];
	c->out_r = io[1][0];
	c->err_r = io[2][0];
	c->status_r = stp[0];
	io[0][1] = io[1][0] = io[2][0] = stp[0] = -1;
	if ((c->pidfd = pidfd_open(c->pid, 0)) < 0 && errno != ENOSYS) {
		snprintf(why, whylen, "pidfd_open: %s", strerror(errno));
		ok = -1;	/* started, but cannot be watched */
		goto out;
	}
	if (c->pidfd >= 0)
		c->pidfd = fd_high(c->pidfd);
	ok = 1;
out:
	for (i = 0; i < 3; i++) {
		child_fd_close(&io[i][0]);
		child_fd_close(&io[i][1]);
	}
	child_fd_close(&stp[0]);
	child_fd_close(&stp[1]);
	child_fd_close(&null_fd);
	return (ok);
}

void
child_report(struct child *c)
{
	struct child_msg rep;
	ssize_t	 n;

	if (c->status_r < 0)
		return;
	while ((n = read(c->status_r, &rep, sizeof(rep))) < 0 &&
	    errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(rep)) {
		c->stage = rep.stage;
		c->err = rep.err;
	}
	child_fd_close(&c->status_r);
}

int
child_exited(const struct child *c, short pid_revents)
{
	siginfo_t si;

	if (c->pid < 0 || c->reaped || c->lost)
		return (1);
	if (c->pidfd >= 0)
		return (pid_revents != 0);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) <
	    0)
		return (errno != EINTR);	/* not ours to wait for */
	return (si.si_pid == c->pid);
}

void
child_kill(struct child *c)
{
	if (c->pid <= 0 || c->reaped || c->lost)
		return;
	/* the unreaped leader still holds the group id */
	(void)kill(-c->pid, SIGKILL);
	(void)kill(c->pid, SIGKILL);	/* it may have left the group */
	c->killed = 1;
}

int
child_reap(struct child *c, int block)
{
	int	 st, opt = block ? 0 : WNOHANG;
	pid_t	 p;

	if (c->pid <= 0)
		return (1);
	child_kill(c);	/* not once the leader is reaped: see SECURITY */
	for (;;) {
		if ((p = waitpid(-c->pid, &st, opt)) == c->pid) {
			c->status = st;
			c->reaped = 1;
		} else if (p == 0) {
			return (0);	/* some are still dying */
		} else if (p < 0 && errno != EINTR) {
			break;		/* ECHILD: the group is gone */
		}
	}
	while (!c->reaped && !c->lost) {
		if ((p = waitpid(c->pid, &st, opt)) == c->pid) {
			c->status = st;
			c->reaped = 1;
		} else if (p == 0) {
			return (0);
		} else if (p < 0 && errno != EINTR) {
			c->lost = 1;	/* someone else reaped it */
			break;
		}
	}
	return (1);
}

void
child_close(struct child *c)
{
	child_fd_close(&c->pidfd);
	child_fd_close(&c->in_w);
	child_fd_close(&c->out_r);
	child_fd_close(&c->err_r);
	child_fd_close(&c->status_r);
}
