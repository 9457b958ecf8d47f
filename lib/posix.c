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

#include "kinds.h"

#define MQUEUE_MAGIC 0x19800202

const char *posix_dir(enum ipc_kind kind)
{
	return kind == KIND_POSIX_MQ ? "/dev/mqueue" : "/dev/shm";
}

static void fill_stat(struct ipc_obj *o, const struct stat *st)
{
	ipc_obj_fill_stat(o, st);
	o->dev = st->st_dev;
	o->ino = st->st_ino;
}

bool mqueue_mounted(void)
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

int posix_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc)
{
	bool trace = sc->trace;
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

/* A queue looked up while /dev/mqueue is not mounted: mq_open and fstat tell owner, mode, inode. */
static int mq_lookup_unmounted(struct ipc_list *l, const char *name, bool trace)
{
	struct ipc_obj *o = ipc_list_add(l, KIND_POSIX_MQ);

	if (o == NULL)
		return -1;
	if ((o->name = strdup(name)) == NULL)
		return -1;
	if (mq_fill(o, name, false, trace) == -1) {
		int saved = errno;
		ipc_list_drop_last(l);
		errno = saved;
		return -1;
	}
	l->mqueue_unmounted = true;
	return ipc_obj_set_ref(o);
}

int posix_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace)
{
	enum ipc_kind kind = (enum ipc_kind)r->kind;
	char file[NAME_MAX + 8];
	int dfd, n;

	if (kind == KIND_POSIX_MQ && !mqueue_mounted())
		return mq_lookup_unmounted(l, r->name, trace);
	snprintf(file, sizeof(file), "%s%s", kind == KIND_POSIX_SEM ? "sem." : "", r->name + 1);
	dfd = open(posix_dir(kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return -1;
	n = load_entry(l, kind, dfd, file, trace);
	close(dfd);
	if (n == 1) {
		errno = EINVAL;   /* there is a file by that name, but not an object of the kind */
		return -1;
	}
	return n;
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
