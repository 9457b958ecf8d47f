/* ipc-ls: one listing of every IPC object on the machine, with who uses it. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "out.h"

/* The columns are the fields of fields.c (enum ipc_field), in their order. */
static const struct out_col columns[F_COUNT] = {
	[F_KIND] = { "KIND", "kind of object: posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix", OUT_STRING, false },
	[F_REF] = { "REF", "reference accepted by ipc-rm and the per-kind tools", OUT_STRING, false },
	[F_NAME] = { "NAME", "POSIX name, path, @abstract name, or System V key", OUT_STRING, false },
	[F_KEY] = { "KEY", "System V key", OUT_STRING, false },
	[F_ID] = { "ID", "System V identifier", OUT_NUMBER, true },
	[F_OWNER] = { "OWNER", "owner's user name", OUT_STRING, false },
	[F_GROUP] = { "GROUP", "owner's group name", OUT_STRING, false },
	[F_UID] = { "UID", "owner's user id", OUT_NUMBER, true },
	[F_GID] = { "GID", "owner's group id", OUT_NUMBER, true },
	[F_COWNER] = { "COWNER", "System V creator's user name", OUT_STRING, false },
	[F_CGROUP] = { "CGROUP", "System V creator's group name", OUT_STRING, false },
	[F_PERMS] = { "PERMS", "permissions, like rw-r-----", OUT_STRING, false },
	[F_MODE] = { "MODE", "permissions in octal", OUT_STRING, true },
	[F_SIZE] = { "SIZE", "bytes: segment or file size, bytes queued in a queue", OUT_NUMBER, true },
	[F_MSGS] = { "MSGS", "messages in a queue", OUT_NUMBER, true },
	[F_MAXMSG] = { "MAXMSG", "POSIX queue capacity in messages", OUT_NUMBER, true },
	[F_MSGSIZE] = { "MSGSIZE", "POSIX queue maximum message size", OUT_NUMBER, true },
	[F_NATTCH] = { "NATTCH", "System V segment attach count", OUT_NUMBER, true },
	[F_NSEMS] = { "NSEMS", "semaphores in the set", OUT_NUMBER, true },
	[F_VALUE] = { "VALUE", "semaphore value (sets of one)", OUT_NUMBER, true },
	[F_TYPE] = { "TYPE", "socket type: stream dgram seqpacket", OUT_STRING, false },
	[F_CONNS] = { "CONNS", "accepted connections of a listening socket", OUT_NUMBER, true },
	[F_CPID] = { "CPID", "creator PID (System V shm)", OUT_NUMBER, true },
	[F_LPID] = { "LPID", "last operator PID (System V shm, sem)", OUT_NUMBER, true },
	[F_LSPID] = { "LSPID", "last sender PID (System V msg)", OUT_NUMBER, true },
	[F_LRPID] = { "LRPID", "last receiver PID (System V msg)", OUT_NUMBER, true },
	[F_NOTIFYPID] = { "NOTIFYPID", "PID registered with mq_notify", OUT_NUMBER, true },
	[F_CTIME] = { "CTIME", "last change (System V) or inode change time", OUT_NUMBER, false },
	[F_MTIME] = { "MTIME", "last modification of a file-backed object", OUT_NUMBER, false },
	[F_ATTACH] = { "ATTACH", "last attach (System V shm)", OUT_NUMBER, false },
	[F_DETACH] = { "DETACH", "last detach (System V shm)", OUT_NUMBER, false },
	[F_SEND] = { "SEND", "last send (System V msg)", OUT_NUMBER, false },
	[F_RECV] = { "RECV", "last receive (System V msg)", OUT_NUMBER, false },
	[F_OTIME] = { "OTIME", "last semop (System V sem)", OUT_NUMBER, false },
	[F_USERS] = { "USERS", "processes that have it open or mapped, as PID/command,...", OUT_STRING, false },
	[F_NUSERS] = { "NUSERS", "how many processes have it open or mapped", OUT_NUMBER, true },
	[F_STATE] = { "STATE", "in-use, idle, orphan or unknown (see ipc-ls(1))", OUT_STRING, false },
	[F_INFO] = { "INFO", "a short human summary of the kind's counters", OUT_STRING, false },
};

static const int default_cols[] = { F_KIND, F_REF, F_OWNER, F_PERMS, F_SIZE, F_INFO, F_STATE, F_USERS };

struct ctx {
	unsigned flags;
	struct id_names names;
};

/* The text of one cell (raw bytes: the output layer escapes); NULL when it does not apply. */
static const char *cell(struct ctx *c, const struct ipc_obj *o, int col, char *buf, size_t len)
{
	unsigned flags = (c->flags & (OUT_JSON | OUT_BYTES)) ? FIELD_BYTES | FIELD_EPOCH : 0;

	return field_text((enum ipc_field)col, o, flags, &c->names, buf, len);
}

static void usage(bool full)
{
	FILE *f = full ? stdout : stderr;

	fprintf(f,
	    "usage: ipc-ls [-t KINDS] [-u USER] [--orphans] [--older-than DURATION] [--name GLOB]\n"
	    "              [--path DIR]... [-o COLUMNS] [--sort COLUMN] [--json | --raw]\n"
	    "              [-n] [-b] [--trace]\n"
	    "       ipc-ls -i REF [--json] [--trace]\n"
	    "       ipc-ls -l [--json | --raw] [-n] [--trace]\n"
	    "       ipc-ls -h | -V\n");
	if (!full)
		return;
	fprintf(f, "\nList every IPC object: POSIX and System V queues, shared memory and\n"
	    "semaphores, FIFOs and unix sockets, with the processes that use each.\n\n"
	    "  -t, --kind KINDS       only these kinds or families (posix sysv mq shm sem)\n"
	    "  -u, --user USER        only objects owned by USER (name or uid)\n"
	    "      --orphans          only objects nobody uses and nothing alive is tied to\n"
	    "      --older-than DUR   only objects created (last changed) before DUR ago\n"
	    "      --name GLOB        only objects whose NAME matches GLOB\n"
	    "      --path DIR         where to look for FIFOs and socket files (repeatable)\n"
	    "  -o, --output COLUMNS   columns to print; +COLUMNS adds to the defaults\n"
	    "      --sort COLUMN      sort by a column\n"
	    "  -i, --info REF         every field of one object\n"
	    "  -l, --limits           kernel limits and current use\n"
	    "  -J, --json             one JSON document (all columns unless -o)\n"
	    "  -r, --raw              raw output for scripts\n"
	    "  -n, --noheadings       no header line\n"
	    "  -b, --bytes            exact sizes and epoch times\n"
	    "      --trace            print each IPC system call on stderr\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          the version\n\nColumns:\n");
	for (int i = 0; i < F_COUNT; i++)
		fprintf(f, "  %-10s %s\n", columns[i].name, columns[i].help);
}

struct sort_ctx {
	struct ctx *exact;        /* sorts by exact numbers, whatever is printed */
	int col;
};

static int compare(const void *a, const void *b, void *arg)
{
	struct sort_ctx *s = arg;
	char ba[4096], bb[4096];
	const char *x = cell(s->exact, a, s->col, ba, sizeof(ba));
	const char *y = cell(s->exact, b, s->col, bb, sizeof(bb));

	if (x == NULL || y == NULL)
		return (x == NULL) - (y == NULL);
	if (columns[s->col].json == OUT_NUMBER) {
		long long p = strtoll(x, NULL, 10), q = strtoll(y, NULL, 10);
		return (p > q) - (p < q);
	}
	return strcmp(x, y);
}

static int print_list(struct ctx *c, struct ipc_list *l, const struct ipc_filter *f,
                      const int *sel, size_t nsel)
{
	struct out o;
	int64_t now = (int64_t)time(NULL);
	char buf[8192];

	if (out_init(&o, c->flags, "ipc") == -1 || out_add_columns(&o, columns, sel, nsel) == -1)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		if (!ipc_filter_match(f, &l->v[i], now))
			continue;
		struct out_line *ln = out_line(&o);
		if (ln == NULL)
			goto fail;
		for (size_t j = 0; j < nsel; j++)
			if (out_cell(&o, ln, j, cell(c, &l->v[i], sel[j], buf, sizeof(buf))) == -1)
				goto fail;
	}
	if (out_print(&o) == -1)
		goto fail;
	out_free(&o);
	return 0;
fail:
	out_free(&o);
	return -1;
}

static int print_limits(unsigned flags, bool trace)
{
	static const struct out_col lcols[] = {
		{ "RESOURCE", "", OUT_STRING, false },
		{ "DESCRIPTION", "", OUT_STRING, false },
		{ "LIMIT", "", OUT_NUMBER, true },
		{ "USED", "", OUT_NUMBER, true },
		{ "USE%", "", OUT_STRING, true },
		{ "UNIT", "", OUT_STRING, false },
	};
	static const int sel[] = { 0, 1, 2, 3, 4, 5 };
	struct ipc_limit v[32];
	char b1[32], b2[32], b3[32];
	struct out o;
	int n = ipc_limits(v, 32, trace);

	if (out_init(&o, flags, "limits") == -1 || out_add_columns(&o, lcols, sel, 6) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		struct out_line *ln = out_line(&o);
		if (ln == NULL)
			return -1;
		out_cell(&o, ln, 0, v[i].resource);
		out_cell(&o, ln, 1, v[i].description);
		snprintf(b1, sizeof(b1), "%" PRIu64, v[i].limit);
		out_cell(&o, ln, 2, b1);
		out_cell(&o, ln, 3, format_int(v[i].used, b2, sizeof(b2)));
		if (v[i].used != NA && v[i].limit > 0) {
			snprintf(b3, sizeof(b3), "%.2f%%", 100.0 * (double)v[i].used / (double)v[i].limit);
			out_cell(&o, ln, 4, b3);
		}
		out_cell(&o, ln, 5, v[i].unit);
	}
	int r = out_print(&o);
	out_free(&o);
	return r;
}

/* USERS, NUSERS and STATE come from the pass over /proc; nothing else needs it. */
static bool needs_users(const int *sel, int nsel, int sort_col, bool orphans)
{
	bool need = orphans || sort_col == F_USERS || sort_col == F_NUSERS || sort_col == F_STATE;

	for (int i = 0; i < nsel && !need; i++)
		need = sel[i] == F_USERS || sel[i] == F_NUSERS || sel[i] == F_STATE;
	return need;
}

/* One line for each --path that was not walked; the status of the first. */
static int warn_paths(char *const *paths, size_t npaths, const int *errs, int code)
{
	for (size_t i = 0; i < npaths; i++) {
		int c;
		if (errs[i] == 0)
			continue;
		say("--path %s: %s", ename(paths[i]), walk_path_why(errs[i], &c));
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

/* The columns -o or --json asks for (or the defaults) in sel, and the --sort column; how many. */
static int pick_columns(const char *output, const char *sort, unsigned flags, int *sel, int *sort_col)
{
	const size_t ndefault = sizeof(default_cols) / sizeof(default_cols[0]);
	char bad[64];
	int nsel, one[1];

	if (output) {
		nsel = columns_parse(output, columns, F_COUNT, default_cols, ndefault, sel, F_COUNT * 2,
		                     bad, sizeof(bad));
		if (nsel == -1)
			bad_usage("unknown column '%s' (see ipc-ls --help)", ename(bad));
	} else if (flags & OUT_JSON) {
		for (nsel = 0; nsel < F_COUNT; nsel++)
			sel[nsel] = nsel;
	} else {
		nsel = (int)ndefault;
		memcpy(sel, default_cols, sizeof(default_cols));
	}
	if (sort) {
		if (columns_parse(sort, columns, F_COUNT, NULL, 0, one, 1, bad, sizeof(bad)) != 1)
			bad_usage("unknown sort column '%s' (see ipc-ls --help)", ename(sort));
		*sort_col = one[0];
	}
	return nsel;
}

/* -i REF: every field of the one object REF names. */
static int show_info(const char *ref, unsigned flags, bool trace)
{
	struct ipc_list l = { 0 };
	struct ipc_ref r;
	int code;

	if ((code = cli_ref(ref, &r, trace)) != 0)
		return code;
	if (ipc_lookup(&r, &l, trace) == -1) {
		int e = errno;
		ipc_list_free(&l);
		return say_lookup_error(ref, &r, e, NULL);
	}
	if (ipc_users_scan(&l, trace) == -1)
		warn("reading /proc");
	ipc_state_compute(&l);
	if (fields_show(stdout, &l.v[0], flags & OUT_BYTES ? FIELD_JSON : FIELD_BYTES,
	                flags & OUT_JSON, trace) == -1)
		fail(NULL, ref, errno);
	ipc_list_free(&l);
	return EXIT_OK;
}

/* VALUE, LPID, INFO and STATE (so --orphans) need each semaphore of a System V set read. */
static bool needs_sem_detail(const int *sel, int nsel, int sort_col, bool orphans)
{
	bool need = orphans;

	for (int i = -1; i < nsel && !need; i++) {
		int col = i < 0 ? sort_col : sel[i];
		need = col == F_VALUE || col == F_LPID || col == F_INFO || col == F_STATE;
	}
	return need;
}

/* Every object of the kinds, FIFOs and socket files under paths; the exit status so far. */
static int collect(struct ipc_list *l, unsigned kinds, char **paths, size_t npaths, bool trace,
                   bool sem_brief)
{
	struct ipc_scan sc = {
		.kinds = kinds, .trace = trace, .sem_brief = sem_brief,
		.paths = npaths ? (const char *const *)paths : NULL, .npaths = npaths,
		.path_errs = npaths ? calloc(npaths, sizeof(int)) : NULL,
	};
	int code = EXIT_OK;

	if (npaths && sc.path_errs == NULL)
		err(EXIT_FAIL, "out of memory");
	if (ipc_collect(l, &sc) == -1) {
		warn("listing IPC objects");
		code = EXIT_FAIL;
	}
	code = warn_paths(paths, npaths, sc.path_errs, code);
	free(sc.path_errs);
	if (l->mqueue_unmounted && (kinds & KIND_BIT(KIND_POSIX_MQ)))
		warnx("POSIX message queues not listed: /dev/mqueue is not mounted "
		      "(mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)");
	return code;
}

static const struct cli_tool tool = { .name = "ipc-ls", .noun = "object", .usage = usage };

int main(int argc, char *argv[])
{
	enum { OPT_ORPHANS = 256, OPT_OLDER, OPT_NAME, OPT_PATH, OPT_SORT, OPT_TRACE };
	static const struct option longopts[] = {
		{ "bytes", no_argument, NULL, 'b' }, { "help", no_argument, NULL, 'h' },
		{ "info", required_argument, NULL, 'i' }, { "json", no_argument, NULL, 'J' },
		{ "limits", no_argument, NULL, 'l' }, { "name", required_argument, NULL, OPT_NAME },
		{ "noheadings", no_argument, NULL, 'n' }, { "older-than", required_argument, NULL, OPT_OLDER },
		{ "orphans", no_argument, NULL, OPT_ORPHANS }, { "output", required_argument, NULL, 'o' },
		{ "path", required_argument, NULL, OPT_PATH }, { "raw", no_argument, NULL, 'r' },
		{ "sort", required_argument, NULL, OPT_SORT }, { "kind", required_argument, NULL, 't' },
		{ "trace", no_argument, NULL, OPT_TRACE }, { "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	struct ctx c = { 0 };
	struct ipc_filter f = { .kinds = KINDS_ALL, .older_than_s = NA };
	struct ipc_list l = { 0 };
	const char *output = NULL, *sort = NULL, *info_ref = NULL;
	char **paths = NULL;
	size_t npaths = 0;
	bool limits = false, trace = cli_init(&tool, &argc, argv);
	int sel[F_COUNT * 2], nsel, sort_col = -1, ch, code;

	while ((ch = cli_getopt(argc, argv, "bhi:Jlno:rt:u:V", longopts)) != -1) {
		switch (ch) {
		case 'b': c.flags |= OUT_BYTES; break;
		case 'h': cli_help();
		case 'i': info_ref = optarg; break;
		case 'J': c.flags |= OUT_JSON; break;
		case 'l': limits = true; break;
		case 'n': c.flags |= OUT_NOHEADINGS; break;
		case 'o': output = optarg; break;
		case 'r': c.flags |= OUT_RAW; break;
		case 't': f.kinds = opt_kinds(optarg, "--kind"); break;
		case 'u': f.uid = opt_user(optarg, "--user"); f.by_user = true; break;
		case 'V': cli_version();
		case OPT_ORPHANS: f.orphans = true; break;
		case OPT_OLDER: f.older_than_s = opt_duration(optarg, "--older-than") / 1000000000; break;
		case OPT_NAME: f.glob = optarg; break;
		case OPT_PATH:
			if (strv_push(&paths, &npaths, optarg) == -1)
				err(EXIT_FAIL, "out of memory");
			break;
		case OPT_SORT: sort = optarg; break;
		case OPT_TRACE: trace = true; break;
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s' (ipc-ls takes no operands; see -i REF)", ename(argv[optind]));
	if ((c.flags & OUT_JSON) && (c.flags & OUT_RAW))
		bad_usage("--json and --raw do not go together");

	if (limits)
		return print_limits(c.flags, trace) == -1 ? EXIT_FAIL : EXIT_OK;

	nsel = pick_columns(output, sort, c.flags, sel, &sort_col);
	if (info_ref)
		return show_info(info_ref, c.flags, trace);
	code = collect(&l, f.kinds, paths, npaths, trace, !needs_sem_detail(sel, nsel, sort_col, f.orphans));
	if (needs_users(sel, nsel, sort_col, f.orphans)) {
		if (ipc_users_scan(&l, trace) == -1)
			warn("reading /proc");
		ipc_state_compute(&l);
	}
	if (sort_col >= 0 && l.n > 1) {     /* qsort_r wants a non-null array */
		struct ctx exact = c;
		struct sort_ctx s = { &exact, sort_col };
		exact.flags |= OUT_BYTES;
		qsort_r(l.v, l.n, sizeof(*l.v), compare, &s);
	}
	if (print_list(&c, &l, &f, sel, (size_t)nsel) == -1 && code == EXIT_OK)
		code = EXIT_FAIL;
	ipc_list_free(&l);
	free(paths);
	return code;
}
