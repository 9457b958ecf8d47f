/* POSIX message queues (/dev/mqueue), shared memory and semaphores (/dev/shm). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ipckit.h"

#define MQUEUE_MAGIC 0x19800202

const char *posix_dir(enum ipc_kind kind)
{
	return kind == KIND_POSIX_MQ ? "/dev/mqueue" : "/dev/shm";
}

static void obj_init_posix(struct ipc_obj *o)
{
	o->key = o->id = NA;
	o->size = o->msgs = o->nattch = o->nsems = o->value = NA;
	o->maxmsg = o->msgsize = o->waiters = NA;
	o->cpid = o->lpid = o->lspid = o->lrpid = o->notify_pid = NA;
	o->ctime = o->atime = o->dtime = o->stime = o->rtime = o->otime = o->mtime = NA;
	o->cuid = (uid_t)-1;
	o->cgid = (gid_t)-1;
}

static void fill_stat(struct ipc_obj *o, const struct stat *st)
{
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = (int)(st->st_mode & 0777);
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->ctime = st->st_ctime;
	o->mtime = st->st_mtime;
	o->atime = st->st_atime;
}

static bool mqueue_mounted(void)
{
	struct statfs sf;

	return statfs("/dev/mqueue", &sf) == 0 && sf.f_type == MQUEUE_MAGIC;
}

/* "QSIZE:129 NOTIFY:0 SIGNO:0 NOTIFY_PID:0" */
static void mq_read_status(struct ipc_obj *o, const char *name)
{
	char path[PATH_MAX], buf[256];
	const char *p;

	snprintf(path, sizeof(path), "/dev/mqueue%s", name);
	if (read_file_small(path, buf, sizeof(buf)) <= 0) {
		o->unreadable = true;
		return;
	}
	if ((p = strstr(buf, "QSIZE:")))
		o->size = strtoll(p + 6, NULL, 10);
	if ((p = strstr(buf, "NOTIFY_PID:")))
		o->notify_pid = strtoll(p + 11, NULL, 10);
}

static int mq_fill(struct ipc_obj *o, const char *name, bool have_stat, bool trace)
{
	struct mq_attr a;
	struct stat st;
	mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	trace_call(trace, q, errno, "mq_open(\"%s\", O_RDONLY|O_NONBLOCK)", name);
	if (q == (mqd_t)-1) {
		if (errno == EACCES && have_stat) {
			o->unreadable = true;
			return 0;
		}
		return -1;
	}
	if (!have_stat && fstat(q, &st) == 0)
		fill_stat(o, &st);
	int r = mq_getattr(q, &a);
	trace_call(trace, r, errno, "mq_getattr(%d, {mq_maxmsg=%ld, mq_msgsize=%ld, mq_curmsgs=%ld})",
	           q, r == 0 ? a.mq_maxmsg : 0, r == 0 ? a.mq_msgsize : 0, r == 0 ? a.mq_curmsgs : 0);
	if (r == 0) {
		o->maxmsg = a.mq_maxmsg;
		o->msgsize = a.mq_msgsize;
		o->msgs = a.mq_curmsgs;
	}
	mq_close(q);
	return 0;
}

/* The value of a semaphore file, read without mapping it: a short file cannot fault us. */
static void sem_fill(struct ipc_obj *o, int dfd, const char *file, const struct stat *st)
{
	sem_t copy;
	int fd, v;

	o->nsems = 1;
	o->size = st->st_size;
	if (st->st_size < (off_t)sizeof(sem_t)) {
		o->malformed = true;
		return;
	}
	fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		o->unreadable = true;
		return;
	}
	if (pread(fd, &copy, sizeof(copy), 0) == (ssize_t)sizeof(copy) && sem_getvalue(&copy, &v) == 0)
		o->value = v;
	else
		o->malformed = true;
	close(fd);
}

/* Adds one entry of /dev/shm or /dev/mqueue; returns 1 if it is not of the kind. */
static int load_entry(struct ipc_list *l, enum ipc_kind kind, int dfd, const char *file, bool trace)
{
	char name[NAME_MAX + 2];
	struct stat st;
	struct ipc_obj *o;

	/* By name first: the two kinds of /dev/shm do not stat each other's files. */
	if (kind == KIND_POSIX_SEM) {
		if (strncmp(file, "sem.", 4) != 0 || file[4] == '\0')
			return 1;
		snprintf(name, sizeof(name), "/%s", file + 4);
	} else {
		if (kind == KIND_POSIX_SHM && strncmp(file, "sem.", 4) == 0)
			return 1;
		snprintf(name, sizeof(name), "/%s", file);
	}
	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		return 1;
	if ((o = ipc_list_add(l, kind)) == NULL)
		return -1;
	obj_init_posix(o);
	fill_stat(o, &st);
	if ((o->name = strdup(name)) == NULL)
		return -1;
	if (kind == KIND_POSIX_SHM)
		o->size = st.st_size;
	else if (kind == KIND_POSIX_SEM)
		sem_fill(o, dfd, file, &st);
	else {
		mq_read_status(o, name);
		if (mq_fill(o, name, true, trace) == -1)
			o->unreadable = true;
	}
	return ipc_obj_set_ref(o);
}

int posix_collect(struct ipc_list *l, enum ipc_kind kind, bool trace)
{
	const char *dir = posix_dir(kind);
	struct dir_iter d;
	const char *name;
	unsigned char type;
	int r = 0;

	if (kind == KIND_POSIX_MQ && !mqueue_mounted()) {
		l->mqueue_unmounted = true;
		return 0;
	}
	d.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d.len = d.pos = 0;
	trace_call(trace, d.fd, errno, "open(\"%s\", O_RDONLY|O_DIRECTORY)", dir);
	if (d.fd == -1)
		return errno == ENOENT ? 0 : -1;
	while (r == 0 && (name = dir_next(&d, &type)) != NULL) {
		/* The kinds share /dev/shm: only regular files (or unknown types) can be ours. */
		if (type != DT_REG && type != DT_UNKNOWN)
			continue;
		if (load_entry(l, kind, d.fd, name, trace) == -1 && errno != ENOENT)
			r = -1;
	}
	int saved = errno;
	close(d.fd);
	errno = saved;
	return r;
}

int posix_load(struct ipc_list *l, enum ipc_kind kind, const char *name, bool trace)
{
	char file[NAME_MAX + 8];
	int dfd, r;

	if (kind == KIND_POSIX_MQ && !mqueue_mounted()) {
		/* Still reachable by name: mq_open and fstat tell owner, mode and inode. */
		struct ipc_obj *o = ipc_list_add(l, kind);
		if (o == NULL)
			return -1;
		obj_init_posix(o);
		if ((o->name = strdup(name)) == NULL)
			return -1;
		if (mq_fill(o, name, false, trace) == -1) {
			int saved = errno;
			l->n--;
			free(o->name);
			errno = saved;
			return -1;
		}
		l->mqueue_unmounted = true;
		return ipc_obj_set_ref(o);
	}
	snprintf(file, sizeof(file), "%s%s", kind == KIND_POSIX_SEM ? "sem." : "", name + 1);
	dfd = open(posix_dir(kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return -1;
	r = load_entry(l, kind, dfd, file, trace);
	close(dfd);
	if (r == 1) {
		errno = EINVAL;   /* there is a file by that name, but not an object of the kind */
		return -1;
	}
	return r;
}

int posix_remove(enum ipc_kind kind, const char *name, bool trace)
{
	int r;

	switch (kind) {
	case KIND_POSIX_MQ:
		r = mq_unlink(name);
		trace_call(trace, r, errno, "mq_unlink(\"%s\")", name);
		break;
	case KIND_POSIX_SHM:
		r = shm_unlink(name);
		trace_call(trace, r, errno, "shm_unlink(\"%s\")", name);
		break;
	case KIND_POSIX_SEM:
		r = sem_unlink(name);
		trace_call(trace, r, errno, "sem_unlink(\"%s\")", name);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return r;
}
