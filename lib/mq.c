/* One message queue, POSIX or System V: open, create, send, receive, remove. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"

/* How long a blocked POSIX receive waits before checking the queue still has its name. */
#define LIVENESS_NS 1000000000LL
/* System V has no timed send or receive: with a timeout, retry at most this often. */
#define SYSV_POLL_MAX_NS 10000000LL

static long sysv_msgmax(void)
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
	if ((q->sysv_buf = malloc(sizeof(long) + q->sysv_cap + 1)) == NULL)
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
	q->maxmsg = a.mq_maxmsg;
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

/* Removes a queue this call made, keeping errno: a failed create leaves nothing behind. */
static void undo_create(struct msgq *q)
{
	int e = errno;

	ipc_undo_create(q->kind, q->id, q->name, q->trace);
	msgq_close(q);
	errno = e;
}

static int sysv_create(struct msgq *q, const struct ipc_ref *r, struct msgq_create *c)
{
	struct msqid_ds ds;
	key_t key = IPC_PRIVATE;
	int mode = c->mode & 0777, rr;
	bool existing = false;

	if (r->form != REF_ID && ref_key(r, q->trace, &key) == -1)
		return -1;
	q->id = msgget(key, IPC_CREAT | IPC_EXCL | mode);
	trace_call(q->trace, q->id, errno, "msgget(0x%08x, IPC_CREAT|IPC_EXCL|0%o)", (unsigned)key, mode);
	if (q->id == -1 && errno == EEXIST && c->exist_ok && key != IPC_PRIVATE) {
		existing = true;
		q->id = msgget(key, 0);
		trace_call(q->trace, q->id, errno, "msgget(0x%08x, 0)", (unsigned)key);
	}
	if (q->id == -1)
		return -1;
	if (existing && (c->max_bytes > 0 || c->mode_given)) {
		rr = msgctl(q->id, IPC_STAT, &ds);
		trace_call(q->trace, rr, errno, "msgctl(%d, IPC_STAT, {msg_qbytes=%lu})", q->id,
		           rr == 0 ? (unsigned long)ds.msg_qbytes : 0UL);
		if (rr == -1 ||
		    (c->max_bytes > 0 && attr_differs(&c->diff, "max-bytes", (long long)ds.msg_qbytes, c->max_bytes)) ||
		    (c->mode_given && attr_differs(&c->diff, "mode", ds.msg_perm.mode & 0777, mode))) {
			q->id = -1;   /* not ours to remove */
			return -1;
		}
	} else if (c->max_bytes > 0) {
		rr = msgctl(q->id, IPC_STAT, &ds);
		trace_call(q->trace, rr, errno, "msgctl(%d, IPC_STAT, {...})", q->id);
		if (rr == 0) {
			ds.msg_qbytes = (msglen_t)c->max_bytes;
			rr = msgctl(q->id, IPC_SET, &ds);
			trace_call(q->trace, rr, errno, "msgctl(%d, IPC_SET, {msg_qbytes=%ld})", q->id, c->max_bytes);
		}
		if (rr == -1)
			goto undo;
	}
	if (sysv_fill(q) == 0)
		return 0;
	if (existing) {
		q->id = -1;
		return -1;
	}
undo:
	undo_create(q);
	return -1;
}

/* mq_open takes both attributes or neither: the one not given is the kernel's default. */
static long mq_default(const char *path, long fallback)
{
	char buf[32];
	long long v;

	if (read_file_small(path, buf, sizeof(buf)) <= 0)
		return fallback;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_int_range(buf, 1, LONG_MAX, &v) == 0 ? (long)v : fallback;
}

static int posix_create(struct msgq *q, const struct ipc_ref *r, struct msgq_create *c)
{
	struct mq_attr a = { .mq_maxmsg = c->maxmsg, .mq_msgsize = c->msgsize };
	struct mq_attr *ap = NULL;
	int mode = c->mode & 0777;
	struct stat st;

	if (c->maxmsg || c->msgsize) {
		if (!a.mq_maxmsg)
			a.mq_maxmsg = mq_default("/proc/sys/fs/mqueue/msg_default", 10);
		if (!a.mq_msgsize)
			a.mq_msgsize = mq_default("/proc/sys/fs/mqueue/msgsize_default", 8192);
		ap = &a;
	}
	q->fd = mq_open(r->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode, ap);
	trace_call(q->trace, q->fd, errno, "mq_open(\"%s\", O_RDWR|O_CREAT|O_EXCL, 0%o, {mq_maxmsg=%ld, mq_msgsize=%ld})",
	           r->name, mode, ap ? a.mq_maxmsg : 0L, ap ? a.mq_msgsize : 0L);
	if (q->fd != -1) {
		strlcpy(q->name, r->name, sizeof(q->name));   /* ours: removed if what follows fails */
		/* Exactly the mode asked for, as mkfifo -m: mq_open's is masked by the umask. */
		int rr = fchmod(q->fd, (mode_t)mode);
		trace_call(q->trace, rr, errno, "fchmod(%d, 0%o)", q->fd, mode);
		if (rr == -1 || posix_fill(q) == -1) {
			undo_create(q);
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST || !c->exist_ok)
		return -1;
	q->fd = mq_open(r->name, O_RDWR | O_CLOEXEC);
	trace_call(q->trace, q->fd, errno, "mq_open(\"%s\", O_RDWR)", r->name);
	if (q->fd == -1)
		return -1;
	if (posix_fill(q) == -1 ||
	    (c->maxmsg && attr_differs(&c->diff, "maxmsg", q->maxmsg, c->maxmsg)) ||
	    (c->msgsize && attr_differs(&c->diff, "msgsize", (long long)q->msgsize, c->msgsize)) ||
	    (c->mode_given && fstat(q->fd, &st) == 0 && attr_differs(&c->diff, "mode", st.st_mode & 0777, mode))) {
		int e = errno;
		msgq_close(q);
		errno = e;
		return -1;
	}
	strlcpy(q->name, r->name, sizeof(q->name));
	return 0;
}

int msgq_create(struct msgq *q, const struct ipc_ref *r, struct msgq_create *c, bool trace)
{
	memset(q, 0, sizeof(*q));
	q->fd = q->id = -1;
	q->trace = trace;
	c->diff.what = NULL;
	q->kind = r->kind == KIND_SYSV_MSG ? KIND_SYSV_MSG : KIND_POSIX_MQ;
	/* With exist_ok, a queue removed between "it exists" and opening it: create again. */
	for (int tries = 0;; tries++) {
		int rr = q->kind == KIND_SYSV_MSG ? sysv_create(q, r, c) : posix_create(q, r, c);
		if (rr == 0 || errno != ENOENT || !c->exist_ok || tries == 2)
			return rr;
	}
}

void msgq_close(struct msgq *q)
{
	if (q->kind == KIND_POSIX_MQ && q->fd != -1)
		mq_close(q->fd);
	q->fd = -1;
	free(q->sysv_buf);
	free(q->rbuf);
	q->sysv_buf = q->rbuf = NULL;
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
 * each time. Returns false, with errno ETIMEDOUT once the deadline has passed,
 * or EINTR when a signal came (the caller decides whether that ends the wait).
 */
static bool sysv_nap(int64_t end, int64_t *nap)
{
	int64_t left = end - mono_ns();

	if (left <= 0) {
		errno = ETIMEDOUT;
		return false;
	}
	struct timespec ts = { 0, (long)(*nap < left ? *nap : left) };
	if (nanosleep(&ts, NULL) == -1)
		return false;   /* EINTR */
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

static void on_tick(int sig)
{
	(void)sig;
}

void msgq_tick(struct msgq *q, int64_t timeout_ns)
{
	struct sigaction sa = { .sa_handler = on_tick };   /* no SA_RESTART: a wait returns EINTR */
	struct itimerval every = { { 1, 0 }, { 1, 0 } };

	sigemptyset(&sa.sa_mask);
	q->ticked = timeout_ns < 0 && sigaction(SIGALRM, &sa, NULL) == 0 &&
	            setitimer(ITIMER_REAL, &every, NULL) == 0;
}

int msgq_ref_parse(const char *text, struct ipc_ref *r, const char **why)
{
	if (ref_parse(text, -1, r, why) == -1)
		return -1;
	if (r->kind < 0)
		r->kind = r->form == REF_NAME ? KIND_POSIX_MQ : KIND_SYSV_MSG;
	if (r->kind != KIND_POSIX_MQ && r->kind != KIND_SYSV_MSG) {
		*why = "not a message queue (posix-mq or sysv-msg)";
		return -1;
	}
	return r->kind == KIND_POSIX_MQ ? posix_name_check(r->name, KIND_POSIX_MQ, why) : 0;
}

/*
 * One POSIX send or receive, traced as it was made; ts NULL waits without a
 * timer (mq_send and mq_receive: the same system calls with a NULL timeout).
 */
static ssize_t posix_call(struct msgq *q, bool sending, const void *sbuf, size_t len, unsigned prio,
                          void *rbuf, size_t cap, unsigned *rprio, const struct timespec *ts)
{
	char when[64] = "NULL";
	ssize_t n;

	if (q->trace && ts)
		snprintf(when, sizeof(when), "{tv_sec=%lld, tv_nsec=%ld}", (long long)ts->tv_sec, ts->tv_nsec);
	if (sending) {
		n = ts ? mq_timedsend(q->fd, sbuf, len, prio, ts) : mq_send(q->fd, sbuf, len, prio);
		trace_call(q->trace, n, errno, "mq_timedsend(%d, \"%.*s\"%s, %zu, %u, %s)", q->fd,
		           (int)(len > 32 ? 32 : len), (const char *)sbuf, len > 32 ? "..." : "", len, prio, when);
	} else {
		*rprio = 0;
		n = ts ? mq_timedreceive(q->fd, rbuf, cap, rprio, ts) : mq_receive(q->fd, rbuf, cap, rprio);
		trace_call(q->trace, n, errno, "mq_timedreceive(%d, buf, %zu, [prio=%u], %s)", q->fd, cap,
		           *rprio, when);
	}
	return n;
}

/*
 * A POSIX send or receive. Without a deadline, when the caller interrupts waits
 * (q->ticked), it waits untimed: a timer armed for every wait costs a ping-pong
 * of small messages 10-20%; each interruption checks the queue is still there.
 * Otherwise: a try that cannot wait (no timer, no clock read: most calls end
 * there), then waits in slices so that a queue removed meanwhile is noticed.
 * timeout_ns 0 tries once (EAGAIN).
 */
static ssize_t posix_wait(struct msgq *q, int64_t timeout_ns, bool sending, const void *sbuf,
                          size_t len, unsigned prio, void *rbuf, size_t cap, unsigned *rprio)
{
	static const struct timespec past = { 0, 0 };
	ssize_t n;

	if (timeout_ns < 0 && q->ticked) {
		n = posix_call(q, sending, sbuf, len, prio, rbuf, cap, rprio, NULL);
		if (n == -1 && errno == EINTR && !posix_still_named(q))
			errno = EIDRM;
		return n;   /* EINTR too: the caller decides */
	}
	n = posix_call(q, sending, sbuf, len, prio, rbuf, cap, rprio, &past);
	if (n >= 0 || errno != ETIMEDOUT || timeout_ns == 0) {
		if (n < 0 && errno == ETIMEDOUT)
			errno = EAGAIN;
		return n;
	}
	int64_t end = timeout_ns < 0 ? INT64_MAX : mono_ns() + timeout_ns;
	for (;;) {
		if (q->stop && *q->stop) {
			errno = EINTR;   /* a signal that came between two slices */
			return -1;
		}
		int64_t left = end == INT64_MAX ? LIVENESS_NS : end - mono_ns();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct timespec ts = deadline_after(left < LIVENESS_NS ? left : LIVENESS_NS);
		n = posix_call(q, sending, sbuf, len, prio, rbuf, cap, rprio, &ts);
		if (n >= 0 || errno != ETIMEDOUT)
			return n;   /* EINTR too: the caller decides */
		if (!posix_still_named(q)) {
			errno = EIDRM;
			return -1;
		}
	}
}

/* A System V message: a long type, then the bytes. */
struct sysv_msg {
	long mtype;
	char mtext[];
};

/*
 * System V has no timed call: IPC_NOWAIT tries, with naps between them until the
 * deadline. msgp is a long type then the bytes (text), not always aligned.
 */
static ssize_t sysv_call(struct msgq *q, bool sending, void *msgp, const char *text, size_t len,
                         long type, int64_t timeout_ns)
{
	int64_t end = timeout_ns > 0 ? mono_ns() + timeout_ns : 0, nap = 100000;
	int flg = timeout_ns < 0 ? 0 : IPC_NOWAIT;
	ssize_t n;

	for (;;) {
		if (sending) {
			n = msgsnd(q->id, msgp, len, flg);
			trace_call(q->trace, n, errno, "msgsnd(%d, {mtype=%ld, \"%.*s\"%s}, %zu, %s)", q->id,
			           type, (int)(len > 32 ? 32 : len), text, len > 32 ? "..." : "", len,
			           flg ? "IPC_NOWAIT" : "0");
		} else {
			n = msgrcv(q->id, msgp, len, type, flg);
			trace_call(q->trace, n, errno, "msgrcv(%d, buf, %zu, %ld, %s)", q->id, len, type,
			           flg ? "IPC_NOWAIT" : "0");
		}
		if (n >= 0)
			return n;
		if (errno == ENOMSG)
			errno = EAGAIN;
		if (errno == EINVAL)
			errno = EIDRM;   /* the id no longer names a queue */
		if (errno == EAGAIN && timeout_ns > 0 && q->stop && *q->stop)
			errno = EINTR;   /* a signal that came during the try: it ended no nap */
		if (errno != EAGAIN || timeout_ns <= 0 || !sysv_nap(end, &nap))
			return -1;
	}
}

int msgq_send(struct msgq *q, const void *buf, size_t len, long prio_or_type, int64_t timeout_ns)
{
	if (len > q->msgsize) {
		errno = EMSGSIZE;
		return -1;
	}
	if (q->kind == KIND_POSIX_MQ)
		return (int)posix_wait(q, timeout_ns, true, buf, len, (unsigned)prio_or_type, NULL, 0, NULL);
	struct sysv_msg *m = q->sysv_buf;
	m->mtype = prio_or_type;
	memcpy(m->mtext, buf, len);
	return (int)sysv_call(q, true, m, m->mtext, len, prio_or_type, timeout_ns);
}

ssize_t msgq_recv(struct msgq *q, char **msg, long type, long *prio_or_type, int64_t timeout_ns)
{
	ssize_t n;

	if (q->kind == KIND_POSIX_MQ) {
		unsigned prio = 0;
		if (q->rbuf == NULL && (q->rbuf = malloc(q->msgsize + 1)) == NULL)
			return -1;
		n = posix_wait(q, timeout_ns, false, NULL, 0, 0, q->rbuf, q->msgsize, &prio);
		*msg = q->rbuf;
		*prio_or_type = prio;
		return n;
	}
	struct sysv_msg *m = q->sysv_buf;
	n = sysv_call(q, false, m, NULL, q->sysv_cap, type, timeout_ns);
	*msg = m->mtext;
	*prio_or_type = m->mtype;
	return n;
}

int msgq_send_records(struct msgq *q, struct io_records *in, long tag, int64_t timeout_ns,
                      size_t *sent)
{
	char *rec;
	size_t len;
	int r;

	*sent = 0;
	while ((r = io_records_next(in, &rec, &len)) == 1) {
		/* Sent from where it was read: a System V type goes over the spent bytes before it. */
		if (q->kind == KIND_SYSV_MSG)
			memcpy(rec - sizeof(long), &tag, sizeof(long));
		do
			r = q->kind == KIND_POSIX_MQ
			    ? (int)posix_wait(q, timeout_ns, true, rec, len, (unsigned)tag, NULL, 0, NULL)
			    : (int)sysv_call(q, true, rec - sizeof(long), rec, len, tag, timeout_ns);
		while (r == -1 && errno == EINTR);
		if (r == -1)
			return -1;
		(*sent)++;
	}
	return r;
}

/* A POSIX queue's message count, and when it last changed (a send or receive sets its mtime). */
static long queue_state(int fd, struct timespec *mtime)
{
	struct mq_attr a;
	struct stat st;

	if (mtime)
		*mtime = fstat(fd, &st) == 0 ? st.st_mtim : (struct timespec){ 0, 0 };
	return mq_getattr(fd, &a) == 0 ? a.mq_curmsgs : 0;
}

/* What notify waits with: SIGRTMIN and the stops, held blocked; the queue's count around a run. */
struct msgq_watch {
	struct msgq *q;
	sigset_t set;
	long before, after;
};
enum { MSGQ_RUN = 0, MSGQ_IDLE = -2 };

/* Waits for a signal of the set, at most ns and not past the deadline: the signal, or 0. */
static int sig_wait(const struct msgq_watch *w, int64_t ns, int64_t end)
{
	int64_t left = end == INT64_MAX ? INT64_MAX : end - mono_ns();
	int sig;

	if (ns < left)
		left = ns;
	if (left <= 0)
		return 0;
	if (left == INT64_MAX) {
		sig = sigwaitinfo(&w->set, NULL);
	} else {
		struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
		sig = sigtimedwait(&w->set, NULL, &ts);
	}
	return sig > 0 ? sig : 0;
}

/* Until a message arrives on the empty queue, which mq_notify signals. */
static int wait_notification(struct msgq_watch *w, int64_t end)
{
	static const struct timespec now = { 0, 0 };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	int fd = w->q->fd, r = mq_notify(fd, &ev), sig;
	sigset_t rt;

	trace_call(w->q->trace, r, errno, "mq_notify(%d, {SIGEV_SIGNAL, SIGRTMIN})", fd);
	if (r == -1)
		return -1;
	/* A message that came before the registration sends no signal: run now. */
	if (queue_state(fd, NULL) > 0) {
		r = mq_notify(fd, NULL);
		trace_call(w->q->trace, r, errno, "mq_notify(%d, NULL)", fd);
		sigemptyset(&rt);
		sigaddset(&rt, SIGRTMIN);
		sigtimedwait(&rt, NULL, &now);   /* in case it came all the same */
		return MSGQ_RUN;
	}
	while ((sig = sig_wait(w, INT64_MAX, end)) == 0)
		if (end != INT64_MAX && mono_ns() >= end)
			return MSGQ_IDLE;
	return sig == SIGRTMIN ? MSGQ_RUN : sig;
}

/*
 * A run left messages it did not take: no notification comes while the queue
 * holds some, so look at it now and then for a new one (its count grows, or
 * its mtime moves with the count not falling: a send and a receive).
 */
static int wait_arrival(struct msgq_watch *w, int64_t end)
{
	struct timespec was, now;
	long n = queue_state(w->q->fd, &was), m;

	for (int64_t step = 10000000;; step = step * 2 < 250000000 ? step * 2 : 250000000) {
		int sig = sig_wait(w, step, end);
		if (sig > 0 && sig != SIGRTMIN)
			return sig;
		if (end != INT64_MAX && mono_ns() >= end)
			return MSGQ_IDLE;
		if ((m = queue_state(w->q->fd, &now)) == 0)
			return wait_notification(w, end);
		if (m > n || (m == n && (now.tv_sec != was.tv_sec || now.tv_nsec != was.tv_nsec)))
			return MSGQ_RUN;
		n = m;
		was = now;
	}
}

/* MSGQ_RUN, MSGQ_IDLE, a stop signal, or -1 (mq_notify failed). */
static int watch_wait(struct msgq_watch *w, int64_t timeout_ns, bool first)
{
	int64_t end = timeout_ns < 0 ? INT64_MAX : mono_ns() + timeout_ns;

	/* Waiting at the start, or left by a run that changed the queue: run at once. */
	if (w->after > 0 && (first || w->after != w->before))
		return MSGQ_RUN;
	return w->after > 0 ? wait_arrival(w, end) : wait_notification(w, end);
}

int msgq_notify_loop(struct msgq *q, long long count, int64_t timeout_ns, int (*run)(void *arg),
                     void *arg)
{
	struct msgq_watch w = { .q = q, .after = queue_state(q->fd, NULL) };
	int r = 0;

	sigemptyset(&w.set);
	sigaddset(&w.set, SIGRTMIN);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &w.set, NULL) == -1)
		return -1;
	for (long long runs = 0; r == 0 && (count == 0 || runs < count); runs++) {
		if ((r = watch_wait(&w, timeout_ns, runs == 0)) != MSGQ_RUN)
			return r == MSGQ_IDLE ? 0 : r;
		w.before = queue_state(q->fd, NULL);
		r = run(arg);
		w.after = queue_state(q->fd, NULL);
	}
	return r;
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

const char *msgq_create_reason(const struct ipc_ref *r, const struct msgq_create *c, int err,
                               char *buf, size_t len)
{
	if (err == EEXIST && c->diff.what) {
		char text[128];
		snprintf(buf, len, "the queue %s", attr_diff_text(&c->diff, text, sizeof(text)));
		return buf;
	}
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
