/* ipc-sock: unix, TCP and UDP sockets from the shell. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipckit.h"
#include "cli.h"
#include "sock.h"

static int cmd_listen(int, char *[]);
static int cmd_connect(int, char *[]);
static int cmd_wait(int, char *[]);
static int cmd_send(int, char *[]);
static int cmd_recv(int, char *[]);
static int cmd_serve(int, char *[]);
static int cmd_echo(int, char *[]);
static int cmd_send_fd(int, char *[]);
static int cmd_recv_fd(int, char *[]);

static const struct cli_cmd cmds[] = {
	{ "listen", cmd_listen, "listen [-k] [--dgram | --seqpacket] [-t DURATION] [--mode MODE] [--creds] ADDR" },
	{ "connect", cmd_connect, "connect [--dgram | --seqpacket] [-t DURATION] [--wait DURATION] [--creds] ADDR" },
	{ "wait", cmd_wait, "wait [--dgram | --seqpacket] [-t DURATION] ADDR" },
	{ "send", cmd_send, "send [--dgram | --seqpacket] [-t DURATION] [--wait DURATION] ADDR [MESSAGE]" },
	{ "recv", cmd_recv, "recv [--dgram | --seqpacket] [-n COUNT] [-t DURATION] [-0 | --raw] [--mode MODE] ADDR" },
	{ "serve", cmd_serve, "serve [--seqpacket] [--max-clients N] [--mode MODE] ADDR -- COMMAND [ARG...]" },
	{ "echo", cmd_echo, "echo [--dgram | --seqpacket] [--mode MODE] ADDR" },
	{ "send-fd", cmd_send_fd, "send-fd [-t DURATION] [--wait DURATION] ADDR [FILE]" },
	{ "recv-fd", cmd_recv_fd, "recv-fd [-t DURATION] [--mode MODE] ADDR [-- COMMAND [ARG...]]" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

struct opts {
	int type;                 /* for unix addresses */
	int64_t timeout, wait;
	mode_t mode;
	bool keep, creds, nul, raw, type_given;
	long long count, max;
};

/* One command per run: its name, options, address and socket file are the run's. */
static bool trace;
static const char *what, *text;   /* "listen", and ADDR as given */
static struct opts o;
static struct sock_addr a;
static struct sock_listener lst = { .fd = -1, .dirfd = -1 };

static void usage(bool full)
{
	FILE *f = cli_usage_cmds(full, "COMMAND [OPTIONS] ADDR");

	if (full)
		fputs("\nADDR: unix:/path, unix:@abstract, tcp:HOST:PORT, udp:HOST:PORT ([::1]:PORT for IPv6).\n"
		      "Unix sockets are streams unless --dgram or --seqpacket.\n"
		      "Durations: 250ms 2s 1.5m; modes: octal (600) or like u=rw,g=rw. See ipc-sock(1).\n", f);
}

static const char *sock_errno_text(const char *op, int err)
{
	switch (err) {
	case ECONNREFUSED: return "nothing listens there (connection refused)";
	case EADDRINUSE: return "in use: a live socket is bound there";
	case EEXIST: return "a file that is not a socket is there (left alone)";
	case ELOOP: return "a symbolic link is there (never followed; left alone)";
	case EPROTOTYPE: return "the socket there is of another type (see --dgram, --seqpacket)";
	case ENOENT: return strstr("listen recv serve echo recv-fd", op) ? "no such directory" : "no such socket";
	case ENOMSG: return "the peer sent no descriptor";
	}
	return NULL;
}

static const struct cli_tool tool = {
	.name = "ipc-sock", .noun = "socket", .usage = usage, .errno_text = sock_errno_text,
	.cmds = cmds, .ncmds = NCMDS,
};

static int code_for(int err)
{
	switch (err) {
	case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: return EXIT_NOTFOUND;
	case EADDRINUSE: return EXIT_BUSY;
	case ELOOP: return EXIT_EXISTS;
	}
	return exit_code_for_errno(err);
}

/* The socket file goes on every way out: normal exit, die(), a stop signal (finish). */
static void unlisten(void)
{
	sock_unlisten(&lst, trace);
}

static _Noreturn void finish(int code)
{
	unlisten();
	cli_exit(code);
}

static _Noreturn void sock_fail(int err)
{
	unlisten();
	say("%s %s: %s", what, ename(text), errno_text(what, err));
	exit(code_for(err));
}

/*
 * The options codes lists, then ADDR and up to `more` operands (-1: a COMMAND
 * after an optional --; '+' in codes: options only before ADDR). Returns the
 * index after ADDR.
 */
static int setup(int argc, char *argv[], const char *codes, bool passive, int more)
{
	static const struct option all[] = {
		{ "dgram", no_argument, NULL, 'D' }, { "seqpacket", no_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' }, { "wait", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'm' }, { "keep", no_argument, NULL, 'k' },
		{ "creds", no_argument, NULL, 'c' }, { "count", required_argument, NULL, 'n' },
		{ "null", no_argument, NULL, '0' }, { "raw", no_argument, NULL, 'r' },
		{ "max-clients", required_argument, NULL, 'M' },
	};
	struct option lo[sizeof(all) / sizeof(all[0]) + 1] = { 0 };
	char shorts[16] = { codes[0] == '+' ? '+' : 0 }, why[200];
	size_t n = 0;
	int ch;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strchr(codes, all[i].val))
			lo[n++] = all[i];
	for (const char *c = "t:k0n:m:"; *c; c++)
		if (*c != ':' && strchr(codes, *c))
			memcpy(shorts + strlen(shorts), c, c[1] == ':' ? 2 : 1);
	what = argv[0];
	o = (struct opts){ .type = SOCK_STREAM, .timeout = -1, .wait = -1, .mode = 0600, .count = 1 };
	while ((ch = cli_getopt(argc, argv, shorts, lo)) != -1) {
		switch (ch) {
		case 'D': case 'S':
			if (o.type_given && o.type != (ch == 'D' ? SOCK_DGRAM : SOCK_SEQPACKET))
				bad_usage("%s: --dgram and --seqpacket do not go together", what);
			o.type = ch == 'D' ? SOCK_DGRAM : SOCK_SEQPACKET;
			o.type_given = true;
			break;
		case 't': o.timeout = opt_duration(optarg, "--timeout"); break;
		case 'w': o.wait = opt_duration(optarg, "--wait"); break;
		case 'm': o.mode = opt_mode(optarg, "--mode"); break;
		case 'k': o.keep = true; break;
		case 'c': o.creds = true; break;
		case 'n': o.count = opt_int(optarg, 0, LLONG_MAX, "--count"); break;
		case '0': o.nul = true; break;
		case 'r': o.raw = true; break;
		case 'M': o.max = opt_int(optarg, 1, 1000000, "--max-clients"); break;
		}
	}
	if (optind >= argc)
		bad_usage("%s needs an ADDR", what);
	text = argv[optind++];
	if (more == -1 && optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (more >= 0 && argc - optind > more)
		bad_usage("%s: unexpected '%s' after ADDR", what, ename(argv[optind + more]));
	if (sock_addr_parse(text, o.type, passive, &a, why, sizeof(why)) == -1) {
		if (errno == ENOENT)
			die(EXIT_NOTFOUND, "%s: %s", ename(text), why);
		bad_usage("%s: %s", ename(text), why);
	}
	if (o.type_given && a.family != AF_UNIX)
		bad_usage("%s: --dgram and --seqpacket are for unix addresses (tcp: is a stream, udp: datagrams)",
		          ename(text));
	cli_catch_stops();
	signal(SIGPIPE, SIG_IGN);   /* a closed connection is an error from send, not a signal */
	return optind;
}

static _Noreturn void refuse(const char *why)
{
	bad_usage("%s %s: %s", what, ename(text), why);
}

static void start_listen(void)
{
	atexit(unlisten);
	if (sock_listen(&a, o.mode, &lst, trace) == -1)
		sock_fail(errno);
}

static void show_peer(int fd, const struct sockaddr_storage *ss)
{
	char host[64];
	unsigned port;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	if (a.family == AF_UNIX && sock_peer_cred(fd, &pid, &uid, &gid, trace) == 0)
		say("peer pid=%d uid=%u gid=%u", pid, uid, gid);
	else if (a.family != AF_UNIX && sock_sa_host_port((const struct sockaddr *)ss, host, sizeof(host), &port) == 0)
		say("peer addr=%s port=%u", host, port);
}

/* Bridges fd with stdin and stdout; errors end the tool, naming the side. */
static void relay(int fd, int in, int out, bool learn_peer)
{
	struct sock_relay r = { .in = in, .out = out, .sock = fd, .idle = o.timeout, .stop = &cli_stop,
	                        .trace = trace, .messages = a.type != SOCK_STREAM,
	                        .dgram = a.type == SOCK_DGRAM, .learn_peer = learn_peer };
	static const char *side[] = { "reading stdin: ", "writing stdout: ", "" };

	if (sock_relay(&r) == 0)
		return;
	int e = errno;
	unlisten();
	if (r.side == SIDE_STDOUT && e == EPIPE) {   /* the reader went away: die of it, as cat does */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (e == ETIMEDOUT)
		die(EXIT_TIMEOUT, "%s %s: idle for longer than the timeout", what, ename(text));
	die(e == ECONNRESET ? EXIT_FAIL : code_for(e), "%s %s: %s%s", what, ename(text), side[r.side],
	    e == ECONNRESET ? "connection reset by peer" : errno_text(what, e));
}

static int accept_one(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = sock_accept(lst.fd, o.timeout, &ss, &sl, trace);

	if (fd == -1 && cli_stop)
		finish(EXIT_OK);
	if (fd == -1)
		sock_fail(errno);
	if (o.creds)
		show_peer(fd, &ss);
	return fd;
}

static int cmd_listen(int argc, char *argv[])
{
	setup(argc, argv, "DStmkc", true, 0);
	start_listen();
	if (a.type == SOCK_DGRAM) {   /* no connection: datagrams out, replies to the last sender */
		relay(lst.fd, STDIN_FILENO, STDOUT_FILENO, true);
		finish(EXIT_OK);
	}
	do {
		int fd = accept_one();
		relay(fd, STDIN_FILENO, STDOUT_FILENO, false);
		close(fd);
	} while (o.keep && !cli_stop);
	finish(EXIT_OK);
}

static int connect_to(void)
{
	int fd = sock_connect(&a, o.timeout, o.wait, &cli_stop, trace);

	if (fd == -1 && cli_stop)
		cli_exit(EXIT_OK);
	if (fd == -1 && errno == ETIMEDOUT && o.wait >= 0)
		die(EXIT_TIMEOUT, "%s %s: nothing accepted a connection within %s", what, ename(text),
		    strcmp(what, "wait") == 0 ? "the timeout" : "--wait");
	if (fd == -1)
		sock_fail(errno);
	return fd;
}

static int cmd_connect(int argc, char *argv[])
{
	setup(argc, argv, "DStwc", false, 0);
	int fd = connect_to();
	if (o.creds)
		show_peer(fd, &a.ss);
	relay(fd, STDIN_FILENO, STDOUT_FILENO, false);
	close(fd);
	cli_exit(EXIT_OK);
}

static int cmd_wait(int argc, char *argv[])
{
	setup(argc, argv, "DSt", false, 0);
	if (a.family != AF_UNIX && a.type == SOCK_DGRAM)
		refuse("UDP has no connection to wait for");
	o.wait = o.timeout < 0 ? INT64_MAX / 4 : o.timeout;
	o.timeout = -1;
	close(connect_to());
	return EXIT_OK;
}

static int cmd_send(int argc, char *argv[])
{
	int i = setup(argc, argv, "DStw", false, 1);
	const char *msg = argv[i];
	char *buf = NULL;
	size_t len = 0;

	int fd = connect_to();
	if (msg == NULL && a.type == SOCK_STREAM) {   /* all of stdin, however long */
		relay(fd, STDIN_FILENO, -1, false);
		return EXIT_OK;
	}
	if (msg == NULL && (buf = io_read_max(STDIN_FILENO, 65507, &len)) == NULL)
		die(errno == EFBIG ? EXIT_USAGE : EXIT_FAIL, "send %s: stdin: %s", ename(text),
		    errno == EFBIG ? "longer than one message may be (65507 bytes)" : strerror(errno));
	if (msg && asprintf(&buf, a.type == SOCK_STREAM ? "%s\n" : "%s", msg) >= 0)
		len = strlen(buf);
	if (buf == NULL)
		die(EXIT_FAIL, "out of memory");
	sock_set_blocking(fd, true);
	if (sock_send_all(fd, buf, len, trace) == -1)
		sock_fail(errno);
	free(buf);
	close(fd);
	return EXIT_OK;
}

static int cmd_recv(int argc, char *argv[])
{
	enum sock_side side;

	setup(argc, argv, "DStmn0r", true, 0);
	if (o.nul && o.raw)
		bad_usage("recv: -0 and --raw do not go together: give one");
	start_listen();
	if (a.type != SOCK_DGRAM) {   /* COUNT connections, each copied to stdout to its end */
		for (long long got = 0; (o.count == 0 || got < o.count) && !cli_stop; got++) {
			int fd = accept_one();
			relay(fd, -1, STDOUT_FILENO, false);
			close(fd);
		}
		finish(EXIT_OK);
	}
	if (sock_recv_msgs(lst.fd, STDOUT_FILENO, o.count, o.timeout, o.raw ? -1 : o.nul ? '\0' : '\n',
	                   &cli_stop, trace, &side) == -1) {
		if (side == SIDE_STDOUT)
			die(EXIT_FAIL, "write error: %s", strerror(errno));
		sock_fail(errno);
	}
	finish(EXIT_OK);
}

static void serve_run(char *const *cmd)
{
	struct sock_serve s = { .lfd = lst.fd, .unix_peer = a.family == AF_UNIX, .max_clients = (long)o.max,
	                        .argv = cmd, .stop = &cli_stop, .trace = trace };

	if (sock_serve(&s) == -1 && s.spawn_err) {
		unlisten();
		die(child_exec_code(s.spawn_err), "serve %s: %s: %s", ename(text), ename(cmd[0]),
		    s.spawn_err == ENOENT ? "command not found" : strerror(s.spawn_err));
	}
	if (!cli_stop)
		sock_fail(errno);
}

static int cmd_serve(int argc, char *argv[])
{
	int i = setup(argc, argv, "+SmM", true, -1);

	if (i >= argc)
		refuse("give the COMMAND to run after --");
	if (a.type == SOCK_DGRAM)
		refuse("datagrams have no connections to serve");
	start_listen();
	serve_run(argv + i);
	finish(EXIT_OK);
}

static int cmd_echo(int argc, char *argv[])
{
	setup(argc, argv, "DSm", true, 0);
	start_listen();
	if (a.type == SOCK_DGRAM)
		sock_echo_dgram(lst.fd, &cli_stop, trace);
	else
		serve_run(NULL);
	finish(EXIT_OK);
}

static int cmd_send_fd(int argc, char *argv[])
{
	int i = setup(argc, argv, "tw", false, 1), fd = STDIN_FILENO;

	if (a.family != AF_UNIX)
		refuse("descriptors pass over unix sockets only");
	if (argv[i] && (fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		die(exit_code_for_errno(errno), "send-fd %s: %s: %s", ename(text), ename(argv[i]), strerror(errno));
	int s = connect_to();
	sock_set_blocking(s, true);
	if (sock_send_fd(s, fd, trace) == -1)
		sock_fail(errno);
	close(s);
	return EXIT_OK;
}

static int cmd_recv_fd(int argc, char *argv[])
{
	struct child c;
	int i = setup(argc, argv, "+tm", true, -1), status;

	if (a.family != AF_UNIX)
		refuse("descriptors pass over unix sockets only");
	start_listen();
	int s = accept_one();
	int fd = sock_recv_fd(s, o.timeout, trace);
	if (fd == -1 && cli_stop)
		finish(EXIT_OK);
	if (fd == -1)
		sock_fail(errno == EBADMSG ? ENOMSG : errno);
	close(s);
	unlisten();
	if (i == argc) {   /* no COMMAND: what the descriptor reads, to stdout */
		if (sock_copy(fd, STDOUT_FILENO) == -1)
			die(EXIT_FAIL, "recv-fd %s: copying the descriptor to stdout: %s", ename(text), strerror(errno));
		return EXIT_OK;
	}
	if (child_start(&c, argv + i, fd, -1) == -1 || child_wait(&c, &status) == -1)
		die(child_exec_code(errno), "recv-fd %s: %s: %s", ename(text), ename(argv[i]),
		    errno == ENOENT ? "command not found" : strerror(errno));
	close(fd);
	return child_exit_code(status);
}

int main(int argc, char *argv[])
{
	trace = cli_init(&tool, &argc, argv);
	return cli_dispatch(argc, argv);
}
