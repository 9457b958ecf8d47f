/* Who uses what: one pass over /proc, matching open fds and mappings to objects. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ipckit.h"

static size_t id_hash(int tag, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ULL) ^ (dev * 0xC2B2AE3D27D4EB4FULL) ^ (uint64_t)tag;

	return (size_t)(h ^ (h >> 29));
}

/* To at least min slots (a power of two): one table, not every size on the way. */
static int id_index_grow(struct id_index *ix, size_t min)
{
	size_t cap = ix->v ? (ix->mask + 1) * 2 : 64;
	struct id_slot *v;

	while (cap < min)
		cap *= 2;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;

	for (size_t i = 0; ix->v && i <= ix->mask; i++) {
		struct id_slot *s = &ix->v[i];
		if (s->tag == 0)
			continue;
		size_t h = id_hash(s->tag, s->dev, s->ino) & (cap - 1);
		while (v[h].tag)
			h = (h + 1) & (cap - 1);
		v[h] = *s;
	}
	free(ix->v);
	ix->v = v;
	ix->mask = cap - 1;
	return 0;
}

int id_index_add(struct id_index *ix, int tag, uint64_t dev, uint64_t ino, size_t pos)
{
	if ((ix->v == NULL || (ix->n + 1) * 2 > ix->mask + 1) && id_index_grow(ix, 0) == -1)
		return -1;
	size_t h = id_hash(tag, dev, ino) & ix->mask;
	for (; ix->v[h].tag; h = (h + 1) & ix->mask)
		if (ix->v[h].tag == tag && ix->v[h].dev == dev && ix->v[h].ino == ino)
			return 1;
	ix->v[h] = (struct id_slot){ .dev = dev, .ino = ino, .tag = tag, .pos = pos };
	ix->n++;
	return 0;
}

size_t id_index_get(const struct id_index *ix, int tag, uint64_t dev, uint64_t ino)
{
	if (ix->v == NULL)
		return ID_NONE;
	for (size_t h = id_hash(tag, dev, ino) & ix->mask; ix->v[h].tag; h = (h + 1) & ix->mask)
		if (ix->v[h].tag == tag && ix->v[h].dev == dev && ix->v[h].ino == ino)
			return ix->v[h].pos;
	return ID_NONE;
}

void id_index_free(struct id_index *ix)
{
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

int fd_each_line(int fd, char *buf, size_t cap, int (*fn)(char *line, void *arg), void *arg)
{
	size_t have = 0;
	bool skipping = false;   /* in a line longer than the buffer: dropped */
	ssize_t n;

	while ((n = read(fd, buf + have, cap - 1 - have)) > 0) {
		char *line = buf, *nl, *end = buf + have + n;
		have += (size_t)n;
		while ((nl = memchr(line, '\n', (size_t)(end - line))) != NULL) {
			*nl = '\0';
			if (!skipping && fn(line, arg) == -1)
				return -1;
			skipping = false;
			line = nl + 1;
		}
		have = (size_t)(end - line);
		memmove(buf, line, have);
		if (have == cap - 1) {
			have = 0;
			skipping = true;
		}
	}
	if (n == -1)
		return -1;
	buf[have] = '\0';
	return have && !skipping ? fn(buf, arg) : 0;
}

struct scan {
	struct ipc_list *l;
	struct id_index ix;
	bool want_socks, want_files, want_maps, want_sysv, add_fifos, privileged;
	bool maps_text;           /* no PROCMAP_QUERY: /proc/PID/maps read as text */
	size_t map_lines;         /* lines of the text read for this process */
	uint64_t pipefs_dev;      /* where anonymous pipes live, once a readlink said "pipe:" */
	bool have_pipefs;
	int procfd;
	const char *pid;          /* the /proc entry being read */
	char comm[17];
	bool have_comm;
	int unseen;               /* processes whose files could not be read */
	char buf[8192];
};

static int user_add(struct scan *sc, size_t pos)
{
	struct ipc_obj *o = &sc->l->v[pos];
	pid_t pid = (pid_t)atoi(sc->pid);

	if (o->nusers && o->users[o->nusers - 1].pid == pid)
		return 0;   /* one process, several fds or mappings */
	if (!sc->have_comm) {
		char path[32];
		int fd, n = -1;
		snprintf(path, sizeof(path), "%s/comm", sc->pid);
		if ((fd = openat(sc->procfd, path, O_RDONLY | O_CLOEXEC)) != -1) {
			n = (int)read(fd, sc->comm, sizeof(sc->comm) - 1);
			close(fd);
		}
		if (n > 0 && sc->comm[n - 1] == '\n')
			n--;   /* the kernel's; a newline inside is the name's own, shown escaped */
		sc->comm[n > 0 ? n : 0] = '\0';
		if (n <= 0)
			strcpy(sc->comm, "?");
		sc->have_comm = true;
	}
	struct ipc_user *u = reallocarray(o->users, o->nusers + 1, sizeof(*u));
	if (u == NULL)
		return -1;
	o->users = u;
	u[o->nusers].pid = pid;
	strlcpy(u[o->nusers].comm, sc->comm, sizeof(u[o->nusers].comm));
	o->nusers++;
	return 0;
}

static int hit(struct scan *sc, int tag, uint64_t dev, uint64_t ino)
{
	size_t pos = id_index_get(&sc->ix, tag, dev, ino);

	return pos == ID_NONE ? 0 : user_add(sc, pos);
}

/* A FIFO no walked directory showed: listed when its path names the same FIFO here. */
static int fifo_held(struct scan *sc, int dfd, const char *fd, uint64_t dev, uint64_t ino)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n = readlinkat(dfd, fd, path, sizeof(path) - 1);

	if (n <= 0)
		return 0;
	path[n] = '\0';
	if (path[0] != '/') {
		if (strncmp(path, "pipe:[", 6) == 0) {
			sc->pipefs_dev = dev;   /* every anonymous pipe is on this device */
			sc->have_pipefs = true;
		}
		return 0;
	}
	if (lstat(path, &st) == -1 || !S_ISFIFO(st.st_mode) || st.st_dev != dev || st.st_ino != ino)
		return 0;   /* unlinked, or the holder sees another filesystem at that path */
	if (fifo_add(sc->l, path, &st) == -1 ||
	    id_index_add(&sc->ix, ID_FILE, dev, ino, sc->l->n - 1) == -1)
		return -1;
	return user_add(sc, sc->l->n - 1);
}

/*
 * One descriptor, one statx: a socket by its inode, anything else by device and
 * inode; never waiting on a network filesystem (AT_STATX_DONT_SYNC). Only a
 * FIFO that is no listed object costs a readlink, for its path.
 */
static int fd_one(struct scan *sc, int dfd, const char *fd)
{
	struct statx stx;

	if (statx(dfd, fd, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) == -1)
		return 0;
	if (S_ISSOCK(stx.stx_mode))
		return sc->want_socks ? hit(sc, ID_SOCK, 0, stx.stx_ino) : 0;
	if (!sc->want_files)
		return 0;
	uint64_t dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	size_t pos = id_index_get(&sc->ix, ID_FILE, dev, stx.stx_ino);
	if (pos != ID_NONE)
		return user_add(sc, pos);
	if (S_ISFIFO(stx.stx_mode) && sc->add_fifos && !(sc->have_pipefs && dev == sc->pipefs_dev))
		return fifo_held(sc, dfd, fd, dev, stx.stx_ino);
	return 0;
}

/*
 * The fds of a process. procfs fills a getdents buffer as far as it goes, so
 * a batch that leaves room for another entry is the last: no call to see 0.
 */
static int scan_fds(struct scan *sc)
{
	char path[32], buf[4096] __attribute__((aligned(8)));
	long len;
	int dfd, r = 0;

	snprintf(path, sizeof(path), "%s/fd", sc->pid);
	if ((dfd = openat(sc->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;   /* gone */
	do {
		len = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		for (long pos = 0; r == 0 && pos < len;) {
			const char *name = buf + pos + 19;   /* struct linux_dirent64: ino, off, reclen, type, name */
			unsigned short reclen;
			memcpy(&reclen, buf + pos + 16, sizeof(reclen));
			pos += reclen;
			if (name[0] != '.')
				r = fd_one(sc, dfd, name);
		}
	} while (r == 0 && len > (long)sizeof(buf) - 64);
	close(dfd);
	return r;
}

/* A shared file mapping: a POSIX object by (dev, ino); a System V segment is "/SYSV<key>" with inode = shmid. */
static int map_hit(struct scan *sc, uint64_t dev, uint64_t ino, const char *name)
{
	if (sc->want_sysv && strncmp(name, "/SYSV", 5) == 0) {
		size_t pos = id_index_get(&sc->ix, ID_SYSV_SHM, 0, ino);
		unsigned long key = strtoul(name + 5, NULL, 16);
		if (pos != ID_NONE && key == (uint32_t)sc->l->v[pos].key)
			return user_add(sc, pos);   /* shmid 0 is a segment too */
		return 0;
	}
	return ino ? hit(sc, ID_FILE, dev, ino) : 0;
}

/* "start-end perms offset MAJ:MIN inode   path"; only shared mappings ("rw-s") count. */
static int map_line(char *line, void *arg)
{
	struct scan *sc = arg;
	char *p = line, *end;

	sc->map_lines++;
	for (int i = 0; i < 3; i++) {
		if ((p = strchr(p, ' ')) == NULL)
			return 0;
		if (i == 0 && p[4] != 's')
			return 0;
		p++;
	}
	unsigned long maj = strtoul(p, &end, 16), min;
	if (*end != ':')
		return 0;
	min = strtoul(end + 1, &end, 16);
	unsigned long long ino = strtoull(end, &end, 10);
	while (*end == ' ')
		end++;
	return map_hit(sc, makedev(maj, min), ino, end);
}

#ifndef PROCMAP_QUERY   /* Linux 6.11; older headers lack it */
struct procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size,
	         vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR(0x66, 17, struct procmap_query)
#endif
enum { QUERY_SHARED = 0x08, QUERY_COVERING_OR_NEXT = 0x10, QUERY_FILE_BACKED = 0x20 };
enum { MAPS_READ, MAPS_NO_MEMORY, MAPS_NO_QUERY };

/* One PROCMAP_QUERY: the next shared file mapping from addr, with its name when it fits. */
static int query_next(int fd, uint64_t addr, struct procmap_query *q, char *name, size_t len)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = QUERY_SHARED | QUERY_COVERING_OR_NEXT | QUERY_FILE_BACKED;
	q->query_addr = addr;
	q->vma_name_size = (uint32_t)len;
	q->vma_name_addr = (uintptr_t)name;
	if (ioctl(fd, PROCMAP_QUERY, q) == 0)
		return 0;
	if (errno != ENAMETOOLONG)
		return -1;
	q->vma_name_size = 0;   /* a name too long to be "/SYSV<key>" */
	q->vma_name_addr = 0;
	name[0] = '\0';
	return ioctl(fd, PROCMAP_QUERY, q);
}

/*
 * The shared file mappings, asked one by one with PROCMAP_QUERY (Linux
 * 6.11): no text is formatted for the libraries every process maps privately.
 */
static int maps_query(struct scan *sc, int fd)
{
	struct procmap_query q;
	char name[PATH_MAX];

	for (uint64_t addr = 0;; addr = q.vma_end) {
		if (query_next(fd, addr, &q, name, sizeof(name)) == -1) {
			if (addr == 0 && (errno == ENOTTY || errno == EINVAL))
				return MAPS_NO_QUERY;
			return addr == 0 && errno == ESRCH ? MAPS_NO_MEMORY : MAPS_READ;   /* ENOENT: no more */
		}
		if (map_hit(sc, makedev(q.dev_major, q.dev_minor), q.inode, name) == -1)
			return -1;
	}
}

/* MAPS_READ, or MAPS_NO_MEMORY for a kernel thread or a zombie; -1 with errno. */
static int scan_maps(struct scan *sc, int fd)
{
	if (!sc->maps_text) {
		int r = maps_query(sc, fd);
		if (r != MAPS_NO_QUERY)
			return r;
		sc->maps_text = true;   /* before Linux 6.11: the text, every line */
	}
	sc->map_lines = 0;
	if (fd_each_line(fd, sc->buf, sizeof(sc->buf), map_line, sc) == -1 && errno == ENOMEM)
		return -1;
	return sc->map_lines ? MAPS_READ : MAPS_NO_MEMORY;   /* a read error: the process exited */
}

/* /proc/PID/maps; a process the caller may not read is counted (see proc_readable). */
static int maps_open(struct scan *sc)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "%s/maps", sc->pid);
	fd = openat(sc->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 && (errno == EACCES || errno == EPERM) && !sc->privileged)
		sc->unseen++;
	return fd;
}

/*
 * Whether to read this process's files: not a kernel thread or a zombie
 * (no executable, no memory), and one the caller may read. An unprivileged
 * caller gets EACCES for other users' processes: those are counted, since
 * they could hold what we cannot see. Root reads every process but those
 * outside its user namespace (an enclosing container's manager): those are
 * skipped, not counted (see ipc-ls(1)).
 */
static bool proc_readable(struct scan *sc)
{
	char path[32], c;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/exe", sc->pid);
	if (readlinkat(sc->procfd, path, &c, 1) != -1)
		return true;
	if ((errno != EACCES && errno != EPERM) || sc->privileged)
		return false;
	/* Kernel threads say EACCES too, to an unprivileged caller, but have no memory to deny. */
	if ((fd = maps_open(sc)) == -1)
		return false;
	n = read(fd, &c, 1);
	close(fd);
	return n > 0;
}

/* One process: skipped if a kernel thread or unreadable, then its shared mappings and its fds. */
static int scan_proc(struct scan *sc)
{
	/* Root reading maps needs no readlink: a kernel thread's or zombie's maps say it has no memory. */
	if (!(sc->privileged && sc->want_maps) && !proc_readable(sc))
		return 0;
	if (sc->want_maps) {
		int fd = maps_open(sc), r;
		if (fd == -1)
			return 0;
		r = scan_maps(sc, fd);
		close(fd);
		if (r != MAPS_READ)
			return r == -1 ? -1 : 0;
	}
	return sc->want_socks || sc->want_files ? scan_fds(sc) : 0;
}

/* What the pass must look for, and the index of objects it can match. */
static int scan_prepare(struct scan *sc, struct ipc_list *l)
{
	sc->l = l;
	sc->add_fifos = l->held_fifos;
	sc->want_files = sc->add_fifos;
	sc->privileged = geteuid() == 0;
	if (l->n > 32 && id_index_grow(&sc->ix, l->n * 2) == -1)   /* sized once */
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct ipc_obj *o = &l->v[i];
		int r = 0;
		if (o->kind == KIND_SYSV_SHM && o->nattch > 0) {
			sc->want_maps = sc->want_sysv = true;
			r = id_index_add(&sc->ix, ID_SYSV_SHM, 0, (uint64_t)o->id, i);
		} else if (o->kind == KIND_UNIX && !o->stale) {
			sc->want_socks = true;
			r = id_index_add(&sc->ix, ID_SOCK, 0, o->ino, i);
		} else if ((KIND_IS_POSIX(o->kind) || o->kind == KIND_FIFO) && o->ino != 0) {
			sc->want_files = true;
			sc->want_maps |= o->kind == KIND_POSIX_SHM || o->kind == KIND_POSIX_SEM;
			r = id_index_add(&sc->ix, ID_FILE, o->dev, o->ino, i);
		}
		if (r == -1)
			return -1;
	}
	return 0;
}

/* An abstract socket has no file: its owner is the process holding it. */
static void abstract_owners(struct ipc_list *l)
{
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
}

/* The objects a process we could not read might hold: all but System V and stale sockets. */
static void mark_unseen(struct ipc_list *l, int unseen)
{
	for (size_t i = 0; i < l->n; i++) {
		struct ipc_obj *o = &l->v[i];
		if (KIND_IS_POSIX(o->kind) || o->kind == KIND_FIFO || (o->kind == KIND_UNIX && !o->stale))
			o->unseen = unseen;
	}
}

int ipc_users_scan(struct ipc_list *l, bool trace)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	struct dir_iter dir;
	char self[16];
	const char *name;
	unsigned char type;
	int r = -1;

	if (sc == NULL || scan_prepare(sc, l) == -1)
		goto out;
	r = 0;
	if (!sc->want_socks && !sc->want_files && !sc->want_maps)
		goto out;
	dir.len = dir.pos = 0;
	sc->procfd = dir.fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	trace_call(trace, dir.fd, errno, "open(\"/proc\", O_RDONLY|O_DIRECTORY)");
	if (dir.fd == -1) {
		r = -1;
		goto out;
	}
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while (r == 0 && (name = dir_next(&dir, &type)) != NULL) {
		if (!isdigit((unsigned char)name[0]) || strcmp(name, self) == 0)
			continue;
		sc->pid = name;
		sc->have_comm = false;
		r = scan_proc(sc);
	}
	close(dir.fd);
	mark_unseen(l, sc->unseen);
	abstract_owners(l);
out:;
	int saved = errno;
	if (sc)
		id_index_free(&sc->ix);
	free(sc);
	errno = saved;
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
