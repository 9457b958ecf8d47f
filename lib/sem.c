/* One semaphore, POSIX named or a member of a System V set: open, create, P, V, get, set. */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "sem.h"

/* How long a blocked POSIX wait goes before checking the semaphore still has its name. */
#define LIVENESS_NS 1000000000LL
/* Where glibc keeps named semaphores, as "sem.NAME". */
#define SEM_DIR "/dev/shm/sem."

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

int sema_ref_parse(const char *text, struct ipc_ref *r, const char **why)
{
	if (ref_parse(text, -1, r, why) == -1)
		return -1;
	if (r->kind < 0)
		r->kind = r->form == REF_NAME ? KIND_POSIX_SEM : KIND_SYSV_SEM;
	if (r->kind != KIND_POSIX_SEM && r->kind != KIND_SYSV_SEM) {
		*why = "not a semaphore (posix-sem or sysv-sem)";
		return -1;
	}
	return r->kind == KIND_POSIX_SEM ? posix_name_check(r->name, KIND_POSIX_SEM, why) : 0;
}

long long sema_max(enum ipc_kind kind, bool trace)
{
	struct seminfo si;
	union semun a = { .__buf = &si };

	if (kind == KIND_POSIX_SEM)
		return SEM_VALUE_MAX;
	int r = semctl(0, 0, IPC_INFO, a);
	trace_call(trace, r, errno, "semctl(0, 0, IPC_INFO, {semvmx=%d})", r == -1 ? 0 : si.semvmx);
	return r == -1 || si.semvmx <= 0 ? 32767 : si.semvmx;
}

const char *sema_max_name(enum ipc_kind kind)
{
	return kind == KIND_POSIX_SEM ? "SEM_VALUE_MAX" : "SEMVMX";
}

/* Whether the name still leads to the semaphore we have open. */
static bool posix_alive(const struct sema *s)
{
	char path[sizeof(SEM_DIR) + NAME_MAX];
	struct stat st;

	snprintf(path, sizeof(path), SEM_DIR "%s", s->name + 1);
	if (lstat(path, &st) == -1)
		return errno != ENOENT;
	return s->ino == 0 || (st.st_ino == s->ino && st.st_dev == s->dev);
}

static int sysv_fill(struct sema *s, int index)
{
	struct semid_ds ds;
	union semun a = { .buf = &ds };
	int r = semctl(s->id, 0, IPC_STAT, a);

	trace_call(s->trace, r, errno, "semctl(%d, 0, IPC_STAT, {sem_nsems=%lu})", s->id,
	           r == -1 ? 0UL : (unsigned long)ds.sem_nsems);
	if (r == -1)
		return -1;
	s->nsems = (int)ds.sem_nsems;
	if (index >= s->nsems) {
		errno = ERANGE;
		return -1;
	}
	s->index = index;
	return 0;
}

static void sema_init(struct sema *s, const struct ipc_ref *r, bool trace)
{
	memset(s, 0, sizeof(*s));
	s->ps = SEM_FAILED;
	s->id = -1;
	s->trace = trace;
	s->nsems = 1;
	s->kind = r->kind == KIND_SYSV_SEM ? KIND_SYSV_SEM : KIND_POSIX_SEM;
}

/*
 * Before sem_open: the file the name leads to, which a waiter checks the name
 * still leads to (the file could change between this and sem_open: then the
 * semaphore looked at was removed, and a waiter says so). A file shorter than a
 * semaphore would fault us (SIGBUS) once mapped, and anyone may leave one
 * in /dev/shm under a semaphore's name: EBADMSG.
 */
static int posix_check_file(struct sema *s, const char *name)
{
	char path[sizeof(SEM_DIR) + NAME_MAX];
	struct stat st;

	snprintf(path, sizeof(path), SEM_DIR "%s", name + 1);
	if (lstat(path, &st) == -1)
		return 0;   /* sem_open says why */
	if (S_ISREG(st.st_mode) && st.st_size < (off_t)sizeof(sem_t)) {
		errno = EBADMSG;
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

int sema_open(struct sema *s, const struct ipc_ref *r, int index, bool trace)
{
	sema_init(s, r, trace);
	if (s->kind == KIND_SYSV_SEM) {
		if ((s->id = sysv_resolve(KIND_SYSV_SEM, r, trace)) == -1)
			return -1;
		return sysv_fill(s, index);
	}
	strlcpy(s->name, r->name, sizeof(s->name));
	if (posix_check_file(s, r->name) == -1)
		return -1;
	s->ps = sem_open(r->name, 0);
	trace_call(trace, s->ps == SEM_FAILED ? -1 : 0, errno, "sem_open(\"%s\", 0)", r->name);
	return s->ps == SEM_FAILED ? -1 : 0;
}

void sema_close(struct sema *s)
{
	if (s->ps != SEM_FAILED) {
		int r = sem_close(s->ps);
		trace_call(s->trace, r, errno, "sem_close(\"%s\")", s->name);
	}
	s->ps = SEM_FAILED;
	s->id = -1;
}

static int sysv_existing(struct sema *s, key_t key, struct sema_create *c)
{
	struct semid_ds ds;
	union semun a = { .buf = &ds };

	s->id = semget(key, 0, 0);
	trace_call(s->trace, s->id, errno, "semget(0x%08x, 0, 0)", (unsigned)key);
	if (s->id == -1)
		return -1;
	int r = semctl(s->id, 0, IPC_STAT, a);
	trace_call(s->trace, r, errno, "semctl(%d, 0, IPC_STAT, {sem_nsems=%lu, mode=0%o})", s->id,
	           r == -1 ? 0UL : (unsigned long)ds.sem_nsems, r == -1 ? 0 : ds.sem_perm.mode & 0777);
	if (r == -1 || (c->nsems_given && attr_differs(&c->diff, "nsems", (long long)ds.sem_nsems, c->nsems)) ||
	    (c->mode_given && attr_differs(&c->diff, "mode", ds.sem_perm.mode & 0777, c->mode & 0777))) {
		s->id = -1;   /* not ours */
		return -1;
	}
	s->nsems = (int)ds.sem_nsems;
	return 0;
}

static int sysv_create(struct sema *s, const struct ipc_ref *r, struct sema_create *c)
{
	int nsems = c->nsems > 0 ? c->nsems : 1, mode = c->mode & 0777;
	key_t key;

	if (ref_key(r, s->trace, &key) == -1)
		return -1;
	if (key == IPC_PRIVATE) {
		errno = EINVAL;
		return -1;
	}
	/* semget's mode is not masked by the umask: it is exactly the one asked. */
	s->id = semget(key, nsems, IPC_CREAT | IPC_EXCL | mode);
	trace_call(s->trace, s->id, errno, "semget(0x%08x, %d, IPC_CREAT|IPC_EXCL|0%o)", (unsigned)key,
	           nsems, mode);
	if (s->id == -1)
		return errno == EEXIST && c->exist_ok ? sysv_existing(s, key, c) : -1;
	s->nsems = nsems;
	if (c->value == 0)
		return 0;   /* a new set starts at 0 */
	unsigned short v[nsems];
	union semun a = { .array = v };
	for (int i = 0; i < nsems; i++)
		v[i] = (unsigned short)c->value;
	int rr = semctl(s->id, 0, SETALL, a);
	trace_call(s->trace, rr, errno, "semctl(%d, 0, SETALL, [%u x %d])", s->id, c->value, nsems);
	if (rr == 0)
		return 0;
	ipc_undo_create(KIND_SYSV_SEM, s->id, NULL, s->trace);
	s->id = -1;
	return -1;
}

static int posix_create(struct sema *s, const struct ipc_ref *r, struct sema_create *c)
{
	int mode = c->mode & 0777;
	struct stat st;
	char path[sizeof(SEM_DIR) + NAME_MAX];

	strlcpy(s->name, r->name, sizeof(s->name));
	/* sem_open's mode is masked by the umask: lift it, so the mode is exactly the one asked. */
	mode_t old = umask(0);
	s->ps = sem_open(r->name, O_CREAT | O_EXCL, (mode_t)mode, c->value);
	int e = errno;
	umask(old);
	trace_call(s->trace, s->ps == SEM_FAILED ? -1 : 0, e, "sem_open(\"%s\", O_CREAT|O_EXCL, 0%o, %u)",
	           r->name, mode, c->value);
	errno = e;
	if (s->ps != SEM_FAILED)
		return 0;
	if (errno != EEXIST || !c->exist_ok || posix_check_file(s, r->name) == -1)
		return -1;
	s->ps = sem_open(r->name, 0);
	trace_call(s->trace, s->ps == SEM_FAILED ? -1 : 0, errno, "sem_open(\"%s\", 0)", r->name);
	if (s->ps == SEM_FAILED)
		return -1;
	snprintf(path, sizeof(path), SEM_DIR "%s", r->name + 1);
	if (c->mode_given && lstat(path, &st) == 0 && attr_differs(&c->diff, "mode", st.st_mode & 0777, mode)) {
		sema_close(s);
		errno = EEXIST;
		return -1;
	}
	return 0;
}

int sema_create(struct sema *s, const struct ipc_ref *r, struct sema_create *c, bool trace)
{
	c->diff.what = NULL;
	/* With exist_ok, one removed between "it exists" and opening it: create again. */
	for (int tries = 0;; tries++) {
		sema_init(s, r, trace);
		int rr = s->kind == KIND_SYSV_SEM ? sysv_create(s, r, c) : posix_create(s, r, c);
		if (rr == 0 || errno != ENOENT || !c->exist_ok || tries == 2)
			return rr;
	}
}

int sema_remove(const struct ipc_ref *r, bool trace)
{
	if (r->kind == KIND_POSIX_SEM)
		return posix_remove(KIND_POSIX_SEM, r->name, trace);
	int id = sysv_resolve(KIND_SYSV_SEM, r, trace);
	return id == -1 ? -1 : sysv_remove(KIND_SYSV_SEM, id, trace);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
}

/* A set removed after it was opened: semop says EINVAL (the id is gone) or EIDRM. */
static int sysv_errno(int e)
{
	return e == EINVAL ? EIDRM : e;
}

static int sysv_wait(struct sema *s, int64_t timeout_ns, bool undo)
{
	struct sembuf op = { .sem_num = (unsigned short)s->index, .sem_op = -1,
	                     .sem_flg = (short)((undo ? SEM_UNDO : 0) | (timeout_ns == 0 ? IPC_NOWAIT : 0)) };
	const char *flags = timeout_ns == 0 ? (undo ? "IPC_NOWAIT|SEM_UNDO" : "IPC_NOWAIT")
	                                    : (undo ? "SEM_UNDO" : "0");
	int r;

	if (timeout_ns <= 0) {
		r = semop(s->id, &op, 1);
		trace_call(s->trace, r, errno, "semop(%d, [{%d, -1, %s}], 1)", s->id, s->index, flags);
	} else {
		struct timespec ts = ns_ts(timeout_ns);
		r = semtimedop(s->id, &op, 1, &ts);
		trace_call(s->trace, r, errno, "semtimedop(%d, [{%d, -1, %s}], 1, {tv_sec=%lld, tv_nsec=%ld})",
		           s->id, s->index, flags, (long long)ts.tv_sec, ts.tv_nsec);
		if (r == -1 && errno == EAGAIN)
			errno = ETIMEDOUT;   /* semtimedop's word for the time running out */
	}
	if (r == -1)
		errno = sysv_errno(errno);
	return r;
}

static int posix_wait(struct sema *s, int64_t timeout_ns)
{
	int r = sem_trywait(s->ps);

	trace_call(s->trace, r, errno, "sem_trywait(\"%s\")", s->name);
	if (r == 0 || errno != EAGAIN || timeout_ns == 0)
		return r;
	int64_t start = now_ns();
	int64_t deadline = timeout_ns < 0 || timeout_ns > INT64_MAX - start ? INT64_MAX : start + timeout_ns;
	for (;;) {
		int64_t now = now_ns(), until = now + LIVENESS_NS;
		if (until > deadline)
			until = deadline;
		struct timespec ts = ns_ts(until);
		r = sem_clockwait(s->ps, CLOCK_MONOTONIC, &ts);
		trace_call(s->trace, r, errno, "sem_clockwait(\"%s\", CLOCK_MONOTONIC, {tv_sec=%lld, tv_nsec=%ld})",
		           s->name, (long long)ts.tv_sec, ts.tv_nsec);
		if (r == 0 || errno != ETIMEDOUT)
			return r;
		if (!posix_alive(s)) {
			errno = EIDRM;
			return -1;
		}
		if (now_ns() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

int sema_wait(struct sema *s, int64_t timeout_ns, bool undo)
{
	return s->kind == KIND_SYSV_SEM ? sysv_wait(s, timeout_ns, undo) : posix_wait(s, timeout_ns);
}

int sema_post(struct sema *s, unsigned n, bool undo, unsigned *added)
{
	int r, v;

	*added = 0;
	if (s->kind == KIND_SYSV_SEM) {
		if (n > SHRT_MAX) {   /* sem_op is a short; SEMVMX is smaller anyway */
			errno = ERANGE;
			return -1;
		}
		struct sembuf op = { .sem_num = (unsigned short)s->index, .sem_op = (short)n,
		                     .sem_flg = undo ? SEM_UNDO : 0 };
		r = semop(s->id, &op, 1);
		trace_call(s->trace, r, errno, "semop(%d, [{%d, +%u, %s}], 1)", s->id, s->index, n,
		           undo ? "SEM_UNDO" : "0");
		if (r == -1)
			errno = sysv_errno(errno);
		else
			*added = n;
		return r;
	}
	/* POSIX posts one at a time: refuse first what would overflow (one post says so itself). */
	if (n > 1) {
		r = sem_getvalue(s->ps, &v);
		trace_call(s->trace, r, errno, "sem_getvalue(\"%s\") [%d]", s->name, r == 0 ? v : 0);
		if (r == 0 && (long long)v + n > SEM_VALUE_MAX) {
			errno = ERANGE;
			return -1;
		}
	}
	for (; *added < n; (*added)++) {
		r = sem_post(s->ps);
		if (r == -1 || s->trace)
			trace_call(s->trace, r, errno, "sem_post(\"%s\")", s->name);
		if (r == -1)
			return -1;   /* EOVERFLOW: a concurrent poster filled it */
	}
	return 0;
}

int sema_get(struct sema *s, struct sema_value *v)
{
	v->ncnt = v->zcnt = v->pid = -1;
	if (s->kind == KIND_POSIX_SEM) {
		int r = sem_getvalue(s->ps, &v->value);
		trace_call(s->trace, r, errno, "sem_getvalue(\"%s\") [%d]", s->name, r == 0 ? v->value : 0);
		return r;
	}
	static const struct { int cmd; const char *name; } q[] = {
		{ GETVAL, "GETVAL" }, { GETNCNT, "GETNCNT" }, { GETZCNT, "GETZCNT" }, { GETPID, "GETPID" },
	};
	int *out[] = { &v->value, &v->ncnt, &v->zcnt, &v->pid };
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		*out[i] = semctl(s->id, s->index, q[i].cmd);
		trace_call(s->trace, *out[i], errno, "semctl(%d, %d, %s)", s->id, s->index, q[i].name);
		if (*out[i] == -1) {
			errno = sysv_errno(errno);
			return -1;
		}
	}
	return 0;
}

int sema_set(struct sema *s, int value)
{
	union semun a = { .val = value };

	if (s->kind != KIND_SYSV_SEM) {
		errno = EINVAL;
		return -1;
	}
	int r = semctl(s->id, s->index, SETVAL, a);
	trace_call(s->trace, r, errno, "semctl(%d, %d, SETVAL, %d)", s->id, s->index, value);
	if (r == -1 && errno != ERANGE)
		errno = sysv_errno(errno);
	return r;
}
