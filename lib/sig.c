/* Signals by name and number, their default actions, and what si_code says. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sig.h"

static const struct {
	int number;
	const char *name;         /* without SIG */
	enum sig_action action;
	const char *description;
	const char *alias;
} sigs[] = {
	{ SIGHUP, "HUP", ACT_TERM, "hangup of the controlling terminal; daemons reload", NULL },
	{ SIGINT, "INT", ACT_TERM, "interrupt from the keyboard (Ctrl+C)", NULL },
	{ SIGQUIT, "QUIT", ACT_CORE, "quit from the keyboard (Ctrl+\\)", NULL },
	{ SIGILL, "ILL", ACT_CORE, "illegal instruction", NULL },
	{ SIGTRAP, "TRAP", ACT_CORE, "trace or breakpoint trap", NULL },
	{ SIGABRT, "ABRT", ACT_CORE, "abort(3) was called", "IOT" },
	{ SIGBUS, "BUS", ACT_CORE, "bus error: bad memory access", NULL },
	{ SIGFPE, "FPE", ACT_CORE, "arithmetic error, like an integer division by zero", NULL },
	{ SIGKILL, "KILL", ACT_TERM, "kill at once: cannot be caught, blocked or ignored", NULL },
	{ SIGUSR1, "USR1", ACT_TERM, "user-defined signal 1", NULL },
	{ SIGSEGV, "SEGV", ACT_CORE, "invalid memory reference", NULL },
	{ SIGUSR2, "USR2", ACT_TERM, "user-defined signal 2", NULL },
	{ SIGPIPE, "PIPE", ACT_TERM, "write to a pipe or socket nobody reads", NULL },
	{ SIGALRM, "ALRM", ACT_TERM, "timer set by alarm(2) expired", NULL },
	{ SIGTERM, "TERM", ACT_TERM, "termination request (what kill sends unless told)", NULL },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT", ACT_TERM, "stack fault on a coprocessor (unused)", NULL },
#endif
	{ SIGCHLD, "CHLD", ACT_IGNORE, "a child stopped, continued or ended", "CLD" },
	{ SIGCONT, "CONT", ACT_CONTINUE, "continue if stopped", NULL },
	{ SIGSTOP, "STOP", ACT_STOP, "stop at once: cannot be caught, blocked or ignored", NULL },
	{ SIGTSTP, "TSTP", ACT_STOP, "stop from the keyboard (Ctrl+Z)", NULL },
	{ SIGTTIN, "TTIN", ACT_STOP, "a background process read from its terminal", NULL },
	{ SIGTTOU, "TTOU", ACT_STOP, "a background process wrote to its terminal", NULL },
	{ SIGURG, "URG", ACT_IGNORE, "urgent data on a socket", NULL },
	{ SIGXCPU, "XCPU", ACT_CORE, "CPU time limit exceeded (RLIMIT_CPU)", NULL },
	{ SIGXFSZ, "XFSZ", ACT_CORE, "file size limit exceeded (RLIMIT_FSIZE)", NULL },
	{ SIGVTALRM, "VTALRM", ACT_TERM, "virtual (CPU) timer expired", NULL },
	{ SIGPROF, "PROF", ACT_TERM, "profiling timer expired", NULL },
	{ SIGWINCH, "WINCH", ACT_IGNORE, "the terminal's window changed size", NULL },
	{ SIGIO, "IO", ACT_TERM, "I/O is possible on a descriptor", "POLL" },
#ifdef SIGPWR
	{ SIGPWR, "PWR", ACT_TERM, "power failure", NULL },
#endif
	{ SIGSYS, "SYS", ACT_CORE, "bad system call (a seccomp filter refused it)", NULL },
};
#define NSIGS (sizeof(sigs) / sizeof(sigs[0]))

const char *sig_action_name(enum sig_action a)
{
	static const char *const names[] = { "term", "core", "ignore", "stop", "continue" };

	return names[a];
}

int sig_max(void)
{
	return SIGRTMAX;
}

static int classic(int n)
{
	for (size_t i = 0; i < NSIGS; i++)
		if (sigs[i].number == n)
			return (int)i;
	return -1;
}

bool sig_usable(int n)
{
	return (n >= 1 && n < SIGRTMIN && classic(n) >= 0) || (n >= SIGRTMIN && n <= SIGRTMAX);
}

/* As bash's kill -l writes them: RTMIN, RTMIN+1 to the middle, RTMAX-N after, RTMAX. */
static void rt_name(int n, char *buf, size_t len)
{
	int lo = n - SIGRTMIN, hi = SIGRTMAX - n;

	if (lo == 0)
		snprintf(buf, len, "SIGRTMIN");
	else if (hi == 0)
		snprintf(buf, len, "SIGRTMAX");
	else if (lo <= (SIGRTMAX - SIGRTMIN) / 2)
		snprintf(buf, len, "SIGRTMIN+%d", lo);
	else
		snprintf(buf, len, "SIGRTMAX-%d", hi);
}

const char *sig_name(int n, char *buf, size_t len)
{
	int i = classic(n);

	if (i >= 0)
		snprintf(buf, len, "SIG%s", sigs[i].name);
	else if (n >= SIGRTMIN && n <= SIGRTMAX)
		rt_name(n, buf, len);
	else
		snprintf(buf, len, "SIG%d", n);
	return buf;
}

int sig_describe(int n, struct sig_desc *d)
{
	int i = classic(n);

	if (!sig_usable(n)) {
		errno = EINVAL;
		return -1;
	}
	d->number = n;
	sig_name(n, d->name, sizeof(d->name));
	d->catchable = n != SIGKILL && n != SIGSTOP;
	if (i >= 0) {
		d->action = sigs[i].action;
		d->description = sigs[i].description;
		d->alias = sigs[i].alias;
	} else {
		d->action = ACT_TERM;
		d->description = "real-time signal for applications: queued, with a value";
		d->alias = NULL;
	}
	return 0;
}

/* Digits only, at most 4 of them, to an int; -1 if not that. */
static int small_decimal(const char *s)
{
	int v = 0;

	if (*s == '\0' || strlen(s) > 4)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* RTMIN, RTMIN+N, RTMAX, RTMAX-N (the SIG already taken off); 0 if not that form. */
static int rt_parse(const char *s, int *sig, char *why, size_t len)
{
	bool min = strncasecmp(s, "RTMIN", 5) == 0;
	int off = 0;

	if (!min && strncasecmp(s, "RTMAX", 5) != 0)
		return 0;
	if (s[5] != '\0') {
		if (s[5] != (min ? '+' : '-') || (off = small_decimal(s + 6)) < 0) {
			snprintf(why, len, "write RTMIN+N or RTMAX-N with a decimal N");
			return -1;
		}
	}
	int n = min ? SIGRTMIN + off : SIGRTMAX - off;
	if (n < SIGRTMIN || n > SIGRTMAX) {
		snprintf(why, len, "real-time signals are RTMIN+0 to RTMIN+%d (%d to %d)",
		         SIGRTMAX - SIGRTMIN, SIGRTMIN, SIGRTMAX);
		return -1;
	}
	*sig = n;
	return 1;
}

int sig_parse(const char *s, bool zero_ok, int *sig, char *why, size_t len)
{
	const char *p = s;
	int n, r;

	errno = EINVAL;
	if (s[0] >= '0' && s[0] <= '9') {
		n = small_decimal(s);
		if (n == 0 && zero_ok) {
			*sig = 0;
			return 0;
		}
		if (sig_usable(n)) {
			*sig = n;
			return 0;
		}
		if (n > SIGSYS && n < SIGRTMIN)
			snprintf(why, len, "signal %d is kept by the C library for its threads; "
			         "real-time signals start at RTMIN (%d)", n, SIGRTMIN);
		else if (s[strspn(s, "0123456789")] != '\0')
			snprintf(why, len, "unknown signal: a signal number is decimal (see ipc-sig list)");
		else
			snprintf(why, len, "no such signal: signals are 1 to %d%s", SIGRTMAX,
			         zero_ok ? ", and 0 checks that a process exists" : "");
		return -1;
	}
	if (strncasecmp(p, "SIG", 3) == 0 && p[3] != '\0')
		p += 3;
	if ((r = rt_parse(p, sig, why, len)) != 0)
		return r > 0 ? 0 : -1;
	for (size_t i = 0; i < NSIGS; i++) {
		if (strcasecmp(p, sigs[i].name) == 0 || (sigs[i].alias && strcasecmp(p, sigs[i].alias) == 0)) {
			*sig = sigs[i].number;
			return 0;
		}
	}
	snprintf(why, len, "unknown signal (see ipc-sig list)");
	return -1;
}

static const struct {
	int sig;                  /* 0: any signal */
	int code;
	const char *name, *origin;
} codes[] = {
	{ 0, SI_USER, "SI_USER", "kill" },
	{ 0, SI_QUEUE, "SI_QUEUE", "sigqueue" },
	{ 0, SI_TKILL, "SI_TKILL", "tkill" },
	{ 0, SI_KERNEL, "SI_KERNEL", "kernel" },
	{ 0, SI_TIMER, "SI_TIMER", "timer" },
	{ 0, SI_MESGQ, "SI_MESGQ", "mq_notify" },
	{ 0, SI_ASYNCIO, "SI_ASYNCIO", "aio" },
	{ 0, SI_SIGIO, "SI_SIGIO", "sigio" },
	{ 0, SI_ASYNCNL, "SI_ASYNCNL", "getaddrinfo_a" },
	{ SIGCHLD, CLD_EXITED, "CLD_EXITED", "exited" },
	{ SIGCHLD, CLD_KILLED, "CLD_KILLED", "killed" },
	{ SIGCHLD, CLD_DUMPED, "CLD_DUMPED", "dumped" },
	{ SIGCHLD, CLD_TRAPPED, "CLD_TRAPPED", "trapped" },
	{ SIGCHLD, CLD_STOPPED, "CLD_STOPPED", "stopped" },
	{ SIGCHLD, CLD_CONTINUED, "CLD_CONTINUED", "continued" },
	{ SIGIO, POLL_IN, "POLL_IN", "poll-in" },
	{ SIGIO, POLL_OUT, "POLL_OUT", "poll-out" },
	{ SIGIO, POLL_MSG, "POLL_MSG", "poll-msg" },
	{ SIGIO, POLL_ERR, "POLL_ERR", "poll-err" },
	{ SIGIO, POLL_PRI, "POLL_PRI", "poll-pri" },
	{ SIGIO, POLL_HUP, "POLL_HUP", "poll-hup" },
};

static int code_index(int sig, int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code && (codes[i].sig == 0 ? code <= 0 : codes[i].sig == sig))
			return (int)i;
	return -1;
}

const char *sig_code_name(int sig, int code)
{
	int i = code_index(sig, code);

	return i < 0 ? NULL : codes[i].name;
}

const char *sig_code_origin(int sig, int code, char *buf, size_t len)
{
	int i = code_index(sig, code);

	if (i >= 0)
		return codes[i].origin;
	snprintf(buf, len, "code-%d", code);
	return buf;
}

bool sig_code_has_value(int code)
{
	return code == SI_QUEUE || code == SI_TIMER || code == SI_MESGQ;
}
