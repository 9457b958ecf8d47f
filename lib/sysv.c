/* System V message queues, shared memory and semaphore sets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "kinds.h"

#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static const char *const proc_file[KIND_COUNT] = {
	[KIND_SYSV_MSG] = "/proc/sysvipc/msg",
	[KIND_SYSV_SHM] = "/proc/sysvipc/shm",
	[KIND_SYSV_SEM] = "/proc/sysvipc/sem",
};

/*
 * Every semaphore of a set counts: the waiters (ncnt, zcnt) of all of them,
 * and their last operators: LPID is one that is alive if any is. A set of one
 * shows its value. A set whose semaphores cannot be read is marked unreadable.
 */
static void sem_fill(struct ipc_obj *o, bool trace)
{
	struct sysv_sem_detail one, *d = &one;
	int64_t waiters = 0, lpid = 0;
	bool live = false;

	if (o->nsems < 1)
		return;
	if (o->nsems > 1 && (d = calloc((size_t)o->nsems, sizeof(*d))) == NULL) {
		o->unreadable = true;
		return;
	}
	if (sysv_sem_details(o->id, (int)o->nsems, d, trace) == -1) {
		o->unreadable = true;   /* EACCES: no read permission */
	} else {
		for (int64_t i = 0; i < o->nsems; i++) {
			waiters += d[i].ncnt + d[i].zcnt;
			if (d[i].pid <= 0 || live)
				continue;
			if (o->nsems > 1 && pid_alive(d[i].pid))
				live = true;
			if (live || lpid == 0)
				lpid = d[i].pid;
		}
		if (o->nsems == 1)
			o->value = d[0].value;
		o->waiters = waiters;
		o->lpid = lpid;
	}
	if (d != &one)
		free(d);
}

/* Up to n space-separated integers, field `octal` in octal; how many were read. */
static int read_fields(const char *s, long long *v, int n, int octal)
{
	char *end;
	int i;

	for (i = 0; i < n; i++, s = end) {
		v[i] = strtoll(s, &end, i == octal ? 8 : 10);
		if (end == s)
			break;
	}
	return i;
}

static int parse_proc_line(enum ipc_kind kind, const char *line, struct ipc_obj *o)
{
	long long v[14];

	/* key id perms, then shm: size cpid lpid nattch, msg: cbytes qnum lspid lrpid, sem: nsems;
	   then uid gid cuid cgid and the times: shm atime dtime ctime, msg stime rtime ctime, sem otime ctime */
	int n = kind == KIND_SYSV_SEM ? 10 : 14, ids = kind == KIND_SYSV_SEM ? 4 : 7;
	if (read_fields(line, v, n, 2) != n)
		return -1;
	switch (kind) {
	case KIND_SYSV_SHM:
		o->size = v[3]; o->cpid = v[4]; o->lpid = v[5]; o->nattch = v[6];
		o->atime = v[11]; o->dtime = v[12]; o->ctime = v[13];
		o->shm_dest = (v[2] & SHM_DEST) != 0;
		break;
	case KIND_SYSV_MSG:
		o->size = v[3]; o->msgs = v[4]; o->lspid = v[5]; o->lrpid = v[6];
		o->stime = v[11]; o->rtime = v[12]; o->ctime = v[13];
		break;
	default:
		o->nsems = v[3]; o->otime = v[8]; o->ctime = v[9];
		break;
	}
	o->key = (int)v[0];
	o->id = (int)v[1];
	o->mode = (int)(v[2] & 0777);
	o->uid = (uid_t)v[ids]; o->gid = (gid_t)v[ids + 1];
	o->cuid = (uid_t)v[ids + 2]; o->cgid = (gid_t)v[ids + 3];
	return 0;
}

/* The object just parsed into the list: a semaphore set's semaphores read (unless brief), its REF made. */
static int finish_sysv(struct ipc_obj *o, bool trace, bool brief)
{
	if (o->kind == KIND_SYSV_SEM && !brief)
		sem_fill(o, trace);
	return ipc_obj_set_ref(o);
}

struct proc_lines {
	struct ipc_list *l;
	enum ipc_kind kind;
	bool trace, brief, header_read;
};

static int proc_line(char *line, void *arg)
{
	struct proc_lines *p = arg;
	struct ipc_obj *o;

	if (!p->header_read) {
		p->header_read = true;
		return 0;
	}
	if ((o = ipc_list_add(p->l, p->kind)) == NULL)
		return -1;
	if (parse_proc_line(p->kind, line, o) == -1) {
		ipc_list_drop_last(p->l);
		return 0;
	}
	return finish_sysv(o, p->trace, p->brief);
}

static void fill_perm(struct ipc_obj *o, const struct ipc_perm *p)
{
	o->key = p->__key;
	o->uid = p->uid; o->gid = p->gid;
	o->cuid = p->cuid; o->cgid = p->cgid;
	o->mode = p->mode & 0777;
}

/* One *ctl(idx, cmd, ...) with a *_STAT command into o; the id, or -1 with errno. */
static int stat_call(enum ipc_kind kind, int idx, int cmd, struct ipc_obj *o)
{
	int id;

	if (kind == KIND_SYSV_SHM) {
		struct shmid_ds ds;
		if ((id = shmctl(idx, cmd, &ds)) != -1) {
			o->size = (int64_t)ds.shm_segsz; o->cpid = ds.shm_cpid; o->lpid = ds.shm_lpid;
			o->nattch = (int64_t)ds.shm_nattch; o->atime = ds.shm_atime;
			o->dtime = ds.shm_dtime; o->ctime = ds.shm_ctime;
			o->shm_dest = (ds.shm_perm.mode & SHM_DEST) != 0;
			fill_perm(o, &ds.shm_perm);
		}
	} else if (kind == KIND_SYSV_MSG) {
		struct msqid_ds ds;
		if ((id = msgctl(idx, cmd, &ds)) != -1) {
			o->size = (int64_t)ds.__msg_cbytes; o->msgs = (int64_t)ds.msg_qnum;
			o->lspid = ds.msg_lspid; o->lrpid = ds.msg_lrpid;
			o->stime = ds.msg_stime; o->rtime = ds.msg_rtime; o->ctime = ds.msg_ctime;
			fill_perm(o, &ds.msg_perm);
		}
	} else {
		struct semid_ds ds;
		union semun arg = { .buf = &ds };
		if ((id = semctl(idx, 0, cmd, arg)) != -1) {
			o->nsems = (int64_t)ds.sem_nsems; o->otime = ds.sem_otime; o->ctime = ds.sem_ctime;
			fill_perm(o, &ds.sem_perm);
		}
	}
	return id;
}

static void trace_stat(bool trace, enum ipc_kind kind, int idx, bool any, int id)
{
	static const char *const fn[KIND_COUNT] = {
		[KIND_SYSV_MSG] = "msg", [KIND_SYSV_SHM] = "shm", [KIND_SYSV_SEM] = "sem",
	};
	static const char *const cmd[KIND_COUNT] = {
		[KIND_SYSV_MSG] = "MSG", [KIND_SYSV_SHM] = "SHM", [KIND_SYSV_SEM] = "SEM",
	};

	trace_call(trace, id, errno, "%sctl(%d, %s%s_STAT%s, {...})", fn[kind], idx,
	           kind == KIND_SYSV_SEM ? "0, " : "", cmd[kind], any ? "_ANY" : "");
}

/*
 * One index of the kernel's table: *_STAT_ANY (Linux 4.17) reads any object,
 * *_STAT only those we may read. *any is 0 until a call tells which the
 * kernel knows: 1 when *_STAT_ANY worked, -1 when only *_STAT did.
 */
static int stat_index(enum ipc_kind kind, int idx, int *any, struct ipc_obj *o, bool trace)
{
	static const int stat_cmd[KIND_COUNT][2] = {
		[KIND_SYSV_MSG] = { MSG_STAT, MSG_STAT_ANY }, [KIND_SYSV_SHM] = { SHM_STAT, SHM_STAT_ANY },
		[KIND_SYSV_SEM] = { SEM_STAT, SEM_STAT_ANY },
	};
	int id = -1;

	if (*any >= 0) {
		id = stat_call(kind, idx, stat_cmd[kind][1], o);
		trace_stat(trace, kind, idx, true, id);
		if (id != -1) {
			*any = 1;
			return id;
		}
		if (errno != EINVAL || *any == 1)
			return -1;   /* EINVAL from a kernel that knows *_STAT_ANY: an empty index */
	}
	id = stat_call(kind, idx, stat_cmd[kind][0], o);
	trace_stat(trace, kind, idx, false, id);
	if (id != -1)
		*any = -1;
	return id;
}

/* Without /proc/sysvipc: walk the kernel's index with *_STAT_ANY (or *_STAT). */
static int collect_stat(struct ipc_list *l, enum ipc_kind kind, bool trace, bool brief)
{
	int maxidx, any = 0;

	if (kind == KIND_SYSV_SHM) {
		struct shm_info info;
		maxidx = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
		trace_call(trace, maxidx, errno, "shmctl(0, SHM_INFO, {...})");
	} else if (kind == KIND_SYSV_MSG) {
		struct msginfo info;
		maxidx = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
		trace_call(trace, maxidx, errno, "msgctl(0, MSG_INFO, {...})");
	} else {
		struct seminfo info;
		union semun arg = { .__buf = &info };
		maxidx = semctl(0, 0, SEM_INFO, arg);
		trace_call(trace, maxidx, errno, "semctl(0, 0, SEM_INFO, {...})");
	}
	if (maxidx == -1)
		return -1;
	for (int i = 0; i <= maxidx; i++) {
		struct ipc_obj *o = ipc_list_add(l, kind);
		if (o == NULL)
			return -1;
		if ((o->id = stat_index(kind, i, &any, o, trace)) == -1) {
			ipc_list_drop_last(l);
			continue;
		}
		if (finish_sysv(o, trace, brief) == -1)
			return -1;
	}
	return 0;
}

int sysv_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc)
{
	bool trace = sc->trace;
	struct proc_lines p = { .l = l, .kind = kind, .trace = trace, .brief = sc->sem_brief };
	char buf[8192];
	int fd = open(proc_file[kind], O_RDONLY | O_CLOEXEC), r;

	trace_call(trace, fd, errno, "open(\"%s\", O_RDONLY)", proc_file[kind]);
	if (fd == -1) {
		l->sysv_fallback = true;
		return collect_stat(l, kind, trace, sc->sem_brief);
	}
	r = fd_each_line(fd, buf, sizeof(buf), proc_line, &p);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int sysv_remove(enum ipc_kind kind, int id, bool trace)
{
	int r;

	switch (kind) {
	case KIND_SYSV_SHM:
		r = shmctl(id, IPC_RMID, NULL);
		trace_call(trace, r, errno, "shmctl(%d, IPC_RMID, NULL)", id);
		break;
	case KIND_SYSV_MSG:
		r = msgctl(id, IPC_RMID, NULL);
		trace_call(trace, r, errno, "msgctl(%d, IPC_RMID, NULL)", id);
		break;
	case KIND_SYSV_SEM:
		r = semctl(id, 0, IPC_RMID);
		trace_call(trace, r, errno, "semctl(%d, 0, IPC_RMID)", id);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	/* The kernel says EINVAL for an id that does not exist (any more). */
	if (r == -1 && (errno == EINVAL || errno == EIDRM))
		errno = ENOENT;
	return r;
}

int sysv_sem_details(int id, int nsems, struct sysv_sem_detail *d, bool trace)
{
	for (int i = 0; i < nsems; i++) {
		int v = semctl(id, i, GETVAL);
		trace_call(trace, v, errno, "semctl(%d, %d, GETVAL)", id, i);
		if (v == -1)
			return -1;
		d[i].value = v;
		d[i].ncnt = semctl(id, i, GETNCNT);
		trace_call(trace, d[i].ncnt, errno, "semctl(%d, %d, GETNCNT)", id, i);
		d[i].zcnt = semctl(id, i, GETZCNT);
		trace_call(trace, d[i].zcnt, errno, "semctl(%d, %d, GETZCNT)", id, i);
		d[i].pid = semctl(id, i, GETPID);
		trace_call(trace, d[i].pid, errno, "semctl(%d, %d, GETPID)", id, i);
		if (d[i].ncnt == -1 || d[i].zcnt == -1 || d[i].pid == -1)
			return -1;
	}
	return 0;
}

static int64_t read_sysctl(const char *path)
{
	char buf[64];
	long long v;

	if (read_file_small(path, buf, sizeof(buf)) <= 0)
		return NA;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int_range(buf, 0, INT64_MAX, &v) == -1)
		return NA;
	return v;
}

static int64_t count_dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t n = 0;

	if (d == NULL)
		return NA;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int ipc_limits(struct ipc_limit *v, int max, bool trace)
{
	struct msginfo mi, mu;
	struct shminfo si;
	struct shm_info su;
	struct seminfo semi, semu;
	union semun a1 = { .__buf = &semi }, a2 = { .__buf = &semu };
	int n = 0, r;
	bool have_msg, have_shm, have_sem;

	r = msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&mi);
	trace_call(trace, r, errno, "msgctl(0, IPC_INFO, {...})");
	have_msg = r != -1;
	r = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&mu);
	trace_call(trace, r, errno, "msgctl(0, MSG_INFO, {...})");
	have_msg = have_msg && r != -1;
	r = shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&si);
	trace_call(trace, r, errno, "shmctl(0, IPC_INFO, {...})");
	have_shm = r != -1;
	r = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&su);
	trace_call(trace, r, errno, "shmctl(0, SHM_INFO, {...})");
	have_shm = have_shm && r != -1;
	r = semctl(0, 0, IPC_INFO, a1);
	trace_call(trace, r, errno, "semctl(0, 0, IPC_INFO, {...})");
	have_sem = r != -1;
	r = semctl(0, 0, SEM_INFO, a2);
	trace_call(trace, r, errno, "semctl(0, 0, SEM_INFO, {...})");
	have_sem = have_sem && r != -1;

#define ADD(res, desc, unit, lim, use) do { if (n < max) \
	v[n++] = (struct ipc_limit){ res, desc, unit, (uint64_t)(lim), (int64_t)(use) }; } while (0)
	if (have_msg) {
		ADD("MSGMNI", "number of System V message queues", "queues", mi.msgmni, mu.msgpool);
		ADD("MSGMAX", "max size of a System V message", "bytes", mi.msgmax, NA);
		ADD("MSGMNB", "default max bytes in a System V queue", "bytes", mi.msgmnb, NA);
	}
	if (have_shm) {
		ADD("SHMMNI", "number of System V shared memory segments", "segments", si.shmmni, su.used_ids);
		ADD("SHMALL", "total System V shared memory", "pages", si.shmall, su.shm_tot);
		ADD("SHMMAX", "max size of a System V segment", "bytes", si.shmmax, NA);
		ADD("SHMMIN", "min size of a System V segment", "bytes", si.shmmin, NA);
	}
	if (have_sem) {
		ADD("SEMMNI", "number of System V semaphore sets", "sets", semi.semmni, semu.semusz);
		ADD("SEMMNS", "total System V semaphores", "semaphores", semi.semmns, semu.semaem);
		ADD("SEMMSL", "max semaphores in one set", "semaphores", semi.semmsl, NA);
		ADD("SEMOPM", "max operations in one semop call", "operations", semi.semopm, NA);
		ADD("SEMVMX", "max value of a semaphore", "value", semi.semvmx, NA);
	}
#define ADD_SYSCTL(res, desc, unit, file, use) do { int64_t lim_ = read_sysctl(file); \
	if (lim_ != NA) ADD(res, desc, unit, lim_, use); } while (0)
	ADD_SYSCTL("MQ_QUEUES_MAX", "number of POSIX message queues (fs.mqueue.queues_max)", "queues",
	    "/proc/sys/fs/mqueue/queues_max", count_dir_entries("/dev/mqueue"));
	ADD_SYSCTL("MQ_MSG_MAX", "max messages in a POSIX queue (fs.mqueue.msg_max)", "messages",
	    "/proc/sys/fs/mqueue/msg_max", NA);
	ADD_SYSCTL("MQ_MSGSIZE_MAX", "max size of a POSIX message (fs.mqueue.msgsize_max)", "bytes",
	    "/proc/sys/fs/mqueue/msgsize_max", NA);
	ADD_SYSCTL("MQ_MSG_DEFAULT", "messages in a new POSIX queue (fs.mqueue.msg_default)", "messages",
	    "/proc/sys/fs/mqueue/msg_default", NA);
	ADD_SYSCTL("MQ_MSGSIZE_DEFAULT", "message size in a new POSIX queue (fs.mqueue.msgsize_default)", "bytes",
	    "/proc/sys/fs/mqueue/msgsize_default", NA);
#undef ADD_SYSCTL
#undef ADD
	return n;
}

/* Does this id name an object? IPC_STAT answers; EACCES says it exists but is not ours to read. */
static int sysv_id_check(enum ipc_kind kind, int id, bool trace)
{
	int r;

	if (kind == KIND_SYSV_MSG) {
		struct msqid_ds ds;
		r = msgctl(id, IPC_STAT, &ds);
		trace_call(trace, r, errno, "msgctl(%d, IPC_STAT, {...})", id);
	} else if (kind == KIND_SYSV_SHM) {
		struct shmid_ds ds;
		r = shmctl(id, IPC_STAT, &ds);
		trace_call(trace, r, errno, "shmctl(%d, IPC_STAT, {...})", id);
	} else {
		struct semid_ds ds;
		union semun arg = { .buf = &ds };
		r = semctl(id, 0, IPC_STAT, arg);
		trace_call(trace, r, errno, "semctl(%d, 0, IPC_STAT, {...})", id);
	}
	if (r == -1 && errno == EACCES)
		return id;
	if (r == -1 && (errno == EINVAL || errno == EIDRM))
		errno = ENOENT;   /* the kernel's word for an id that names nothing */
	return r == -1 ? -1 : id;
}

int sysv_resolve(enum ipc_kind kind, const struct ipc_ref *r, bool trace)
{
	key_t key;
	int id;

	if (!KIND_IS_SYSV(kind)) {
		errno = EINVAL;
		return -1;
	}
	if (r->form == REF_ID)
		return sysv_id_check(kind, r->id, trace);
	if (ref_key(r, trace, &key) == -1)
		return -1;
	if (key == IPC_PRIVATE) {
		/* *get(IPC_PRIVATE) would make a new object: key 0 names nothing */
		errno = EINVAL;
		return -1;
	}
	if (kind == KIND_SYSV_MSG) {
		id = msgget(key, 0);
		trace_call(trace, id, errno, "msgget(0x%08x, 0)", (unsigned int)key);
	} else if (kind == KIND_SYSV_SHM) {
		id = shmget(key, 0, 0);
		trace_call(trace, id, errno, "shmget(0x%08x, 0, 0)", (unsigned int)key);
	} else {
		id = semget(key, 0, 0);
		trace_call(trace, id, errno, "semget(0x%08x, 0, 0)", (unsigned int)key);
	}
	return id;
}

/*
 * A REF is resolved to its id first (key: and ftok: by *get, never by
 * comparing keys: key 0 is IPC_PRIVATE and names no one object), then only
 * that id is kept from the listing.
 */
int sysv_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace)
{
	const struct ipc_scan sc = { .kinds = KIND_BIT(r->kind), .trace = trace };
	size_t before = l->n, w = before;
	int id = sysv_resolve((enum ipc_kind)r->kind, r, trace);

	if (id == -1 || sysv_collect(l, (enum ipc_kind)r->kind, &sc) == -1)
		return -1;
	for (size_t i = before; i < l->n; i++) {
		if (l->v[i].id == id)
			l->v[w++] = l->v[i];
		else
			ipc_obj_free(&l->v[i]);
	}
	l->n = w;
	if (l->n == before) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}
