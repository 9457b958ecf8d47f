/* ipc-sig: send signals (with a value), wait for them and see who sent them, explain them. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "sig.h"

static int cmd_send(int, char *[]);
static int cmd_wait(int, char *[]);
static int cmd_list(int, char *[]);
static int cmd_info(int, char *[]);
static int cmd_status(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "send", cmd_send, "send [--value N] [-p FILE]... [-v] SIGNAL [TARGET...]" },
	{ "wait", cmd_wait, "wait [-n COUNT] [-t DURATION] [-p FILE] [-J] SIGNAL..." },
	{ "list", cmd_list, "list [-J | -n]" },
	{ "info", cmd_info, "info [-J] SIGNAL" },
	{ "status", cmd_status, "status [-J] PID" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool trace;

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ARGS");

	if (full)
		fputs("\nSend signals, wait for them and see who sent each, list and explain them,\n"
		      "decode a process's signal masks.\n\n"
		      "  send          SIGNAL to each TARGET: a decimal PID, or a command name (exact;\n"
		      "                never ipc-sig itself or its ancestors); 0 checks it exists\n"
		      "      --value N     send with sigqueue(3), carrying the integer N\n"
		      "  -p, --pidfile FILE  also the PID this file holds (send); write ours (wait)\n"
		      "  -v, --verbose     say what was sent to whom\n"
		      "  wait          print our PID, then the sender of each SIGNAL that comes\n"
		      "  -n, --count N     how many signals (1; 0: no limit)\n"
		      "  -t, --timeout DUR wait at most DUR (status 6)\n"
		      "  -J, --json        one JSON document\n"
		      "  list          every signal: number, name, default action, description\n"
		      "  -n, --noheadings  no header line\n"
		      "  info          one signal; status: a process's pending, blocked, ignored\n"
		      "                and caught signals, from /proc/PID/status\n"
		      "      --trace       print each system call on stderr\n\n"
		      "SIGNAL: a name with or without SIG in any case (TERM, SIGUSR1, usr1, RTMIN+3,\n"
		      "RTMAX-1) or a decimal number. See ipc-sig(1).\n", f);
}

static const char *sig_errno_text(const char *what, int err)
{
	if (strncmp(what, "send", 4) != 0)
		return NULL;
	if (err == EPERM)
		return "not permitted: another user's process";
	if (err == EAGAIN)
		return "its queue of pending signals is full (RLIMIT_SIGPENDING)";
	return NULL;
}

static const struct cli_tool tool = {
	.name = "ipc-sig", .noun = "process", .usage = usage, .errno_text = sig_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

static int parse_sig(const char *cmd, const char *s, bool zero_ok)
{
	char why[160];
	int sig;

	if (sig_parse(s, zero_ok, &sig, why, sizeof(why)) == -1)
		bad_usage("%s: %s: %s", cmd, ename(s), why);
	return sig;
}

static const char *name_of(int sig, char *buf, size_t len)
{
	if (sig == 0)
		return "0";
	return sig_name(sig, buf, len);
}

struct send_opts {
	int sig;
	bool queue;               /* --value: sigqueue */
	int value;
	bool verbose;
};

/* by_name: a process found by name that has ended since is not an error (-1). */
static int send_pid(const struct send_opts *o, pid_t pid, const char *target, bool by_name)
{
	char nb[16], what[32];
	const char *sn = name_of(o->sig, nb, sizeof(nb));
	int r;

	if (o->queue) {
		r = sigqueue(pid, o->sig, (union sigval){ .sival_int = o->value });
		trace_call(trace, r, errno, "sigqueue(%d, %s, {sival_int=%d})", (int)pid, sn, o->value);
	} else {
		r = kill(pid, o->sig);
		trace_call(trace, r, errno, "kill(%d, %s)", (int)pid, sn);
	}
	snprintf(what, sizeof(what), "send %s", sn);
	if (r == -1 && by_name && errno == ESRCH)
		return -1;
	if (r == -1)
		return warn_errno(what, target, errno);
	if (o->verbose && o->sig == 0)
		printf("pid %d exists\n", (int)pid);
	else if (o->verbose)
		printf("%s sent to pid %d\n", sn, (int)pid);
	return EXIT_OK;
}

/* A TARGET of digits is a PID; one that looks like a number otherwise is refused. */
static bool looks_numeric(const char *t)
{
	return t[0] == '-' || t[0] == '+' || (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'));
}

static void check_target(const char *t)
{
	long long v;

	if (t[0] == '\0')
		bad_usage("send: an empty TARGET");
	if (t[strspn(t, "0123456789")] == '\0') {
		if (parse_int_range(t, 0, INT_MAX, &v) == -1)
			bad_usage("send: %s: not a PID (1 to %d)", ename(t), INT_MAX);
		if (v == 0)
			bad_usage("send: PID 0 would signal the caller's process group; "
			          "ipc-sig signals processes only");
	} else if (looks_numeric(t)) {
		bad_usage("send: %s: not a PID: PIDs are decimal, and a negative one (a process group) "
		          "is never signalled", ename(t));
	}
}

static int send_target(const struct send_opts *o, const char *t)
{
	char label[64], nb[16];
	pid_t *pids;
	size_t n;
	int code = EXIT_OK, c;

	if (t[strspn(t, "0123456789")] == '\0')
		return send_pid(o, (pid_t)atoi(t), t, false);
	if (proc_by_name(t, &pids, &n) == -1)
		die(EXIT_FAIL, "send: reading /proc: %s", strerror(errno));
	size_t gone = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "%.40s (pid %d)", t, (int)pids[i]);
		if ((c = send_pid(o, pids[i], label, true)) == -1)
			gone++;
		else if (c != EXIT_OK && code == EXIT_OK)
			code = c;
	}
	free(pids);
	if (gone == n) {
		say("send %s %s: no process of that name", name_of(o->sig, nb, sizeof(nb)), ename(t));
		return EXIT_NOTFOUND;
	}
	return code;
}

static int send_pidfile(const struct send_opts *o, const char *file)
{
	char nb[16], what[48];
	pid_t pid;

	if (pidfile_pid(file, &pid) == 0)
		return send_pid(o, pid, file, false);
	snprintf(what, sizeof(what), "send %s", name_of(o->sig, nb, sizeof(nb)));
	if (errno == EINVAL) {
		say("%s %s: no PID in it (a decimal number on its first line)", what, ename(file));
		return EXIT_FAIL;
	}
	say("%s %s: %s", what, ename(file), errno == ENOENT ? "no such file" : strerror(errno));
	return exit_code_for_errno(errno);
}

static int cmd_send(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "value", required_argument, NULL, 'q' }, { "pidfile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' }, { NULL, 0, NULL, 0 },
	};
	struct send_opts o = { 0 };
	char **files = calloc((size_t)argc, sizeof(char *));
	size_t nfiles = 0;
	int code = EXIT_OK, c, ch;

	if (files == NULL)
		die(EXIT_FAIL, "out of memory");
	while ((ch = cli_getopt(argc, argv, "p:v0123456789", lo)) != -1) {
		switch (ch) {
		case 'q': o.value = (int)opt_int(optarg, INT_MIN, INT_MAX, "--value"); o.queue = true; break;
		case 'p': files[nfiles++] = optarg; break;
		case 'v': o.verbose = true; break;
		default:   /* a digit: "-9" or "-1234" */
			bad_usage("send: a dash and a number is neither a signal nor a PID here: give the "
			          "signal without a dash (send 9 PID); negative PIDs (process groups) are "
			          "never signalled");
		}
	}
	if (optind >= argc)
		bad_usage("send needs a SIGNAL and a TARGET");
	o.sig = parse_sig("send", argv[optind++], true);
	if (optind >= argc && nfiles == 0)
		bad_usage("send needs a TARGET: a PID, a command name or --pidfile FILE");
	for (int i = optind; i < argc; i++)   /* every TARGET is checked before any is signalled */
		check_target(argv[i]);
	for (size_t i = 0; i < nfiles; i++)
		if ((c = send_pidfile(&o, files[i])) != EXIT_OK && code == EXIT_OK)
			code = c;
	for (int i = optind; i < argc; i++)
		if ((c = send_target(&o, argv[i])) != EXIT_OK && code == EXIT_OK)
			code = c;
	free(files);
	return code;
}

struct waiter {
	sigset_t want, stops, all;
	long long count, got;
	int64_t timeout;          /* ns, -1 for none */
	bool json;
	struct pidfile pf;
};

static void wait_end(struct waiter *w)
{
	if (w->json)
		fputs(w->got ? "\n  ]\n}\n" : "]\n}\n", stdout);
	pidfile_delete(&w->pf, trace);
}

static void wait_out_flush(struct waiter *w)
{
	if (fflush(stdout) == EOF) {
		int e = errno;
		pidfile_delete(&w->pf, trace);
		say("write error: %s", strerror(e));
		_exit(EXIT_FAIL);   /* not exit: stdout would be flushed, and fail, again */
	}
}

static void wait_start(struct waiter *w, const char *pidfile)
{
	char nb[16], buf[512];
	bool first = true;

	int r = sigprocmask(SIG_BLOCK, &w->all, NULL);
	trace_call(trace, r, errno, "sigprocmask(SIG_BLOCK, %s, NULL)", sigset_text(&w->all, buf, sizeof(buf)));
	if (r == -1)
		die(EXIT_FAIL, "wait: sigprocmask: %s", strerror(errno));
	/* A waited signal ignored from the start (SIGCHLD's auto-reaping, say) would never queue. */
	for (int s = 1; s <= sig_max(); s++) {
		struct sigaction sa;
		if (sigismember(&w->want, s) == 1 && sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			signal(s, SIG_DFL);
	}
	if (!sigismember(&w->want, SIGPIPE))
		signal(SIGPIPE, SIG_IGN);   /* a closed stdout is a write error: the pid file goes */
	w->pf.dfd = -1;
	if (pidfile && pidfile_create(&w->pf, pidfile, getpid(), trace) == -1)
		die(exit_code_for_errno(errno), "wait: %s: %s", ename(pidfile), strerror(errno));
	printf(w->json ? "{\n  \"pid\": %d,\n  \"waiting_for\": [" : "pid %d waiting for", (int)getpid());
	for (int s = 1; s <= sig_max(); s++) {
		if (sigismember(&w->want, s) != 1)
			continue;
		printf(w->json ? "%s\"%s\"" : "%s%s", w->json ? (first ? "" : ", ") : " ", sig_name(s, nb, sizeof(nb)));
		first = false;
	}
	fputs(w->json ? "],\n  \"received\": [" : "\n", stdout);
	wait_out_flush(w);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Takes signals until COUNT came (0), the deadline passed (EAGAIN) or a stop signal came (it). */
static int wait_loop(struct waiter *w)
{
	int64_t start = now_ns();
	/* A deadline past what int64 holds is no deadline: hundreds of years. */
	int64_t deadline = w->timeout < 0 || w->timeout > INT64_MAX - start ? -1 : start + w->timeout;
	char buf[512];
	siginfo_t si;
	int s;

	sigset_text(&w->all, buf, sizeof(buf));
	while (w->count == 0 || w->got < w->count) {
		if (deadline < 0) {
			s = sigwaitinfo(&w->all, &si);
			trace_call(trace, s, errno, "sigwaitinfo(%s)", buf);
		} else {
			int64_t left = deadline - now_ns();
			struct timespec ts = { 0, 0 };
			if (left > 0)
				ts = (struct timespec){ (time_t)(left / 1000000000), (long)(left % 1000000000) };
			s = sigtimedwait(&w->all, &si, &ts);
			trace_call(trace, s, errno, "sigtimedwait(%s, {tv_sec=%lld, tv_nsec=%ld})", buf,
			           (long long)ts.tv_sec, ts.tv_nsec);
		}
		if (s == -1 && errno == EINTR)   /* stopped and continued */
			continue;
		if (s == -1 && errno == EAGAIN)
			return -1;
		if (s == -1)
			die(EXIT_FAIL, "wait: %s", strerror(errno));
		if (sigismember(&w->want, s) != 1)
			return s;
		siginfo_print(stdout, &si, w->json, w->got == 0);
		w->got++;
		wait_out_flush(w);
	}
	return 0;
}

static int cmd_wait(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ "pidfile", required_argument, NULL, 'p' }, { "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct waiter w = { .count = 1, .timeout = -1 };
	const char *pidfile = NULL;
	char nb[16];
	int ch;

	while ((ch = cli_getopt(argc, argv, "n:t:p:J", lo)) != -1) {
		switch (ch) {
		case 'n': w.count = opt_int(optarg, 0, LLONG_MAX, "--count"); break;
		case 't': w.timeout = opt_duration(optarg, "--timeout"); break;
		case 'p': pidfile = optarg; break;
		case 'J': w.json = true; break;
		}
	}
	if (optind >= argc)
		bad_usage("wait needs a SIGNAL");
	sigemptyset(&w.want);
	sigemptyset(&w.stops);
	for (int i = optind; i < argc; i++) {
		int s = parse_sig("wait", argv[i], false);
		if (s == SIGKILL || s == SIGSTOP)
			bad_usage("wait: %s cannot be caught, blocked or waited for", sig_name(s, nb, sizeof(nb)));
		sigaddset(&w.want, s);
	}
	/* SIGINT, SIGTERM and SIGHUP still end the wait, unless waited for or ignored from the start. */
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++) {
		struct sigaction sa;
		if (sigismember(&w.want, stop_sigs[i]) != 1 && sigaction(stop_sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_IGN)
			sigaddset(&w.stops, stop_sigs[i]);
	}
	sigorset(&w.all, &w.want, &w.stops);
	wait_start(&w, pidfile);
	int stop = wait_loop(&w);
	wait_end(&w);
	if (stop > 0) {   /* die of it, as a shell expects of an interrupted command */
		cli_stop = stop;
		cli_exit(EXIT_OK);
	}
	if (stop < 0 && w.count != 0) {
		say("wait: timed out (%lld of %lld signal%s came)", w.got, w.count, w.count == 1 ? "" : "s");
		return EXIT_TIMEOUT;
	}
	return EXIT_OK;
}

static int cmd_list(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' }, { "noheadings", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, headings = true;
	int ch;

	while ((ch = cli_getopt(argc, argv, "Jn", lo)) != -1)
		ch == 'J' ? (void)(json = true) : (void)(headings = false);
	if (optind != argc)
		bad_usage("list takes no arguments");
	sig_list_print(stdout, json, headings);
	return EXIT_OK;
}

static int cmd_info(int argc, char *argv[])
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'J' }, { NULL, 0, NULL, 0 } };
	bool json = false;
	struct sig_desc d;
	int ch;

	while ((ch = cli_getopt(argc, argv, "J", lo)) != -1)
		json |= ch == 'J';
	if (argc - optind != 1)
		bad_usage("info takes one SIGNAL");
	sig_describe(parse_sig("info", argv[optind], false), &d);
	sig_info_print(stdout, &d, json);
	return EXIT_OK;
}

static int cmd_status(int argc, char *argv[])
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'J' }, { NULL, 0, NULL, 0 } };
	struct sig_status st;
	bool json = false;
	long long pid;
	int ch;

	while ((ch = cli_getopt(argc, argv, "J", lo)) != -1)
		json |= ch == 'J';
	if (argc - optind != 1)
		bad_usage("status takes one PID");
	const char *arg = argv[optind];
	if (arg[strspn(arg, "0123456789")] != '\0' || parse_int_range(arg, 1, INT_MAX, &pid) == -1)
		bad_usage("status: %s: not a PID (a decimal number, 1 or more)", ename(arg));
	if (sig_status_read((pid_t)pid, &st) == -1)
		fail("status", arg, errno == ENOENT ? ESRCH : errno);
	sig_status_print(stdout, (pid_t)pid, &st, json);
	return EXIT_OK;
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
