/* ipc-mq: POSIX and System V message queues from the shell. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "out.h"


static int cmd_create(int, char *[]);
static int cmd_send(int, char *[]);
static int cmd_recv(int, char *[]);
static int cmd_info(int, char *[]);
static int cmd_rm(int, char *[]);
static int cmd_notify(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "create", cmd_create, "create [--maxmsg N] [--msgsize SIZE] [--max-bytes SIZE] [--mode MODE] [--exist-ok] REF" },
	{ "send", cmd_send, "send [--priority N | --type N] [-t DURATION] [-0 | --whole] REF [MESSAGE...]" },
	{ "recv", cmd_recv, "recv [-n COUNT] [-f] [-t DURATION] [--type N] [-0 | --raw | -J] [-v] REF" },
	{ "info", cmd_info, "info [-J] REF" },
	{ "rm", cmd_rm, "rm REF..." },
	{ "notify", cmd_notify, "notify [-n COUNT] [-t DURATION] REF -- COMMAND [ARG...]" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool trace;

static void usage(bool full)
{
	FILE *f = full ? stdout : stderr;

	fputs("usage: ipc-mq [--trace] COMMAND [OPTIONS] ARGS\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "       ipc-mq %s\n", cmds[i].usage);
	fputs("       ipc-mq -h | -V\n", f);
	if (full)
		fputs("\nREF: /name (POSIX), key:KEY, id:ID or ftok:PATH[:PROJ] (System V),\n"
		      "or with its kind: posix-mq:/name, sysv-msg:id:ID.\n"
		      "Numbers: decimal or 0x hex; modes: octal (644) or like u=rw,g=r.\n"
		      "Durations: 250ms 2s 1.5m; sizes: 4096 4K 1M. See ipc-mq(1).\n", f);
}

/* A full or empty queue with -t 0 says which, rather than "would block". */
static const char *mq_errno_text(const char *what, int err)
{
	if (err != EAGAIN)
		return NULL;
	return strcmp(what, "send") == 0 ? "queue is full" : "queue is empty";
}

static const struct cli_tool tool = {
	.name = "ipc-mq", .noun = "queue", .usage = usage, .errno_text = mq_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

/* A REF as ipc-mq reads it: /name is POSIX, key:/id:/ftok: System V. */
static void parse_ref(const char *text, struct ipc_ref *r)
{
	const char *why;

	if (ref_parse(text, -1, r, &why) == -1)
		bad_usage("%s: %s", text, why);
	if (r->kind < 0)
		r->kind = r->form == REF_NAME ? KIND_POSIX_MQ : KIND_SYSV_MSG;
	if (r->kind != KIND_POSIX_MQ && r->kind != KIND_SYSV_MSG)
		bad_usage("%s: not a message queue (posix-mq or sysv-msg)", text);
	if (r->kind == KIND_POSIX_MQ && posix_name_check(r->name, KIND_POSIX_MQ, &why) == -1)
		bad_usage("%s: %s", text, why);
	if (ref_ftok(r, trace) == -1) {   /* a missing file names no object */
		int e = errno;
		die(exit_code_for_errno(e), "%s: %s: %s", ename(text), ename(r->ftok_path), strerror(e));
	}
}

static int cmd_create(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "maxmsg", required_argument, NULL, 'M' }, { "msgsize", required_argument, NULL, 'S' },
		{ "max-bytes", required_argument, NULL, 'B' }, { "mode", required_argument, NULL, 'm' },
		{ "exist-ok", no_argument, NULL, 'e' }, { NULL, 0, NULL, 0 },
	};
	struct msgq_create c = { .mode = 0600 };
	struct ipc_ref r;
	struct msgq q;
	char why[256];
	int ch;

	while ((ch = cli_getopt(argc, argv, "m:", lo)) != -1) {
		switch (ch) {
		case 'M': c.maxmsg = (long)opt_int(optarg, 1, INT_MAX, "--maxmsg"); break;
		case 'S': c.msgsize = opt_size(optarg, 1, INT_MAX, "--msgsize"); break;
		case 'B': c.max_bytes = opt_size(optarg, 1, INT_MAX, "--max-bytes"); break;
		case 'm': c.mode = (int)opt_mode(optarg, "--mode"); break;
		case 'e': c.exist_ok = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("create takes one REF");
	parse_ref(argv[optind], &r);
	if (r.kind == KIND_POSIX_MQ && c.max_bytes)
		bad_usage("--max-bytes is for System V queues (POSIX: --maxmsg and --msgsize)");
	if (r.kind == KIND_SYSV_MSG && (c.maxmsg || c.msgsize))
		bad_usage("--maxmsg and --msgsize are for POSIX queues (System V: --max-bytes)");
	if (r.kind == KIND_SYSV_MSG && r.form == REF_ID)
		bad_usage("%s: a new System V queue is named by key: or ftok:, the kernel picks the id", argv[optind]);
	if (msgq_create(&q, &r, &c, trace) == -1) {
		int e = errno;
		const char *reason = msgq_limit_reason(&r, &c, e, why, sizeof(why));
		if (reason)
			errx(EXIT_FAIL, "create %s: %s", argv[optind], reason);
		fail("create", argv[optind], e);
	}
	if (r.kind == KIND_SYSV_MSG)
		printf("sysv-msg:id:%d\n", q.id);   /* the REF a script keeps */
	msgq_close(&q);
	return EXIT_OK;
}

static void too_long(const char *ref, size_t len, const struct msgq *q, const char *which)
{
	errx(EXIT_USAGE, "send %s: %s is %zu bytes, longer than the queue takes (%zu%s); nothing sent",
	     ref, which, len, q->msgsize, q->kind == KIND_SYSV_MSG ? ", kernel.msgmax or msg_qbytes" : ", its msgsize");
}

static int send_one(struct msgq *q, const char *ref, const void *buf, size_t len, long prio,
                    int64_t timeout)
{
	if (msgq_send(q, buf, len, prio, timeout) == -1)
		fail("send", ref, errno);
	return 0;
}

/* Reads all of a descriptor into memory. */
static char *slurp(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
		}
	}
	*len = n;
	return buf;
}

/* Each line (or NUL-terminated record) of stdin is a message, read in large blocks. */
static void send_records(struct msgq *q, const char *ref, char delim, long prio, int64_t timeout)
{
	size_t cap = 1 << 16, have = 0, lineno = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (buf == NULL)
		err(EXIT_FAIL, "out of memory");
	for (;;) {
		r = read(STDIN_FILENO, buf + have, cap - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(EXIT_FAIL, "send %s: reading stdin", ref);
		have += (size_t)r;
		char *p = buf, *end = buf + have, *d;
		while ((d = memchr(p, delim, (size_t)(end - p))) != NULL) {
			lineno++;
			if ((size_t)(d - p) > q->msgsize) {
				char which[64];
				snprintf(which, sizeof(which), "record %zu", lineno);
				too_long(ref, (size_t)(d - p), q, which);
			}
			send_one(q, ref, p, (size_t)(d - p), prio, timeout);
			p = d + 1;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
		if (r == 0)
			break;
		if (have == cap) {
			if (have > q->msgsize) {
				char which[64];
				snprintf(which, sizeof(which), "record %zu", lineno + 1);
				too_long(ref, have, q, which);
			}
			char *nb = realloc(buf, cap *= 2);
			if (nb == NULL)
				err(EXIT_FAIL, "out of memory");
			buf = nb;
		}
	}
	if (have > 0) {   /* a last record without its delimiter */
		if (have > q->msgsize)
			too_long(ref, have, q, "the last record");
		send_one(q, ref, buf, have, prio, timeout);
	}
	free(buf);
}

static int cmd_send(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "priority", required_argument, NULL, 'p' }, { "type", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' }, { "null", no_argument, NULL, '0' },
		{ "whole", no_argument, NULL, 'w' }, { NULL, 0, NULL, 0 },
	};
	struct ipc_ref r;
	struct msgq q;
	long prio = -1, type = -1;
	int64_t timeout = -1;
	bool nul = false, whole = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "p:t:0", lo)) != -1) {
		switch (ch) {
		case 'p': prio = (long)opt_int(optarg, 0, 32767, "--priority"); break;
		case 'T': type = (long)opt_int(optarg, 1, LONG_MAX, "--type"); break;
		case 't': timeout = opt_duration(optarg, "--timeout"); break;
		case '0': nul = true; break;
		case 'w': whole = true; break;
		}
	}
	if (optind >= argc)
		bad_usage("send needs a REF");
	const char *ref = argv[optind++];
	parse_ref(ref, &r);
	if (r.kind == KIND_POSIX_MQ && type != -1)
		bad_usage("--type is for System V queues (POSIX: --priority)");
	if (r.kind == KIND_SYSV_MSG && prio != -1)
		bad_usage("--priority is for POSIX queues (System V: --type)");
	if (nul && whole)
		bad_usage("-0 and --whole do not go together");
	if (optind < argc && (nul || whole))
		bad_usage("-0 and --whole read stdin; give no MESSAGE");
	long tag = r.kind == KIND_POSIX_MQ ? (prio == -1 ? 0 : prio) : (type == -1 ? 1 : type);

	if (msgq_open(&q, &r, O_WRONLY, trace) == -1)
		fail("send", ref, errno);
	if (optind < argc) {
		/* Every message is checked before the first is sent. */
		for (int i = optind; i < argc; i++)
			if (strlen(argv[i]) > q.msgsize) {
				char which[32];
				snprintf(which, sizeof(which), "message %d", i - optind + 1);
				too_long(ref, strlen(argv[i]), &q, which);
			}
		for (int i = optind; i < argc; i++)
			send_one(&q, ref, argv[i], strlen(argv[i]), tag, timeout);
	} else if (whole) {
		size_t len;
		char *all = slurp(STDIN_FILENO, &len);
		if (all == NULL)
			err(EXIT_FAIL, "send %s: reading stdin", ref);
		if (len > q.msgsize)
			too_long(ref, len, &q, "stdin");
		send_one(&q, ref, all, len, tag, timeout);
		free(all);
	} else {
		send_records(&q, ref, nul ? '\0' : '\n', tag, timeout);
	}
	msgq_close(&q);
	return EXIT_OK;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* A signal ends a receive between messages, never inside one; then dies of it as usual. */
static void catch_stops(void)
{
	struct sigaction sa = { .sa_handler = on_stop };   /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static _Noreturn void die_of_stop(int code)
{
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	exit(code);
}

/* Writes all of a buffer, whatever the pipe takes at a time. */
static void write_all(int fd, const void *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err(EXIT_FAIL, "write error");
		}
		p = (const char *)p + w;
		len -= (size_t)w;
	}
}

/* One message as a JSON object, built in memory so that it goes out in one write. */
static char *json_message(const void *buf, size_t n, const char *tagname, long tag, bool first,
                          size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (f == NULL)
		err(EXIT_FAIL, "out of memory");
	fputs(first ? "\n   {" : ",\n   {", f);
	json_payload(f, "message", buf, n);
	fprintf(f, ", \"size\": %zu, \"%s\": %ld}", n, tagname, tag);
	if (fclose(f) == EOF)
		err(EXIT_FAIL, "out of memory");
	return out;
}

enum recv_out { OUT_LINES, OUT_NUL, OUT_RAWMSG, OUT_JSONMSG };

static int cmd_recv(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "follow", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' }, { "type", required_argument, NULL, 'T' },
		{ "null", no_argument, NULL, '0' }, { "raw", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' }, { "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	enum recv_out mode = OUT_LINES;
	struct ipc_ref r;
	struct msgq q;
	long long count = 1, type = 0;
	bool follow = false, verbose = false, type_given = false, count_given = false;
	int64_t timeout = -1;
	int ch;

	while ((ch = cli_getopt(argc, argv, "n:ft:0vJ", lo)) != -1) {
		switch (ch) {
		case 'n': count = opt_int(optarg, 0, LLONG_MAX, "--count"); count_given = true; break;
		case 'f': follow = true; break;
		case 't': timeout = opt_duration(optarg, "--timeout"); break;
		case 'T': type = opt_int(optarg, LONG_MIN + 1, LONG_MAX, "--type"); type_given = true; break;
		case '0': mode = OUT_NUL; break;
		case 'r': mode = OUT_RAWMSG; break;
		case 'J': mode = OUT_JSONMSG; break;
		case 'v': verbose = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("recv takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (type_given && r.kind != KIND_SYSV_MSG)
		bad_usage("--type is for System V queues");
	if (mode == OUT_RAWMSG && ((count_given && count != 1) || follow))
		bad_usage("--raw prints exactly one message: no --count or --follow");
	if (follow && !count_given)
		count = 0;
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1)
		fail("recv", ref, errno);

	size_t cap = q.kind == KIND_POSIX_MQ ? q.msgsize : q.sysv_cap;
	char *buf = malloc(cap + 1);   /* + the delimiter, written with the message */
	if (buf == NULL)
		err(EXIT_FAIL, "out of memory");
	catch_stops();
	/* -n 0 without -f drains what is there; otherwise each wait is the --timeout. */
	int64_t wait = (count == 0 && !follow) ? 0 : timeout;
	long long got = 0;
	int code = EXIT_OK;
	if (mode == OUT_JSONMSG)
		write_all(STDOUT_FILENO, "[", 1);
	while (count == 0 || got < count) {
		long tag;
		ssize_t n = msgq_recv(&q, buf, cap, (long)type, &tag, wait);
		if (n < 0) {
			int e = errno;
			if (e == EINTR && stop_signal)
				break;
			if (e == EINTR)
				continue;
			if ((e == EAGAIN && count == 0 && !follow) || ((e == ETIMEDOUT || e == EAGAIN) && follow))
				break;   /* drained, or idle for --timeout while following */
			if (mode == OUT_JSONMSG)
				write_all(STDOUT_FILENO, "]\n", 2);
			fail("recv", ref, e);
		}
		got++;
		if (mode == OUT_JSONMSG) {
			size_t rl;
			char *rec = json_message(buf, (size_t)n, q.kind == KIND_POSIX_MQ ? "priority" : "type",
			                         tag, got == 1, &rl);
			write_all(STDOUT_FILENO, rec, rl);
			free(rec);
		} else {
			size_t len = (size_t)n;
			if (mode != OUT_RAWMSG)
				buf[len++] = mode == OUT_NUL ? '\0' : '\n';
			write_all(STDOUT_FILENO, buf, len);
		}
		if (verbose)
			fprintf(stderr, "%s %ld, %zd bytes\n", q.kind == KIND_POSIX_MQ ? "priority" : "type", tag, n);
		if (stop_signal)
			break;
	}
	if (mode == OUT_JSONMSG)
		write_all(STDOUT_FILENO, got ? "\n]\n" : "]\n", got ? 3 : 2);
	free(buf);
	msgq_close(&q);
	die_of_stop(code);
}

static int cmd_info(int argc, char *argv[])
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'J' }, { NULL, 0, NULL, 0 } };
	struct ipc_list l = { 0 };
	struct ipc_ref r;
	bool json = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "J", lo)) != -1)
		json |= ch == 'J';
	if (argc - optind != 1)
		bad_usage("info takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (ipc_lookup(&r, &l, trace) == -1)
		fail("info", ref, errno == EINVAL ? ENOENT : errno);
	ipc_users_scan(&l, trace);
	ipc_state_compute(&l);
	if (fields_show(stdout, &l.v[0], FIELD_BYTES, json, trace) == -1)
		fail("info", ref, errno);
	ipc_list_free(&l);
	return EXIT_OK;
}

static int cmd_rm(int argc, char *argv[])
{
	static const struct option lo[] = { { NULL, 0, NULL, 0 } };
	int code = EXIT_OK;

	while (cli_getopt(argc, argv, "", lo) != -1)
		;
	if (optind >= argc)
		bad_usage("rm needs a REF");
	for (int i = optind; i < argc; i++) {
		struct ipc_ref r;
		const char *why;
		int c = EXIT_OK;
		if (ref_parse(argv[i], -1, &r, &why) == -1) {
			warnx("rm %s: %s", argv[i], why);
			c = EXIT_USAGE;
		} else {
			if (r.kind < 0)
				r.kind = r.form == REF_NAME ? KIND_POSIX_MQ : KIND_SYSV_MSG;
			if (r.kind != KIND_POSIX_MQ && r.kind != KIND_SYSV_MSG) {
				warnx("rm %s: not a message queue", argv[i]);
				c = EXIT_USAGE;
			} else if (ref_ftok(&r, trace) == -1) {
				int e = errno;
				say("rm %s: %s: %s", ename(argv[i]), ename(r.ftok_path), strerror(e));
				c = exit_code_for_errno(e);
			} else if (msgq_remove(&r, trace) == -1) {
				int e = errno;
				if (e == ENOENT)
					warnx("rm %s: no such queue", argv[i]);
				else
					warnc(e, "rm %s", argv[i]);
				c = exit_code_for_errno(e);
			}
		}
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

/* Runs COMMAND with the queue's name in IPC_MQ; returns its exit status. */
static int run_command(char *argv[], const char *ref, const sigset_t *old)
{
	pid_t pid = fork();
	int status;

	if (pid == -1)
		err(EXIT_FAIL, "notify %s: fork", ref);
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		setenv("IPC_MQ", ref, 1);
		execvp(argv[0], argv);
		warn("notify %s: %s", ref, argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(EXIT_FAIL, "notify %s: wait", ref);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static long curmsgs(int fd)
{
	struct mq_attr a;

	return mq_getattr(fd, &a) == 0 ? a.mq_curmsgs : 0;
}

static int cmd_notify(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipc_ref r;
	struct msgq q;
	long long count = 0, runs = 0;
	int64_t timeout = -1;
	int ch;

	while ((ch = cli_getopt(argc, argv, "+n:t:", lo)) != -1) {
		switch (ch) {
		case 'n': count = opt_int(optarg, 0, LLONG_MAX, "--count"); break;
		case 't': timeout = opt_duration(optarg, "--timeout"); break;
		}
	}
	if (optind >= argc)
		bad_usage("notify needs a REF and a COMMAND");
	const char *ref = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		bad_usage("notify %s: give the COMMAND to run after --", ref);
	parse_ref(ref, &r);
	if (r.kind != KIND_POSIX_MQ)
		bad_usage("notify is for POSIX queues (mq_notify); System V queues have none");
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1)
		fail("notify", ref, errno);

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	int code = EXIT_OK;
	/* Messages already waiting get a run first: no notification would come for them. */
	bool pending = curmsgs(q.fd) > 0;
	while (count == 0 || runs < count) {
		if (!pending) {
			int rr = mq_notify(q.fd, &ev);
			trace_call(trace, rr, errno, "mq_notify(%d, {SIGEV_SIGNAL, SIGRTMIN})", q.fd);
			if (rr == -1)
				errc(errno == EBUSY ? EXIT_BUSY : EXIT_FAIL, errno, "notify %s%s", ref,
				     errno == EBUSY ? ": another process is registered" : "");
			/* A message that came between the check and the registration: no signal for it. */
			if (curmsgs(q.fd) == 0) {
				siginfo_t si;
				struct timespec ts = { (time_t)(timeout / 1000000000LL), (long)(timeout % 1000000000LL) };
				int sig = timeout < 0 ? sigwaitinfo(&set, &si) : sigtimedwait(&set, &si, &ts);
				if (sig == -1 && errno == EAGAIN)
					break;   /* idle for --timeout: done */
				if (sig == -1)
					continue;
				if (sig != SIGRTMIN) {
					stop_signal = sig;
					break;
				}
			} else {
				mq_notify(q.fd, NULL);   /* unregister; we run now */
			}
		}
		long before = curmsgs(q.fd);
		int st = run_command(argv + optind, ref, &old);
		runs++;
		if (st != 0) {
			warnx("notify %s: %s exited with status %d", ref, argv[optind], st);
			code = EXIT_FAIL;
			break;
		}
		/* Run again at once while the command takes messages but some remain. */
		long after = curmsgs(q.fd);
		pending = after > 0 && after < before;
	}
	msgq_close(&q);
	sigprocmask(SIG_SETMASK, &old, NULL);
	die_of_stop(code);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
