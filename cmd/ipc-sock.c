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

static bool trace;
static struct sock_listener lst = { .fd = -1, .dirfd = -1 };

static void usage(bool full)
{
	FILE *f = full ? stdout : stderr;

	fputs("usage: ipc-sock [--trace] COMMAND [OPTIONS] ADDR\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "       ipc-sock %s\n", cmds[i].usage);
	fputs("       ipc-sock -h | -V\n", f);
	if (full)
		fputs("\nADDR: unix:/path, unix:@abstract, tcp:HOST:PORT, udp:HOST:PORT ([::1]:PORT for IPv6).\n"
		      "Unix sockets are streams unless --dgram or --seqpacket.\n"
		      "Durations: 250ms 2s 1.5m; modes: octal (600) or like u=rw,g=rw. See ipc-sock(1).\n", f);
}

static const char *sock_errno_text(const char *what, int err)
{
	(void)what;
	switch (err) {
	case ECONNREFUSED: return "nothing listens there (connection refused)";
	case EADDRINUSE: return "in use: a live socket is bound there";
	case EEXIST: return "a file that is not a socket is there (left alone)";
	case ELOOP: return "a symbolic link is there (never followed; left alone)";
	case EPROTOTYPE: return "the socket there is of another type (see --dgram, --seqpacket)";
	case ENOENT: return "no such socket";
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

static _Noreturn void sock_fail(const char *what, const char *addr, int err)
{
	unlisten();
	say("%s %s: %s", what, ename(addr), errno_text(what, err));
	exit(code_for(err));
}

struct opts {
	int type;                 /* for unix addresses */
	int64_t timeout, wait;
	mode_t mode;
	bool keep, creds, nul, raw, type_given;
	long long count, max;
};

/* The options of one command: codes lists which of the table it takes. */
static int parse_opts(int argc, char *argv[], const char *codes, struct opts *o)
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
	char shorts[16] = { 0 };
	size_t n = 0;
	int ch;

	if (codes[0] == '+')   /* options before ADDR: what follows is COMMAND's */
		shorts[0] = '+';
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strchr(codes, all[i].val))
			lo[n++] = all[i];
	for (const char *c = "t:k0n:"; *c; c++)
		if (*c != ':' && strchr(codes, *c))
			memcpy(shorts + strlen(shorts), c, c[1] == ':' ? 2 : 1);
	*o = (struct opts){ .type = SOCK_STREAM, .timeout = -1, .wait = -1, .mode = 0600, .count = 1 };
	while ((ch = cli_getopt(argc, argv, shorts, lo)) != -1) {
		switch (ch) {
		case 'D': case 'S':
			if (o->type_given && o->type != (ch == 'D' ? SOCK_DGRAM : SOCK_SEQPACKET))
				bad_usage("%s: --dgram and --seqpacket do not go together", argv[0]);
			o->type = ch == 'D' ? SOCK_DGRAM : SOCK_SEQPACKET;
			o->type_given = true;
			break;
		case 't': o->timeout = opt_duration(optarg, "--timeout"); break;
		case 'w': o->wait = opt_duration(optarg, "--wait"); break;
		case 'm': o->mode = opt_mode(optarg, "--mode"); break;
		case 'k': o->keep = true; break;
		case 'c': o->creds = true; break;
		case 'n': o->count = opt_int(optarg, 0, LLONG_MAX, "--count"); break;
		case '0': o->nul = true; break;
		case 'r': o->raw = true; break;
		case 'M': o->max = opt_int(optarg, 1, 1000000, "--max-clients"); break;
		}
	}
	if (optind >= argc)
		bad_usage("%s needs an ADDR", argv[0]);
	return optind;
}

static void parse_addr(const char *text, const struct opts *o, bool passive, struct sock_addr *a)
{
	char why[200];

	if (sock_addr_parse(text, o->type, passive, a, why, sizeof(why)) == -1) {
		if (errno == ENOENT)
			die(EXIT_NOTFOUND, "%s: %s", ename(text), why);
		bad_usage("%s: %s", ename(text), why);
	}
	if (o->type_given && a->family != AF_UNIX)
		bad_usage("%s: --dgram and --seqpacket are for unix addresses (tcp: is a stream, udp: datagrams)",
		          ename(text));
}

static void start_listen(const char *text, const struct sock_addr *a, const struct opts *o, const char *what)
{
	cli_catch_stops();
	signal(SIGPIPE, SIG_IGN);   /* a closed connection is an error from send, not a signal */
	atexit(unlisten);
	if (sock_listen(a, o->mode, &lst, trace) == -1)
		sock_fail(what, text, errno);
}

static void show_peer(int fd, const struct sock_addr *a, const struct sockaddr_storage *ss, socklen_t sl)
{
	char host[64];
	unsigned port;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	if (a->family == AF_UNIX && sock_peer_cred(fd, &pid, &uid, &gid, trace) == 0)
		say("peer pid=%d uid=%u gid=%u", pid, uid, gid);
	else if (a->family != AF_UNIX && sl && sock_sa_host_port((const struct sockaddr *)ss, host, sizeof(host), &port) == 0)
		say("peer addr=%s port=%u", host, port);
}

/* Bridges fd with stdin and stdout; errors end the tool, naming the side. */
static void relay(const char *what, const char *text, int fd, const struct sock_addr *a, int in, int out,
                  int64_t idle, bool learn_peer)
{
	struct sock_relay r = { .in = in, .out = out, .sock = fd, .idle = idle, .stop = &cli_stop,
	                        .trace = trace, .messages = a->type != SOCK_STREAM,
	                        .dgram = a->type == SOCK_DGRAM, .learn_peer = learn_peer };
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

static int accept_one(const char *what, const char *text, const struct sock_addr *a, const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = sock_accept(lst.fd, o->timeout, &ss, &sl, trace);

	if (fd == -1 && cli_stop)
		finish(EXIT_OK);
	if (fd == -1)
		sock_fail(what, text, errno);
	if (o->creds)
		show_peer(fd, a, &ss, sl);
	return fd;
}

static int cmd_listen(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DStmkc", &o);

	if (argc - i != 1)
		bad_usage("listen takes one ADDR");
	parse_addr(argv[i], &o, true, &a);
	start_listen(argv[i], &a, &o, "listen");
	if (a.type == SOCK_DGRAM) {   /* no connection: datagrams out, replies to the last sender */
		relay("listen", argv[i], lst.fd, &a, STDIN_FILENO, STDOUT_FILENO, o.timeout, true);
		finish(EXIT_OK);
	}
	do {
		int fd = accept_one("listen", argv[i], &a, &o);
		relay("listen", argv[i], fd, &a, STDIN_FILENO, STDOUT_FILENO, o.timeout, false);
		close(fd);
	} while (o.keep && !cli_stop);
	finish(EXIT_OK);
}

static int connect_to(const char *what, const char *text, const struct sock_addr *a, const struct opts *o)
{
	int fd = sock_connect(a, o->timeout, o->wait, &cli_stop, trace);

	if (fd == -1 && cli_stop)
		finish(EXIT_OK);
	if (fd == -1 && errno == ETIMEDOUT && o->wait >= 0)
		die(EXIT_TIMEOUT, "%s %s: nothing accepted a connection within --wait", what, ename(text));
	if (fd == -1)
		sock_fail(what, text, errno);
	return fd;
}

static int cmd_connect(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DStwc", &o);

	if (argc - i != 1)
		bad_usage("connect takes one ADDR");
	parse_addr(argv[i], &o, false, &a);
	cli_catch_stops();
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_to("connect", argv[i], &a, &o);
	if (o.creds)
		show_peer(fd, &a, &a.ss, a.len);
	relay("connect", argv[i], fd, &a, STDIN_FILENO, STDOUT_FILENO, o.timeout, false);
	close(fd);
	cli_exit(EXIT_OK);
}

static int cmd_wait(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DSt", &o);

	if (argc - i != 1)
		bad_usage("wait takes one ADDR");
	parse_addr(argv[i], &o, false, &a);
	if (a.family != AF_UNIX && a.type == SOCK_DGRAM)
		bad_usage("wait %s: UDP has no connection to wait for", ename(argv[i]));
	cli_catch_stops();
	o.wait = o.timeout < 0 ? INT64_MAX / 4 : o.timeout;
	o.timeout = -1;
	int fd = sock_connect(&a, -1, o.wait, &cli_stop, trace);
	if (fd == -1 && cli_stop)
		cli_exit(EXIT_OK);
	if (fd == -1 && errno == ETIMEDOUT)
		die(EXIT_TIMEOUT, "wait %s: nothing accepted a connection within the timeout", ename(argv[i]));
	if (fd == -1)
		sock_fail("wait", argv[i], errno);
	close(fd);
	return EXIT_OK;
}

static int cmd_send(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DStw", &o);

	if (argc - i < 1 || argc - i > 2)
		bad_usage("send takes an ADDR and at most one MESSAGE (or stdin)");
	const char *text = argv[i], *msg = argv[i + 1];
	parse_addr(text, &o, false, &a);
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_to("send", text, &a, &o);
	char *buf = NULL;
	size_t len = 0;
	if (msg == NULL && a.type == SOCK_STREAM) {   /* all of stdin, however long */
		relay("send", text, fd, &a, STDIN_FILENO, -1, o.timeout, false);
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
	for (size_t off = 0; off < len || (len == 0 && off == 0); ) {
		ssize_t n = sock_send_msg(fd, buf + off, len - off, trace);
		if (n < 0 && errno != EINTR)
			sock_fail("send", text, errno);
		off += n > 0 ? (size_t)n : 0;
		if (len == 0)
			break;
	}
	free(buf);
	close(fd);
	return EXIT_OK;
}

static int cmd_recv(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DStmn0r", &o);

	if (argc - i != 1)
		bad_usage("recv takes one ADDR");
	if (o.nul && o.raw)
		bad_usage("recv: -0 and --raw do not go together: give one");
	parse_addr(argv[i], &o, true, &a);
	start_listen(argv[i], &a, &o, "recv");
	if (a.type != SOCK_DGRAM) {   /* COUNT connections, each copied to stdout to its end */
		for (long long got = 0; (o.count == 0 || got < o.count) && !cli_stop; got++) {
			int fd = accept_one("recv", argv[i], &a, &o);
			relay("recv", argv[i], fd, &a, -1, STDOUT_FILENO, o.timeout, false);
			close(fd);
		}
		finish(EXIT_OK);
	}
	char *buf = malloc(256 * 1024 + 1);
	for (long long got = 0; buf && (o.count == 0 || got < o.count) && !cli_stop; ) {
		ssize_t n = sock_recv_msg(lst.fd, buf, 256 * 1024, o.timeout, trace);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ETIMEDOUT && o.count == 0)
			break;
		if (n < 0)
			sock_fail("recv", argv[i], errno);
		if (!o.raw)
			buf[n++] = o.nul ? '\0' : '\n';
		if (write_all(STDOUT_FILENO, buf, (size_t)n) == -1)
			die(EXIT_FAIL, "write error: %s", strerror(errno));
		got++;
	}
	free(buf);
	finish(EXIT_OK);
}

static void serve_run(const char *text, struct sock_addr *a, char *const *cmd, long long max)
{
	struct sock_serve s = { .lfd = lst.fd, .unix_peer = a->family == AF_UNIX, .max_clients = (long)max,
	                        .argv = cmd, .stop = &cli_stop, .trace = trace };

	if (sock_serve(&s) == -1 && s.spawn_err) {
		unlisten();
		die(child_exec_code(s.spawn_err), "serve %s: %s: %s", ename(text), ename(cmd[0]),
		    s.spawn_err == ENOENT ? "command not found" : strerror(s.spawn_err));
	}
	if (!cli_stop)
		sock_fail(cmd ? "serve" : "echo", text, errno);
}

static int cmd_serve(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "+SmM", &o);
	const char *text = argv[i++];

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		bad_usage("serve %s: give the COMMAND to run after --", ename(text));
	parse_addr(text, &o, true, &a);
	if (a.type == SOCK_DGRAM)
		bad_usage("serve %s: datagrams have no connections to serve", ename(text));
	start_listen(text, &a, &o, "serve");
	serve_run(text, &a, argv + i, o.max);
	finish(EXIT_OK);
}

static int cmd_echo(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "DSm", &o);

	if (argc - i != 1)
		bad_usage("echo takes one ADDR");
	parse_addr(argv[i], &o, true, &a);
	start_listen(argv[i], &a, &o, "echo");
	if (a.type == SOCK_DGRAM)
		sock_echo_dgram(lst.fd, &cli_stop, trace);
	else
		serve_run(argv[i], &a, NULL, 0);
	finish(EXIT_OK);
}

static int cmd_send_fd(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	int i = parse_opts(argc, argv, "tw", &o), fd = STDIN_FILENO;

	if (argc - i < 1 || argc - i > 2)
		bad_usage("send-fd takes an ADDR and at most one FILE (else stdin is sent)");
	parse_addr(argv[i], &o, false, &a);
	if (a.family != AF_UNIX)
		bad_usage("send-fd %s: descriptors pass over unix sockets only", ename(argv[i]));
	if (argv[i + 1] && (fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		die(exit_code_for_errno(errno), "send-fd %s: %s: %s", ename(argv[i]), ename(argv[i + 1]),
		    strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	int s = connect_to("send-fd", argv[i], &a, &o);
	sock_set_blocking(s, true);
	if (sock_send_fd(s, fd, trace) == -1)
		sock_fail("send-fd", argv[i], errno);
	close(s);
	return EXIT_OK;
}

static int cmd_recv_fd(int argc, char *argv[])
{
	struct opts o;
	struct sock_addr a;
	struct child c;
	int i = parse_opts(argc, argv, "+tm", &o), status;
	const char *text = argv[i++];

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	parse_addr(text, &o, true, &a);
	if (a.family != AF_UNIX)
		bad_usage("recv-fd %s: descriptors pass over unix sockets only", ename(text));
	start_listen(text, &a, &o, "recv-fd");
	int s = accept_one("recv-fd", text, &a, &o);
	int fd = sock_recv_fd(s, o.timeout, trace);
	if (fd == -1 && cli_stop)
		finish(EXIT_OK);
	if (fd == -1)
		sock_fail("recv-fd", text, errno == EBADMSG ? ENOMSG : errno);
	close(s);
	unlisten();
	if (i == argc) {   /* no COMMAND: what the descriptor reads, to stdout */
		char buf[65536];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && write_all(STDOUT_FILENO, buf, (size_t)n) == -1)
				die(EXIT_FAIL, "write error: %s", strerror(errno));
		if (n < 0)
			die(EXIT_FAIL, "recv-fd %s: reading the descriptor: %s", ename(text), strerror(errno));
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
