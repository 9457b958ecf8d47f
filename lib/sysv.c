/* System V message queues, shared memory and semaphore sets. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ipckit.h"

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

static void obj_init_sysv(struct ipc_obj *o)
{
	o->size = o->msgs = o->nattch = o->nsems = o->value = NA;
	o->maxmsg = o->msgsize = o->waiters = NA;
	o->cpid = o->lpid = o->lspid = o->lrpid = o->notify_pid = NA;
	o->ctime = o->atime = o->dtime = o->stime = o->rtime = o->otime = o->mtime = NA;
}

/* A set of one semaphore shows its value; any set shows whether someone waits. */
static void sem_fill(struct ipc_obj *o, bool trace)
{
	struct sysv_sem_detail d[1];

	if (o->nsems != 1)
		return;
	if (sysv_sem_details(o->id, 1, d, trace) == 0) {
		o->value = d[0].value;
		o->lpid = d[0].pid;
		if (d[0].ncnt > 0 || d[0].zcnt > 0)
			o->waiters = d[0].ncnt + d[0].zcnt;
	} else {
		o->unreadable = true;
	}
}

static int parse_proc_line(enum ipc_kind kind, const char *line, struct ipc_obj *o)
{
	long long key, id, a = 0, b = 0, c = 0, d = 0, e = 0;
	long long uid, gid, cuid, cgid, t1 = 0, t2 = 0, t3 = 0;
	unsigned long long perms;
	int n;

	switch (kind) {
	case KIND_SYSV_SHM:
		/* key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime */
		n = sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
		           &key, &id, &perms, &a, &b, &c, &d, &uid, &gid, &cuid, &cgid, &t1, &t2, &t3);
		if (n != 14)
			return -1;
		o->size = a; o->cpid = b; o->lpid = c; o->nattch = d;
		o->atime = t1; o->dtime = t2; o->ctime = t3;
		o->shm_dest = (perms & SHM_DEST) != 0;
		break;
	case KIND_SYSV_MSG:
		/* key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime */
		n = sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
		           &key, &id, &perms, &a, &b, &c, &d, &uid, &gid, &cuid, &cgid, &t1, &t2, &t3);
		if (n != 14)
			return -1;
		o->size = a; o->msgs = b; o->lspid = c; o->lrpid = d;
		o->stime = t1; o->rtime = t2; o->ctime = t3;
		break;
	case KIND_SYSV_SEM:
		/* key semid perms nsems uid gid cuid cgid otime ctime */
		n = sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld",
		           &key, &id, &perms, &e, &uid, &gid, &cuid, &cgid, &t1, &t2);
		if (n != 10)
			return -1;
		o->nsems = e; o->otime = t1; o->ctime = t2;
		break;
	default:
		return -1;
	}
	o->key = (int)key;
	o->id = (int)id;
	o->mode = (int)(perms & 0777);
	o->uid = (uid_t)uid; o->gid = (gid_t)gid;
	o->cuid = (uid_t)cuid; o->cgid = (gid_t)cgid;
	return 0;
}

static int collect_proc(struct ipc_list *l, enum ipc_kind kind, FILE *f, bool trace)
{
	char line[512];

	if (fgets(line, sizeof(line), f) == NULL)   /* the header */
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct ipc_obj tmp = { .kind = kind };
		obj_init_sysv(&tmp);
		if (parse_proc_line(kind, line, &tmp) == -1)
			continue;
		struct ipc_obj *o = ipc_list_add(l, kind);
		if (o == NULL)
			return -1;
		*o = tmp;
		if (kind == KIND_SYSV_SEM)
			sem_fill(o, trace);
		if (ipc_obj_set_ref(o) == -1)
			return -1;
	}
	return 0;
}

/* Without /proc/sysvipc: walk the kernel's index with *_STAT_ANY (or *_STAT). */
static int collect_stat(struct ipc_list *l, enum ipc_kind kind, bool trace)
{
	int maxidx;

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
		struct ipc_obj tmp = { .kind = kind };
		struct ipc_perm *p;
		int id;

		obj_init_sysv(&tmp);
		if (kind == KIND_SYSV_SHM) {
			struct shmid_ds ds;
			if ((id = shmctl(i, SHM_STAT_ANY, &ds)) == -1 && errno == EINVAL)
				id = shmctl(i, SHM_STAT, &ds);
			trace_call(trace, id, errno, "shmctl(%d, SHM_STAT_ANY, {...})", i);
			if (id == -1)
				continue;
			p = &ds.shm_perm;
			tmp.size = (int64_t)ds.shm_segsz; tmp.cpid = ds.shm_cpid; tmp.lpid = ds.shm_lpid;
			tmp.nattch = (int64_t)ds.shm_nattch; tmp.atime = ds.shm_atime;
			tmp.dtime = ds.shm_dtime; tmp.ctime = ds.shm_ctime;
			tmp.shm_dest = (p->mode & SHM_DEST) != 0;
			tmp.key = p->__key; tmp.uid = p->uid; tmp.gid = p->gid;
			tmp.cuid = p->cuid; tmp.cgid = p->cgid; tmp.mode = p->mode & 0777;
		} else if (kind == KIND_SYSV_MSG) {
			struct msqid_ds ds;
			if ((id = msgctl(i, MSG_STAT_ANY, &ds)) == -1 && errno == EINVAL)
				id = msgctl(i, MSG_STAT, &ds);
			trace_call(trace, id, errno, "msgctl(%d, MSG_STAT_ANY, {...})", i);
			if (id == -1)
				continue;
			p = &ds.msg_perm;
			tmp.size = (int64_t)ds.__msg_cbytes; tmp.msgs = (int64_t)ds.msg_qnum;
			tmp.lspid = ds.msg_lspid; tmp.lrpid = ds.msg_lrpid;
			tmp.stime = ds.msg_stime; tmp.rtime = ds.msg_rtime; tmp.ctime = ds.msg_ctime;
			tmp.key = p->__key; tmp.uid = p->uid; tmp.gid = p->gid;
			tmp.cuid = p->cuid; tmp.cgid = p->cgid; tmp.mode = p->mode & 0777;
		} else {
			struct semid_ds ds;
			union semun arg = { .buf = &ds };
			if ((id = semctl(i, 0, SEM_STAT_ANY, arg)) == -1 && errno == EINVAL)
				id = semctl(i, 0, SEM_STAT, arg);
			trace_call(trace, id, errno, "semctl(%d, 0, SEM_STAT_ANY, {...})", i);
			if (id == -1)
				continue;
			p = &ds.sem_perm;
			tmp.nsems = (int64_t)ds.sem_nsems; tmp.otime = ds.sem_otime; tmp.ctime = ds.sem_ctime;
			tmp.key = p->__key; tmp.uid = p->uid; tmp.gid = p->gid;
			tmp.cuid = p->cuid; tmp.cgid = p->cgid; tmp.mode = p->mode & 0777;
		}
		tmp.id = id;
		struct ipc_obj *o = ipc_list_add(l, kind);
		if (o == NULL)
			return -1;
		*o = tmp;
		if (kind == KIND_SYSV_SEM)
			sem_fill(o, trace);
		if (ipc_obj_set_ref(o) == -1)
			return -1;
	}
	return 0;
}

int sysv_collect(struct ipc_list *l, enum ipc_kind kind, bool trace)
{
	FILE *f = fopen(proc_file[kind], "re");
	int r;

	trace_call(trace, f ? 3 : -1, errno, "open(\"%s\", O_RDONLY)", proc_file[kind]);
	if (f == NULL) {
		l->sysv_fallback = true;
		return collect_stat(l, kind, trace);
	}
	r = collect_proc(l, kind, f, trace);
	fclose(f);
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
