/* Who uses what: one pass over /proc, matching open fds and mappings to objects. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ipckit.h"

enum { TAG_FILE = 1, TAG_SOCK = 2, TAG_SYSV_SHM = 3 };

struct slot {
	uint64_t dev, ino;
	int tag;
	size_t obj;
};
struct index {
	struct slot *v;
	size_t mask;
};

static size_t hash(int tag, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ULL) ^ (dev * 0xC2B2AE3D27D4EB4FULL) ^ (uint64_t)tag;

	return (size_t)(h ^ (h >> 29));
}

static int index_build(struct index *ix, const struct ipc_list *l)
{
	size_t cap = 64;

	while (cap < l->n * 2 + 1)
		cap *= 2;
	if ((ix->v = calloc(cap, sizeof(*ix->v))) == NULL)
		return -1;
	ix->mask = cap - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct ipc_obj *o = &l->v[i];
		struct slot s = { .obj = i };
		switch (o->kind) {
		case KIND_SYSV_SHM: s.tag = TAG_SYSV_SHM; s.ino = (uint64_t)o->id; break;
		case KIND_UNIX: if (o->stale) continue; s.tag = TAG_SOCK; s.ino = o->ino; break;
		case KIND_POSIX_MQ: case KIND_POSIX_SHM: case KIND_POSIX_SEM: case KIND_FIFO:
			if (o->ino == 0)
				continue;
			s.tag = TAG_FILE; s.dev = o->dev; s.ino = o->ino;
			break;
		default:
			continue;
		}
		size_t h = hash(s.tag, s.dev, s.ino) & ix->mask;
		while (ix->v[h].tag)
			h = (h + 1) & ix->mask;
		ix->v[h] = s;
	}
	return 0;
}

static int add_user(struct ipc_obj *o, pid_t pid, const char *comm)
{
	if (o->nusers && o->users[o->nusers - 1].pid == pid)
		return 0;   /* one process, several fds or mappings */
	struct ipc_user *u = reallocarray(o->users, o->nusers + 1, sizeof(*u));
	if (u == NULL)
		return -1;
	o->users = u;
	u[o->nusers].pid = pid;
	strlcpy(u[o->nusers].comm, comm, sizeof(u[o->nusers].comm));
	o->nusers++;
	return 0;
}

struct proc_ctx {
	struct ipc_list *l;
	struct index ix;
	pid_t pid;
	char comm[17];
	bool have_comm;
};

static int index_hit(struct proc_ctx *c, int tag, uint64_t dev, uint64_t ino)
{
	size_t h = hash(tag, dev, ino) & c->ix.mask;

	for (; c->ix.v[h].tag; h = (h + 1) & c->ix.mask) {
		struct slot *s = &c->ix.v[h];
		if (s->tag != tag || s->ino != ino || s->dev != dev)
			continue;
		if (!c->have_comm) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)c->pid);
			if (read_file_small(path, c->comm, sizeof(c->comm)) <= 0)
				strcpy(c->comm, "?");
			c->comm[strcspn(c->comm, "\n")] = '\0';
			c->have_comm = true;
		}
		if (add_user(&c->l->v[s->obj], c->pid, c->comm) == -1)
			return -1;
	}
	return 0;
}

static int scan_fds(struct proc_ctx *c, int procfd, const char *pid)
{
	struct dir_iter d;
	char path[32];
	const char *name;
	unsigned char type;

	snprintf(path, sizeof(path), "%s/fd", pid);
	if ((d.fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;   /* another user's process, or gone */
	d.len = d.pos = 0;
	while ((name = dir_next(&d, &type)) != NULL) {
		struct stat st;
		if (fstatat(d.fd, name, &st, 0) == -1)
			continue;
		int r = S_ISSOCK(st.st_mode) ? index_hit(c, TAG_SOCK, 0, st.st_ino)
		                             : index_hit(c, TAG_FILE, st.st_dev, st.st_ino);
		if (r == -1) {
			close(d.fd);
			return -1;
		}
	}
	close(d.fd);
	return 0;
}

/* maps: "addr perms offset MAJ:MIN inode path"; System V segments show as /SYSV<key> with inode = shmid. */
static int scan_maps(struct proc_ctx *c, int procfd, const char *pid)
{
	char buf[16384], *line, *nl;
	int fd;
	size_t have = 0;
	ssize_t n;
	int r = 0;

	snprintf(buf, sizeof(buf), "%s/maps", pid);
	if ((fd = openat(procfd, buf, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (r == 0 && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		line = buf;
		while (r == 0 && (nl = strchr(line, '\n')) != NULL) {
			unsigned maj, min;
			unsigned long long ino;
			int off = 0;
			*nl = '\0';
			if (sscanf(line, "%*s %*s %*s %x:%x %llu %n", &maj, &min, &ino, &off) == 3 && ino != 0) {
				if (strncmp(line + off, "/SYSV", 5) == 0)
					r = index_hit(c, TAG_SYSV_SHM, 0, ino);
				else
					r = index_hit(c, TAG_FILE, makedev(maj, min), ino);
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;   /* an absurdly long line: drop it */
	}
	close(fd);
	return r;
}

int ipc_users_scan(struct ipc_list *l, bool trace)
{
	struct proc_ctx c = { .l = l };
	bool want_fds = false, want_maps = false;
	pid_t self = getpid();
	struct dir_iter dir;
	const char *name;
	unsigned char type;
	int r = 0;

	for (size_t i = 0; i < l->n; i++) {
		enum ipc_kind k = l->v[i].kind;
		want_fds |= k == KIND_POSIX_MQ || k == KIND_POSIX_SHM || k == KIND_FIFO ||
		            (k == KIND_UNIX && !l->v[i].stale);
		/* A System V segment nobody is attached to is in no process's maps. */
		want_maps |= (k == KIND_SYSV_SHM && l->v[i].nattch > 0) ||
		             k == KIND_POSIX_SHM || k == KIND_POSIX_SEM;
	}
	if (!want_fds && !want_maps)
		return 0;
	if (index_build(&c.ix, l) == -1)
		return -1;
	dir.fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	trace_call(trace, dir.fd, errno, "open(\"/proc\", O_RDONLY|O_DIRECTORY)");
	if (dir.fd == -1) {
		free(c.ix.v);
		return -1;
	}
	dir.len = dir.pos = 0;
	while (r == 0 && (name = dir_next(&dir, &type)) != NULL) {
		if (!isdigit((unsigned char)name[0]))
			continue;
		c.pid = (pid_t)atoi(name);
		if (c.pid == self)
			continue;
		c.have_comm = false;
		if (want_fds)
			r = scan_fds(&c, dir.fd, name);
		if (r == 0 && want_maps)
			r = scan_maps(&c, dir.fd, name);
	}
	close(dir.fd);
	free(c.ix.v);
	/* An abstract socket has no file: its owner is the process holding it. */
	for (size_t i = 0; i < l->n; i++) {
		struct ipc_obj *o = &l->v[i];
		char path[32];
		struct stat st;
		if (o->kind != KIND_UNIX || o->uid != (uid_t)-1 || o->nusers == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", (int)o->users[0].pid);
		if (stat(path, &st) == 0) {
			o->uid = st.st_uid;
			o->gid = st.st_gid;
		}
	}
	return r;
}

const char *dir_next(struct dir_iter *d, unsigned char *type)
{
	for (;;) {
		if (d->pos >= d->len) {
			d->len = syscall(SYS_getdents64, d->fd, d->buf, sizeof(d->buf));
			d->pos = 0;
			if (d->len <= 0)
				return NULL;
		}
		/* struct linux_dirent64: ino, off, reclen, type, name */
		const char *p = d->buf + d->pos;
		unsigned short reclen;
		memcpy(&reclen, p + 16, sizeof(reclen));
		d->pos += reclen;
		*type = (unsigned char)p[18];
		const char *name = p + 19;
		if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
			continue;
		return name;
	}
}

bool pid_alive(int64_t pid)
{
	if (pid <= 0)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int read_file_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}
