/* Named pipes: made, opened and removed the way fifo.h says. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fifo.h"

/* How often a waiting open looks at the stop flag and at the path. */
#define TICK_NS (250 * 1000000LL)

const char *file_type_name(mode_t type)
{
	switch (type & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symbolic link";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "FIFO";
	}
	return "file of unknown type";
}

static const char *acc_name(int acc)
{
	return acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR";
}

int fifo_make(const char *path, mode_t mode, struct stat *found, bool trace)
{
	const char *leaf;
	struct stat st;
	int dfd = path_open_dir(path, &leaf, trace), r, e;

	if (dfd == -1)
		return -1;
	if (leaf[0] == '\0') {   /* "dir/": no name to make */
		close(dfd);
		errno = EISDIR;
		return -1;
	}
	/* The umask would take bits off; a default ACL may still, so the mode is checked after. */
	mode_t old = umask(0);
	r = mkfifoat(dfd, leaf, mode);   /* never follows a symlink: EEXIST on one */
	e = errno;
	umask(old);
	trace_call(trace, r, e, "mkfifoat(%d, \"%s\", 0%03o)", dfd, leaf, (unsigned)mode);
	if (r == -1) {
		if (e == EEXIST && fstatat(dfd, leaf, found, AT_SYMLINK_NOFOLLOW) == -1)
			memset(found, 0, sizeof(*found));
		close(dfd);
		errno = e;
		return -1;
	}
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode) &&
	    (st.st_mode & 07777) != mode) {
		r = fchmodat(dfd, leaf, mode, AT_SYMLINK_NOFOLLOW);
		e = errno;
		trace_call(trace, r, e, "fchmodat(%d, \"%s\", 0%03o, AT_SYMLINK_NOFOLLOW)", dfd, leaf,
		           (unsigned)mode);
		if (r == -1) {   /* not left half made */
			unlinkat(dfd, leaf, 0);
			close(dfd);
			errno = e;
			return -1;
		}
	}
	close(dfd);
	return 0;
}

int fifo_stat(const char *path, struct stat *st, bool trace)
{
	int r = stat(path, st);

	trace_call(trace, r, errno, "stat(\"%s\")", path);
	if (r == 0 && !S_ISFIFO(st->st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return r;
}

bool fifo_still(const char *path, const struct stat *st)
{
	struct stat now;

	if (stat(path, &now) == -1)
		return errno != ENOENT && errno != ENOTDIR;   /* unreadable now: not proof it is gone */
	return now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_tick(int sig)
{
	(void)sig;
}

static void set_timer(int64_t first_ns)
{
	struct itimerval it = { { 0, TICK_NS / 1000 }, { (time_t)(first_ns / 1000000000LL),
	                        (suseconds_t)(first_ns % 1000000000LL / 1000) } };

	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * open(2) that waits, woken by a SIGALRM tick (no SA_RESTART: the open returns
 * EINTR). The interval covers a tick that comes just before the call: the next
 * one interrupts it, at most a tick late.
 */
static int open_waiting(const char *path, const char *target, const struct stat *st, int acc,
                        int64_t timeout_ns, const volatile sig_atomic_t *stop, bool trace)
{
	struct sigaction sa = { .sa_handler = on_tick }, old_sa;
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, old_it;
	int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
	int fd = -1, e = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old_sa) == -1)
		return -1;
	getitimer(ITIMER_REAL, &old_it);
	for (;;) {
		int64_t left = deadline < 0 ? TICK_NS : deadline - now_ns();
		if (stop && *stop) {
			e = EINTR;
			break;
		}
		if (left <= 0) {
			e = ETIMEDOUT;
			break;
		}
		if (!fifo_still(path, st)) {
			e = EIDRM;
			break;
		}
		set_timer(left < TICK_NS ? left : TICK_NS);
		fd = open(target, acc | O_CLOEXEC);
		e = errno;
		if (fd != -1 || e != EINTR)
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	setitimer(ITIMER_REAL, &old_it, NULL);
	if (fd != -1 || e != EINTR || !(stop && *stop))
		trace_call(trace, fd, e, "open(\"%s\", %s) (waited)", target, acc_name(acc));
	errno = e;
	return fd;
}

/*
 * The FIFO st describes, held by an O_PATH descriptor (which opens nothing:
 * no reader or writer is counted): *via is then the name to open it by,
 * /proc/self/fd/N, so that a file swapped in at path since the stat is never
 * opened, not even a device. Where /proc is missing, *via is path, and the
 * descriptor opened is checked after. -1 with errno: EINVAL (path names
 * another type of file now), EIDRM (another FIFO).
 */
static int hold_path(const char *path, const struct stat *st, char *via, size_t len, bool trace)
{
	struct stat now;
	int pfd = open(path, O_PATH | O_CLOEXEC), e;

	trace_call(trace, pfd, errno, "open(\"%s\", O_PATH)", path);
	if (pfd == -1)
		return -1;
	if (fstat(pfd, &now) == -1)
		goto fail;
	if (!S_ISFIFO(now.st_mode) || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		errno = S_ISFIFO(now.st_mode) ? EIDRM : EINVAL;
		goto fail;
	}
	if (access("/proc/self/fd", X_OK) == 0)
		snprintf(via, len, "/proc/self/fd/%d", pfd);
	else
		snprintf(via, len, "%s", path);
	return pfd;
fail:
	e = errno;
	close(pfd);
	errno = e;
	return -1;
}

/* The descriptor fd is the FIFO st describes. */
static int check_same(int fd, const struct stat *st)
{
	struct stat now;

	if (fstat(fd, &now) == -1)
		return -1;
	if (!S_ISFIFO(now.st_mode) || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		errno = S_ISFIFO(now.st_mode) ? EIDRM : EINVAL;
		return -1;
	}
	return 0;
}

int fifo_open(const char *path, const struct stat *st, int acc, int64_t timeout_ns,
              const volatile sig_atomic_t *stop, bool trace)
{
	char via[PATH_MAX];
	int fd, e;
	int pfd = hold_path(path, st, via, sizeof(via), trace);

	if (pfd == -1)
		return -1;
	if (acc == O_RDONLY && timeout_ns != 0) {
		fd = open_waiting(path, via, st, acc, timeout_ns, stop, trace);
	} else {
		/* Without a reader, O_WRONLY|O_NONBLOCK fails with ENXIO: the one try. */
		fd = open(via, acc | O_NONBLOCK | O_CLOEXEC);
		e = errno;
		trace_call(trace, fd, e, "open(\"%s\", %s|O_NONBLOCK)", via, acc_name(acc));
		if (fd == -1 && e == ENXIO && timeout_ns != 0)
			fd = open_waiting(path, via, st, acc, timeout_ns, stop, trace);
		else if (fd != -1 && fcntl(fd, F_SETFL, 0) == -1)
			goto fail;
		else
			errno = e;
	}
	if (fd == -1 || check_same(fd, st) == -1)
		goto fail;
	close(pfd);
	return fd;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	close(pfd);
	errno = e;
	return -1;
}

int fifo_open_now(const char *path, const struct stat *st, int flags, bool trace)
{
	char via[PATH_MAX];
	int pfd = hold_path(path, st, via, sizeof(via), trace), fd, e;

	if (pfd == -1)
		return -1;
	fd = open(via, flags | O_CLOEXEC);
	trace_call(trace, fd, errno, "open(\"%s\", %s%s)", via, acc_name(flags & O_ACCMODE),
	           flags & O_NONBLOCK ? "|O_NONBLOCK" : "");
	if (fd != -1 && check_same(fd, st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

long fifo_queued(int fd)
{
	int n;

	if (ioctl(fd, FIONREAD, &n) == -1)
		return -1;
	return n;
}

int fifo_remove(const char *path, struct file_id *found, bool trace)
{
	const char *leaf;
	struct file_id want;
	int dfd = path_open_dir(path, &leaf, trace), r;

	if (dfd == -1)
		return -1;
	r = path_leaf_id(dfd, leaf, &want);
	trace_call(trace, r, errno, "fstatat(%d, \"%s\", AT_SYMLINK_NOFOLLOW)", dfd, leaf);
	if (r == 0 && want.type != S_IFIFO) {
		*found = want;
		errno = EINVAL;
		r = -1;
	}
	if (r == 0)
		r = unlink_same(dfd, leaf, &want, found, trace);
	int e = errno;
	close(dfd);
	errno = e;
	return r;
}
