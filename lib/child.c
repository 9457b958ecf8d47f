/* Running a child command: as a shell runs it, with signals passed on while it runs. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipckit.h"

extern char **environ;

/* What the caller holds while the child runs: the stop signals to pass on, and SIGCHLD. */
static void held_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

int child_start(struct child *c, char *const argv[], int fd_in, int fd_out)
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t all, none, held;
	struct sigaction sa;
	int e;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	/* An ignored SIGCHLD would reap the child before we could read its status. */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		signal(SIGCHLD, SIG_DFL);
	held_signals(&held);
	if (sigprocmask(SIG_BLOCK, &held, &c->saved_mask) == -1)
		return -1;
	sigfillset(&all);
	sigemptyset(&none);
	if ((e = posix_spawnattr_init(&attr)) != 0)
		goto out_mask;
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		goto out_mask;
	}
	/* The child starts as from a shell: every signal at its default, none blocked. */
	if ((e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0 &&
	    (e = posix_spawnattr_setsigdefault(&attr, &all)) == 0 &&
	    (e = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (fd_in < 0 || (e = posix_spawn_file_actions_adddup2(&fa, fd_in, STDIN_FILENO)) == 0) &&
	    (fd_out < 0 || (e = posix_spawn_file_actions_adddup2(&fa, fd_out, STDOUT_FILENO)) == 0))
		e = posix_spawnp(&c->pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e == 0)
		return 0;
out_mask:
	sigprocmask(SIG_SETMASK, &c->saved_mask, NULL);
	c->pid = -1;
	errno = e;
	return -1;
}

int child_wait(struct child *c, int *status)
{
	sigset_t held;
	siginfo_t si;
	int r = -1;

	held_signals(&held);
	for (;;) {
		pid_t p = waitpid(c->pid, status, WNOHANG);
		if (p == c->pid) {
			r = 0;
			break;
		}
		if (p == -1 && errno != EINTR)
			break;
		if (p == -1)
			continue;
		int sig = sigwaitinfo(&held, &si);
		if (sig <= 0 || sig == SIGCHLD)
			continue;
		/*
		 * Sent to this process (kill, sigqueue): pass it on. A terminal's ^C
		 * (si_code SI_KERNEL) went to the child already, as to the whole group.
		 */
		if (si.si_code <= 0)
			kill(c->pid, sig);
		c->signal = sig;
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &c->saved_mask, NULL);
	c->pid = -1;
	errno = e;
	return r;
}

int child_run(char *const argv[], int *status, int *stop)
{
	struct child c;

	if (child_start(&c, argv, -1, -1) == -1 || child_wait(&c, status) == -1)
		return -1;
	*stop = c.signal;
	return 0;
}

int child_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EXIT_FAIL;
}

int child_exec_code(int err)
{
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}
