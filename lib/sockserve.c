/*
 * A server that runs one command (or the built-in echo) per connection, with
 * the socket as its stdin and stdout and the peer in its environment, like
 * tcpserver and s6-ipcserver; and descriptor passing (SCM_RIGHTS).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sock.h"

extern char **environ;

struct kids {
	pid_t *v;
	size_t n, cap;
};

static int kids_add(struct kids *k, pid_t p)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		pid_t *v = reallocarray(k->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = p;
	return 0;
}

static void kids_reap(struct kids *k)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		for (size_t i = 0; i < k->n; i++)
			if (k->v[i] == p) {
				k->v[i] = k->v[--k->n];
				break;
			}
}

static void on_chld(int sig)
{
	(void)sig;   /* only to end ppoll */
}

/* environ without IPC_PEER_*, with room for the peer's own three and the NULL. */
static char **peer_env(size_t *base)
{
	size_t n = 0, w = 0;

	while (environ[n])
		n++;
	char **env = calloc(n + 4, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "IPC_PEER_", 9) != 0)
			env[w++] = environ[i];
	*base = w;
	return env;
}

static int spawn_cmd(struct sock_serve *s, int fd, const struct sockaddr_storage *sa, char **env,
                     size_t base, pid_t *pid)
{
	char v[3][80];
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t all, none;
	int e;

	if (s->unix_peer) {
		pid_t p;
		uid_t u;
		gid_t g;
		if (sock_peer_cred(fd, &p, &u, &g, s->trace) == -1)
			return errno;
		snprintf(v[0], sizeof(v[0]), "IPC_PEER_PID=%d", p);
		snprintf(v[1], sizeof(v[1]), "IPC_PEER_UID=%u", u);
		snprintf(v[2], sizeof(v[2]), "IPC_PEER_GID=%u", g);
	} else {
		char host[64];
		unsigned port;
		if (sock_sa_host_port((const struct sockaddr *)sa, host, sizeof(host), &port) == -1)
			return errno;
		snprintf(v[0], sizeof(v[0]), "IPC_PEER_ADDR=%s", host);
		snprintf(v[1], sizeof(v[1]), "IPC_PEER_PORT=%u", port);
	}
	env[base] = v[0];
	env[base + 1] = v[1];
	env[base + 2] = s->unix_peer ? v[2] : NULL;
	env[base + 3] = NULL;
	sigfillset(&all);
	sigemptyset(&none);
	if ((e = posix_spawnattr_init(&attr)) != 0)
		return e;
	if ((e = posix_spawn_file_actions_init(&fa)) == 0) {
		/* as from a shell: every signal at its default (SIGPIPE too), none blocked */
		if ((e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0 &&
		    (e = posix_spawnattr_setsigdefault(&attr, &all)) == 0 &&
		    (e = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
		    (e = posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO)) == 0 &&
		    (e = posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO)) == 0)
			e = posix_spawnp(pid, s->argv[0], &fa, &attr, s->argv, env);
		posix_spawn_file_actions_destroy(&fa);
	}
	posix_spawnattr_destroy(&attr);
	trace_call(s->trace, e ? -1 : *pid, e, "posix_spawnp(\"%s\", stdin=stdout=%d)", s->argv[0], fd);
	return e;
}

static int fork_echo(struct sock_serve *s, int fd, const sigset_t *mask, pid_t *pid)
{
	*pid = fork();
	if (*pid == -1)
		return errno;
	if (*pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		close(s->lfd);
		_exit(sock_echo_stream(fd, s->trace) == 0 ? 0 : 1);
	}
	return 0;
}

/* One connection: its child, started; the connection is the child's alone. */
static int serve_one(struct sock_serve *s, struct kids *k, char **env, size_t base, const sigset_t *mask)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char t[200];
	pid_t pid;
	int fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC), e;

	trace_call(s->trace, fd, errno, "accept4(%d, %s, SOCK_CLOEXEC)", s->lfd,
	           fd >= 0 ? sock_sa_text((struct sockaddr *)&sa, sl, t, sizeof(t)) : "...");
	if (fd == -1)   /* gone before we took it, or out of descriptors for now */
		return errno == EMFILE || errno == ENFILE || errno == ENOMEM ? -1 : 0;
	e = s->argv ? spawn_cmd(s, fd, &sa, env, base, &pid) : fork_echo(s, fd, mask, &pid);
	close(fd);
	if (e == 0 && kids_add(k, pid) == 0) {
		s->served++;
		return 0;
	}
	if (e && s->argv)
		s->spawn_err = e;
	errno = e ? e : ENOMEM;
	return -1;
}

int sock_serve(struct sock_serve *s)
{
	struct kids k = { 0 };
	struct sigaction sa = { .sa_handler = on_chld }, old_sa;
	sigset_t block, old;
	size_t base = 0;
	char **env = s->argv ? peer_env(&base) : NULL;
	int r = 0, e = 0;

	if (s->argv && env == NULL)
		return -1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old_sa);
	/* Held but for ppoll: a child's end or a stop signal always wakes the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	sock_set_blocking(s->lfd, false);
	while (!*s->stop) {
		kids_reap(&k);
		bool room = s->max_clients == 0 || (long)k.n < s->max_clients;
		struct pollfd p = { .fd = room ? s->lfd : -1, .events = POLLIN };
		int n = ppoll(&p, 1, NULL, &old);
		if (n < 0 && errno != EINTR) {
			r = -1;
			break;
		}
		if (n > 0 && serve_one(s, &k, env, base, &old) == -1) {
			if (s->spawn_err || errno == ENOMEM) {
				r = -1;
				break;
			}
			struct timespec ts = { 0, 50000000 };   /* out of descriptors: let children end */
			ppoll(NULL, 0, &ts, &old);
		}
	}
	e = errno;
	/* Stopped: the stop goes on to every connection's child. */
	for (size_t i = 0; i < k.n; i++)
		kill(k.v[i], *s->stop ? *s->stop : SIGTERM);
	kids_reap(&k);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGCHLD, &old_sa, NULL);
	free(k.v);
	free(env);
	errno = e;
	return r;
}

int sock_send_fd(int sock, int fd, bool trace)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
	                    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	memset(&c, 0, sizeof(c));
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
	trace_call(trace, n, errno, "sendmsg(%d, {1 byte, SCM_RIGHTS [%d]}, MSG_NOSIGNAL)", sock, fd);
	return n == 1 ? 0 : -1;
}

int sock_recv_fd(int sock, int64_t timeout, bool trace)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
	                    .msg_controllen = sizeof(c.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r = poll(&p, 1, timeout < 0 ? -1 : (int)((timeout + 999999) / 1000000)), fd = -1;

	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	for (struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		int nfd = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < nfd; i++) {   /* the first is taken; any more are closed */
			int got;
			memcpy(&got, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (fd == -1)
				fd = got;
			else
				close(got);
		}
	}
	trace_call(trace, n, errno, "recvmsg(%d, {1 byte, SCM_RIGHTS [%d]}, MSG_CMSG_CLOEXEC)", sock, fd);
	if (n >= 0 && fd == -1)
		errno = EBADMSG;
	return n < 0 ? -1 : fd;
}
