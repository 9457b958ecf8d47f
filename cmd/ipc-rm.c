/* ipc-rm: remove IPC objects safely, by reference, by filter, or from ipc-ls. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ipckit.h"

struct opts {
	bool force, dry_run, verbose, interactive, trace, stdin_refs;
	FILE *tty;                /* where -i reads its answers */
};

static void usage(bool full)
{
	FILE *f = full ? stdout : stderr;

	fprintf(f,
	    "usage: ipc-rm [-fnvi] [--trace] REF... | -\n"
	    "       ipc-rm [-fnvi] [-q ID] [-m ID] [-s ID] [-Q KEY] [-M KEY] [-S KEY]\n"
	    "       ipc-rm [-fnvi] --all [-t KINDS] [-u USER] [--orphans] [--older-than DURATION]\n"
	    "              [--name GLOB] [--path DIR]...\n"
	    "       ipc-rm -h | -V\n");
	if (!full)
		return;
	fprintf(f, "\nRemove IPC objects. An object in use is refused unless --force.\n"
	    "FIFOs and socket files are removed only when they are what they claim to be.\n\n"
	    "  REF                  posix-mq:/q sysv-shm:id:3 sysv-msg:key:0x1a fifo:/run/x unix:/run/x.sock\n"
	    "  -                    read REFs from stdin, one a line (ipc-ls -o REF --raw -n | ipc-rm -)\n"
	    "  -q, -m, -s ID        System V queue, segment or semaphore set by id (as ipcrm)\n"
	    "  -Q, -M, -S KEY       the same by key\n"
	    "  -a, --all            remove every object the filters select\n"
	    "  -t, --kind KINDS     with --all: kinds or families (default: posix,sysv)\n"
	    "  -u, --user USER      with --all: owned by USER\n"
	    "      --orphans        with --all: only orphans\n"
	    "      --older-than DUR with --all: created (last changed) before DUR ago\n"
	    "      --name GLOB      with --all: NAME matches GLOB\n"
	    "      --path DIR       with --all: where to look for FIFOs and sockets\n"
	    "  -f, --force          remove even what is in use\n"
	    "  -n, --dry-run        say what would be removed, remove nothing\n"
	    "  -v, --verbose        say what is removed\n"
	    "  -i, --interactive    ask before each removal\n"
	    "      --trace          print each IPC system call on stderr\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the version\n");
}

static const struct cli_tool tool = { .name = "ipc-rm", .noun = "object", .usage = usage };

static bool confirm(const struct opts *o, const struct ipc_obj *obj)
{
	char answer[64];

	fprintf(stderr, "ipc-rm: remove %s (%s)? ", ename(obj->ref), state_name(obj->state));
	if (o->tty == NULL || fgets(answer, sizeof(answer), o->tty) == NULL)
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

static int remove_obj(const struct opts *o, const struct ipc_obj *obj)
{
	struct file_id found = { 0 };

	/*
	 * Unknown: some process that could hold it could not be read (ipc-ls(1)).
	 * Refused, unless the kernel would refuse the removal anyway (exit 5).
	 */
	if (obj->state == STATE_UNKNOWN && !o->force && ipc_may_remove(obj, o->trace) == 0) {
		if (obj->unseen)
			say("%s: state unknown: cannot read the open files of %d process%s (root can); use --force",
			    ename(obj->ref), obj->unseen, obj->unseen == 1 ? "" : "es");
		else
			say("%s: state unknown: cannot read its semaphores; use --force", ename(obj->ref));
		return EXIT_BUSY;
	}
	if (obj->state == STATE_IN_USE && !o->force) {
		if (obj->nusers)
			say("%s: in use by %d/%s%s (use --force)", ename(obj->ref), (int)obj->users[0].pid,
			    ename(obj->users[0].comm), obj->nusers > 1 ? " and others" : "");
		else
			say("%s: in use (use --force)", ename(obj->ref));
		return EXIT_BUSY;
	}
	if (obj->kind == KIND_UNIX && obj->name[0] == '@')
		return say_remove_error(obj, EOPNOTSUPP, NULL);
	if (o->dry_run) {
		/* what the real run would be refused, it says here too */
		if (ipc_may_remove(obj, o->trace) == -1)
			return say_remove_error(obj, errno, NULL);
		printf("would remove %s\n", ename(obj->ref));
		return EXIT_OK;
	}
	if (o->interactive && !confirm(o, obj))
		return EXIT_OK;
	if (ipc_remove(obj, &found, o->trace) == -1)
		return say_remove_error(obj, errno, &found);
	if (o->verbose)
		printf("removed %s\n", ename(obj->ref));
	return EXIT_OK;
}

/* Removes what one REF names; returns the exit code for it. */
static int remove_ref(const struct opts *o, const char *text)
{
	struct ipc_list l = { 0 };
	struct ipc_ref r;
	int code;

	if ((code = cli_ref(text, &r, o->trace)) != 0)
		return code;
	if (ipc_lookup(&r, &l, o->trace) == -1) {
		int e = errno;
		ipc_list_free(&l);
		return say_lookup_error(text, &r, e, "not removed");
	}
	/* System V objects say themselves whether they are attached; no need to read /proc. */
	if (!KIND_IS_SYSV(r.kind) && ipc_users_scan(&l, o->trace) == -1)
		warn("reading /proc");
	ipc_state_compute(&l);
	code = EXIT_OK;
	for (size_t i = 0; i < l.n; i++) {
		int c = remove_obj(o, &l.v[i]);
		if (code == EXIT_OK)
			code = c;
	}
	ipc_list_free(&l);
	return code;
}

static int remove_matching(const struct opts *o, const struct ipc_filter *f,
                           const char *const *paths, size_t npaths)
{
	struct ipc_list l = { 0 };
	struct ipc_scan sc = { .kinds = f->kinds, .paths = npaths ? paths : NULL, .npaths = npaths,
	                       .path_errs = npaths ? calloc(npaths, sizeof(int)) : NULL, .trace = o->trace };
	int64_t now = (int64_t)time(NULL);
	int code = EXIT_OK;

	if (npaths && sc.path_errs == NULL)
		err(EXIT_FAIL, "out of memory");
	if (ipc_collect(&l, &sc) == -1) {
		warn("listing IPC objects");
		code = EXIT_FAIL;
	}
	for (size_t i = 0; i < npaths; i++) {
		int c;
		if (sc.path_errs[i] == 0)
			continue;
		say("--path %s: %s", ename(paths[i]), walk_path_why(sc.path_errs[i], &c));
		if (code == EXIT_OK)
			code = c;
	}
	free(sc.path_errs);
	if (ipc_users_scan(&l, o->trace) == -1)
		warn("reading /proc");
	ipc_state_compute(&l);
	for (size_t i = 0; i < l.n; i++) {
		if (!ipc_filter_match(f, &l.v[i], now))
			continue;
		int c = remove_obj(o, &l.v[i]);
		if (code == EXIT_OK)
			code = c;
	}
	ipc_list_free(&l);
	return code;
}

/* Lines from ipc-ls --raw escape unsafe bytes as \xHH: undo that. */
static void unescape_line(char *s)
{
	char *w = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
		    isxdigit((unsigned char)p[3])) {
			char hex[3] = { p[2], p[3], '\0' };
			*w++ = (char)strtol(hex, NULL, 16);
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

static int remove_stdin(const struct opts *o)
{
	char *line = NULL;
	size_t cap = 0;
	int code = EXIT_OK;

	while (getline(&line, &cap, stdin) != -1) {
		char *s = line, *e;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0')
			continue;
		unescape_line(s);
		int c = remove_ref(o, s);
		if (code == EXIT_OK)
			code = c;
	}
	free(line);
	return code;
}

static void push_ref(char ***refs, size_t *nrefs, char *ref)
{
	if (ref == NULL || strv_push(refs, nrefs, ref) == -1)
		err(EXIT_FAIL, "out of memory");
}

/* -q ID is sysv-msg:id:ID, -Q KEY sysv-msg:key:KEY; -m, -M shm, -s, -S sem (as ipcrm). */
static char *sysv_opt_ref(int ch, const char *arg)
{
	const char *kind = strchr("qQ", ch) ? "sysv-msg" : strchr("mM", ch) ? "sysv-shm" : "sysv-sem";
	char *ref;

	if (asprintf(&ref, "%s:%s:%s", kind, islower(ch) ? "id" : "key", arg) == -1)
		return NULL;
	return ref;
}

/* The REFs given as arguments, then those on stdin; frees refs. The first failure's status. */
static int remove_refs(const struct opts *o, char **refs, size_t nrefs)
{
	int code = EXIT_OK;

	for (size_t i = 0; i < nrefs; i++) {
		int c = remove_ref(o, refs[i]);
		if (code == EXIT_OK)
			code = c;
		free(refs[i]);
	}
	free(refs);
	if (o->stdin_refs) {
		int c = remove_stdin(o);
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

int main(int argc, char *argv[])
{
	enum { OPT_ORPHANS = 256, OPT_OLDER, OPT_NAME, OPT_PATH, OPT_TRACE };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' }, { "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "interactive", no_argument, NULL, 'i' }, { "kind", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, OPT_NAME }, { "older-than", required_argument, NULL, OPT_OLDER },
		{ "orphans", no_argument, NULL, OPT_ORPHANS }, { "path", required_argument, NULL, OPT_PATH },
		{ "trace", no_argument, NULL, OPT_TRACE }, { "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .trace = cli_init(&tool, &argc, argv) };
	struct ipc_filter f = { .kinds = KINDS_POSIX | KINDS_SYSV, .older_than_s = NA };
	char **refs = NULL;
	char **paths = NULL;
	size_t nrefs = 0, npaths = 0;
	bool all = false, filtered = false;
	int ch, code;

	while ((ch = cli_getopt(argc, argv, "afhinq:m:s:Q:M:S:t:u:vV", longopts)) != -1) {
		switch (ch) {
		case 'a': all = true; break;
		case 'f': o.force = true; break;
		case 'h': cli_help();
		case 'i': o.interactive = true; break;
		case 'n': o.dry_run = true; break;
		case 'q': case 'm': case 's': case 'Q': case 'M': case 'S':
			push_ref(&refs, &nrefs, sysv_opt_ref(ch, optarg));
			break;
		case 't': f.kinds = opt_kinds(optarg, "--kind"); filtered = true; break;
		case 'u': f.uid = opt_user(optarg, "--user"); f.by_user = filtered = true; break;
		case 'v': o.verbose = true; break;
		case 'V': cli_version();
		case OPT_ORPHANS: f.orphans = filtered = true; break;
		case OPT_OLDER:
			f.older_than_s = opt_duration(optarg, "--older-than") / 1000000000;
			filtered = true;
			break;
		case OPT_NAME: f.glob = optarg; filtered = true; break;
		case OPT_PATH:
			if (strv_push(&paths, &npaths, optarg) == -1)
				err(EXIT_FAIL, "out of memory");
			break;
		case OPT_TRACE: o.trace = true; break;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			o.stdin_refs = true;
		else
			push_ref(&refs, &nrefs, strdup(argv[i]));
	}
	if (filtered && !all)
		bad_usage("filters select objects for removal only with --all");
	if (all && (nrefs || o.stdin_refs))
		bad_usage("--all takes no REFs");
	if (!all && nrefs == 0 && !o.stdin_refs) {
		usage(false);
		return EXIT_USAGE;
	}
	if (o.interactive) {
		/* With REFs on stdin the answers come from the terminal. */
		o.tty = o.stdin_refs ? fopen("/dev/tty", "re") : stdin;
		if (o.tty == NULL)
			bad_usage("--interactive needs a terminal to ask on");
	}
	code = remove_refs(&o, refs, nrefs);
	if (all) {
		int c = remove_matching(&o, &f, (const char *const *)paths, npaths);
		if (code == EXIT_OK)
			code = c;
	}
	free(paths);
	if (o.tty && o.tty != stdin)
		fclose(o.tty);
	return code;
}
