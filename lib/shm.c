/* One shared memory segment, POSIX or System V: open, create, map, resize, remove. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ipckit.h"
#include "shm.h"

int shm_ref_parse(const char *text, struct ipc_ref *r, const char **why)
{
	if (ref_parse(text, -1, r, why) == -1)
		return -1;
	if (r->kind < 0)
		r->kind = r->form == REF_NAME ? KIND_POSIX_SHM : KIND_SYSV_SHM;
	if (r->kind != KIND_POSIX_SHM && r->kind != KIND_SYSV_SHM) {
		*why = "not shared memory (posix-shm or sysv-shm)";
		return -1;
	}
	return r->kind == KIND_POSIX_SHM ? posix_name_check(r->name, KIND_POSIX_SHM, why) : 0;
}

static void seg_init(struct shmseg *s, enum ipc_kind kind, bool trace)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->fd = s->id = -1;
	s->trace = trace;
}

static int posix_fill(struct shmseg *s)
{
	struct stat st;
	int r = fstat(s->fd, &st);

	trace_call(s->trace, r, errno, "fstat(%d, {st_size=%lld, st_mode=0%o})", s->fd,
	           r == 0 ? (long long)st.st_size : 0LL, r == 0 ? (unsigned)(st.st_mode & 0777) : 0U);
	if (r == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {   /* a FIFO or device someone put in /dev/shm */
		errno = EINVAL;
		return -1;
	}
	s->size = (uint64_t)st.st_size;
	return 0;
}

static int sysv_fill(struct shmseg *s, struct shmid_ds *ds)
{
	int r = shmctl(s->id, IPC_STAT, ds);

	trace_call(s->trace, r, errno, "shmctl(%d, IPC_STAT, {shm_segsz=%zu, shm_nattch=%lu})", s->id,
	           r == 0 ? ds->shm_segsz : 0, r == 0 ? (unsigned long)ds->shm_nattch : 0UL);
	if (r == -1) {
		if (errno == EINVAL || errno == EIDRM)
			errno = ENOENT;
		return -1;
	}
	s->size = ds->shm_segsz;
	return 0;
}

int shmseg_open(struct shmseg *s, const struct ipc_ref *r, bool writable, bool trace)
{
	struct shmid_ds ds;

	seg_init(s, r->kind == KIND_SYSV_SHM ? KIND_SYSV_SHM : KIND_POSIX_SHM, trace);
	s->writable = writable;
	if (s->kind == KIND_SYSV_SHM) {
		if ((s->id = sysv_resolve(KIND_SYSV_SHM, r, trace)) == -1)
			return -1;
		return sysv_fill(s, &ds);
	}
	strlcpy(s->name, r->name, sizeof(s->name));
	/* O_NONBLOCK: a FIFO named like a segment must not hang the open (posix_fill refuses it). */
	s->fd = shm_open(r->name, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC, 0);
	trace_call(trace, s->fd, errno, "shm_open(\"%s\", %s|O_NONBLOCK, 0)", r->name, writable ? "O_RDWR" : "O_RDONLY");
	if (s->fd == -1)
		return -1;
	if (posix_fill(s) == -1) {
		shmseg_close(s);
		return -1;
	}
	return 0;
}

uint64_t shmseg_max_size(enum ipc_kind kind, const char **what)
{
	char buf[32];
	long long v;
	struct statfs sf;

	if (kind == KIND_SYSV_SHM) {
		*what = "kernel.shmmax";
		if (read_file_small("/proc/sys/kernel/shmmax", buf, sizeof(buf)) <= 0)
			return 0;
		buf[strcspn(buf, "\n")] = '\0';
		unsigned long long u;
		if (sscanf(buf, "%llu", &u) == 1)
			return u;
		return parse_int_range(buf, 0, LLONG_MAX, &v) == 0 ? (uint64_t)v : 0;
	}
	*what = "the size of /dev/shm";
	if (statfs("/dev/shm", &sf) == -1 || sf.f_blocks == 0)
		return 0;
	return (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
}

/* Removes what this call made, keeping errno: a failed create leaves nothing behind. */
static void undo_create(struct shmseg *s)
{
	int e = errno;

	ipc_undo_create(s->kind, s->id, s->name, s->trace);
	shmseg_close(s);
	errno = e;
}

static int sysv_create(struct shmseg *s, const struct ipc_ref *r, struct shmseg_create *c)
{
	struct shmid_ds ds;
	key_t key;
	int mode = c->mode & 0777;

	if (ref_key(r, s->trace, &key) == -1)
		return -1;
	s->id = shmget(key, c->size, IPC_CREAT | IPC_EXCL | mode);
	trace_call(s->trace, s->id, errno, "shmget(0x%08x, %llu, IPC_CREAT|IPC_EXCL|0%o)", (unsigned)key,
	           (unsigned long long)c->size, mode);
	if (s->id != -1) {
		if (sysv_fill(s, &ds) == 0)
			return 0;
		undo_create(s);
		return -1;
	}
	if (errno != EEXIST || !c->exist_ok)
		return -1;
	s->id = shmget(key, 0, 0);
	trace_call(s->trace, s->id, errno, "shmget(0x%08x, 0, 0)", (unsigned)key);
	if (s->id == -1 || sysv_fill(s, &ds) == -1 ||
	    attr_differs(&c->diff, "size", (long long)ds.shm_segsz, (long long)c->size) ||
	    (c->mode_given && attr_differs(&c->diff, "mode", ds.shm_perm.mode & 0777, mode))) {
		s->id = -1;   /* not ours to remove */
		return -1;
	}
	return 0;
}

static int posix_create(struct shmseg *s, const struct ipc_ref *r, struct shmseg_create *c)
{
	int mode = c->mode & 0777, rr;
	struct stat st;

	s->fd = shm_open(r->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	trace_call(s->trace, s->fd, errno, "shm_open(\"%s\", O_RDWR|O_CREAT|O_EXCL, 0%o)", r->name, mode);
	if (s->fd != -1) {
		strlcpy(s->name, r->name, sizeof(s->name));   /* ours: removed if what follows fails */
		/* Exactly the mode asked for: shm_open's is masked by the umask. */
		rr = fchmod(s->fd, (mode_t)mode);
		trace_call(s->trace, rr, errno, "fchmod(%d, 0%o)", s->fd, mode);
		if (rr == 0) {
			rr = ftruncate(s->fd, (off_t)c->size);
			trace_call(s->trace, rr, errno, "ftruncate(%d, %llu)", s->fd, (unsigned long long)c->size);
		}
		if (rr == -1) {
			undo_create(s);
			return -1;
		}
		s->size = c->size;
		return 0;
	}
	if (errno != EEXIST || !c->exist_ok)
		return -1;
	s->fd = shm_open(r->name, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
	trace_call(s->trace, s->fd, errno, "shm_open(\"%s\", O_RDWR|O_NONBLOCK, 0)", r->name);
	if (s->fd == -1)
		return -1;
	rr = fstat(s->fd, &st);
	if (rr == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rr = -1;
	}
	if (rr == -1 || attr_differs(&c->diff, "size", (long long)st.st_size, (long long)c->size) ||
	    (c->mode_given && attr_differs(&c->diff, "mode", st.st_mode & 0777, mode))) {
		shmseg_close(s);
		return -1;
	}
	strlcpy(s->name, r->name, sizeof(s->name));
	s->size = (uint64_t)st.st_size;
	return 0;
}

int shmseg_create(struct shmseg *s, const struct ipc_ref *r, struct shmseg_create *c, bool trace)
{
	seg_init(s, r->kind == KIND_SYSV_SHM ? KIND_SYSV_SHM : KIND_POSIX_SHM, trace);
	s->writable = true;
	c->diff.what = NULL;
	/* With exist_ok, a segment removed between "it exists" and opening it: create again. */
	for (int tries = 0;; tries++) {
		int rr = s->kind == KIND_SYSV_SHM ? sysv_create(s, r, c) : posix_create(s, r, c);
		if (rr == 0 || errno != ENOENT || !c->exist_ok || tries == 2)
			return rr;
	}
}

int shmseg_map(struct shmseg *s)
{
	if (s->size == 0)
		return 0;
	if (s->size > SIZE_MAX) {
		errno = ENOMEM;
		return -1;
	}
	if (s->kind == KIND_SYSV_SHM) {
		void *p = shmat(s->id, NULL, s->writable ? 0 : SHM_RDONLY);
		trace_call(s->trace, p == (void *)-1 ? -1 : (long)p, errno, "shmat(%d, NULL, %s)", s->id,
		           s->writable ? "0" : "SHM_RDONLY");
		if (p == (void *)-1) {
			if (errno == EINVAL || errno == EIDRM)
				errno = ENOENT;
			return -1;
		}
		s->addr = p;
	} else {
		int prot = PROT_READ | (s->writable ? PROT_WRITE : 0);
		void *p = mmap(NULL, (size_t)s->size, prot, MAP_SHARED, s->fd, 0);
		trace_call(s->trace, p == MAP_FAILED ? -1 : (long)p, errno, "mmap(NULL, %llu, %s, MAP_SHARED, %d, 0)",
		           (unsigned long long)s->size, s->writable ? "PROT_READ|PROT_WRITE" : "PROT_READ", s->fd);
		if (p == MAP_FAILED)
			return -1;
		s->addr = p;
	}
	s->maplen = (size_t)s->size;
	return 0;
}

void shmseg_close(struct shmseg *s)
{
	int e = errno, r;

	if (s->addr && s->kind == KIND_SYSV_SHM) {
		r = shmdt(s->addr);
		trace_call(s->trace, r, errno, "shmdt(%p)", s->addr);
	} else if (s->addr) {
		r = munmap(s->addr, s->maplen);
		trace_call(s->trace, r, errno, "munmap(%p, %zu)", s->addr, s->maplen);
	}
	s->addr = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	errno = e;
}

int shmseg_resize(struct shmseg *s, uint64_t size)
{
	if (s->kind != KIND_POSIX_SHM) {
		errno = EINVAL;
		return -1;
	}
	int r = ftruncate(s->fd, (off_t)size);
	trace_call(s->trace, r, errno, "ftruncate(%d, %llu)", s->fd, (unsigned long long)size);
	if (r == 0)
		s->size = size;
	return r;
}

int shmseg_reserve(struct shmseg *s, uint64_t off, uint64_t len)
{
	if (s->kind != KIND_POSIX_SHM || len == 0)
		return 0;
	int r = fallocate(s->fd, 0, (off_t)off, (off_t)len);
	trace_call(s->trace, r, errno, "fallocate(%d, 0, %llu, %llu)", s->fd, (unsigned long long)off,
	           (unsigned long long)len);
	if (r == -1 && (errno == EOPNOTSUPP || errno == ENOSYS))
		return 0;   /* not on this file system: a write past its room will fault instead */
	return r;
}

int shmseg_remove(const struct ipc_ref *r, bool trace)
{
	if (r->kind == KIND_POSIX_SHM)
		return posix_remove(KIND_POSIX_SHM, r->name, trace);
	int id = sysv_resolve(KIND_SYSV_SHM, r, trace);
	if (id == -1)
		return -1;
	return sysv_remove(KIND_SYSV_SHM, id, trace);
}

bool shmseg_still_there(const struct shmseg *s)
{
	if (s->kind == KIND_SYSV_SHM) {
		struct shmid_ds ds;
		if (shmctl(s->id, IPC_STAT, &ds) == -1)
			return errno == EACCES;
		return !(ds.shm_perm.mode & SHM_DEST);
	}
	struct stat mine, now;
	char path[NAME_MAX + 16];
	if (fstat(s->fd, &mine) == -1)
		return true;
	snprintf(path, sizeof(path), "/dev/shm%s", s->name);
	if (stat(path, &now) == -1)
		return errno != ENOENT;
	return now.st_ino == mine.st_ino && now.st_dev == mine.st_dev;
}

/* One hexdump -C line of n (1..16) bytes at offset off into buf (at least 80 bytes); its length. */
static size_t hexdump_line(char *buf, uint64_t off, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *w = buf + sprintf(buf, "%08llx ", (unsigned long long)off);

	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			*w++ = ' ';
		*w++ = ' ';
		*w++ = i < n ? hex[p[i] >> 4] : ' ';
		*w++ = i < n ? hex[p[i] & 15] : ' ';
	}
	*w++ = ' ';
	*w++ = ' ';
	*w++ = '|';
	for (size_t i = 0; i < n; i++)
		*w++ = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	*w++ = '|';
	*w++ = '\n';
	return (size_t)(w - buf);
}

void hexdump(FILE *f, uint64_t off, const unsigned char *p, uint64_t len)
{
	char line[96];
	bool squeezed = false;

	for (uint64_t i = 0; i < len; i += 16) {
		size_t n = len - i < 16 ? (size_t)(len - i) : 16;
		if (i > 0 && n == 16 && memcmp(p + i, p + i - 16, 16) == 0) {
			if (!squeezed)
				fputs("*\n", f);
			squeezed = true;
			continue;
		}
		squeezed = false;
		size_t w = hexdump_line(line, off + i, p + i, n);
		fwrite(line, 1, w, f);
	}
}
