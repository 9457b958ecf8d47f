/*
 * Two commands wired both ways: the first's stdout is the second's stdin and
 * the second's stdout the first's stdin, with pipe(2), fork(2), dup2(2) and
 * execvp(3) done in the open, as a textbook does them, so --trace shows each.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "pipe.h"

static void held_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/* ["bc", "-q"]: argv as a trace line shows it (trace_call escapes the line). */
static char *argv_text(char *const argv[])
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	fputc('[', f);
	for (int i = 0; argv[i]; i++) {
		fputs(i ? ", \"" : "\"", f);
		for (const char *p = argv[i]; *p; p++)
			fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		fputc('"', f);
	}
	fputc(']', f);
	if (fclose(f) == EOF)
		return NULL;
	return out;
}

/* In the child: fd becomes target (its close-on-exec flag cleared by dup2). */
static void move_fd(int fd, int target, bool trace)
{
	int r = dup2(fd, target);
	trace_call(trace, r, errno, "[pid %d] dup2(%d, %d)", (int)getpid(), fd, target);
}

static _Noreturn void run_child(struct pipe_cmd *c, int in, int out, int report, const sigset_t *mask,
                                bool trace)
{
	int e;

	sigprocmask(SIG_SETMASK, mask, NULL);
	move_fd(in, STDIN_FILENO, trace);
	move_fd(out, STDOUT_FILENO, trace);
	execvp(c->argv[0], c->argv);
	e = errno;
	if (write(report, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(child_exec_code(e));
	_exit(child_exec_code(e));
}

/* Forks and execs one; c->exec_err is execvp's errno in the child (0: it runs). */
static int start_one(struct pipe_cmd *c, int in, int out, const sigset_t *mask, bool trace)
{
	int report[2], e = 0;

	if (pipe2(report, O_CLOEXEC) == -1)
		return -1;
	c->pid = fork();
	if (c->pid == 0) {
		trace_call(trace, 0, 0, "[pid %d] fork()", (int)getpid());
		run_child(c, in, out, report[1], mask, trace);
	}
	trace_call(trace, c->pid, errno, "fork()");
	close(report[1]);
	if (c->pid == -1) {
		close(report[0]);
		return -1;
	}
	ssize_t n;
	do
		n = read(report[0], &e, sizeof(e));
	while (n == -1 && errno == EINTR);
	close(report[0]);
	c->exec_err = n == (ssize_t)sizeof(e) ? e : 0;
	char *args = trace ? argv_text(c->argv) : NULL;
	trace_call(trace, c->exec_err ? -1 : 0, c->exec_err, "[pid %d] execvp(\"%s\", %s)", (int)c->pid,
	           c->argv[0], args ? args : "...");
	free(args);
	return 0;
}

/* With 0, 1 or 2 closed, a new pipe would take its number and dup2 would go wrong. */
static void fill_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			open("/dev/null", O_RDWR);   /* takes the lowest free number: fd */
}

int pipe_connect_start(struct pipe_connect *pc, bool trace)
{
	int a[2] = { -1, -1 }, b[2] = { -1, -1 }, r = -1;
	sigset_t held;
	struct sigaction sa;

	fill_std_fds();
	pc->cmd[0].pid = pc->cmd[1].pid = -1;
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		signal(SIGCHLD, SIG_DFL);
	held_signals(&held);
	if (sigprocmask(SIG_BLOCK, &held, &pc->saved_mask) == -1)
		return -1;
	/* a: the first's stdout to the second's stdin; b: back. */
	int ra = pipe2(a, O_CLOEXEC);
	trace_call(trace, ra, errno, "pipe2([%d, %d], O_CLOEXEC)", a[0], a[1]);
	int rb = ra == -1 ? -1 : pipe2(b, O_CLOEXEC);
	if (ra == 0)
		trace_call(trace, rb, errno, "pipe2([%d, %d], O_CLOEXEC)", b[0], b[1]);
	if (rb == 0 && start_one(&pc->cmd[0], b[0], a[1], &pc->saved_mask, trace) == 0 &&
	    start_one(&pc->cmd[1], a[0], b[1], &pc->saved_mask, trace) == 0)
		r = 0;
	int e = errno;
	for (int i = 0; i < 2; i++) {
		if (a[i] != -1)
			close(a[i]);
		if (b[i] != -1)
			close(b[i]);
	}
	if (r == -1) {   /* nothing is left running: the first, if started, is stopped */
		if (pc->cmd[0].pid > 0) {
			kill(pc->cmd[0].pid, SIGTERM);
			waitpid(pc->cmd[0].pid, NULL, 0);
		}
		sigprocmask(SIG_SETMASK, &pc->saved_mask, NULL);
		errno = e;
	}
	return r;
}

static void signal_both(struct pipe_connect *pc, int sig)
{
	for (int i = 0; i < 2; i++)
		if (pc->cmd[i].pid > 0 && !pc->cmd[i].done)
			kill(pc->cmd[i].pid, sig);
}

/* The time left to the deadline as a timespec; false when it has passed. */
static bool time_left(int64_t deadline, struct timespec *ts)
{
	int64_t left = deadline - pipe_now_ns();

	if (left <= 0)
		return false;
	ts->tv_sec = (time_t)(left / 1000000000);
	ts->tv_nsec = (long)(left % 1000000000);
	return true;
}

/* Reaps whichever have ended; the number still running. */
static int reap(struct pipe_connect *pc)
{
	int running = 0, st;

	for (int i = 0; i < 2; i++) {
		struct pipe_cmd *c = &pc->cmd[i];
		if (c->done)
			continue;
		pid_t p = waitpid(c->pid, &st, WNOHANG);
		if (p == c->pid || (p == -1 && errno == ECHILD)) {
			c->done = true;
			c->status = p == c->pid ? st : 0;
			if (pc->first_failed == -1 && child_exit_code(c->status) != 0)
				pc->first_failed = i;
		} else {
			running++;
		}
	}
	return running;
}

int pipe_connect_wait(struct pipe_connect *pc, int64_t timeout_ns)
{
	int64_t deadline = timeout_ns >= 0 ? pipe_now_ns() + timeout_ns : -1;
	sigset_t held;
	siginfo_t si;
	struct timespec ts;

	pc->first_failed = -1;
	pc->signal = 0;
	pc->timed_out = false;
	held_signals(&held);
	while (reap(pc) > 0) {
		int sig;
		if (deadline < 0) {
			sig = sigwaitinfo(&held, &si);
		} else if (time_left(deadline, &ts)) {
			sig = sigtimedwait(&held, &si, &ts);
		} else {
			/* Out of time: asked to stop, then, 2 s later, made to. */
			signal_both(pc, pc->timed_out ? SIGKILL : SIGTERM);
			deadline = pc->timed_out ? -1 : pipe_now_ns() + 2000000000;
			pc->timed_out = true;
			continue;
		}
		if (sig <= 0 || sig == SIGCHLD)
			continue;
		/* Sent to this process (kill): passed on. A terminal's ^C went to all already. */
		if (si.si_code <= 0)
			signal_both(pc, sig);
		pc->signal = sig;
	}
	sigprocmask(SIG_SETMASK, &pc->saved_mask, NULL);
	return 0;
}
