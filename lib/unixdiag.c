/*
 * The kernel's named unix sockets, from netlink sock_diag as ss(8) reads them:
 * each name comes with its length, so no byte of a name can forge a record.
 * /proc/net/unix, a text file where a path holding a newline reads as two rows,
 * is read only where netlink is refused (a seccomp filter, no unix_diag).
 */
#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipckit.h"

#define TCP_ESTABLISHED_STATE 1   /* sk_state of a connected unix socket */
#define TCP_LISTEN_STATE 10
#define SO_ACCEPTCON_FLAG 0x10000 /* /proc/net/unix Flags of a listener */
#define SS_CONNECTED_STATE 3      /* /proc/net/unix St of a connected socket */

static int socks_push(struct unix_socks *s, const struct unix_sock *u)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct unix_sock *v = reallocarray(s->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *u;
	return 0;
}

/* UNIX_DIAG_NAME: a path with its NUL, or an abstract name (NUL first, then any bytes). */
static char *diag_name(const unsigned char *p, size_t len)
{
	char *name;

	if (len == 0)
		return NULL;
	if (p[0] != '\0')
		return strndup((const char *)p, len);
	/* as /proc/net/unix and ss write it: '@', and each NUL inside as '@' too */
	if ((name = malloc(len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		name[i] = p[i] ? (char)p[i] : '@';
	name[len] = '\0';
	return name;
}

static int diag_record(struct unix_socks *s, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct unix_sock u = { 0 };
	size_t left;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	u.ino = m->udiag_ino;
	u.type = m->udiag_type;
	u.listening = m->udiag_state == TCP_LISTEN_STATE;
	u.connected = m->udiag_state == TCP_ESTABLISHED_STATE;
	left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	for (const struct nlattr *a = (const void *)(m + 1); left >= sizeof(*a);) {
		size_t alen = NLA_ALIGN(a->nla_len);
		const void *data = (const char *)a + NLA_HDRLEN;
		size_t dlen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		dlen = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case UNIX_DIAG_NAME:
			free(u.name);
			if ((u.name = diag_name(data, dlen)) == NULL && dlen)
				return -1;
			break;
		case UNIX_DIAG_VFS:
			if (dlen >= sizeof(struct unix_diag_vfs)) {
				const struct unix_diag_vfs *v = data;
				u.file_ino = v->udiag_vfs_ino;
				u.has_file = true;
			}
			break;
		}
		if (alen >= left)
			break;
		left -= alen;
		a = (const void *)((const char *)a + alen);
	}
	if (u.name == NULL)
		return 0;   /* unnamed: a client or a socketpair, not an object to list */
	if (socks_push(s, &u) == -1) {
		free(u.name);
		return -1;
	}
	return 0;
}

/* Reads the dump's replies; 0 at NLMSG_DONE, -1 with the kernel's errno. */
static int diag_read(int fd, struct unix_socks *s, bool trace)
{
	size_t cap = 32768;   /* the most a netlink dump puts in one datagram */
	char *buf = malloc(cap);
	int r = 1;

	if (buf == NULL)
		return -1;
	while (r == 1) {
		struct iovec iov = { buf, cap };
		struct sockaddr_nl from;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		trace_call(trace, n, errno, "recvmsg(%d, {sock_diag unix records})", fd);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			r = -1;
			break;
		}
		if (n == 0) {
			errno = EPROTO;
			r = -1;
			break;
		}
		int len = (int)n;
		for (struct nlmsghdr *h = (void *)buf; r == 1 && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(h), sizeof(int));
				errno = -err;
				r = err < 0 ? -1 : 0;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? -e->error : EPROTO;
				r = -1;
			} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				if (diag_record(s, h) == -1)
					r = -1;
			}
		}
	}
	int saved = errno;
	free(buf);
	errno = saved;
	return r;
}

static int diag_dump(struct unix_socks *s, bool trace)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0u,
			.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS,
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int r;

	trace_call(trace, fd, errno, "socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG)");
	if (fd == -1)
		return -1;
	ssize_t n = sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel));
	trace_call(trace, n, errno, "sendto(%d, {SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, {AF_UNIX, "
	           "UDIAG_SHOW_NAME|UDIAG_SHOW_VFS}})", fd);
	r = n == -1 ? -1 : diag_read(fd, s, trace);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* One line of /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path". */
static int proc_line(char *line, struct unix_socks *s)
{
	struct unix_sock u = { 0 };
	unsigned long flags, inode;
	unsigned type, st;
	int off = 0;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%*s %*x %*x %lx %x %x %lu%n", &flags, &type, &st, &inode, &off) != 4)
		return 0;
	while (line[off] == ' ')
		off++;
	if (line[off] == '\0')
		return 0;
	u.ino = inode;
	u.type = (int)type;
	u.listening = (flags & SO_ACCEPTCON_FLAG) != 0;
	u.connected = st == SS_CONNECTED_STATE;
	if ((u.name = strdup(line + off)) == NULL || socks_push(s, &u) == -1) {
		free(u.name);
		return -1;
	}
	return 0;
}

static int proc_read(struct unix_socks *s, bool trace)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[PATH_MAX + 128];
	int r = 0;

	trace_call(trace, f ? fileno(f) : -1, errno, "open(\"/proc/net/unix\", O_RDONLY)");
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)   /* the header */
		while (r == 0 && fgets(line, sizeof(line), f))
			r = proc_line(line, s);
	int saved = errno;
	fclose(f);
	errno = saved;
	return r;
}

/* Netlink said no, as opposed to failing: read the text file instead. */
static bool refused(int err)
{
	return err == EACCES || err == EPERM || err == EPROTONOSUPPORT || err == EAFNOSUPPORT ||
	       err == ENOENT || err == EOPNOTSUPP || err == ENOSYS;
}

/*
 * The order of the array: by the file a socket is bound to (netlink gives its
 * inode; abstract sockets have none), then by name. /proc/net/unix gives no
 * inode: there, by name alone.
 */
static int addr_cmp(const struct unix_sock *a, const struct unix_sock *b)
{
	if (a->has_file != b->has_file)
		return a->has_file ? 1 : -1;
	if (a->file_ino != b->file_ino)
		return a->file_ino < b->file_ino ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int addr_qsort_cmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

static bool accepted(const struct unix_sock *u)
{
	return u->connected && !u->listening && u->type != SOCK_DGRAM;
}

/*
 * A connection a listener accepted carries the listener's name and file: it is
 * counted in the listener's conns and dropped. Sorted, they sit side by side.
 */
static void fold_accepted(struct unix_socks *s)
{
	size_t w = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), addr_qsort_cmp);
	for (size_t i = 0; i < s->n;) {
		size_t end = i + 1, listener = SIZE_MAX;
		while (end < s->n && addr_cmp(&s->v[i], &s->v[end]) == 0)
			end++;
		for (size_t k = i; k < end && listener == SIZE_MAX; k++)
			if (s->v[k].listening)
				listener = k;
		for (size_t k = i; k < end; k++) {
			if (listener != SIZE_MAX && accepted(&s->v[k])) {
				s->v[listener].conns++;
				free(s->v[k].name);
				continue;
			}
			s->v[w++] = s->v[k];
			if (k == listener)
				listener = w - 1;   /* it moved down; later conns count there */
		}
		i = end;
	}
	s->n = w;
}

int unix_socks_read(struct unix_socks *s, bool trace)
{
	memset(s, 0, sizeof(*s));
	if (diag_dump(s, trace) == -1) {
		int saved = errno;
		unix_socks_free(s);
		if (!refused(saved)) {
			errno = saved;
			return -1;
		}
		if (proc_read(s, trace) == -1) {
			saved = errno;
			unix_socks_free(s);
			errno = saved;
			return -1;
		}
		s->from_proc = true;
	}
	fold_accepted(s);
	return 0;
}

void unix_socks_free(struct unix_socks *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * By the inode alone where netlink gave it: it gives 32 bits of it, and the
 * superblock's device, which is not what stat says on btrfs subvolumes or
 * overlayfs. Among sockets with the same 32 bits, the one of that name is
 * preferred; a false match calls a stale file live, which only refuses a removal.
 */
const struct unix_sock *unix_socks_find(const struct unix_socks *s, const char *name, const struct stat *st)
{
	struct unix_sock key = { .name = (char *)name };
	bool by_ino = st && !s->from_proc;
	size_t lo = 0, hi = s->n;

	if (by_ino) {
		key.has_file = true;
		key.file_ino = (uint32_t)st->st_ino;
		key.name = "";   /* sorts before every name with that inode */
	}
	while (lo < hi) {   /* the first element not below key */
		size_t mid = lo + (hi - lo) / 2;
		if (addr_cmp(&s->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!by_ino)
		return lo < s->n && !s->v[lo].has_file && strcmp(s->v[lo].name, name) == 0 ? &s->v[lo] : NULL;
	const struct unix_sock *first = NULL;
	for (size_t i = lo; i < s->n && s->v[i].has_file && s->v[i].file_ino == key.file_ino; i++) {
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
		if (first == NULL)
			first = &s->v[i];
	}
	return first;
}

int unix_bound(const char *path, const struct stat *st, bool trace)
{
	struct unix_socks s;
	int found;

	if (unix_socks_read(&s, trace) == -1)
		return -1;
	found = unix_socks_find(&s, path, st) != NULL;
	unix_socks_free(&s);
	return found;
}
