/* ipc-shm: POSIX and System V shared memory from the shell, and a stream through it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "shm.h"

static int cmd_create(int, char *[]);
static int cmd_info(int, char *[]);
static int cmd_rm(int, char *[]);
static int cmd_resize(int, char *[]);
static int cmd_write(int, char *[]);
static int cmd_read(int, char *[]);
static int cmd_dump(int, char *[]);
static int cmd_attach(int, char *[]);
static int cmd_push(int, char *[]);
static int cmd_pull(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "create", cmd_create, "create --size SIZE [--mode MODE] [--exist-ok] REF" },
	{ "info", cmd_info, "info [-J] REF" },
	{ "rm", cmd_rm, "rm REF..." },
	{ "resize", cmd_resize, "resize REF SIZE" },
	{ "write", cmd_write, "write [--offset N] [--grow] REF [DATA]" },
	{ "read", cmd_read, "read [--offset N] [--length N] REF" },
	{ "dump", cmd_dump, "dump [--offset N] [--length N] REF" },
	{ "attach", cmd_attach, "attach [--duration DURATION] [--read-only] REF" },
	{ "push", cmd_push, "push [-t DURATION] REF" },
	{ "pull", cmd_pull, "pull [-t DURATION] REF" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool trace;

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ARGS");

	if (full)
		fputs("\nREF: /name (POSIX), key:KEY, id:ID or ftok:PATH[:PROJ] (System V),\n"
		      "or with its kind: posix-shm:/name, sysv-shm:id:ID.\n"
		      "push copies stdin into a ring in the segment, pull copies it out to stdout.\n"
		      "Numbers: decimal or 0x hex; modes: octal (644) or like u=rw,g=r.\n"
		      "Durations: 250ms 2s 1.5m; sizes: 4096 4K 1M. See ipc-shm(1).\n", f);
}

/* EINVAL from opening: a file in /dev/shm that is no segment (a FIFO, a device). */
static const char *shm_errno_text(const char *what, int err)
{
	(void)what;
	return err == EINVAL ? "not a shared memory segment (a file of another type)" : NULL;
}

static const struct cli_tool tool = {
	.name = "ipc-shm", .noun = "segment", .usage = usage, .errno_text = shm_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

/* A POSIX segment truncated by someone else while mapped: SIGBUS on the next touch past its end. */
static char bus_msg[ESC_MAX + 128];
static size_t bus_len;

static void on_bus(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, bus_msg, bus_len) < 0)
		_exit(EXIT_FAIL);
	_exit(EXIT_FAIL);
}

static void catch_truncation(const char *what, const char *ref)
{
	struct sigaction sa = { .sa_handler = on_bus };
	int n = snprintf(bus_msg, sizeof(bus_msg), "ipc-shm: %s %s: the segment was truncated while in use, or /dev/shm is full\n",
	                 what, ename(ref));

	bus_len = n < 0 ? 0 : (size_t)n < sizeof(bus_msg) ? (size_t)n : sizeof(bus_msg) - 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

static void parse_ref(const char *text, struct ipc_ref *r)
{
	cli_kind_ref(text, shm_ref_parse, r, trace);
}

/* Opens and maps a segment, or exits saying why. */
static void open_mapped(struct shmseg *s, const char *what, const char *ref, struct ipc_ref *r, bool writable)
{
	catch_truncation(what, ref);
	if (shmseg_open(s, r, writable, trace) == -1 || shmseg_map(s) == -1)
		fail(what, ref, errno);
}

/* Over the largest size a segment of this kind may have: a usage error naming the limit. */
static void check_max(const char *what, const char *ref, enum ipc_kind kind, uint64_t size)
{
	const char *limit;
	uint64_t max = shmseg_max_size(kind, &limit);

	if (max && size > max)
		die(EXIT_USAGE, "%s %s: %ju bytes is more than %s (%ju bytes)", what, ename(ref),
		    (uintmax_t)size, limit, (uintmax_t)max);
}

static int cmd_create(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' }, { "mode", required_argument, NULL, 'm' },
		{ "exist-ok", no_argument, NULL, 'e' }, { NULL, 0, NULL, 0 },
	};
	struct shmseg_create c = { .mode = 0600 };
	struct ipc_ref r;
	struct shmseg s;
	int ch;

	while ((ch = cli_getopt(argc, argv, "s:m:", lo)) != -1) {
		switch (ch) {
		case 's': c.size = opt_size(optarg, 1, INT64_MAX, "--size"); break;
		case 'm': c.mode = (int)opt_mode(optarg, "--mode"); c.mode_given = true; break;
		case 'e': c.exist_ok = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("create takes one REF");
	if (c.size == 0)
		bad_usage("create needs --size");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (r.kind == KIND_SYSV_SHM && r.form == REF_ID)
		bad_usage("%s: a new System V segment is named by key: or ftok:, the kernel picks the id", ename(ref));
	check_max("create", ref, (enum ipc_kind)r.kind, c.size);
	if (shmseg_create(&s, &r, &c, trace) == -1) {
		int e = errno;
		char text[128];
		if (e == EEXIST && c.diff.what)
			die(EXIT_EXISTS, "create %s: %s", ename(ref), attr_diff_text(&c.diff, text, sizeof(text)));
		if (e == ENOSPC)
			die(EXIT_FAIL, "create %s: no room: kernel.shmall (pages in all segments) or "
			    "kernel.shmmni (segments) reached", ename(ref));
		fail("create", ref, e);
	}
	int id = s.id;
	shmseg_close(&s);
	if (r.kind == KIND_SYSV_SHM)
		cli_print_new_ref(ref, KIND_SYSV_SHM, id, !c.exist_ok, trace);
	return EXIT_OK;
}

static int cmd_info(int argc, char *argv[])
{
	return cli_cmd_info(argc, argv, shm_ref_parse, trace);
}

static int cmd_rm(int argc, char *argv[])
{
	return cli_cmd_rm(argc, argv, shm_ref_parse, shmseg_remove, trace);
}

static int cmd_resize(int argc, char *argv[])
{
	static const struct option lo[] = { { NULL, 0, NULL, 0 } };
	struct ipc_ref r;
	struct shmseg s;

	while (cli_getopt(argc, argv, "", lo) != -1)
		;
	if (argc - optind != 2)
		bad_usage("resize takes a REF and a SIZE");
	const char *ref = argv[optind];
	uint64_t size = opt_size(argv[optind + 1], 1, INT64_MAX, "SIZE");
	parse_ref(ref, &r);
	if (r.kind == KIND_SYSV_SHM)
		bad_usage("resize %s: a System V segment keeps the size it was made with; "
		          "make a new one (create) and copy (read | write)", ename(ref));
	check_max("resize", ref, KIND_POSIX_SHM, size);
	if (shmseg_open(&s, &r, true, trace) == -1 || shmseg_resize(&s, size) == -1)
		fail("resize", ref, errno);
	shmseg_close(&s);
	return EXIT_OK;
}

/* The range [off, off + len) of a segment of size bytes, or a usage error naming both sizes. */
static void check_range(const char *what, const char *ref, uint64_t size, uint64_t off, uint64_t len)
{
	if (off > size)
		die(EXIT_USAGE, "%s %s: offset %ju is past the end of the segment (%ju bytes)", what,
		    ename(ref), (uintmax_t)off, (uintmax_t)size);
	if (len > size - off)
		die(EXIT_USAGE, "%s %s: %ju bytes at offset %ju pass the end of the segment (%ju bytes)%s",
		    what, ename(ref), (uintmax_t)len, (uintmax_t)off, (uintmax_t)size,
		    strcmp(what, "write") == 0 ? "; nothing written" : "");
}

/* With --grow, how much stdin may be read: up to the largest segment, not all of memory. */
static size_t grow_room(const char *what, const char *ref, uint64_t off)
{
	const char *limit;
	uint64_t max = shmseg_max_size(KIND_POSIX_SHM, &limit);

	if (max == 0)
		return SIZE_MAX - 1;
	check_max(what, ref, KIND_POSIX_SHM, off);
	return max - off > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)(max - off);
}

static int cmd_write(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "offset", required_argument, NULL, 'o' }, { "grow", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipc_ref r;
	struct shmseg s;
	uint64_t off = 0;
	bool grow = false;
	size_t len;
	char *data;
	int ch;

	while ((ch = cli_getopt(argc, argv, "o:", lo)) != -1) {
		switch (ch) {
		case 'o': off = opt_size(optarg, 0, INT64_MAX, "--offset"); break;
		case 'g': grow = true; break;
		}
	}
	if (argc - optind != 1 && argc - optind != 2)
		bad_usage("write takes a REF and DATA (or stdin)");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	if (grow && r.kind == KIND_SYSV_SHM)
		bad_usage("write %s: --grow is for POSIX segments: a System V segment keeps its size", ename(ref));
	if (shmseg_open(&s, &r, true, trace) == -1)
		fail("write", ref, errno);
	if (off > s.size && !grow)
		check_range("write", ref, s.size, off, 0);
	if (argc - optind == 2) {
		data = argv[optind + 1];
		len = strlen(data);
	} else {   /* no more is read than fits, plus a byte */
		size_t room = grow ? grow_room("write", ref, off) : (size_t)(s.size - off);
		if ((data = io_read_max(STDIN_FILENO, room, &len)) == NULL && errno == EFBIG && grow)
			die(EXIT_USAGE, "write %s: stdin is more than the %zu bytes from offset %ju to the size "
			    "of /dev/shm; nothing written", ename(ref), room, (uintmax_t)off);
		if (data == NULL && errno == EFBIG)
			die(EXIT_USAGE, "write %s: stdin is more than the %zu bytes from offset %ju to the end "
			    "of the segment (%ju bytes); nothing written", ename(ref), room, (uintmax_t)off,
			    (uintmax_t)s.size);
		if (data == NULL)
			die(EXIT_FAIL, "write %s: reading stdin: %s", ename(ref), strerror(errno));
	}
	if (grow && off + len > s.size) {
		check_max("write", ref, KIND_POSIX_SHM, off + len);
		if (shmseg_resize(&s, off + len) == -1)
			fail("write", ref, errno);
	}
	check_range("write", ref, s.size, off, len);
	if (shmseg_reserve(&s, off, len) == -1) {
		if (errno == ENOSPC)
			die(EXIT_FAIL, "write %s: /dev/shm is full: no room for %zu bytes; nothing written",
			    ename(ref), len);
		fail("write", ref, errno);
	}
	if (len > 0) {
		catch_truncation("write", ref);
		if (shmseg_map(&s) == -1)
			fail("write", ref, errno);
		memcpy((char *)s.addr + off, data, len);
	}
	if (data != argv[optind + 1])
		free(data);
	shmseg_close(&s);
	return EXIT_OK;
}

struct range { uint64_t off, len; bool len_given; };

/* -o and -n of read and dump; returns the REF. */
static const char *range_opts(int argc, char *argv[], struct range *rg, const char *what)
{
	static const struct option lo[] = {
		{ "offset", required_argument, NULL, 'o' }, { "length", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(rg, 0, sizeof(*rg));
	while ((ch = cli_getopt(argc, argv, "o:n:", lo)) != -1) {
		switch (ch) {
		case 'o': rg->off = opt_size(optarg, 0, UINT64_MAX, "--offset"); break;
		case 'n': rg->len = opt_size(optarg, 0, UINT64_MAX, "--length"); rg->len_given = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("%s takes one REF", what);
	return argv[optind];
}

static void open_range(struct shmseg *s, const char *what, const char *ref, struct range *rg)
{
	struct ipc_ref r;

	parse_ref(ref, &r);
	open_mapped(s, what, ref, &r, false);
	if (!rg->len_given && rg->off <= s->size)
		rg->len = s->size - rg->off;
	check_range(what, ref, s->size, rg->off, rg->len);
}

static int cmd_read(int argc, char *argv[])
{
	struct range rg;
	struct shmseg s;
	const char *ref = range_opts(argc, argv, &rg, "read");

	open_range(&s, "read", ref, &rg);
	if (rg.len > 0 && write_all(STDOUT_FILENO, (char *)s.addr + rg.off, (size_t)rg.len) == -1)
		die(EXIT_FAIL, "write error: %s", strerror(errno));
	shmseg_close(&s);
	return EXIT_OK;
}

/* The bytes in the layout of hexdump -C: a line that repeats the one before is a single '*'. */
static int cmd_dump(int argc, char *argv[])
{
	struct range rg;
	struct shmseg s;
	const char *ref = range_opts(argc, argv, &rg, "dump");

	open_range(&s, "dump", ref, &rg);
	hexdump(stdout, rg.off, (const unsigned char *)s.addr + rg.off, rg.len);
	if (rg.len > 0 || (rg.off > 0 && !rg.len_given))   /* as hexdump -C -s at the end */
		printf("%08jx\n", (uintmax_t)(rg.off + rg.len));
	shmseg_close(&s);
	return EXIT_OK;
}

static int cmd_attach(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "duration", required_argument, NULL, 'd' }, { "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipc_ref r;
	struct shmseg s;
	int64_t duration = -1;
	bool ro = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "d:", lo)) != -1) {
		switch (ch) {
		case 'd': duration = opt_duration(optarg, "--duration"); break;
		case 'r': ro = true; break;
		}
	}
	if (argc - optind != 1)
		bad_usage("attach takes one REF");
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	cli_catch_stops();
	open_mapped(&s, "attach", ref, &r, !ro);
	printf("pid %d attached %s (%ju bytes)\n", (int)getpid(), ename(ref), (uintmax_t)s.size);
	fflush(stdout);
	cli_hold(duration);
	shmseg_close(&s);
	cli_exit(EXIT_OK);
}

/* The words for a ring end that could not go on. */
static _Noreturn void ring_fail(struct ring_end *e, const char *what, const char *ref, int err, bool io_err)
{
	const char *peer = e->side == RING_PUSH ? "pull" : "push";

	ring_detach(e);
	if (io_err)
		die(EXIT_FAIL, "%s %s: %s %s: %s", what, ename(ref), e->side == RING_PUSH ? "reading stdin"
		    : "writing stdout", "failed", strerror(err));
	switch (err) {
	case EINTR:
		cli_exit(EXIT_FAIL);
	case EPIPE:
		die(EXIT_FAIL, "%s %s: %s (pid %d) went away mid-stream, after %ju bytes", what, ename(ref),
		    peer, (int)e->peer, (uintmax_t)e->bytes);
	case EPROTO:
		die(EXIT_FAIL, "%s %s: push (pid %d) could not read its input; the stream is cut short "
		    "after %ju bytes", what, ename(ref), (int)e->peer, (uintmax_t)e->bytes);
	case ETIMEDOUT:
		die(EXIT_TIMEOUT, "%s %s: timed out waiting for %s, after %ju bytes", what, ename(ref),
		    peer, (uintmax_t)e->bytes);
	case EIDRM:
		die(EXIT_NOTFOUND, "%s %s: the segment was removed, after %ju bytes", what, ename(ref),
		    (uintmax_t)e->bytes);
	default:
		fail(what, ref, err);
	}
}

/* push and pull: the two ends of the stream. */
static int ring_cmd(int argc, char *argv[], enum ring_side side)
{
	static const struct option lo[] = { { "timeout", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
	const char *what = side == RING_PUSH ? "push" : "pull";
	struct ring_end e = { .side = side };
	struct ipc_ref r;
	struct shmseg s;
	int64_t timeout = -1;
	pid_t holder = 0;
	bool io_err;
	int ch;

	while ((ch = cli_getopt(argc, argv, "t:", lo)) != -1)
		if (ch == 't')
			timeout = opt_duration(optarg, "--timeout");
	if (argc - optind != 1)
		bad_usage("%s takes one REF", what);
	const char *ref = argv[optind];
	parse_ref(ref, &r);
	cli_catch_stops();
	open_mapped(&s, what, ref, &r, true);
	if (shmseg_reserve(&s, 0, s.size) == -1) {   /* a full /dev/shm: said now, not SIGBUS mid-stream */
		if (errno == ENOSPC)
			die(EXIT_FAIL, "%s %s: /dev/shm is full: no room for the ring (%ju bytes)", what,
			    ename(ref), (uintmax_t)s.size);
		fail(what, ref, errno);
	}
	if (ring_attach(&e, &s, side, timeout, &cli_stop, &holder) == -1) {
		if (errno == EBUSY)
			die(EXIT_BUSY, "%s %s: another %s (pid %d) has this end of the ring", what, ename(ref),
			    what, (int)holder);
		if (errno == EMSGSIZE)
			die(EXIT_USAGE, "%s %s: the segment (%ju bytes) is too small for a ring (at least %d)",
			    what, ename(ref), (uintmax_t)s.size, RING_MIN_SIZE);
		e.h = NULL;
		ring_fail(&e, what, ref, errno, false);
	}
	int rr = side == RING_PUSH ? ring_push(&e, STDIN_FILENO, &io_err) : ring_pull(&e, STDOUT_FILENO, &io_err);
	if (rr == -1)
		ring_fail(&e, what, ref, errno, io_err);
	shmseg_close(&s);
	return EXIT_OK;
}

static int cmd_push(int argc, char *argv[])
{
	return ring_cmd(argc, argv, RING_PUSH);
}

static int cmd_pull(int argc, char *argv[])
{
	return ring_cmd(argc, argv, RING_PULL);
}

int main(int argc, char *argv[])
{
	/* Past RLIMIT_FSIZE, ftruncate fails (EFBIG) and create undoes itself, rather than die half made. */
	signal(SIGXFSZ, SIG_IGN);
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
