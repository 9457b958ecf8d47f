/* The tool layer shared by every ipckit command (see cli.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Set once by cli_init: which tool this process is. */
static const struct cli_tool *tool;

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool ? tool->name : getprogname());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

_Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(code);
}

_Noreturn void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* Everything the tool printed must have reached stdout: a full disk is an error. */
static void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		int e = errno;
		fprintf(stderr, "%s: write error: %s\n", tool ? tool->name : getprogname(),
		        strerror(e ? e : EIO));
		_exit(EXIT_FAIL);
	}
}

static bool trace_from_env(void)
{
	const char *v = getenv("IPC_TRACE");

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

bool cli_init(const struct cli_tool *t, int *argc, char *argv[])
{
	bool trace = trace_from_env();
	int w = 1, i;

	tool = t;
	atexit(close_stdout);
	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--trace") == 0)
			trace = true;
		else
			argv[w++] = argv[i];
	}
	for (; i < *argc; i++)
		argv[w++] = argv[i];
	argv[w] = NULL;
	*argc = w;
	return trace;
}

_Noreturn void cli_help(void)
{
	tool->usage(true);
	exit(EXIT_OK);
}

_Noreturn void cli_version(void)
{
	printf("%s (ipckit) %s\n", tool->name, IPCKIT_VERSION);
	exit(EXIT_OK);
}

int cli_dispatch(int argc, char *argv[])
{
	if (argc < 2) {
		tool->usage(false);
		exit(EXIT_USAGE);
	}
	const char *word = argv[1];
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0)
		cli_help();
	if (strcmp(word, "-V") == 0 || strcmp(word, "--version") == 0)
		cli_version();
	if (word[0] == '-')
		bad_usage("unknown option '%s' (see %s --help)", ename(word), tool->name);
	for (size_t i = 0; i < tool->ncmds; i++) {
		if (strcmp(word, tool->cmds[i].name) == 0) {
			optind = 1;
			return tool->cmds[i].run(argc - 1, argv + 1);
		}
	}
	char list[256] = "";
	for (size_t i = 0; i < tool->ncmds; i++) {
		strlcat(list, i ? " " : "", sizeof(list));
		strlcat(list, tool->cmds[i].name, sizeof(list));
	}
	bad_usage("unknown command '%s' (commands: %s)", ename(word), list);
}

void cli_print_new_ref(const char *ref, enum ipc_kind kind, int id, bool made, bool trace)
{
	if (dprintf(STDOUT_FILENO, "%s:id:%d\n", kind_name(kind), id) >= 0)
		return;
	int e = errno;
	if (made)
		sysv_remove(kind, id, trace);
	die(EXIT_FAIL, "create %s: writing its REF: %s", ename(ref), strerror(e));
}

FILE *cli_usage_cmds(bool full, const char *first)
{
	FILE *f = full ? stdout : stderr;

	fprintf(f, "usage: %s [--trace] %s\n", tool->name, first);
	for (size_t i = 0; i < tool->ncmds; i++)
		fprintf(f, "       %s %s\n", tool->name, tool->cmds[i].usage);
	fprintf(f, "       %s -h | -V\n", tool->name);
	return f;
}

int cli_getopt(int argc, char *argv[], const char *shortopts, const struct option *longopts)
{
	char spec[64];
	int idx = -1, ch;

	/* A leading ':' makes getopt say which option lacks its value, silently. */
	snprintf(spec, sizeof(spec), ":%s", shortopts[0] == '+' ? shortopts + 1 : shortopts);
	if (shortopts[0] == '+')
		snprintf(spec, sizeof(spec), "+:%s", shortopts + 1);
	opterr = 0;
	ch = getopt_long(argc, argv, spec, longopts, &idx);
	if (ch != '?' && ch != ':')
		return ch;
	const char *sub = NULL;   /* argv[0] is a subcommand's name, or the tool's own */
	for (size_t i = 0; i < tool->ncmds && sub == NULL; i++)
		if (strcmp(argv[0], tool->cmds[i].name) == 0)
			sub = argv[0];
	const char *arg = argv[optind - 1];
	char what[64];
	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		snprintf(what, sizeof(what), "-%c", optopt);
	else
		snprintf(what, sizeof(what), "%.*s", (int)strcspn(arg, "="), arg);
	if (ch == ':')
		bad_usage("%s%s%s needs a value (see %s --help)", sub ? sub : "", sub ? ": " : "",
		          ename(what), tool->name);
	bad_usage("%s%sunknown option '%s' (see %s --help)", sub ? sub : "", sub ? ": " : "",
	          ename(what), tool->name);
}

int64_t opt_duration(const char *s, const char *opt)
{
	int64_t ns;

	if (parse_duration_ns(s, &ns) == -1)
		bad_usage("invalid duration '%s' for %s (like 250ms, 2s, 1.5m, 1h)", ename(s), opt);
	return ns;
}

uint64_t opt_size(const char *s, uint64_t min, uint64_t max, const char *opt)
{
	uint64_t v;

	if (parse_size(s, &v) == -1 || v < min || v > max)
		bad_usage("invalid size '%s' for %s (%ju to %ju bytes; like 4096, 4K, 1M)", ename(s), opt,
		          (uintmax_t)min, (uintmax_t)max);
	return v;
}

long long opt_int(const char *s, long long min, long long max, const char *opt)
{
	long long v;

	if (parse_int_range(s, min, max, &v) == -1)
		bad_usage("invalid value '%s' for %s (a decimal number from %lld to %lld)", ename(s), opt,
		          min, max);
	return v;
}

mode_t opt_mode(const char *s, const char *opt)
{
	mode_t m;

	if (parse_mode(s, &m) == -1)
		bad_usage("invalid mode '%s' for %s (octal 0 to 0777, or like u=rw,g=r)", ename(s), opt);
	return m;
}

unsigned opt_kinds(const char *s, const char *opt)
{
	char bad[64];
	unsigned mask;

	if (kinds_parse(s, &mask, bad, sizeof(bad)) == -1)
		bad_usage("unknown kind '%s' for %s (kinds: posix-mq posix-shm posix-sem sysv-msg "
		          "sysv-shm sysv-sem fifo unix; families: posix sysv mq shm sem)", ename(bad), opt);
	return mask;
}

uid_t opt_user(const char *s, const char *opt)
{
	struct passwd *pw = getpwnam(s);
	long long uid;

	if (pw)
		return pw->pw_uid;
	if (parse_int_range(s, 0, UINT32_MAX - 1, &uid) == 0)
		return (uid_t)uid;
	bad_usage("unknown user '%s' for %s", ename(s), opt);
}

static const struct {
	int err;
	int code;
	const char *text;         /* %s is the tool's noun */
} errno_map[] = {
	{ ENOENT, EXIT_NOTFOUND, "no such %s" },
	{ ESRCH, EXIT_NOTFOUND, "no such process" },
	{ EIDRM, EXIT_NOTFOUND, "the %s was removed" },
	{ ENOTDIR, EXIT_NOTFOUND, NULL },
	{ EEXIST, EXIT_EXISTS, "%s exists (use --exist-ok)" },
	{ EACCES, EXIT_PERM, NULL },
	{ EPERM, EXIT_PERM, NULL },
	{ EROFS, EXIT_PERM, NULL },
	{ EAGAIN, EXIT_TIMEOUT, "would block" },
	{ ETIMEDOUT, EXIT_TIMEOUT, "timed out" },
	{ EBUSY, EXIT_BUSY, "in use (use --force)" },
	{ ENAMETOOLONG, EXIT_USAGE, "name is too long" },
};

int exit_code_for_errno(int err)
{
	for (size_t i = 0; i < sizeof(errno_map) / sizeof(errno_map[0]); i++)
		if (errno_map[i].err == err)
			return errno_map[i].code;
	return EXIT_FAIL;
}

const char *errno_text(const char *what, int err)
{
	static char buf[128];
	const char *own = tool && tool->errno_text ? tool->errno_text(what ? what : "", err) : NULL;

	if (own)
		return own;
	for (size_t i = 0; i < sizeof(errno_map) / sizeof(errno_map[0]); i++) {
		if (errno_map[i].err != err || errno_map[i].text == NULL)
			continue;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"   /* the formats are the table's own */
		snprintf(buf, sizeof(buf), errno_map[i].text, tool && tool->noun ? tool->noun : "object");
#pragma GCC diagnostic pop
		return buf;
	}
	return strerror(err);
}

int warn_errno(const char *what, const char *name, int err)
{
	if (what && *what)
		say("%s %s: %s", what, ename(name), errno_text(what, err));
	else
		say("%s: %s", ename(name), errno_text(what, err));
	return exit_code_for_errno(err);
}

_Noreturn void fail(const char *what, const char *name, int err)
{
	exit(warn_errno(what, name, err));
}

int cli_ref(const char *text, struct ipc_ref *r, bool trace)
{
	const char *why;

	if (ref_parse(text, -1, r, &why) == -1) {
		say("%s: %s", ename(text), why);
		return EXIT_USAGE;
	}
	if (r->kind < 0) {
		say("%s: give the kind, like %s", ename(text), r->form == REF_NAME
		    ? "posix-mq:NAME, posix-shm:NAME, posix-sem:NAME"
		    : "sysv-msg:REF, sysv-shm:REF, sysv-sem:REF");
		return EXIT_USAGE;
	}
	if (ref_ftok(r, trace) == -1) {   /* a missing file names no object */
		int e = errno;
		say("%s: %s: %s", ename(text), ename(r->ftok_path), strerror(e));
		return exit_code_for_errno(e);
	}
	return 0;
}

/* "; not removed", or nothing. */
static const char *then_text(const char *then)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s", then ? "; " : "", then ? then : "");
	return buf;
}

int say_wrong_type(const char *ref, mode_t found, enum ipc_kind kind, const char *then)
{
	const char *what = S_ISLNK(found) ? "is a symbolic link, not" : S_ISDIR(found) ? "is a directory, not"
	                                                                              : "is not";

	say("%s: %s a %s%s", ename(ref), what, kind == KIND_FIFO ? "FIFO" : kind == KIND_UNIX ? "unix socket"
	    : kind_name(kind), then_text(then));
	return EXIT_USAGE;
}

/* A FIFO or socket path that is not one, or passes through a symlink: say what it is. */
static int say_path_error(const char *text, const struct ipc_ref *r, int err, const char *then)
{
	char real[PATH_MAX];
	struct file_id found = { 0 };
	const char *leaf;
	int dfd;

	if (err == ELOOP) {
		if (path_real(r->name, real, sizeof(real)) == 0)
			say("%s: a directory in the path is a symbolic link%s (use %s:%s)", ename(text),
			    then_text(then), kind_name((enum ipc_kind)r->kind), ename(real));
		else
			say("%s: a directory in the path is a symbolic link%s", ename(text), then_text(then));
		return EXIT_USAGE;
	}
	if ((dfd = path_open_dir(r->name, &leaf, false)) != -1) {
		if (path_leaf_id(dfd, leaf, &found) == -1)
			found.type = 0;
		close(dfd);
	}
	return say_wrong_type(text, found.type, (enum ipc_kind)r->kind, then);
}

int say_lookup_error(const char *text, const struct ipc_ref *r, int err, const char *then)
{
	if ((err == ELOOP || err == EINVAL) && (r->kind == KIND_FIFO || r->kind == KIND_UNIX))
		return say_path_error(text, r, err, then);
	if (err == EINVAL || err == EISDIR)
		return say_wrong_type(text, err == EISDIR ? S_IFDIR : 0, (enum ipc_kind)r->kind, then);
	return warn_errno(NULL, text, err);
}

int say_remove_error(const struct ipc_obj *o, int err, const struct file_id *found)
{
	const char *ref = o->ref, *changed = NULL;

	switch (err) {
	case ENOENT:
		say("%s: no such %s (removed meanwhile)", ename(ref), tool && tool->noun ? tool->noun : "object");
		return EXIT_NOTFOUND;
	case EINVAL:
		if (found && found->type != 0)
			return say_wrong_type(ref, found->type, o->kind, "not removed");
		break;   /* not a file found to be of another type */
	case EOPNOTSUPP:
		say("%s: an abstract socket has no file; it goes away when its holder closes it", ename(ref));
		return EXIT_FAIL;
	case ELOOP: changed = "a directory in its path is a symbolic link now"; break;
	case ESTALE: changed = "another file has its name now"; break;
	case EADDRINUSE: changed = "a socket is bound to it now"; break;
	}
	if (changed == NULL)
		return warn_errno(NULL, ref, err);
	say("%s: changed since it was listed: %s; not removed", ename(ref), changed);
	return EXIT_BUSY;
}

void cli_kind_ref(const char *text, cli_ref_parser parse, struct ipc_ref *r, bool trace)
{
	const char *why;

	if (parse(text, r, &why) == -1)
		bad_usage("%s: %s", ename(text), why);
	if (ref_ftok(r, trace) == -1)   /* a missing file names no object */
		die(exit_code_for_errno(errno), "%s: %s: %s", ename(text), ename(r->ftok_path), strerror(errno));
}

int cli_cmd_info(int argc, char *argv[], cli_ref_parser parse, bool trace)
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
	cli_kind_ref(ref, parse, &r, trace);
	if (ipc_lookup(&r, &l, trace) == -1)
		fail("info", ref, errno == EINVAL ? ENOENT : errno);
	ipc_users_scan(&l, trace);
	ipc_state_compute(&l);
	if (fields_show(stdout, &l.v[0], FIELD_BYTES, json, trace) == -1)
		fail("info", ref, errno);
	ipc_list_free(&l);
	return EXIT_OK;
}

int cli_cmd_rm(int argc, char *argv[], cli_ref_parser parse,
               int (*remove)(const struct ipc_ref *r, bool trace), bool trace)
{
	static const struct option lo[] = { { NULL, 0, NULL, 0 } };
	int code = EXIT_OK, c;

	while (cli_getopt(argc, argv, "", lo) != -1)
		;
	if (optind >= argc)
		bad_usage("rm needs a REF");
	for (int i = optind; i < argc; i++) {
		struct ipc_ref r;
		const char *why;
		if (parse(argv[i], &r, &why) == -1) {
			say("rm %s: %s", ename(argv[i]), why);
			c = EXIT_USAGE;
		} else if (ref_ftok(&r, trace) == -1) {
			c = exit_code_for_errno(errno);
			say("rm %s: %s: %s", ename(argv[i]), ename(r.ftok_path), strerror(errno));
		} else {
			c = remove(&r, trace) == -1 ? warn_errno("rm", argv[i], errno) : EXIT_OK;
		}
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

const char *ename(const char *s)
{
	static char buf[2][ESC_MAX];
	static int next;

	next = !next;
	return esc(s, buf[next], sizeof(buf[next]));
}

volatile sig_atomic_t cli_stop;

static void on_stop(int sig)
{
	cli_stop = sig;
}

void cli_catch_stops(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop }, old;   /* no SA_RESTART: waits return EINTR */

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

_Noreturn void cli_exit(int code)
{
	sigset_t s;

	if (cli_stop) {
		fflush(stdout);
		signal(cli_stop, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, cli_stop);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(cli_stop);
	}
	exit(code);
}

void cli_hold(int64_t duration_ns)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	if (duration_ns >= 0) {
		end.tv_sec += (time_t)(duration_ns / 1000000000LL);
		end.tv_nsec += (long)(duration_ns % 1000000000LL);
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	while (!cli_stop) {
		if (duration_ns < 0) {
			pause();
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
	}
}
