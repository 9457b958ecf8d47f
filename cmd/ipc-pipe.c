/* ipc-pipe: anonymous pipes from the shell: a pass-through with stats, what is on my stdin, two-way commands. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "holders.h"
#include "pipe.h"

static int cmd_info(int, char *[]);
static int cmd_connect(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "info", cmd_info, "info [-J] [FD...]" },
	{ "connect", cmd_connect, "connect [-t DURATION] CMD1 CMD2 | -- PROG1 [ARG...] -- PROG2 [ARG...]" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))
#define DEFAULT_PIPE_SIZE (1024 * 1024)
#define FILTER_USAGE "[-s SIZE] [--progress] [--stats] [-l] [-L RATE]"

static bool trace;

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, FILTER_USAGE);

	if (full)
		fputs("\nWithout a command, copies stdin to stdout (splice(2) between two pipes):\n"
		      "  -s, --size SIZE        set the capacity of the pipes on stdin and stdout\n"
		      "      --progress         bytes, rate and time on stderr, when it is a terminal\n"
		      "      --stats            a summary line on stderr at the end\n"
		      "  -l, --lines            count lines (and --rate-limit in lines a second)\n"
		      "  -L, --rate-limit RATE  at most RATE bytes a second (like 100K, 2M)\n"
		      "info: what each descriptor is, and who holds the other end of a pipe:\n"
		      "  -J, --json             one JSON array\n"
		      "connect: CMD1's stdout into CMD2's stdin, and CMD2's stdout into CMD1's stdin:\n"
		      "  -t, --timeout DURATION stop both after DURATION (status 6)\n"
		      "Sizes: 4096 4K 1M; durations: 250ms 2s 1.5m. See ipc-pipe(1).\n", f);
}

static const struct cli_tool tool = {
	.name = "ipc-pipe", .noun = "descriptor", .usage = usage, .cmds = cmds, .ncmds = NCMDS,
};

/* ---- the pass-through ---- */

/* 1.5GiB, 12.0KiB, 512B */
static const char *human(double v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%s" : "%.0f%s", v, units[u]);
	return buf;
}

static double seconds_since(int64_t start_ns)
{
	return (double)(pipe_now_ns() - start_ns) / 1e9;
}

static volatile sig_atomic_t tick_due;
static void on_alarm(int sig) { (void)sig; tick_due = 1; }

/* pv's line: "  1.2GiB 0:00:05 [ 245.3MiB/s]", redrawn in place. */
static void draw_progress(const struct pipe_copy *c)
{
	char amount[32], rate[32];
	double t = seconds_since(c->start_ns);
	double done = c->lines ? (double)c->nlines : (double)c->bytes;
	long s = (long)t;

	if (c->lines) {
		snprintf(amount, sizeof(amount), "%llu lines", (unsigned long long)c->nlines);
		snprintf(rate, sizeof(rate), "%.0f lines", t > 0 ? done / t : 0);
	} else {
		human(done, amount, sizeof(amount));
		human(t > 0 ? done / t : 0, rate, sizeof(rate));
	}
	fprintf(stderr, "\r%14s %ld:%02ld:%02ld [%12s/s]\033[K", amount, s / 3600, s / 60 % 60, s % 60, rate);
	fflush(stderr);
}

static void start_progress(struct pipe_copy *c)
{
	struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART: a blocked call returns */
	struct itimerval it = { { 0, 500000 }, { 0, 500000 } };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	c->tick = &tick_due;
	c->on_tick = draw_progress;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void print_stats(const struct pipe_copy *c)
{
	char rate[32], lines[48] = "";
	double t = seconds_since(c->start_ns);

	if (c->lines)
		snprintf(lines, sizeof(lines), "%llu lines, ", (unsigned long long)c->nlines);
	human(t > 0 ? (double)c->bytes / t : 0, rate, sizeof(rate));
	say("%s%llu bytes in %.3f s, %s/s (%s)", lines, (unsigned long long)c->bytes, t, rate,
	    c->spliced ? "splice" : "read and write");
}

/* F_SETPIPE_SZ on fd if it is a pipe; true when it is one. */
static bool set_pipe_size(int fd, const char *side, uint64_t size)
{
	struct stat st;

	if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode))
		return false;
	int r = fcntl(fd, F_SETPIPE_SZ, (int)size);
	int e = errno;
	trace_call(trace, r, e, "fcntl(%d, F_SETPIPE_SZ, %ju)", fd, (uintmax_t)size);
	if (r == -1)
		die(exit_code_for_errno(e), "--size %ju: the pipe on %s refused it: %s (limits: fs.pipe-max-size, "
		    "fs.pipe-user-pages-soft)", (uintmax_t)size, side, strerror(e));
	return true;
}

static uint64_t size_option(const char *s)
{
	uint64_t v = opt_size(s, 1, INT_MAX, "--size");
	long max = pipe_max_size();

	if (max > 0 && v > (uint64_t)max)
		bad_usage("invalid size '%s' for --size: above fs.pipe-max-size (%ld bytes; "
		          "raise it with sysctl fs.pipe-max-size=BYTES)", ename(s), max);
	return v;
}

static _Noreturn void filter_end(struct pipe_copy *c, int r, bool progress, bool stats)
{
	int e = errno;

	if (progress) {
		draw_progress(c);
		fputc('\n', stderr);
	}
	if (stats)
		print_stats(c);
	if (r == 0 || (e == EINTR && cli_stop))
		cli_exit(EXIT_OK);
	if (e == EPIPE) {   /* the reader went away: end as the shell expects, by SIGPIPE, quietly */
		sigset_t s;
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, SIGPIPE);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(SIGPIPE);
	}
	die(EXIT_FAIL, "%s: %s", c->failed_fd == c->in ? "reading stdin" : "write error", strerror(e));
}

static int run_filter(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' }, { "progress", no_argument, NULL, 'P' },
		{ "stats", no_argument, NULL, 'S' }, { "lines", no_argument, NULL, 'l' },
		{ "rate-limit", required_argument, NULL, 'L' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	struct pipe_copy c = { .in = STDIN_FILENO, .out = STDOUT_FILENO, .stop = &cli_stop };
	bool progress = false, stats = false;
	uint64_t size = 0;
	int ch;

	while ((ch = cli_getopt(argc, argv, "s:lL:hV", lo)) != -1) {
		switch (ch) {
		case 's': size = size_option(optarg); break;
		case 'P': progress = true; break;
		case 'S': stats = true; break;
		case 'l': c.lines = true; break;
		case 'L': c.rate = opt_size(optarg, 1, UINT64_MAX / 2, "--rate-limit"); break;
		case 'h': cli_help();
		case 'V': cli_version();
		}
	}
	for (size_t i = 0; optind < argc && i < NCMDS; i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			bad_usage("%s: its options come after it (ipc-pipe %s)", cmds[i].name, cmds[i].usage);
	if (optind < argc)
		bad_usage("unknown command '%s' (commands: info connect)", ename(argv[optind]));
	if (size) {
		bool in = set_pipe_size(STDIN_FILENO, "stdin", size);
		if (!set_pipe_size(STDOUT_FILENO, "stdout", size) && !in)
			bad_usage("--size: neither stdin nor stdout is a pipe");
	}
	c.trace = trace;
	if (!size) {   /* by default pipes of 1 MiB (or fs.pipe-max-size) when splicing */
		long max = pipe_max_size();
		c.grow_to = max > 0 && max < DEFAULT_PIPE_SIZE ? max : DEFAULT_PIPE_SIZE;
	}
	progress = progress && isatty(STDERR_FILENO);
	cli_catch_stops();
	signal(SIGPIPE, SIG_IGN);   /* EPIPE instead, so the summary is printed first */
	if (progress)
		start_progress(&c);
	filter_end(&c, pipe_copy_run(&c), progress, stats);
}

/* ---- info ---- */

static const char *access_name(int acc, bool pipe)
{
	switch (acc) {
	case O_RDONLY: return pipe ? "read end" : "read only";
	case O_WRONLY: return pipe ? "write end" : "write only";
	case O_RDWR: return pipe ? "read and write" : "read-write";
	default: return "unknown";
	}
}

static void info_text(const struct fd_desc *d, const struct fd_holders *h)
{
	bool pipe = d->type == FD_PIPE || d->type == FD_FIFO;
	char comm[17];

	printf("%d: %s %s, %s", d->fd, fd_type_name(d->type), ename(d->path), access_name(d->acc, pipe));
	if (pipe)
		printf(", capacity %ld, %ld bytes queued", d->capacity, d->queued);
	if (d->type == FD_FILE)
		printf(", %jd bytes", (intmax_t)d->size);
	if (d->type == FD_SOCKET) {
		printf(", %s %s", sock_family_name(d->sock_family), sock_type_name(d->sock_type));
		if (d->local[0])
			printf(", local %s", ename(d->local));
		printf(", peer %s", d->peer[0] ? ename(d->peer) : "(unnamed)");
		if (d->peer_pid > 0) {
			proc_comm(d->peer_pid, comm, sizeof(comm));
			printf(", peer process %d %s", (int)d->peer_pid, ename(comm));
		}
	}
	putchar('\n');
	if (!pipe)
		return;
	size_t readers = 0, writers = 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct fd_holder *o = &h->v[i];
		if (o->pid == getpid())
			continue;
		printf("   %s: %d %s (fd %d)\n", access_name(o->acc, true), (int)o->pid, ename(o->comm), o->fd);
		readers += o->acc == O_RDONLY || o->acc == O_RDWR;
		writers += o->acc == O_WRONLY || o->acc == O_RDWR;
	}
	/* What the other end's absence means, for the end held here. */
	if (d->acc == O_RDONLY && writers == 0 && !h->unseen)
		puts("   no process holds the write end: a read gets end of file");
	if (d->acc == O_WRONLY && readers == 0 && !h->unseen)
		puts("   no process holds the read end: a write gets SIGPIPE (EPIPE)");
	if (h->unseen)
		printf("   (%d process%s could not be looked at: run as root to see them all)\n", h->unseen,
		       h->unseen == 1 ? "" : "es");
}

static void info_json(const struct fd_desc *d, const struct fd_holders *h, bool first)
{
	bool pipe = d->type == FD_PIPE || d->type == FD_FIFO;
	static const char *const acc[] = { "read", "write", "read-write" };
	const char *a = d->acc >= 0 && d->acc <= 2 ? acc[d->acc] : "unknown";

	printf("%s\n   {\"fd\": %d, \"type\": \"%s\", \"access\": \"%s\", \"path\": ", first ? "" : ",", d->fd,
	       fd_type_name(d->type), a);
	json_text(stdout, d->path);
	printf(", \"inode\": %ju", (uintmax_t)d->ino);
	if (pipe)
		printf(", \"capacity\": %ld, \"queued\": %ld", d->capacity, d->queued);
	if (d->type == FD_FILE)
		printf(", \"size\": %jd", (intmax_t)d->size);
	if (d->type == FD_SOCKET) {
		printf(", \"family\": \"%s\", \"socket_type\": \"%s\", \"local\": ", sock_family_name(d->sock_family),
		       sock_type_name(d->sock_type));
		json_text(stdout, d->local);
		fputs(", \"peer\": ", stdout);
		json_text(stdout, d->peer);
		printf(", \"peer_pid\": %d", (int)d->peer_pid);
	}
	if (pipe) {
		fputs(", \"holders\": [", stdout);
		size_t k = 0;
		for (size_t i = 0; i < h->n; i++) {
			const struct fd_holder *o = &h->v[i];
			if (o->pid == getpid())
				continue;
			printf("%s{\"pid\": %d, \"command\": ", k++ ? ", " : "", (int)o->pid);
			json_text(stdout, o->comm);
			printf(", \"fd\": %d, \"access\": \"%s\"}", o->fd,
			       o->acc >= 0 && o->acc <= 2 ? acc[o->acc] : "unknown");
		}
		printf("], \"unseen\": %d", h->unseen);
	}
	putchar('}');
}

static int info_one(int fd, bool json, bool *first)
{
	struct fd_desc d;
	struct fd_holders h = { 0 };
	char name[16];

	snprintf(name, sizeof(name), "%d", fd);
	if (fd_describe(fd, &d, trace) == -1) {
		if (errno != EBADF)
			return warn_errno("info", name, errno);
		say("info %d: not an open descriptor", fd);
		return EXIT_NOTFOUND;
	}
	if ((d.type == FD_PIPE || d.type == FD_FIFO) && fd_holders_find(&h, d.dev, d.ino, trace) == -1)
		return warn_errno("info", name, errno);
	if (json)
		info_json(&d, &h, *first);
	else
		info_text(&d, &h);
	*first = false;
	fd_holders_free(&h);
	return EXIT_OK;
}

static int cmd_info(int argc, char *argv[])
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'J' }, { NULL, 0, NULL, 0 } };
	static char *defaults[] = { "0", "1", "2" };
	bool json = false, first = true;
	int ch, code = EXIT_OK, fds[256], n = 0;

	while ((ch = cli_getopt(argc, argv, "J", lo)) != -1)
		json |= ch == 'J';
	char **ops = optind < argc ? argv + optind : defaults;
	int nops = optind < argc ? argc - optind : 3;
	if (nops > (int)(sizeof(fds) / sizeof(fds[0])))
		bad_usage("info: at most %zu descriptors at once", sizeof(fds) / sizeof(fds[0]));
	for (int i = 0; i < nops; i++)   /* every operand is checked before the first is looked at */
		fds[n++] = (int)opt_int(ops[i], 0, INT_MAX, "FD");
	if (json)
		fputs("[", stdout);
	for (int i = 0; i < n; i++) {
		int c = info_one(fds[i], json, &first);
		if (code == EXIT_OK)
			code = c;
	}
	if (json)
		fputs(first ? "]\n" : "\n]\n", stdout);
	return code;
}

/* ---- connect ---- */

static int cmd_connect(int argc, char *argv[])
{
	static const struct option lo[] = { { "timeout", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
	static char sh[] = "sh", dash_c[] = "-c";
	struct pipe_connect pc = { 0 };
	const char *timeout_text = NULL;
	int64_t timeout = -1;
	int ch, sep = -1;

	while ((ch = cli_getopt(argc, argv, "+t:", lo)) != -1) {
		timeout = opt_duration(optarg, "--timeout");
		timeout_text = optarg;
	}
	for (int i = optind; i < argc && sep == -1; i++)
		if (strcmp(argv[i], "--") == 0)
			sep = i;
	char *shell[2][4] = { { sh, dash_c, NULL, NULL }, { sh, dash_c, NULL, NULL } };
	if (sep != -1) {   /* -- PROG1 ARG... -- PROG2 ARG... */
		if (sep == optind || sep + 1 == argc)
			bad_usage("connect: give a program before and after --");
		argv[sep] = NULL;
		pc.cmd[0].argv = argv + optind;
		pc.cmd[1].argv = argv + sep + 1;
	} else if (argc - optind == 2) {   /* two command lines, each run by sh -c */
		shell[0][2] = argv[optind];
		shell[1][2] = argv[optind + 1];
		pc.cmd[0].argv = shell[0];
		pc.cmd[1].argv = shell[1];
	} else {
		bad_usage("connect takes two commands: 'CMD1' 'CMD2', or -- PROG1 [ARG...] -- PROG2 [ARG...]");
	}
	fflush(stdout);
	if (pipe_connect_start(&pc, trace) == -1)
		die(EXIT_FAIL, "connect: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		int e = pc.cmd[i].exec_err;
		if (e)
			say("connect: %s: %s", ename(pc.cmd[i].argv[0]), e == ENOENT ? "command not found" : strerror(e));
	}
	pipe_connect_wait(&pc, timeout);
	if (pc.timed_out)
		die(EXIT_TIMEOUT, "connect: timed out after %s; both commands were stopped", ename(timeout_text));
	int code = pc.first_failed == -1 ? EXIT_OK : child_exit_code(pc.cmd[pc.first_failed].status);
	cli_stop = pc.signal;
	cli_exit(code);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	if (argc >= 2 && argv[1][0] != '-')
		return cli_dispatch(argc, argv);
	return run_filter(argc, argv);
}
