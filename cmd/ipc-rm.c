/* ipc-rm: remove IPC objects safely, by reference, by filter, or from ipc-ls. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

	fprintf(stderr, "ipc-rm: remove %s (%s)? ", obj->ref, state_name(obj->state));
	if (o->tty == NULL || fgets(answer, sizeof(answer), o->tty) == NULL)
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/*
 * Another user's object, whose removal the kernel refuses (exit 5) whatever
 * its state: System V to all but its owner and creator, POSIX to all but its
 * owner (/dev/shm and /dev/mqueue are sticky).
 */
static bool others(const struct ipc_obj *obj)
{
	uid_t me = geteuid();

	if (KIND_IS_SYSV(obj->kind))
		return obj->uid != me && obj->cuid != me;
	return KIND_IS_POSIX(obj->kind) && obj->uid != me;
}

static int remove_obj(const struct opts *o, const struct ipc_obj *obj)
{
	int r;

	/* Unknown: some process that could hold it could not be read (ipc-ls(1)). */
	if (obj->state == STATE_UNKNOWN && !o->force && !others(obj)) {
		if (obj->unseen)
			warnx("%s: state unknown: cannot read the open files of %d process%s (root can); use --force",
			      obj->ref, obj->unseen, obj->unseen == 1 ? "" : "es");
		else
			warnx("%s: state unknown: cannot read its semaphores; use --force", obj->ref);
		return EXIT_BUSY;
	}
	if (obj->state == STATE_IN_USE && !o->force) {
		if (obj->nusers)
			warnx("%s: in use by %d/%s%s (use --force)", obj->ref, (int)obj->users[0].pid,
			      obj->users[0].comm, obj->nusers > 1 ? " and others" : "");
		else
			warnx("%s: in use (use --force)", obj->ref);
		return EXIT_BUSY;
	}
	if (o->dry_run) {
		printf("would remove %s\n", obj->ref);
		return EXIT_OK;
	}
	if (o->interactive && !confirm(o, obj))
		return EXIT_OK;
	if (KIND_IS_SYSV(obj->kind))
		r = sysv_remove(obj->kind, obj->id, o->trace);
	else if (KIND_IS_POSIX(obj->kind))
		r = posix_remove(obj->kind, obj->name, o->trace);
	else if (obj->kind == KIND_UNIX && obj->name[0] == '@') {
		warnx("%s: an abstract socket has no file; it goes away when its holder closes it", obj->ref);
		return EXIT_FAIL;
	} else
		r = file_remove(obj->name, obj->kind == KIND_FIFO ? S_IFIFO : S_IFSOCK,
		                o->trace);
	if (r == -1) {
		int e = errno;
		if (e == ENOENT)
			warnx("%s: no such object (removed meanwhile)", obj->ref);
		else
			warnc(e, "%s", obj->ref);
		return exit_code_for_errno(e);
	}
	if (o->verbose)
		printf("removed %s\n", obj->ref);
	return EXIT_OK;
}

/* Removes what one REF names; returns the exit code for it. */
static int remove_ref(const struct opts *o, const char *text)
{
	struct ipc_list l = { 0 };
	struct ipc_ref r;
	const char *why;
	int code;

	if (ref_parse(text, -1, &r, &why) == -1) {
		warnx("%s: %s", text, why);
		return EXIT_USAGE;
	}
	if (r.kind < 0) {
		warnx("%s: give the kind, like %s", text, r.form == REF_NAME
		      ? "posix-mq:NAME, posix-shm:NAME, posix-sem:NAME"
		      : "sysv-msg:REF, sysv-shm:REF, sysv-sem:REF");
		return EXIT_USAGE;
	}
	if (ref_ftok(&r, o->trace) == -1) {   /* a missing file names no object */
		int e = errno;
		say("%s: %s: %s", ename(text), ename(r.ftok_path), strerror(e));
		return exit_code_for_errno(e);
	}
	if (ipc_lookup(&r, &l, o->trace) == -1) {
		int e = errno;
		if (e == ENOENT)
			warnx("%s: no such object", text);
		else if (e == ELOOP)
			warnx("%s: is a symbolic link, not a %s; not removed", text, kind_name((enum ipc_kind)r.kind));
		else if (e == EISDIR)
			warnx("%s: is a directory, not a %s; not removed", text, kind_name((enum ipc_kind)r.kind));
		else if (e == EINVAL)
			warnx("%s: is not a %s; not removed", text, kind_name((enum ipc_kind)r.kind));
		else
			warnc(e, "%s", text);
		ipc_list_free(&l);
		return e == EINVAL || e == ELOOP || e == EISDIR ? EXIT_USAGE : exit_code_for_errno(e);
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
	char ebuf[ESC_MAX];

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
		warnx("--path %s: %s", esc(paths[i], ebuf, sizeof(ebuf)), walk_path_why(sc.path_errs[i], &c));
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
	int ch, code = EXIT_OK;

	while ((ch = cli_getopt(argc, argv, "afhinq:m:s:Q:M:S:t:u:vV", longopts)) != -1) {
		switch (ch) {
		case 'a': all = true; break;
		case 'f': o.force = true; break;
		case 'h': cli_help();
		case 'i': o.interactive = true; break;
		case 'n': o.dry_run = true; break;
		case 'q': case 'm': case 's': case 'Q': case 'M': case 'S': {
			const char *kind = strchr("qQ", ch) ? "sysv-msg" : strchr("mM", ch) ? "sysv-shm" : "sysv-sem";
			char *ref;
			if (asprintf(&ref, "%s:%s:%s", kind, islower(ch) ? "id" : "key", optarg) == -1 ||
			    strv_push(&refs, &nrefs, ref) == -1)
				err(EXIT_FAIL, "out of memory");
			break;
		}
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
		else {
			char *ref = strdup(argv[i]);
			if (ref == NULL || strv_push(&refs, &nrefs, ref) == -1)
				err(EXIT_FAIL, "out of memory");
		}
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

	for (size_t i = 0; i < nrefs; i++) {
		int c = remove_ref(&o, refs[i]);
		if (code == EXIT_OK)
			code = c;
		free(refs[i]);
	}
	free(refs);
	if (o.stdin_refs) {
		int c = remove_stdin(&o);
		if (code == EXIT_OK)
			code = c;
	}
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
