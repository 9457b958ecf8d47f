/* What a descriptor is: a pipe (its size and contents), a FIFO, a socket and its peer, a tty, a file. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipckit.h"
#include "pipe.h"

#ifndef PIPEFS_MAGIC
#define PIPEFS_MAGIC 0x50495045
#endif

const char *fd_type_name(enum fd_type t)
{
	static const char *const names[] = {
		[FD_PIPE] = "pipe", [FD_FIFO] = "fifo", [FD_SOCKET] = "socket", [FD_TTY] = "tty",
		[FD_FILE] = "file", [FD_DIR] = "directory", [FD_CHAR] = "character device",
		[FD_BLOCK] = "block device", [FD_OTHER] = "other",
	};
	return names[t];
}

const char *sock_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	default: return "other";
	}
}

const char *sock_family_name(int family)
{
	switch (family) {
	case AF_UNIX: return "unix";
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_NETLINK: return "netlink";
	default: return "other";
	}
}

void proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[40];

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f == -1)
		return;
	ssize_t n = read(f, buf, len - 1);
	close(f);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n > 0 ? n : 0] = '\0';
}

/* A socket address as text: a unix path, @abstract, "" (unnamed), ADDR:PORT. */
static void addr_text(const struct sockaddr_storage *a, socklen_t len, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (a->ss_family == AF_UNIX) {
		const struct sockaddr_un *u = (const void *)a;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path) ?
		              len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (plen == 0)
			return;
		if (u->sun_path[0] == '\0')   /* abstract: not NUL-terminated, may hold NULs */
			snprintf(out, n, "@%.*s", (int)strnlen(u->sun_path + 1, plen - 1), u->sun_path + 1);
		else
			snprintf(out, n, "%.*s", (int)strnlen(u->sun_path, plen), u->sun_path);
	} else if (a->ss_family == AF_INET) {
		const struct sockaddr_in *i4 = (const void *)a;
		inet_ntop(AF_INET, &i4->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%u", ip, ntohs(i4->sin_port));
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *i6 = (const void *)a;
		inet_ntop(AF_INET6, &i6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%u", ip, ntohs(i6->sin6_port));
	}
}

static void describe_socket(int fd, struct fd_desc *d, bool trace)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(int);
	struct ucred cred;

	d->type = FD_SOCKET;
	int r = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &d->sock_family, &len);
	trace_call(trace, r, errno, "getsockopt(%d, SOL_SOCKET, SO_DOMAIN)", fd);
	len = sizeof(int);
	r = getsockopt(fd, SOL_SOCKET, SO_TYPE, &d->sock_type, &len);
	trace_call(trace, r, errno, "getsockopt(%d, SOL_SOCKET, SO_TYPE)", fd);
	len = sizeof(a);
	memset(&a, 0, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		addr_text(&a, len, d->local, sizeof(d->local));
	len = sizeof(a);
	memset(&a, 0, sizeof(a));
	r = getpeername(fd, (struct sockaddr *)&a, &len);
	trace_call(trace, r, errno, "getpeername(%d)", fd);
	if (r == 0)
		addr_text(&a, len, d->peer, sizeof(d->peer));
	len = sizeof(cred);
	if (d->sock_family == AF_UNIX && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		d->peer_pid = cred.pid;
}

static void describe_pipe(int fd, struct fd_desc *d, bool trace)
{
	struct statfs sf;
	int q;

	d->type = fstatfs(fd, &sf) == 0 && sf.f_type == PIPEFS_MAGIC ? FD_PIPE : FD_FIFO;
	d->capacity = fcntl(fd, F_GETPIPE_SZ);
	trace_call(trace, d->capacity, errno, "fcntl(%d, F_GETPIPE_SZ)", fd);
	int r = ioctl(fd, FIONREAD, &q);
	trace_call(trace, r == -1 ? -1 : q, errno, "ioctl(%d, FIONREAD)", fd);
	d->queued = r == -1 ? -1 : q;
}

int fd_describe(int fd, struct fd_desc *d, bool trace)
{
	struct stat st;
	char link[40];

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->capacity = d->queued = d->size = -1;
	int fl = fcntl(fd, F_GETFL);
	trace_call(trace, fl, errno, "fcntl(%d, F_GETFL)", fd);
	if (fl == -1)
		return -1;
	d->acc = fl & O_ACCMODE;
	int r = fstat(fd, &st);
	trace_call(trace, r, errno, "fstat(%d)", fd);
	if (r == -1)
		return -1;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, d->path, sizeof(d->path) - 1);
	d->path[n > 0 ? n : 0] = '\0';
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO: describe_pipe(fd, d, trace); break;
	case S_IFSOCK: describe_socket(fd, d, trace); break;
	case S_IFCHR: d->type = isatty(fd) ? FD_TTY : FD_CHAR; break;
	case S_IFREG: d->type = FD_FILE; d->size = st.st_size; break;
	case S_IFDIR: d->type = FD_DIR; break;
	case S_IFBLK: d->type = FD_BLOCK; break;
	default: d->type = FD_OTHER; break;
	}
	return 0;
}
