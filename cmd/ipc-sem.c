/* ipc-sem: POSIX named semaphores and System V semaphore sets from the shell. */
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
#include "sem.h"

static int cmd_create(int, char *[]);
static int cmd_wait(int, char *[]);
static int cmd_post(int, char *[]);
static int cmd_get(int, char *[]);
static int cmd_set(int, char *[]);
static int cmd_info(int, char *[]);
static int cmd_rm(int, char *[]);
static int cmd_run(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "create", cmd_create, "create [--value N] [--nsems N] [--mode MODE] [--exist-ok] REF" },
	{ "wait", cmd_wait, "wait [-t DURATION] [-i INDEX] REF" },
	{ "trywait", cmd_wait, "trywait [-i INDEX] REF" },
	{ "post", cmd_post, "post [-n COUNT] [-i INDEX] REF" },
	{ "get", cmd_get, "get [-i INDEX] [-J] REF" },
	{ "set", cmd_set, "set [-i INDEX] REF VALUE" },
	{ "info", cmd_info, "info [-J] REF" },
	{ "rm", cmd_rm, "rm REF..." },
	{ "run", cmd_run, "run [-t DURATION] [-i INDEX] REF -- COMMAND [ARG...]" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool trace;

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ARGS");

	if (full)
		fputs("\nREF: /name (POSIX), key:KEY, id:ID or ftok:PATH[:PROJ] (System V),\n"
		      "or with its kind: posix-sem:/name, sysv-sem:id:ID. -i picks one semaphore\n"
		      "of a System V set (0 unless given). Numbers: decimal or 0x hex; modes:\n"
		      "octal (644) or like u=rw,g=r. Durations: 250ms 2s 1.5m. See ipc-sem(1).\n", f);
}

static const char *sem_errno_text(const char *what, int err)
{
	(void)what;
	if (err == EBADMSG)
		return "not a semaphore: its file in /dev/shm is too short to be one";
	return err == EAGAIN ? "the value is 0 (would block)" : NULL;
}

static const struct cli_tool tool = {
	.name = "ipc-sem", .noun = "semaphore", .usage = usage, .errno_text = sem_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

static void parse_ref(const char *text, struct ipc_ref *r)
{
	cli_kind_ref(text, sema_ref_parse, r, trace);
}

/* A value for the semaphore: 0 to the kind's maximum, which a value above is refused naming. */
static long long value_arg(const char *s, const char *opt, const char *what, const char *ref,
                           enum ipc_kind kind)
{
	long long v, max = sema_max(kind, trace);

	int rc = parse_int_range(s, 0, LLONG_MAX, &v);

	if (rc == -1 && errno == EINVAL)
		bad_usage("invalid value '%s' for %s (a decimal number from 0 to %lld)", ename(s), opt, max);
	if (rc == -1 || v > max)
		bad_usage("%s %s: %s is above %s (%lld), the largest value a %s semaphore holds", what,
		          ename(ref), ename(s), sema_max_name(kind), max,
		          kind == KIND_POSIX_SEM ? "POSIX" : "System V");
	return v;
}

/* Opens REF's semaphore (member index of a System V set; -1: not given, 0). */
static void open_sem(struct sema *s, const char *what, const char *ref, struct ipc_ref *r, int index)
{
	parse_ref(ref, r);
	if (r->kind == KIND_POSIX_SEM && index != -1)
		bad_usage("%s %s: --index is for System V sets; a POSIX semaphore is one", what, ename(ref));
	if (sema_open(s, r, index == -1 ? 0 : index, trace) == 0)
		return;
	if (errno == ERANGE)
		die(EXIT_USAGE, "%s %s: --index %d is past the end of the set (%d semaphore%s: 0 to %d)", what,
		    ename(ref), index, s->nsems, s->nsems == 1 ? "" : "s", s->nsems - 1);
	fail(what, ref, errno);
}

static int index_arg(const char *s)
{
	return (int)opt_int(s, 0, USHRT_MAX, "--index");
}

static int cmd_create(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "value", required_argument, NULL, 'v' }, { "nsems", required_argument, NULL, 'N' },
		{ "mode", required_argument, NULL, 'm' }, { "exist-ok", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct sema_create c = { .mode = 0600 };
	const char *value = NULL;
	struct ipc_ref r;
	struct sema s;
	int ch;

	while ((ch = cli_getopt(argc, argv, "m:", lo)) != -1) {
		switch (ch) {
		case 'v': value = optarg; break;
		case 'N': c.nsems = (int)opt_int(optarg, 1, INT_MAX, "--nsems"); c.nsems_given = true; break;
		case 'm': c.mode = (int)opt_mode(optarg, "--mode"); c.mode_given = true; break;
		case 'e': c.exist_ok = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("create takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (r.kind == KIND_POSIX_SEM && c.nsems_given)
		bad_usage("--nsems is for System V sets; a POSIX semaphore is one");
	if (r.kind == KIND_SYSV_SEM && r.form == REF_ID)
		bad_usage("%s: a new System V set is named by key: or ftok:, the kernel picks the id", ename(ref));
	if (value)
		c.value = (unsigned)value_arg(value, "--value", "create", ref, r.kind);
	/* Past RLIMIT_FSIZE, sem_open's write fails and it removes its file, rather than die half made. */
	signal(SIGXFSZ, SIG_IGN);
	if (sema_create(&s, &r, &c, trace) == -1) {
		char text[128];
		if (errno == EEXIST && c.diff.what)
			die(EXIT_EXISTS, "create %s: %s", ename(ref), attr_diff_text(&c.diff, text, sizeof(text)));
		if (errno == EINVAL && r.kind == KIND_SYSV_SEM && c.nsems > 1)
			die(EXIT_USAGE, "create %s: --nsems %d is more than a set holds (kernel.sem SEMMSL)",
			    ename(ref), c.nsems);
		if (errno == ENOSPC)
			die(EXIT_FAIL, "create %s: no room for another set or semaphore (kernel.sem SEMMNI, SEMMNS)",
			    ename(ref));
		fail("create", ref, errno);
	}
	int id = s.id;
	sema_close(&s);
	if (r.kind == KIND_SYSV_SEM)
		cli_print_new_ref(ref, KIND_SYSV_SEM, id, !c.exist_ok, trace);
	return EXIT_OK;
}

static int64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Takes one unit, for up to timeout ns (-1: for ever). A stop signal ends the
 * wait and the tool, as it ends a shell's command; exits 6 when time runs out.
 * The wait goes in steps of at most a second, and cli_stop is looked at between
 * them: a signal caught just before a step began is not lost in it.
 */
static void acquire(struct sema *s, const char *what, const char *ref, int64_t timeout, bool undo)
{
	const int64_t tick = 1000000000LL;
	int64_t start = clock_ns(), left = timeout;
	int64_t deadline = timeout < 0 || timeout > INT64_MAX - start ? INT64_MAX : start + timeout;

	cli_catch_stops();
	for (;;) {
		if (cli_stop)
			cli_exit(EXIT_FAIL);
		int64_t step = left < 0 || left > tick ? tick : left;
		if (sema_wait(s, step, undo) == 0)
			return;
		if (errno != EINTR && errno != ETIMEDOUT)
			fail(what, ref, errno);
		if (errno == ETIMEDOUT && timeout >= 0 && left <= step)
			fail(what, ref, ETIMEDOUT);
		if (timeout >= 0 && (left = deadline - clock_ns()) <= 0)
			fail(what, ref, ETIMEDOUT);
	}
}

static int cmd_wait(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 't' }, { "index", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	bool try = strcmp(argv[0], "trywait") == 0;
	int64_t timeout = try ? 0 : -1;
	int index = -1, ch;
	struct ipc_ref r;
	struct sema s;

	while ((ch = cli_getopt(argc, argv, try ? "i:" : "t:i:", lo)) != -1) {
		switch (ch) {
		case 't':
			if (try)
				bad_usage("trywait never waits: no --timeout");
			timeout = opt_duration(optarg, "--timeout");
			break;
		case 'i': index = index_arg(optarg); break;
		}
	}
	if (argc - optind != 1)
		bad_usage("%s takes one REF", argv[0]);
	const char *ref = argv[optind];
	open_sem(&s, argv[0], ref, &r, index);
	acquire(&s, argv[0], ref, timeout, false);
	sema_close(&s);
	return EXIT_OK;
}

static _Noreturn void overflow(const struct sema *s, const char *ref, unsigned n, unsigned added)
{
	long long max = sema_max(s->kind, false);

	if (added)
		die(EXIT_USAGE, "post %s: the value reached %s (%lld) after %u of %u", ename(ref),
		    sema_max_name(s->kind), max, added, n);
	die(EXIT_USAGE, "post %s: %u more would pass %s (%lld); nothing posted", ename(ref), n,
	    sema_max_name(s->kind), max);
}

static int cmd_post(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "index", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *count = NULL;
	int index = -1, ch;
	unsigned added;
	struct ipc_ref r;
	struct sema s;

	while ((ch = cli_getopt(argc, argv, "n:i:", lo)) != -1) {
		switch (ch) {
		case 'n': count = optarg; break;
		case 'i': index = index_arg(optarg); break;
		}
	}
	if (argc - optind != 1)
		bad_usage("post takes one REF");
	const char *ref = argv[optind];
	open_sem(&s, "post", ref, &r, index);
	unsigned n = count ? (unsigned)value_arg(count, "--count", "post", ref, s.kind) : 1;
	if (n == 0)
		bad_usage("post %s: -n 0 posts nothing (give 1 or more)", ename(ref));
	if (sema_post(&s, n, false, &added) == -1) {
		if (errno == ERANGE || errno == EOVERFLOW)
			overflow(&s, ref, n, added);
		fail("post", ref, errno);
	}
	sema_close(&s);
	return EXIT_OK;
}

static int cmd_get(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "index", required_argument, NULL, 'i' }, { "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct sema_value v;
	bool json = false;
	int index = -1, ch;
	struct ipc_ref r;
	struct sema s;

	while ((ch = cli_getopt(argc, argv, "i:J", lo)) != -1) {
		switch (ch) {
		case 'i': index = index_arg(optarg); break;
		case 'J': json = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("get takes one REF");
	const char *ref = argv[optind];
	open_sem(&s, "get", ref, &r, index);
	if (sema_get(&s, &v) == -1)
		fail("get", ref, errno);
	if (!json) {
		printf("%d\n", v.value);
	} else if (s.kind == KIND_POSIX_SEM) {
		/* The REF as ipc-ls prints it: the name escaped, so no control byte reaches a terminal. */
		char buf[ESC_MAX], canon[ESC_MAX + 16];
		snprintf(canon, sizeof(canon), "posix-sem:%s", esc(r.name, buf, sizeof(buf)));
		fputs("{\"ref\": ", stdout);
		json_string(stdout, canon);
		printf(", \"kind\": \"posix-sem\", \"value\": %d}\n", v.value);
	} else {
		printf("{\"ref\": \"sysv-sem:id:%d\", \"kind\": \"sysv-sem\", \"semnum\": %d, \"value\": %d, "
		       "\"ncnt\": %d, \"zcnt\": %d, \"pid\": %d}\n", s.id, s.index, v.value, v.ncnt, v.zcnt, v.pid);
	}
	sema_close(&s);
	return EXIT_OK;
}

static int cmd_set(int argc, char *argv[])
{
	static const struct option lo[] = { { "index", required_argument, NULL, 'i' }, { NULL, 0, NULL, 0 } };
	int index = -1, ch;
	struct ipc_ref r;
	struct sema s;

	while ((ch = cli_getopt(argc, argv, "i:", lo)) != -1)
		index = index_arg(optarg);
	if (argc - optind != 2)
		bad_usage("set takes a REF and a VALUE");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (r.kind == KIND_POSIX_SEM)
		bad_usage("set %s: a POSIX semaphore has no set operation, only wait and post; use "
		          "'ipc-sem post -n N' to raise it, or 'ipc-sem rm' and 'ipc-sem create --value N'",
		          ename(ref));
	open_sem(&s, "set", ref, &r, index);
	int value = (int)value_arg(argv[optind + 1], "VALUE", "set", ref, KIND_SYSV_SEM);
	if (sema_set(&s, value) == -1)
		fail("set", ref, errno);
	sema_close(&s);
	return EXIT_OK;
}

static int cmd_info(int argc, char *argv[])
{
	return cli_cmd_info(argc, argv, sema_ref_parse, trace);
}

static int cmd_rm(int argc, char *argv[])
{
	return cli_cmd_rm(argc, argv, sema_ref_parse, sema_remove, trace);
}

/*
 * Holds one unit while COMMAND runs, and gives it back however COMMAND ends.
 * System V takes it with SEM_UNDO: if ipc-sem itself is killed, even by
 * SIGKILL, the kernel gives it back.
 */
static int cmd_run(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 't' }, { "index", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t timeout = -1;
	int index = -1, ch, status;
	unsigned added;
	struct child child;
	struct ipc_ref r;
	struct sema s;

	while ((ch = cli_getopt(argc, argv, "+t:i:", lo)) != -1) {
		switch (ch) {
		case 't': timeout = opt_duration(optarg, "--timeout"); break;
		case 'i': index = index_arg(optarg); break;
		}
	}
	if (optind >= argc)
		bad_usage("run needs a REF and a COMMAND");
	const char *ref = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		bad_usage("run %s: give the COMMAND to run after --", ename(ref));
	open_sem(&s, "run", ref, &r, index);
	acquire(&s, "run", ref, timeout, true);
	int started = child_start(&child, argv + optind, -1, -1);
	int e = errno;
	/* A stop signal caught after the wait, before child_start held them: pass it on too. */
	if (started == 0 && cli_stop)
		kill(child.pid, cli_stop);
	if (started == 0 && child_wait(&child, &status) == -1)
		die(EXIT_FAIL, "run %s: waiting for %s: %s", ename(ref), ename(argv[optind]), strerror(errno));
	if (sema_post(&s, 1, true, &added) == -1)
		warn_errno("run: giving back the unit of", ref, errno);
	if (started == -1)
		die(child_exec_code(e), "run %s: %s: %s", ename(ref), ename(argv[optind]),
		    e == ENOENT ? "command not found" : strerror(e));
	sema_close(&s);
	return child_exit_code(status);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
