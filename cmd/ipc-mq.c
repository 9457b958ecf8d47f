/* ipc-mq: POSIX and System V message queues from the shell. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"

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
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ARGS");

	if (full)
		fputs("\nREF: /name (POSIX), key:KEY, id:ID or ftok:PATH[:PROJ] (System V),\n"
		      "or with its kind: posix-mq:/name, sysv-msg:id:ID.\n"
		      "Numbers: decimal or 0x hex; modes: octal (644) or like u=rw,g=r.\n"
		      "Durations: 250ms 2s 1.5m; sizes: 4096 4K 1M. See ipc-mq(1).\n", f);
}

/* A full or empty queue with -t 0 says which, rather than "would block". */
static const char *mq_errno_text(const char *what, int err)
{
	if (err == EBUSY && strcmp(what, "notify") == 0)
		return "another process is registered";
	if (err != EAGAIN)
		return NULL;
	return strcmp(what, "send") == 0 ? "queue is full" : "queue is empty";
}

static const struct cli_tool tool = {
	.name = "ipc-mq", .noun = "queue", .usage = usage, .errno_text = mq_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

static void parse_ref(const char *text, struct ipc_ref *r)
{
	cli_kind_ref(text, msgq_ref_parse, r, trace);
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
		const char *reason = msgq_create_reason(&r, &c, e, why, sizeof(why));
		if (reason)
			die(e == EEXIST ? EXIT_EXISTS : EXIT_FAIL, "create %s: %s", ename(ref), reason);
		fail("create", ref, e);
	}
	int id = q.id;
	msgq_close(&q);
	if (r.kind == KIND_SYSV_MSG)
		cli_print_new_ref(ref, KIND_SYSV_MSG, id, !c.exist_ok, trace);
	return EXIT_OK;
}

/* A message longer than the queue takes is a usage error, found before it is sent. */
static _Noreturn void too_long(const char *ref, const struct msgq *q, const char *what, const char *sent)
{
	die(EXIT_USAGE, "send %s: %s longer than the queue takes (%zu, %s); %s", ename(ref), what,
	    q->msgsize, q->kind == KIND_SYSV_MSG ? "kernel.msgmax or msg_qbytes" : "its msgsize", sent);
}

static void send_one(struct msgq *q, const char *ref, const void *buf, size_t len, long tag,
                     int64_t timeout)
{
	while (msgq_send(q, buf, len, tag, timeout) == -1)
		if (errno != EINTR)   /* the tick's: go on */
			fail("send", ref, errno);
}

/* Each line (or NUL-terminated record) of stdin is a message. */
static void send_stream(struct msgq *q, const char *ref, char delim, long tag, int64_t timeout)
{
	struct io_records in;
	size_t sent;
	char what[48], before[64] = "nothing sent";

	if (io_records_open(&in, STDIN_FILENO, delim, q->msgsize) == -1)
		die(EXIT_FAIL, "send %s: %s", ename(ref), strerror(errno));
	if (msgq_send_records(q, &in, tag, timeout, &sent) == -1) {
		int e = errno;
		snprintf(what, sizeof(what), "record %zu is", sent + 1);
		if (sent)
			snprintf(before, sizeof(before), "%zu message%s sent before it", sent, sent == 1 ? "" : "s");
		if (in.err == EMSGSIZE)
			too_long(ref, q, what, before);
		if (in.err)
			die(EXIT_FAIL, "send %s: reading stdin: %s", ename(ref), strerror(e));
		die(exit_code_for_errno(e), "send %s: %s; %s", ename(ref), errno_text("send", e), before);
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
	msgq_tick(&q, timeout);
	char what[64], *all;
	size_t len;
	for (int i = optind; i < argc; i++)   /* every message is checked before the first is sent */
		if (strlen(argv[i]) > q.msgsize) {
			snprintf(what, sizeof(what), "message %d is %zu bytes,", i - optind + 1, strlen(argv[i]));
			too_long(ref, &q, what, "nothing sent");
		}
	for (int i = optind; i < argc; i++)
		send_one(&q, ref, argv[i], strlen(argv[i]), tag, timeout);
	if (whole) {   /* no more is read than the queue takes, plus a byte */
		if ((all = io_read_max(STDIN_FILENO, q.msgsize, &len)) == NULL && errno == EFBIG)
			too_long(ref, &q, "stdin is", "nothing sent");
		if (all == NULL)
			die(EXIT_FAIL, "send %s: reading stdin: %s", ename(ref), strerror(errno));
		send_one(&q, ref, all, len, tag, timeout);
		free(all);
	} else if (optind == argc) {
		send_stream(&q, ref, nul ? '\0' : '\n', tag, timeout);
	}
	msgq_close(&q);
	return EXIT_OK;
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

enum recv_out { OUT_LINES, OUT_NUL = '0', OUT_RAWMSG = 'r', OUT_JSONMSG = 'J' };

struct recv_opts {
	enum recv_out mode;
	long long count, type;
	bool follow, verbose;
	int64_t wait;             /* each receive's timeout */
};

/* Receives and writes messages; each is written in full before the next is taken. */
static void recv_loop(struct msgq *q, const char *ref, const struct recv_opts *o)
{
	const char *tagname = q->kind == KIND_POSIX_MQ ? "priority" : "type";
	long long got = 0;
	int err = 0;
	char *msg;
	long tag;

	if (o->mode == OUT_JSONMSG)
		out("[", 1);
	while ((o->count == 0 || got < o->count) && !cli_stop) {
		ssize_t n = msgq_recv(q, &msg, (long)o->type, &tag, o->wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {   /* drained (-n 0), or idle for --timeout while following: done */
			if (o->follow ? errno != EAGAIN && errno != ETIMEDOUT : errno != EAGAIN || o->count)
				err = errno;
			break;
		}
		if (o->mode == OUT_JSONMSG) {
			size_t rl;
			char *rec = json_message(msg, (size_t)n, tagname, tag, got == 0, &rl);
			out(rec, rl);
			free(rec);
		} else {
			size_t len = (size_t)n;
			if (o->mode != OUT_RAWMSG)
				msg[len++] = o->mode == OUT_NUL ? '\0' : '\n';   /* the queue leaves room */
			out(msg, len);
		}
		got++;
		if (o->verbose)
			fprintf(stderr, "%s %ld, %zd bytes\n", tagname, tag, n);
	}
	if (o->mode == OUT_JSONMSG)
		out(got ? "\n]\n" : "]\n", got ? 3 : 2);
	if (err)
		fail("recv", ref, err);
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
	struct recv_opts o = { .mode = OUT_LINES, .count = 1, .wait = -1 };
	struct ipc_ref r;
	struct msgq q;
	bool type_given = false, count_given = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "n:ft:0vJ", lo)) != -1) {
		switch (ch) {
		case 'n': o.count = opt_int(optarg, 0, LLONG_MAX, "--count"); count_given = true; break;
		case 'f': o.follow = true; break;
		case 't': o.wait = opt_duration(optarg, "--timeout"); break;
		case 'T': o.type = opt_int(optarg, LONG_MIN + 1, LONG_MAX, "--type"); type_given = true; break;
		case '0': case 'r': case 'J':
			if (o.mode != OUT_LINES && o.mode != (enum recv_out)ch)
				bad_usage("recv: -0, --raw and --json do not go together: give one");
			o.mode = (enum recv_out)ch;
			break;
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
	if (o.count == 0 && !o.follow)
		o.wait = 0;   /* -n 0 takes what is there */
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1)
		fail("recv", ref, errno);
	cli_catch_stops();
	q.stop = &cli_stop;
	msgq_tick(&q, o.wait);
	recv_loop(&q, ref, &o);
	msgq_close(&q);
	cli_exit(EXIT_OK);
}

static int cmd_info(int argc, char *argv[])
{
	return cli_cmd_info(argc, argv, msgq_ref_parse, trace);
}

static int cmd_rm(int argc, char *argv[])
{
	return cli_cmd_rm(argc, argv, msgq_ref_parse, msgq_remove, trace);
}

/* Runs COMMAND once; returns the stop signal that came meanwhile (passed on to it), or 0. */
static int run_command(void *argv)
{
	char **cmd = argv, *ref = getenv("IPC_MQ");
	int status, stop;

	if (child_run(cmd, &status, &stop) == -1) {
		int e = errno;
		die(child_exec_code(e), "notify %s: %s: %s", ename(ref), ename(cmd[0]),
		    e == ENOENT ? "command not found" : strerror(e));
	}
	if (status != 0 && !stop)
		die(EXIT_FAIL, "notify %s: %s exited with status %d", ename(ref), ename(cmd[0]),
		    child_exit_code(status));
	return stop;
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
	/* COMMAND finds the REF in IPC_MQ; a stop signal, from the wait or the command, ends notify. */
	if (msgq_open(&q, &r, O_RDONLY, trace) == -1 || setenv("IPC_MQ", ref, 1) == -1 ||
	    (cli_stop = msgq_notify_loop(&q, count, timeout, run_command, argv + optind)) == -1)
		fail("notify", ref, errno);
	msgq_close(&q);
	cli_exit(EXIT_OK);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
