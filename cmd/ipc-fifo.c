/* ipc-fifo: named pipes from the shell, without their pitfalls. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "fifo.h"
#include "holders.h"

static int cmd_create(int, char *[]);
static int cmd_write(int, char *[]);
static int cmd_read(int, char *[]);
static int cmd_info(int, char *[]);
static int cmd_rm(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "create", cmd_create, "create [-m MODE] [--exist-ok] PATH..." },
	{ "write", cmd_write, "write [-t DURATION] [-0 | --raw] PATH [LINE...]" },
	{ "read", cmd_read, "read [-n COUNT] [-f] [-t DURATION] [-0 | --raw] PATH" },
	{ "info", cmd_info, "info [-J] PATH" },
	{ "rm", cmd_rm, "rm PATH..." },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool trace;

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ARGS");

	if (!full)
		return;
	fputs("\nNamed pipes (FIFOs): made exactly, opened with a deadline, read across writers,\n"
	      "and who has one open.\n\n"
	      "  -m, --mode MODE      create: the mode, whatever the umask (default 600)\n"
	      "      --exist-ok       create: a FIFO already there will do\n"
	      "  -t, --timeout DUR    write: wait for a reader this long (0: do not wait);\n"
	      "                       read: wait for a writer, and for data, this long\n"
	      "  -n, --count COUNT    read: this many lines, and not a byte more\n"
	      "  -f, --follow         read: keep reading as writers come and go\n"
	      "  -0, --null           records end with NUL, not newline\n"
	      "      --raw            bytes as they are, no records\n"
	      "  -J, --json           info: one JSON document\n"
	      "      --trace          print each system call on stderr\n"
	      "  -h, --help           this help\n"
	      "  -V, --version        the version\n\n"
	      "Durations: 250ms 2s 1.5m; modes: octal (644) or like u=rw,g=r. See ipc-fifo(1).\n", f);
}

static const char *fifo_errno_text(const char *what, int err)
{
	bool wr = strcmp(what, "write") == 0;

	if (err == ENXIO && wr)
		return "no process has it open for reading (ENXIO; --timeout 0 does not wait for one)";
	if (err == ETIMEDOUT)
		return wr ? "timed out waiting for a reader" : "timed out waiting for a writer or data";
	if (err == EAGAIN && strcmp(what, "read") == 0)
		return "nothing to read now (--timeout 0)";
	if (err == EPIPE)
		return "the reader went away (EPIPE)";
	return NULL;
}

static const struct cli_tool tool = {
	.name = "ipc-fifo", .noun = "FIFO", .usage = usage, .errno_text = fifo_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

/* A path error of create or rm: a symlinked directory or something that is no FIFO. */
static int say_path_error(const char *what, const char *path, int e, mode_t found)
{
	char real[PATH_MAX];

	if (e == ELOOP && path_real(path, real, sizeof(real)) == 0) {
		say("%s %s: a directory in the path is a symbolic link (use %s)", what, ename(path), ename(real));
		return EXIT_USAGE;
	}
	if (e == ELOOP) {
		say("%s %s: a directory in the path is a symbolic link", what, ename(path));
		return EXIT_USAGE;
	}
	if (e == EINVAL || e == EISDIR) {
		say("%s %s: is a %s, not a FIFO; left alone", what, ename(path),
		    e == EISDIR ? "directory" : file_type_name(found));
		return EXIT_USAGE;
	}
	return warn_errno(what, path, e);
}

/* The FIFO to read, write or show, following a symlink as any reader does; exits if there is none. */
static void stat_or_die(const char *what, const char *path, struct stat *st)
{
	if (fifo_stat(path, st, trace) == -1) {
		if (errno == EINVAL)
			die(EXIT_USAGE, "%s %s: is a %s, not a FIFO", what, ename(path), file_type_name(st->st_mode));
		fail(what, path, errno);
	}
}

static int create_one(const char *path, mode_t mode, bool mode_given, bool exist_ok)
{
	struct stat found;

	if (fifo_make(path, mode, &found, trace) == 0)
		return EXIT_OK;
	int e = errno;
	if (e == ENOENT || e == ENOTDIR) {
		say("create %s: a directory in the path does not exist", ename(path));
		return EXIT_NOTFOUND;
	}
	if (e != EEXIST)
		return say_path_error("create", path, e, 0);
	if (found.st_mode != 0 && !S_ISFIFO(found.st_mode)) {
		say("create %s: exists and is a %s, not a FIFO; left alone", ename(path),
		    file_type_name(found.st_mode));
		return EXIT_EXISTS;
	}
	if (!exist_ok)
		return warn_errno("create", path, e);
	struct attr_diff d = { 0 };
	char text[128];
	if (mode_given && attr_differs(&d, "mode", found.st_mode & 07777, mode)) {
		say("create %s: %s", ename(path), attr_diff_text(&d, text, sizeof(text)));
		return EXIT_EXISTS;
	}
	return EXIT_OK;
}

static int cmd_create(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' }, { "exist-ok", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	mode_t mode = 0600;
	bool mode_given = false, exist_ok = false;
	int ch, code = EXIT_OK;

	while ((ch = cli_getopt(argc, argv, "m:", lo)) != -1) {
		if (ch == 'm') {
			mode = opt_mode(optarg, "--mode");
			mode_given = true;
		} else {
			exist_ok = true;
		}
	}
	if (optind >= argc)
		bad_usage("create needs a PATH");
	for (int i = optind; i < argc; i++) {
		int c = create_one(argv[i], mode, mode_given, exist_ok);
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

/* Each LINE, with its delimiter, in one write(2). */
static void write_args(int fd, const char *path, char *lines[], int n, char delim)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		char *buf = malloc(len + 1);
		int r = -1;
		if (buf != NULL) {
			memcpy(buf, lines[i], len);
			buf[len] = delim;
			r = write_all(fd, buf, len + 1);
			trace_call(trace, r == 0 ? (long)len + 1 : -1, errno, "write(%d, \"%s%s\", %zu)", fd,
			           lines[i], delim ? "\\n" : "\\0", len + 1);
			free(buf);
		}
		if (r == -1)
			die(exit_code_for_errno(errno), "write %s: line %d: %s", ename(path), i + 1,
			    errno_text("write", errno));
	}
}

static int cmd_write(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 't' }, { "null", no_argument, NULL, '0' },
		{ "raw", no_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
	};
	int64_t timeout = -1;
	bool nul = false, raw = false, in_failed;
	struct stat st;
	int ch;

	while ((ch = cli_getopt(argc, argv, "t:0", lo)) != -1) {
		switch (ch) {
		case 't': timeout = opt_duration(optarg, "--timeout"); break;
		case '0': nul = true; break;
		case 'r': raw = true; break;
		}
	}
	if (optind >= argc)
		bad_usage("write needs a PATH");
	if (nul && raw)
		bad_usage("write: -0 and --raw do not go together: give one");
	const char *path = argv[optind++];
	if (raw && optind < argc)
		bad_usage("write: --raw copies stdin; give no LINE");
	stat_or_die("write", path, &st);
	int fd = fifo_open(path, &st, O_WRONLY, timeout, NULL, trace);
	if (fd == -1) {
		if (errno == EINVAL)
			die(EXIT_USAGE, "write %s: is not a FIFO any more", ename(path));
		if (errno == ENXIO)   /* would block: the kit's "timed out" */
			die(EXIT_TIMEOUT, "write %s: %s", ename(path), errno_text("write", ENXIO));
		fail("write", path, errno);
	}
	if (optind < argc) {
		write_args(fd, path, argv + optind, argc - optind, nul ? '\0' : '\n');
	} else if (fifo_write_stream(fd, STDIN_FILENO, nul ? '\0' : '\n', raw, &in_failed) == -1) {
		if (in_failed)
			die(EXIT_FAIL, "write %s: reading stdin: %s", ename(path), strerror(errno));
		fail("write", path, errno);
	}
	if (close(fd) == -1)
		fail("write", path, errno);
	return EXIT_OK;
}

static int cmd_read(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' }, { "follow", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' }, { "null", no_argument, NULL, '0' },
		{ "raw", no_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
	};
	struct fifo_reader r = { .out = STDOUT_FILENO, .delim = '\n', .timeout_ns = -1, .stop = &cli_stop };
	struct stat st;
	bool nul = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "n:ft:0", lo)) != -1) {
		switch (ch) {
		case 'n': r.count = opt_int(optarg, 1, LLONG_MAX, "--count"); break;
		case 'f': r.follow = true; break;
		case 't': r.timeout_ns = opt_duration(optarg, "--timeout"); break;
		case '0': nul = true; break;
		case 'r': r.raw = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("read takes one PATH");
	if (nul && r.raw)
		bad_usage("read: -0 and --raw do not go together: give one");
	if (r.raw && r.count)
		bad_usage("read: --count counts records; --raw has none");
	r.delim = nul ? '\0' : '\n';
	r.path = argv[optind];
	r.st = &st;
	stat_or_die("read", r.path, &st);
	cli_catch_stops();
	/* Following, it holds the FIFO open for writing too: a writer's close is not the end. */
	r.fd = fifo_open(r.path, &st, r.follow ? O_RDWR : O_RDONLY, r.timeout_ns, &cli_stop, trace);
	if (r.fd == -1 && errno == EINTR)
		cli_exit(EXIT_OK);
	if (r.fd == -1 && errno == EINVAL)
		die(EXIT_USAGE, "read %s: is not a FIFO any more", ename(r.path));
	if (r.fd == -1)
		fail("read", r.path, errno);
	if (fifo_read(&r) == -1) {
		if (errno == EINTR)
			cli_exit(EXIT_OK);
		if (r.out_failed)
			die(EXIT_FAIL, "write error: %s", strerror(errno));
		if (errno == ETIMEDOUT && r.count)
			die(EXIT_TIMEOUT, "read %s: timed out after %lld of %lld records", ename(r.path),
			    r.taken, r.count);
		fail("read", r.path, errno);
	}
	close(r.fd);
	cli_exit(EXIT_OK);
}

/* "PID/command,..." of the holders with access acc (O_RDWR counts as both). */
static char *holder_list(const struct fd_holders *h, int acc, bool json)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	pid_t shown = 0;
	int n = 0;

	if (f == NULL)
		die(EXIT_FAIL, "out of memory");
	for (size_t i = 0; i < h->n; i++) {
		const struct fd_holder *x = &h->v[i];
		if ((x->acc != acc && x->acc != O_RDWR) || x->pid == shown)
			continue;   /* one entry a process (they come sorted by PID) */
		shown = x->pid;
		if (json) {
			fprintf(f, "%s{\"pid\": %d, \"command\": ", n ? ", " : "", (int)x->pid);
			json_text(f, x->comm);
			fputs("}", f);
		} else {
			fprintf(f, "%s%d/%s", n ? "," : "", (int)x->pid, ename(x->comm));
		}
		n++;
	}
	if (fclose(f) == EOF)
		die(EXIT_FAIL, "out of memory");
	return s;
}

/*
 * Bytes queued: FIONREAD needs a descriptor open for reading. Opening one is
 * invisible only while another reader holds the FIFO: with none, it would wake
 * a writer waiting in open(2) for a reader, which then writes to nobody.
 */
static const char *queued_text(const char *path, const struct stat *st, const struct fd_holders *h,
                               char *buf, size_t len, bool *unreadable)
{
	bool reader = false;

	for (size_t i = 0; i < h->n; i++)
		reader |= h->v[i].acc == O_RDONLY || h->v[i].acc == O_RDWR;
	if (h->n == 0 && h->unseen == 0)
		return "0";   /* nobody holds it: the kernel has freed its buffer */
	if (!reader)
		return NULL;
	int fd = fifo_open_now(path, st, O_RDONLY | O_NONBLOCK, trace);
	if (fd == -1) {
		*unreadable = errno == EACCES;
		return NULL;
	}
	long n = fifo_queued(fd);
	trace_call(trace, n, errno, "ioctl(%d, FIONREAD)", fd);
	close(fd);
	if (n < 0)
		return NULL;
	snprintf(buf, len, "%ld", n);
	return buf;
}

static void info_print(const struct field_list *fl, const char *queued, bool unreadable,
                       const struct fd_holders *h, bool json)
{
	char *rd = holder_list(h, O_RDONLY, json), *wr = holder_list(h, O_WRONLY, json);

	if (!json) {
		for (size_t i = 0; i < fl->n; i++)
			printf("%-10s %s\n", fl->v[i].key, fl->v[i].value ? fl->v[i].value : "-");
		printf("%-10s %s\n", "size", queued ? queued : unreadable
		       ? "not readable: permission denied" : "unknown: no reader holds it open");
		printf("%-10s %s\n%-10s %s\n", "readers", *rd ? rd : "-", "writers", *wr ? wr : "-");
	} else {
		fputs("{", stdout);
		for (size_t i = 0; i < fl->n; i++) {
			printf("%s\n   \"%s\": ", i ? "," : "", fl->v[i].key);
			if (fl->v[i].value == NULL)
				fputs("null", stdout);
			else if (fl->v[i].number)
				fputs(fl->v[i].value, stdout);
			else
				json_string(stdout, fl->v[i].value);
		}
		printf(",\n   \"size\": %s,\n   \"readers\": [%s],\n   \"writers\": [%s]\n}\n",
		       queued ? queued : "null", rd, wr);
	}
	free(rd);
	free(wr);
}

static int cmd_info(int argc, char *argv[])
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'J' }, { NULL, 0, NULL, 0 } };
	struct ipc_list l = { 0 };
	struct fd_holders h;
	struct field_list fl;
	struct stat st;
	bool json = false, unreadable = false;
	char qbuf[32];
	int ch;

	while ((ch = cli_getopt(argc, argv, "J", lo)) != -1)
		json |= ch == 'J';
	if (argc - optind != 1)
		bad_usage("info takes one PATH");
	const char *path = argv[optind];
	stat_or_die("info", path, &st);
	if (fd_holders_find(&h, st.st_dev, st.st_ino, trace) == -1)
		fail("info", path, errno);
	const char *queued = queued_text(path, &st, &h, qbuf, sizeof(qbuf), &unreadable);
	/* Named as ipc-ls names it: the real, absolute path of the FIFO itself. */
	char *real = realpath(path, NULL);
	if (fifo_add(&l, real ? real : path, &st) == -1)
		fail("info", path, errno);
	struct ipc_obj *o = &l.v[0];
	if (h.n && (o->users = calloc(h.n, sizeof(*o->users))) == NULL)
		fail("info", path, errno);
	for (size_t i = 0; i < h.n; i++) {
		if (o->nusers && o->users[o->nusers - 1].pid == h.v[i].pid)
			continue;
		o->users[o->nusers].pid = h.v[i].pid;
		strlcpy(o->users[o->nusers++].comm, h.v[i].comm, sizeof(o->users[0].comm));
	}
	o->unseen = h.unseen;
	ipc_state_compute(&l);
	if (ipc_fields(&fl, o, json ? FIELD_JSON : FIELD_BYTES, trace) == -1)
		fail("info", path, errno);
	info_print(&fl, queued, unreadable, &h, json);
	free(real);
	fields_free(&fl);
	fd_holders_free(&h);
	ipc_list_free(&l);
	return EXIT_OK;
}

static int cmd_rm(int argc, char *argv[])
{
	static const struct option lo[] = { { NULL, 0, NULL, 0 } };
	struct file_id found;
	int code = EXIT_OK;

	while (cli_getopt(argc, argv, "", lo) != -1)
		;
	if (optind >= argc)
		bad_usage("rm needs a PATH");
	for (int i = optind; i < argc; i++) {
		int c = EXIT_OK;
		memset(&found, 0, sizeof(found));
		if (fifo_remove(argv[i], &found, trace) == -1) {
			int e = errno;
			if (e == ESTALE) {
				say("rm %s: another file took its name meanwhile; left alone", ename(argv[i]));
				c = EXIT_BUSY;
			} else {
				c = say_path_error("rm", argv[i], e, found.type);
			}
		}
		if (code == EXIT_OK)
			code = c;
	}
	return code;
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
