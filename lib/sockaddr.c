/* Socket addresses, binding (with the socket file's safety rules) and connecting. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"

static const char *socket_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM: return "SOCK_STREAM";
	case SOCK_DGRAM: return "SOCK_DGRAM";
	case SOCK_SEQPACKET: return "SOCK_SEQPACKET";
	}
	return "?";
}

static int parse_unix(const char *spec, struct sock_addr *a, char *why, size_t n)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
	size_t len;

	a->abstract = spec[0] == '@';
	if (a->abstract)
		spec++;
	len = strlen(spec);
	if (len == 0) {
		snprintf(why, n, "%s", a->abstract ? "the abstract name after '@' is empty" : "the path is empty");
		errno = EINVAL;
		return -1;
	}
	if (len > SOCK_UNIX_PATH_MAX) {
		snprintf(why, n, "%s is %zu bytes, longer than sun_path holds (%d)",
		         a->abstract ? "the abstract name" : "the path", len, SOCK_UNIX_PATH_MAX);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a->path, spec, len + 1);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path + a->abstract, spec, len);   /* abstract: a NUL, then the name */
	a->family = AF_UNIX;
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + a->abstract + len + !a->abstract);
	return 0;
}

static int parse_inet(const char *spec, bool passive, struct sock_addr *a, char *why, size_t n)
{
	char host[256];
	const char *colon, *h = spec;
	size_t hl;
	long long port;

	if (spec[0] == '[') {   /* [v6]:port */
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':') {
			snprintf(why, n, "an IPv6 address is written [ADDR]:PORT");
			goto bad;
		}
		h = spec + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			snprintf(why, n, "no port: the address is HOST:PORT");
			goto bad;
		}
		hl = (size_t)(colon - spec);
		if (memchr(spec, ':', hl)) {
			snprintf(why, n, "an IPv6 address is written [ADDR]:PORT");
			goto bad;
		}
	}
	if (colon[1] == '\0') {
		snprintf(why, n, "no port: the address is HOST:PORT");
		goto bad;
	}
	if (parse_int_range(colon + 1, 1, 65535, &port) == -1) {
		snprintf(why, n, "invalid port '%s' (a decimal number from 1 to 65535)", colon + 1);
		goto bad;
	}
	if (hl >= sizeof(host)) {
		snprintf(why, n, "the host name is too long");
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = a->type,
	                          .ai_flags = passive ? AI_PASSIVE : 0 }, *res;
	char service[8];
	snprintf(service, sizeof(service), "%lld", port);
	int e = getaddrinfo(hl ? host : NULL, service, &hints, &res);
	if (e != 0) {
		snprintf(why, n, "unknown host '%s' (%s)", host, gai_strerror(e));
		errno = ENOENT;
		return -1;
	}
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	a->family = res->ai_family;
	freeaddrinfo(res);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int sock_addr_parse(const char *text, int unix_type, bool passive, struct sock_addr *a,
                    char *why, size_t whylen)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(text, "unix:", 5) == 0) {
		a->type = unix_type;
		return parse_unix(text + 5, a, why, whylen);
	}
	if (strncmp(text, "tcp:", 4) == 0 || strncmp(text, "udp:", 4) == 0) {
		a->type = text[0] == 't' ? SOCK_STREAM : SOCK_DGRAM;
		return parse_inet(text + 4, passive, a, why, whylen);
	}
	snprintf(why, whylen, "an address is unix:PATH, unix:@NAME, tcp:HOST:PORT or udp:HOST:PORT");
	errno = EINVAL;
	return -1;
}

int sock_sa_host_port(const struct sockaddr *sa, char *host, size_t n, unsigned *port)
{
	const void *p;

	if (sa->sa_family == AF_INET) {
		p = &((const struct sockaddr_in *)sa)->sin_addr;
		*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		*port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return inet_ntop(sa->sa_family, p, host, (socklen_t)n) ? 0 : -1;
}

const char *sock_sa_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t pl = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (pl == 0)
			snprintf(buf, n, "{AF_UNIX, unnamed}");
		else if (un->sun_path[0] == '\0')
			snprintf(buf, n, "{AF_UNIX, @%.*s}", (int)pl - 1, un->sun_path + 1);
		else
			snprintf(buf, n, "{AF_UNIX, \"%.*s\"}", (int)strnlen(un->sun_path, pl), un->sun_path);
	} else if (sock_sa_host_port(sa, host, sizeof(host), &port) == 0) {
		snprintf(buf, n, sa->sa_family == AF_INET ? "{AF_INET, %s:%u}" : "{AF_INET6, [%s]:%u}", host, port);
	} else {
		snprintf(buf, n, "{family %d}", sa->sa_family);
	}
	return buf;
}

static const char *family_name(int f)
{
	return f == AF_UNIX ? "AF_UNIX" : f == AF_INET ? "AF_INET" : "AF_INET6";
}

static int sock_open(const struct sock_addr *a, bool nonblock, bool trace)
{
	int fd = socket(a->family, a->type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	trace_call(trace, fd, errno, "socket(%s, %s%s, 0)", family_name(a->family),
	           socket_type_name(a->type), nonblock ? "|SOCK_NONBLOCK" : "");
	return fd;
}

static int bind_traced(int fd, const struct sock_addr *a, bool trace)
{
	char t[200];
	int r = bind(fd, (const struct sockaddr *)&a->ss, a->len);

	trace_call(trace, r, errno, "bind(%d, %s, %u)", fd, sock_sa_text((const struct sockaddr *)&a->ss, a->len, t, sizeof(t)), a->len);
	return r;
}

static int connect_traced(int fd, const struct sock_addr *a, bool trace)
{
	char t[200];
	int r = connect(fd, (const struct sockaddr *)&a->ss, a->len);

	trace_call(trace, r, errno, "connect(%d, %s, %u)", fd, sock_sa_text((const struct sockaddr *)&a->ss, a->len, t, sizeof(t)), a->len);
	return r;
}

/*
 * Something is at the socket file's name: a live socket (EADDRINUSE), a stale
 * one (removed: 0), or not a socket at all (EEXIST, ELOOP), left alone.
 */
static int clear_stale(const struct sock_addr *a, struct sock_listener *l, bool trace)
{
	struct file_id seen, found;
	int fd, r, e;

	if (path_leaf_id(l->dirfd, l->leaf, &seen) == -1)
		return errno == ENOENT ? 0 : -1;
	if (seen.type == S_IFLNK || seen.type != S_IFSOCK) {
		errno = seen.type == S_IFLNK ? ELOOP : EEXIST;
		return -1;
	}
	/* Asked of the kernel first: a probe connection would be the one a live `listen` accepts. */
	struct stat st;
	if (fstatat(l->dirfd, l->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && unix_bound(a->path, &st, trace) == 1) {
		errno = EADDRINUSE;
		return -1;
	}
	if ((fd = sock_open(a, false, trace)) == -1)
		return -1;
	r = connect_traced(fd, a, trace);
	e = errno;
	close(fd);
	if (r == -1 && e == EACCES)   /* not ours to probe, nor to replace */
		return -1;
	if (r == 0 || e != ECONNREFUSED) {   /* accepting, or of another type (EPROTOTYPE): live */
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink_same(l->dirfd, l->leaf, &seen, &found, trace) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/* The directory of a socket file, following symlinks in it as bind(2) does. */
static int open_parent(const char *path, struct sock_listener *l)
{
	const char *slash = strrchr(path, '/');
	char dir[SOCK_UNIX_PATH_MAX + 2];

	if (slash == NULL) {
		strcpy(dir, ".");
		strcpy(l->leaf, path);
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		memcpy(dir, path, n);
		dir[n] = '\0';
		strcpy(l->leaf, slash + 1);
	}
	if (l->leaf[0] == '\0') {
		errno = EISDIR;
		return -1;
	}
	l->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return l->dirfd;
}

static int bind_file(const struct sock_addr *a, mode_t mode, struct sock_listener *l, bool trace)
{
	/* bind(2) makes the file 0777 & ~umask: the umask makes it exactly mode, never wider. */
	mode_t old = umask(~mode & 0777);
	int r = bind_traced(l->fd, a, trace);

	if (r == -1 && errno == EADDRINUSE) {
		int e = 0;
		if (clear_stale(a, l, trace) == -1)
			e = errno;
		else
			r = bind_traced(l->fd, a, trace);
		if (e)
			errno = e;
	}
	int e = errno;
	umask(old);
	errno = e;
	if (r == -1 || path_leaf_id(l->dirfd, l->leaf, &l->file) == -1)
		return -1;
	return 0;
}

int sock_listen(const struct sock_addr *a, mode_t mode, struct sock_listener *l, bool trace)
{
	int one = 1, r, e;

	memset(l, 0, sizeof(*l));
	l->dirfd = -1;
	if (a->family == AF_UNIX && !a->abstract && open_parent(a->path, l) == -1)
		return -1;
	if ((l->fd = sock_open(a, false, trace)) == -1)
		goto fail;
	if (a->family != AF_UNIX)
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = l->dirfd >= 0 ? bind_file(a, mode, l, trace) : bind_traced(l->fd, a, trace);
	if (r == -1)
		goto fail;
	if (a->type != SOCK_DGRAM) {
		r = listen(l->fd, SOMAXCONN);
		trace_call(trace, r, errno, "listen(%d, SOMAXCONN)", l->fd);
		if (r == -1) {
			e = errno;
			sock_unlisten(l, trace);
			errno = e;
			return -1;
		}
	}
	return 0;
fail:
	e = errno;
	if (l->fd > 0)
		close(l->fd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	l->fd = l->dirfd = -1;
	errno = e;
	return -1;
}

void sock_unlisten(struct sock_listener *l, bool trace)
{
	struct file_id found;

	if (l->fd >= 0)
		close(l->fd);
	if (l->dirfd >= 0) {
		unlink_same(l->dirfd, l->leaf, &l->file, &found, trace);
		close(l->dirfd);
	}
	l->fd = l->dirfd = -1;
}

static int poll_ms(int64_t ns)
{
	if (ns < 0)
		return -1;
	return ns > (int64_t)INT32_MAX * 1000000 ? INT32_MAX : (int)((ns + 999999) / 1000000);
}

int sock_accept(int lfd, int64_t timeout, struct sockaddr_storage *peer, socklen_t *plen, bool trace)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char t[200];
	int fd;

	do {   /* a client gone between poll and accept: wait for the next */
		int r = poll(&p, 1, poll_ms(timeout));
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			return -1;
		*plen = sizeof(*peer);
		sock_set_blocking(lfd, false);
		fd = accept4(lfd, (struct sockaddr *)peer, plen, SOCK_CLOEXEC | SOCK_NONBLOCK);
		trace_call(trace, fd, errno, "accept4(%d, %s, SOCK_CLOEXEC|SOCK_NONBLOCK)", lfd,
		           fd >= 0 ? sock_sa_text((struct sockaddr *)peer, *plen, t, sizeof(t)) : "...");
	} while (fd == -1 && (errno == EAGAIN || errno == ECONNABORTED));
	return fd;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One try: -1 with errno, ETIMEDOUT when timeout passed first. */
static int connect_once(const struct sock_addr *a, int64_t timeout, bool trace)
{
	int fd = sock_open(a, true, trace), err = 0;
	socklen_t el = sizeof(err);

	if (fd == -1)
		return -1;
	if (a->family == AF_UNIX && a->type == SOCK_DGRAM) {
		/* an address of its own (autobind), so that the other end can answer */
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		int r = bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t));
		trace_call(trace, r, errno, "bind(%d, {AF_UNIX, autobind}, %zu)", fd, sizeof(sa_family_t));
	}
	if (connect_traced(fd, a, trace) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int r = poll(&p, 1, poll_ms(timeout));
		if (r == 0)
			err = ETIMEDOUT;
		else if (r < 0)
			err = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1)
			err = errno;
		if (err == 0)
			return fd;
	} else {
		err = errno;
	}
	close(fd);
	errno = err;
	return -1;
}

int sock_connect(const struct sock_addr *a, int64_t timeout, int64_t wait,
                 volatile sig_atomic_t *stop, bool trace)
{
	int64_t deadline = wait >= 0 ? now_ns() + wait : 0, pause = 20000000;

	for (;;) {
		int64_t t = timeout;
		if (wait >= 0 && (t < 0 || t > deadline - now_ns()))
			t = deadline - now_ns() > 0 ? deadline - now_ns() : 0;
		int fd = connect_once(a, t, trace);
		if (fd >= 0 || (stop && *stop))
			return fd;
		/* a unix listener's full backlog says EAGAIN: try again too */
		bool retry = errno == ECONNREFUSED || errno == ENOENT || errno == EAGAIN ||
		             (wait >= 0 && errno == ETIMEDOUT);
		if (wait < 0 && errno == EAGAIN && timeout != 0)
			wait = timeout < 0 ? INT64_MAX / 2 : timeout, deadline = now_ns() + wait;
		if (wait < 0 || !retry)
			return -1;
		int64_t left = deadline - now_ns();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (pause > left)
			pause = left;
		struct timespec ts = { pause / 1000000000, pause % 1000000000 };
		if (nanosleep(&ts, NULL) == -1 && stop && *stop)
			return -1;
		if (pause < 100000000)
			pause += 20000000;
	}
}

int sock_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid, bool trace)
{
	struct ucred c;
	socklen_t l = sizeof(c);
	int r = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &l);

	trace_call(trace, r, errno, "getsockopt(%d, SOL_SOCKET, SO_PEERCRED) {pid=%d, uid=%u, gid=%u}",
	           fd, r == 0 ? c.pid : 0, r == 0 ? c.uid : 0, r == 0 ? c.gid : 0);
	if (r == -1)
		return -1;
	*pid = c.pid;
	*uid = c.uid;
	*gid = c.gid;
	return 0;
}

int sock_set_blocking(int fd, bool blocking)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}
