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
#include <sys/time.h>
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
		case 'm': c.mode = (int)opt_mode(optarg, "--mode"); c.mode_given = true; break;
		case 'e': c.exist_ok = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("create takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (r.kind == KIND_POSIX_MQ && c.max_bytes)
		bad_usage("--max-bytes is for System V queues (POSIX: --maxmsg and --msgsize)");
	if (r.kind == KIND_SYSV_MSG && (c.maxmsg || c.msgsize))
		bad_usage("--maxmsg and --msgsize are for POSIX queues (System V: --max-bytes)");
	if (r.kind == KIND_SYSV_MSG && r.form == REF_ID)
		bad_usage("%s: a new System V queue is named by key: or ftok:, the kernel picks the id", ename(ref));
	if (msgq_create(&q, &r, &c, trace) == -1) {
		int e = errno;
		if (e == EEXIST && c.differs)
			die(EXIT_EXISTS, strcmp(c.differs, "mode") == 0 ?
			    "create %s: the queue exists with --%s %04llo, not %04llo; nothing changed" :
			    "create %s: the queue exists with --%s %lld, not %lld; nothing changed",
			    ename(ref), c.differs, c.was, c.asked);
		const char *reason = msgq_limit_reason(&r, &c, e, why, sizeof(why));
		if (reason)
			die(EXIT_FAIL, "create %s: %s", ename(ref), reason);
		fail("create", ref, e);
	}
	if (r.kind == KIND_SYSV_MSG)
		printf("sysv-msg:id:%d\n", q.id);   /* the REF a script keeps */
	msgq_close(&q);
	return EXIT_OK;
}

/* A message longer than the queue takes is a usage error, refused before it is sent. */
static _Noreturn void too_long(const char *ref, const char *which, size_t len, const struct msgq *q,
                               size_t sent)
{
	char size[48] = "", before[64] = "nothing sent";

	if (len > 0)
		snprintf(size, sizeof(size), " is %zu bytes,", len);
	if (sent > 0)
		snprintf(before, sizeof(before), "%zu message%s sent before it", sent, sent == 1 ? "" : "s");
	die(EXIT_USAGE, "send %s: %s%s%s longer than the queue takes (%zu%s); %s", ename(ref), which, size,
	    len > 0 ? "" : " is", q->msgsize,
	    q->kind == KIND_SYSV_MSG ? ", kernel.msgmax or msg_qbytes" : ", its msgsize", before);
}

static void on_tick(int sig)
{
	(void)sig;
}

/*
 * A POSIX wait without a deadline blocks untimed (a timer armed for each wait
 * costs small messages 10-20%); this SIGALRM every second interrupts it, so a
 * queue removed meanwhile is still noticed.
 */
static void tick(struct msgq *q, int64_t timeout)
{
	struct sigaction sa = { .sa_handler = on_tick };   /* no SA_RESTART: the wait returns EINTR */
	struct itimerval every = { { 1, 0 }, { 1, 0 } };

	sigemptyset(&sa.sa_mask);
	if (q->kind == KIND_POSIX_MQ && timeout < 0 && sigaction(SIGALRM, &sa, NULL) == 0 &&
	    setitimer(ITIMER_REAL, &every, NULL) == 0)
		q->ticked = true;
}

static void send_one(struct msgq *q, const char *ref, const void *buf, size_t len, long tag,
                     int64_t timeout)
{
	int r;

	while ((r = msgq_send(q, buf, len, tag, timeout)) == -1 && errno == EINTR)
		;
	if (r == -1)
		fail("send", ref, errno);
}

/* Each argument is a message; every one is checked before the first is sent. */
static void send_args(struct msgq *q, const char *ref, char *msgs[], int n, long tag, int64_t timeout)
{
	char which[32];

	for (int i = 0; i < n; i++)
		if (strlen(msgs[i]) > q->msgsize) {
			snprintf(which, sizeof(which), "message %d", i + 1);
			too_long(ref, which, strlen(msgs[i]), q, 0);
		}
	for (int i = 0; i < n; i++)
		send_one(q, ref, msgs[i], strlen(msgs[i]), tag, timeout);
}

/* All of stdin is one message; no more than the queue takes is read to refuse it. */
static void send_whole(struct msgq *q, const char *ref, long tag, int64_t timeout)
{
	size_t len;
	char *all = io_read_max(STDIN_FILENO, q->msgsize, &len);

	if (all == NULL && errno == EFBIG)
		too_long(ref, "stdin", 0, q, 0);
	if (all == NULL)
		die(EXIT_FAIL, "send %s: reading stdin: %s", ename(ref), strerror(errno));
	send_one(q, ref, all, len, tag, timeout);
	free(all);
}

/* Each line (or NUL-terminated record) of stdin is a message. */
static void send_stream(struct msgq *q, const char *ref, char delim, long tag, int64_t timeout)
{
	struct io_records in;
	size_t sent;
	char which[48];

	if (io_records_open(&in, STDIN_FILENO, delim, q->msgsize) == -1)
		die(EXIT_FAIL, "send %s: %s", ename(ref), strerror(errno));
	if (msgq_send_records(q, &in, tag, timeout, &sent) == -1) {
		int e = errno;
		if (in.err == EMSGSIZE) {
			snprintf(which, sizeof(which), "record %zu", sent + 1);
			too_long(ref, which, 0, q, sent);
		}
		if (in.err)
			die(EXIT_FAIL, "send %s: reading stdin: %s", ename(ref), strerror(e));
		if (sent == 0)
			fail("send", ref, e);
		die(exit_code_for_errno(e), "send %s: %s; %zu message%s sent before it", ename(ref),
		    errno_text("send", e), sent, sent == 1 ? "" : "s");
	}
	io_records_close(&in);
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
	tick(&q, timeout);
	if (optind < argc)
		send_args(&q, ref, argv + optind, argc - optind, tag, timeout);
	else if (whole)
		send_whole(&q, ref, tag, timeout);
	else
		send_stream(&q, ref, nul ? '\0' : '\n', tag, timeout);
	msgq_close(&q);
	return EXIT_OK;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/*
 * A signal ends a receive between messages, never inside one; then ipc-mq dies
 * of it as usual. A signal ignored from the start (a background job's SIGINT)
 * stays ignored.
 */
static void catch_stops(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop }, old;   /* no SA_RESTART: waits return EINTR */

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

static _Noreturn void die_of_stop(int code)
{
	if (stop_signal) {
		sigset_t s;
		fflush(stdout);
		signal(stop_signal, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, stop_signal);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(stop_signal);
	}
	exit(code);
}

static void out(const void *buf, size_t len)
{
	if (write_all(STDOUT_FILENO, buf, len) == -1)
		die(EXIT_FAIL, "write error: %s", strerror(errno));
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

/* One output mode: -0, --raw and --json each say how messages are written. */
static void set_out(enum recv_out *mode, enum recv_out m)
{
	static const char *const names[] = { "", "-0", "--raw", "--json" };

	if (*mode != OUT_LINES && *mode != m)
		bad_usage("recv: %s and %s do not go together", names[*mode], names[m]);
	*mode = m;
}

struct recv_opts {
	enum recv_out mode;
	long long count, type;
	bool follow, verbose;
	int64_t timeout;
};

/* Receives and writes messages; each is written in full before the next is taken. */
static long long recv_loop(struct msgq *q, const char *ref, const struct recv_opts *o)
{
	/* -n 0 without -f drains what is there; otherwise each wait is the --timeout. */
	int64_t wait = (o->count == 0 && !o->follow) ? 0 : o->timeout;
	const char *tagname = q->kind == KIND_POSIX_MQ ? "priority" : "type";
	long long got = 0;
	char *msg;
	long tag;

	while ((o->count == 0 || got < o->count) && !stop_signal) {
		ssize_t n = msgq_recv(q, &msg, (long)o->type, &tag, wait);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			if ((e == EAGAIN && o->count == 0 && !o->follow) ||
			    ((e == ETIMEDOUT || e == EAGAIN) && o->follow))
				break;   /* drained, or idle for --timeout while following */
			if (o->mode == OUT_JSONMSG)
				out(got ? "\n]\n" : "]\n", got ? 3 : 2);
			fail("recv", ref, e);
		}
		got++;
		if (o->mode == OUT_JSONMSG) {
			size_t rl;
			char *rec = json_message(msg, (size_t)n, tagname, tag, got == 1, &rl);
			out(rec, rl);
			free(rec);
		} else {
			size_t len = (size_t)n;
			if (o->mode != OUT_RAWMSG)
				msg[len++] = o->mode == OUT_NUL ? '\0' : '\n';   /* the queue leaves room */
			out(msg, len);
		}
		if (o->verbose)
			fprintf(stderr, "%s %ld, %zd bytes\n", tagname, tag, n);
	}
	return got;
}

static int cmd_recv(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "follow", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' }, { "type", required_argument, NULL, 'T' },
		{ "null", no_argument, NULL, '0' }, { "raw", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' }, { "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct recv_opts o = { .mode = OUT_LINES, .count = 1, .timeout = -1 };
	struct ipc_ref r;
	struct msgq q;
	bool type_given = false, count_given = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "n:ft:0vJ", lo)) != -1) {
		switch (ch) {
		case 'n': o.count = opt_int(optarg, 0, LLONG_MAX, "--count"); count_given = true; break;
		case 'f': o.follow = true; break;
		case 't': o.timeout = opt_duration(optarg, "--timeout"); break;
		case 'T': o.type = opt_int(optarg, LONG_MIN + 1, LONG_MAX, "--type"); type_given = true; break;
		case '0': set_out(&o.mode, OUT_NUL); break;
		case 'r': set_out(&o.mode, OUT_RAWMSG); break;
		case 'J': set_out(&o.mode, OUT_JSONMSG); break;
		case 'v': o.verbose = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("recv takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (type_given && r.kind != KIND_SYSV_MSG)
		bad_usage("--type is for System V queues");
	if (o.mode == OUT_RAWMSG && ((count_given && o.count != 1) || o.follow))
		bad_usage("--raw prints exactly one message: no --count or --follow");
	if (o.follow && !count_given)
		o.count = 0;
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1)
		fail("recv", ref, errno);
	catch_stops();
	tick(&q, o.count == 0 && !o.follow ? 0 : o.timeout);
	if (o.mode == OUT_JSONMSG)
		out("[", 1);
	long long got = recv_loop(&q, ref, &o);
	if (o.mode == OUT_JSONMSG)
		out(got ? "\n]\n" : "]\n", got ? 3 : 2);
	msgq_close(&q);
	die_of_stop(EXIT_OK);
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

/* The queue's message count, and when it last changed (a send or a receive sets its mtime). */
static long queue_state(int fd, struct timespec *mtime)
{
	struct mq_attr a;
	struct stat st;

	if (mtime)
		*mtime = fstat(fd, &st) == 0 ? st.st_mtim : (struct timespec){ 0, 0 };
	return mq_getattr(fd, &a) == 0 ? a.mq_curmsgs : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What notify waits with: the notification signal and the stops, held blocked throughout. */
struct watch {
	struct msgq *q;
	sigset_t set;
	int64_t end;              /* --timeout: when an idle wait ends; INT64_MAX for never */
};

enum { WAKE_RUN = 0, WAKE_IDLE = -1, WAKE_EMPTY = -2 };   /* or > 0: the stop signal that came */

/* Waits for a signal of the set, at most ns and not past the deadline: the signal, or 0. */
static int sig_wait(const struct watch *w, int64_t ns)
{
	int64_t left = w->end == INT64_MAX ? INT64_MAX : w->end - now_ns();
	siginfo_t si;
	int sig;

	if (ns < left)
		left = ns;
	if (left <= 0)
		return 0;
	if (left == INT64_MAX) {
		sig = sigwaitinfo(&w->set, &si);
	} else {
		struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
		sig = sigtimedwait(&w->set, &si, &ts);
	}
	return sig > 0 ? sig : 0;
}

/* Until a message arrives on the empty queue, which mq_notify signals. */
static int wait_notification(struct watch *w, const char *ref)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	sigset_t rt;
	int rr = mq_notify(w->q->fd, &ev), sig;

	trace_call(trace, rr, errno, "mq_notify(%d, {SIGEV_SIGNAL, SIGRTMIN})", w->q->fd);
	if (rr == -1)
		die(errno == EBUSY ? EXIT_BUSY : EXIT_FAIL, "notify %s: %s", ename(ref),
		    errno == EBUSY ? "another process is registered" : strerror(errno));
	/* A message that came before the registration sends no signal: run now. */
	if (queue_state(w->q->fd, NULL) > 0) {
		mq_notify(w->q->fd, NULL);
		sigemptyset(&rt);
		sigaddset(&rt, SIGRTMIN);
		sigtimedwait(&rt, NULL, &(struct timespec){ 0, 0 });   /* if it fired meanwhile */
		return WAKE_RUN;
	}
	while ((sig = sig_wait(w, INT64_MAX)) == 0)
		if (w->end != INT64_MAX && now_ns() >= w->end)
			return WAKE_IDLE;
	return sig == SIGRTMIN ? WAKE_RUN : sig;
}

/*
 * A run left messages it did not take: no notification comes while the queue
 * holds some, so watch it for a new one (its count grows, or its mtime moves).
 */
static int wait_arrival(const struct watch *w)
{
	struct timespec was, now;
	long n = queue_state(w->q->fd, &was), m;

	for (int64_t step = 10000000;; step = step < 250000000 ? step * 2 : step) {
		int sig = sig_wait(w, step);
		if (sig > 0 && sig != SIGRTMIN)
			return sig;
		if (w->end != INT64_MAX && now_ns() >= w->end)
			return WAKE_IDLE;
		if ((m = queue_state(w->q->fd, &now)) == 0)
			return WAKE_EMPTY;
		if (m > n || (m == n && (now.tv_sec != was.tv_sec || now.tv_nsec != was.tv_nsec)))
			return WAKE_RUN;
		n = m;
		was = now;
	}
}

/*
 * When to run next. Messages waiting at the start, or left by a run that changed
 * the queue (it took some, or more came), get a run at once; a run that left
 * the queue as it was waits for the next message.
 */
static int notify_wait(struct watch *w, const char *ref, long before, long after, bool first)
{
	if (after > 0 && (first || after != before))
		return WAKE_RUN;
	int r = after > 0 ? wait_arrival(w) : WAKE_EMPTY;
	return r == WAKE_EMPTY ? wait_notification(w, ref) : r;
}

/* Runs COMMAND once; a stop signal meanwhile is passed on to it, then ends notify. */
static void run_command(const char *ref, char *argv[])
{
	struct child c;
	int status;

	if (child_start(&c, argv, -1, -1) == -1) {
		int e = errno;
		die(child_exec_code(e), "notify %s: %s: %s", ename(ref), ename(argv[0]),
		    e == ENOENT ? "command not found" : strerror(e));
	}
	if (child_wait(&c, &status) == -1)
		die(EXIT_FAIL, "notify %s: waiting for %s: %s", ename(ref), ename(argv[0]), strerror(errno));
	if (c.signal)
		stop_signal = c.signal;
	else if (status != 0)
		die(EXIT_FAIL, "notify %s: %s exited with status %d", ename(ref), ename(argv[0]),
		    child_exit_code(status));
}

static int cmd_notify(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipc_ref r;
	struct msgq q;
	long long count = 0;
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
		bad_usage("notify %s: give the COMMAND to run after --", ename(ref));
	parse_ref(ref, &r);
	if (r.kind != KIND_POSIX_MQ)
		bad_usage("notify is for POSIX queues (mq_notify); System V queues have none");
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1)
		fail("notify", ref, errno);
	if (setenv("IPC_MQ", ref, 1) == -1)
		die(EXIT_FAIL, "notify %s: %s", ename(ref), strerror(errno));

	struct watch w = { .q = &q };
	sigemptyset(&w.set);
	sigaddset(&w.set, SIGRTMIN);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGHUP);
	sigprocmask(SIG_BLOCK, &w.set, NULL);
	long before = 0, after = queue_state(q.fd, NULL);
	for (long long runs = 0; (count == 0 || runs < count) && !stop_signal; runs++) {
		w.end = timeout < 0 ? INT64_MAX : now_ns() + timeout;
		int wake = notify_wait(&w, ref, before, after, runs == 0);
		if (wake == WAKE_IDLE)
			break;   /* idle for --timeout: done */
		if (wake > 0) {
			stop_signal = wake;
			break;
		}
		before = queue_state(q.fd, NULL);
		run_command(ref, argv + optind);
		after = queue_state(q.fd, NULL);
	}
	msgq_close(&q);
	die_of_stop(EXIT_OK);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
