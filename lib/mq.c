/* One message queue, POSIX or System V: open, create, send, receive, remove. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"

/* How long a blocked POSIX receive waits before checking the queue still has its name. */
#define LIVENESS_NS 1000000000LL
/* System V has no timed send or receive: with a timeout, retry at most this often. */
#define SYSV_POLL_MAX_NS 10000000LL

long sysv_msgmax(void)
{
	char buf[32];
	long long v;

	if (read_file_small("/proc/sys/kernel/msgmax", buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_int_range(buf, 1, LONG_MAX, &v) == 0)
			return (long)v;
	}
	return 8192;
}

static int sysv_fill(struct msgq *q)
{
	struct msqid_ds ds;
	int r = msgctl(q->id, IPC_STAT, &ds);

	trace_call(q->trace, r, errno, "msgctl(%d, IPC_STAT, {msg_qbytes=%lu, msg_qnum=%lu})", q->id,
	           r == 0 ? (unsigned long)ds.msg_qbytes : 0UL, r == 0 ? (unsigned long)ds.msg_qnum : 0UL);
	q->msgsize = q->sysv_cap = (size_t)sysv_msgmax();
	q->qbytes = r == 0 ? ds.msg_qbytes : q->msgsize;
	if (r == 0 && q->qbytes < q->msgsize)
		q->msgsize = q->qbytes;   /* a larger message would wait for ever */
	if ((q->sysv_buf = malloc(sizeof(long) + q->sysv_cap)) == NULL)
		return -1;
	return 0;
}

static int posix_fill(struct msgq *q)
{
	struct mq_attr a;
	int r = mq_getattr(q->fd, &a);

	trace_call(q->trace, r, errno, "mq_getattr(%d, {mq_maxmsg=%ld, mq_msgsize=%ld, mq_curmsgs=%ld})",
	           q->fd, r == 0 ? a.mq_maxmsg : 0, r == 0 ? a.mq_msgsize : 0, r == 0 ? a.mq_curmsgs : 0);
	if (r == -1)
		return -1;
	q->msgsize = (size_t)a.mq_msgsize;
	return 0;
}

static const char *oflag_text(int flags)
{
	static const char *const t[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };

	return t[flags & O_ACCMODE];
}

int msgq_open(struct msgq *q, const struct ipc_ref *r, int flags, bool trace)
{
	memset(q, 0, sizeof(*q));
	q->fd = q->id = -1;
	q->trace = trace;
	if (r->kind == KIND_SYSV_MSG) {
		q->kind = KIND_SYSV_MSG;
		if ((q->id = sysv_resolve(KIND_SYSV_MSG, r, trace)) == -1)
			return -1;
		return sysv_fill(q);
	}
	q->kind = KIND_POSIX_MQ;
	strlcpy(q->name, r->name, sizeof(q->name));
	q->fd = mq_open(r->name, flags | O_CLOEXEC);
	trace_call(trace, q->fd, errno, "mq_open(\"%s\", %s)", r->name, oflag_text(flags));
	if (q->fd == -1)
		return -1;
	if (posix_fill(q) == -1) {
		int e = errno;
		msgq_close(q);
		errno = e;
		return -1;
	}
	return 0;
}

int msgq_create(struct msgq *q, const struct ipc_ref *r, const struct msgq_create *c, bool trace)
{
	memset(q, 0, sizeof(*q));
	q->fd = q->id = -1;
	q->trace = trace;
	if (r->kind == KIND_SYSV_MSG) {
		q->kind = KIND_SYSV_MSG;
		key_t key = IPC_PRIVATE;
		if (r->form != REF_ID && ref_key(r, trace, &key) == -1)
			return -1;
		int flg = IPC_CREAT | (c->exist_ok ? 0 : IPC_EXCL) | (c->mode & 0777);
		q->id = msgget(key, flg);
		trace_call(trace, q->id, errno, "msgget(0x%08x, IPC_CREAT%s|0%o)", (unsigned int)key,
		           c->exist_ok ? "" : "|IPC_EXCL", c->mode & 0777);
		if (q->id == -1)
			return -1;
		if (c->max_bytes > 0) {
			struct msqid_ds ds;
			int rr = msgctl(q->id, IPC_STAT, &ds);
			if (rr == 0) {
				ds.msg_qbytes = (msglen_t)c->max_bytes;
				rr = msgctl(q->id, IPC_SET, &ds);
				trace_call(trace, rr, errno, "msgctl(%d, IPC_SET, {msg_qbytes=%ld})", q->id, c->max_bytes);
			}
			if (rr == -1)
				return -1;
		}
		return sysv_fill(q);
	}
	struct mq_attr a = { .mq_maxmsg = c->maxmsg, .mq_msgsize = c->msgsize };
	struct mq_attr *ap = NULL;
	if (c->maxmsg || c->msgsize) {
		/* mq_open takes both or neither: fill the other from the defaults. */
		char buf[32];
		long long v;
		if (!a.mq_maxmsg)
			a.mq_maxmsg = read_file_small("/proc/sys/fs/mqueue/msg_default", buf, sizeof(buf)) > 0 &&
			              parse_int_range(strtok(buf, "\n"), 1, LONG_MAX, &v) == 0 ? (long)v : 10;
		if (!a.mq_msgsize)
			a.mq_msgsize = read_file_small("/proc/sys/fs/mqueue/msgsize_default", buf, sizeof(buf)) > 0 &&
			               parse_int_range(strtok(buf, "\n"), 1, LONG_MAX, &v) == 0 ? (long)v : 8192;
		ap = &a;
	}
	q->kind = KIND_POSIX_MQ;
	strlcpy(q->name, r->name, sizeof(q->name));
	int flags = O_RDWR | O_CREAT | O_CLOEXEC | (c->exist_ok ? 0 : O_EXCL);
	q->fd = mq_open(r->name, flags, (mode_t)(c->mode & 0777), ap);
	trace_call(trace, q->fd, errno, "mq_open(\"%s\", O_RDWR|O_CREAT%s, 0%o, {mq_maxmsg=%ld, mq_msgsize=%ld})",
	           r->name, c->exist_ok ? "" : "|O_EXCL", c->mode & 0777, ap ? a.mq_maxmsg : 0L,
	           ap ? a.mq_msgsize : 0L);
	if (q->fd == -1)
		return -1;
	return posix_fill(q);
}

void msgq_close(struct msgq *q)
{
	if (q->kind == KIND_POSIX_MQ && q->fd != -1)
		mq_close(q->fd);
	q->fd = -1;
	free(q->sysv_buf);
	q->sysv_buf = NULL;
}

static struct timespec deadline_after(int64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ns / 1000000000LL);
	ts.tv_nsec += (long)(ns % 1000000000LL);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * System V has no timed wait: between IPC_NOWAIT tries, sleep a little longer
 * each time. Returns false, with errno ETIMEDOUT, once the deadline has passed.
 */
static bool sysv_nap(int64_t end, int64_t *nap)
{
	if (mono_ns() >= end) {
		errno = ETIMEDOUT;
		return false;
	}
	struct timespec ts = { 0, (long)*nap };
	nanosleep(&ts, NULL);
	*nap = *nap * 2 > SYSV_POLL_MAX_NS ? SYSV_POLL_MAX_NS : *nap * 2;
	return true;
}

/* Is the name still this queue's? An unlinked POSIX queue lives on, unreachable. */
static bool posix_still_named(struct msgq *q)
{
	struct stat mine, now;
	int fd;
	bool same;

	if (fstat(q->fd, &mine) == -1)
		return true;
	fd = mq_open(q->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return errno == EACCES || errno == EMFILE || errno == ENFILE;
	same = fstat(fd, &now) == 0 && now.st_ino == mine.st_ino && now.st_dev == mine.st_dev;
	mq_close(fd);
	return same;
}

/* Waits in slices so that a queue removed meanwhile is noticed; returns like mq_timed*. */
static int posix_wait_slices(struct msgq *q, int64_t timeout_ns, bool sending, const void *sbuf,
                             size_t len, unsigned prio, void *rbuf, size_t cap, unsigned *rprio,
                             ssize_t *got)
{
	int64_t end = timeout_ns < 0 ? INT64_MAX : mono_ns() + timeout_ns;

	/* One call per message in the common case: the deadline only bounds a wait. */
	for (;;) {
		int64_t left = end == INT64_MAX ? LIVENESS_NS : end - mono_ns();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct timespec ts = deadline_after(left < LIVENESS_NS ? left : LIVENESS_NS);
		if (sending) {
			if (mq_timedsend(q->fd, sbuf, len, prio, &ts) == 0)
				return 0;
		} else if ((*got = mq_timedreceive(q->fd, rbuf, cap, rprio, &ts)) >= 0) {
			return 0;
		}
		if (errno == EINTR)
			return -1;
		if (errno != ETIMEDOUT)
			return -1;
		if (!posix_still_named(q)) {
			errno = EIDRM;
			return -1;
		}
	}
}

int msgq_send(struct msgq *q, const void *buf, size_t len, long prio_or_type, int64_t timeout_ns)
{
	int r;

	if (len > q->msgsize) {
		errno = EMSGSIZE;
		return -1;
	}
	if (q->kind == KIND_POSIX_MQ) {
		if (timeout_ns == 0) {
			struct timespec ts = { 0, 0 };   /* in the past: try once */
			r = mq_timedsend(q->fd, buf, len, (unsigned)prio_or_type, &ts);
			if (r == -1 && errno == ETIMEDOUT)
				errno = EAGAIN;
		} else {
			r = posix_wait_slices(q, timeout_ns, true, buf, len, (unsigned)prio_or_type,
			                      NULL, 0, NULL, NULL);
		}
		trace_call(q->trace, r, errno, "mq_timedsend(%d, \"%.*s\"%s, %zu, %ld)", q->fd,
		           (int)(len > 32 ? 32 : len), (const char *)buf, len > 32 ? "..." : "", len, prio_or_type);
		return r;
	}
	/* System V: the message is a long type followed by the bytes. */
	struct { long mtype; char mtext[]; } *m = q->sysv_buf;
	m->mtype = prio_or_type;
	memcpy(m->mtext, buf, len);
	int64_t end = timeout_ns > 0 ? mono_ns() + timeout_ns : 0;
	int64_t nap = 100000;
	do
		r = msgsnd(q->id, m, len, timeout_ns < 0 ? 0 : IPC_NOWAIT);
	while (r == -1 && errno == EAGAIN && timeout_ns > 0 && sysv_nap(end, &nap));
	int e = errno;
	trace_call(q->trace, r, e, "msgsnd(%d, {mtype=%ld, \"%.*s\"%s}, %zu, %s)", q->id, prio_or_type,
	           (int)(len > 32 ? 32 : len), (const char *)buf, len > 32 ? "..." : "", len,
	           timeout_ns < 0 ? "0" : "IPC_NOWAIT");
	if (r == -1 && (e == EIDRM || e == EINVAL))
		e = EIDRM;
	errno = e;
	return r;
}

ssize_t msgq_recv(struct msgq *q, void *buf, size_t cap, long type, long *prio_or_type,
                  int64_t timeout_ns)
{
	ssize_t n;

	if (q->kind == KIND_POSIX_MQ) {
		unsigned prio = 0;
		if (timeout_ns == 0) {
			struct timespec ts = { 0, 0 };
			n = mq_timedreceive(q->fd, buf, cap, &prio, &ts);
			if (n == -1 && errno == ETIMEDOUT)
				errno = EAGAIN;
		} else if (posix_wait_slices(q, timeout_ns, false, NULL, 0, 0, buf, cap, &prio, &n) == -1) {
			n = -1;
		}
		trace_call(q->trace, n, errno, "mq_timedreceive(%d, buf, %zu, [prio=%u])", q->fd, cap, prio);
		*prio_or_type = prio;
		return n;
	}
	struct { long mtype; char mtext[]; } *m = q->sysv_buf;
	if (cap > q->sysv_cap)
		cap = q->sysv_cap;
	int64_t end = timeout_ns > 0 ? mono_ns() + timeout_ns : 0;
	int64_t nap = 100000;
	do
		n = msgrcv(q->id, m, cap, type, timeout_ns < 0 ? 0 : IPC_NOWAIT);
	while (n == -1 && errno == ENOMSG && timeout_ns > 0 && sysv_nap(end, &nap));
	int e = errno;
	trace_call(q->trace, n, e, "msgrcv(%d, buf, %zu, %ld, %s)", q->id, cap, type,
	           timeout_ns < 0 ? "0" : "IPC_NOWAIT");
	if (n >= 0) {
		memcpy(buf, m->mtext, (size_t)n);
		*prio_or_type = m->mtype;
	} else if (e == ENOMSG) {
		e = EAGAIN;
	} else if (e == EINVAL) {
		e = EIDRM;   /* the id no longer names a queue */
	}
	errno = e;
	return n;
}

int msgq_remove(const struct ipc_ref *r, bool trace)
{
	if (r->kind == KIND_POSIX_MQ)
		return posix_remove(KIND_POSIX_MQ, r->name, trace);
	int id = sysv_resolve(KIND_SYSV_MSG, r, trace);
	return id == -1 ? -1 : sysv_remove(KIND_SYSV_MSG, id, trace);
}

static long read_sysctl_long(const char *path)
{
	char buf[32];
	long long v;

	if (read_file_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_int_range(buf, 0, LONG_MAX, &v) == 0 ? (long)v : -1;
}

const char *msgq_limit_reason(const struct ipc_ref *r, const struct msgq_create *c, int err,
                              char *buf, size_t len)
{
	if (r->kind == KIND_SYSV_MSG) {
		long mnb = read_sysctl_long("/proc/sys/kernel/msgmnb");
		if ((err == EPERM || err == EINVAL) && c->max_bytes > mnb && mnb > 0) {
			snprintf(buf, len, "--max-bytes %ld is above kernel.msgmnb (%ld) and only root may exceed it; "
			         "raise it with: sysctl kernel.msgmnb=%ld", c->max_bytes, mnb, c->max_bytes);
			return buf;
		}
		if (err == ENOSPC) {
			snprintf(buf, len, "the system has kernel.msgmni (%ld) queues already; raise it with: "
			         "sysctl kernel.msgmni=%ld", read_sysctl_long("/proc/sys/kernel/msgmni"),
			         read_sysctl_long("/proc/sys/kernel/msgmni") * 2);
			return buf;
		}
		return NULL;
	}
	if (err == EINVAL) {
		long msg_max = read_sysctl_long("/proc/sys/fs/mqueue/msg_max");
		long size_max = read_sysctl_long("/proc/sys/fs/mqueue/msgsize_max");
		if (c->maxmsg > msg_max && msg_max > 0)
			snprintf(buf, len, "--maxmsg %ld is above fs.mqueue.msg_max (%ld); raise it with: "
			         "sysctl fs.mqueue.msg_max=%ld", c->maxmsg, msg_max, c->maxmsg);
		else if (c->msgsize > size_max && size_max > 0)
			snprintf(buf, len, "--msgsize %ld is above fs.mqueue.msgsize_max (%ld); raise it with: "
			         "sysctl fs.mqueue.msgsize_max=%ld", c->msgsize, size_max, c->msgsize);
		else
			return NULL;
		return buf;
	}
	if (err == EMFILE) {
		struct rlimit rl;
		getrlimit(RLIMIT_MSGQUEUE, &rl);
		snprintf(buf, len, "the queue would take more than RLIMIT_MSGQUEUE (%llu bytes for all of "
		         "this user's queues); raise it with: ulimit -q BYTES, or make smaller queues",
		         (unsigned long long)rl.rlim_cur);
		return buf;
	}
	if (err == ENOSPC) {
		long qmax = read_sysctl_long("/proc/sys/fs/mqueue/queues_max");
		snprintf(buf, len, "the system has fs.mqueue.queues_max (%ld) queues already; raise it with: "
		         "sysctl fs.mqueue.queues_max=%ld", qmax, qmax * 2);
		return buf;
	}
	return NULL;
}
