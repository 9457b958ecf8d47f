/* Who has a file open, and how: one pass over /proc/PID/fd, a statx per descriptor. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "holders.h"
#include "ipckit.h"

static int holder_add(struct fd_holders *h, int procfd, const char *pid, const char *fd)
{
	char path[600], buf[256];
	struct fd_holder *v = reallocarray(h->v, h->n + 1, sizeof(*v));

	if (v == NULL)
		return -1;
	h->v = v;
	struct fd_holder *e = &v[h->n];
	memset(e, 0, sizeof(*e));
	e->pid = (pid_t)atoi(pid);
	e->fd = atoi(fd);
	e->acc = -1;
	snprintf(path, sizeof(path), "%s/fdinfo/%s", pid, fd);
	int f = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (f != -1) {
		ssize_t n = read(f, buf, sizeof(buf) - 1);
		close(f);
		char *p = n > 0 ? (buf[n] = '\0', strstr(buf, "flags:")) : NULL;
		if (p != NULL)
			e->acc = (int)(strtoul(p + 6, NULL, 8) & O_ACCMODE);
	}
	snprintf(path, sizeof(path), "%s/comm", pid);
	f = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (f != -1) {
		ssize_t n = read(f, e->comm, sizeof(e->comm) - 1);
		close(f);
		if (n > 0 && e->comm[n - 1] == '\n')
			n--;
		e->comm[n > 0 ? n : 0] = '\0';
	}
	h->n++;
	return 0;
}

static int scan_pid(struct fd_holders *h, int procfd, const char *pid, uint64_t dev, uint64_t ino)
{
	char path[32];
	struct dirent *de;
	struct statx stx;

	snprintf(path, sizeof(path), "%s/fd", pid);
	int dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		if (errno == EACCES || errno == EPERM)
			h->unseen++;
		return 0;   /* gone, or not ours to read */
	}
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return -1;
	}
	int r = 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (statx(dfd, de->d_name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) == -1)
			continue;
		if (stx.stx_ino == ino && makedev(stx.stx_dev_major, stx.stx_dev_minor) == dev)
			r = holder_add(h, procfd, pid, de->d_name);
	}
	closedir(d);
	return r;
}

static int by_pid_fd(const void *a, const void *b)
{
	const struct fd_holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

int fd_holders_find(struct fd_holders *h, uint64_t dev, uint64_t ino, bool trace)
{
	struct dirent *de;
	int r = 0;

	memset(h, 0, sizeof(*h));
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	trace_call(trace, procfd, errno, "open(\"/proc\", O_RDONLY|O_DIRECTORY)");
	if (procfd == -1)
		return -1;
	int dup = fcntl(procfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup == -1 ? NULL : fdopendir(dup);
	if (d == NULL) {
		if (dup != -1)
			close(dup);
		close(procfd);
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (isdigit((unsigned char)de->d_name[0]))
			r = scan_pid(h, procfd, de->d_name, dev, ino);
	}
	closedir(d);
	close(procfd);
	if (r == -1) {
		int e = errno;
		fd_holders_free(h);
		errno = e;
		return -1;
	}
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), by_pid_fd);
	return 0;
}

void fd_holders_free(struct fd_holders *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
