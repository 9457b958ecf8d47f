/* Processes for ipc-sig: their signal masks, finding them by name, PID files. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sig.h"

#define PF_KTHREAD 0x00200000   /* linux/sched.h: a kernel thread */

static int status_mask(const char *v, uint64_t *mask)
{
	char *end;

	errno = 0;
	*mask = strtoull(v, &end, 16);
	return errno || end == v ? -1 : 0;
}

static int status_line(char *line, void *arg)
{
	static const struct { const char *key; size_t off; } masks[] = {
		{ "SigPnd:", offsetof(struct sig_status, pending) },
		{ "ShdPnd:", offsetof(struct sig_status, shared_pending) },
		{ "SigBlk:", offsetof(struct sig_status, blocked) },
		{ "SigIgn:", offsetof(struct sig_status, ignored) },
		{ "SigCgt:", offsetof(struct sig_status, caught) },
	};
	struct sig_status *st = arg;

	if (strncmp(line, "Name:\t", 6) == 0) {
		snprintf(st->comm, sizeof(st->comm), "%s", line + 6);
		return 0;
	}
	if (strncmp(line, "SigQ:\t", 6) == 0) {
		if (sscanf(line + 6, "%ld/%ld", &st->queued, &st->queue_limit) != 2)
			st->queued = st->queue_limit = -1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
		if (strncmp(line, masks[i].key, 7) == 0)
			return status_mask(line + 8, (uint64_t *)((char *)st + masks[i].off));
	return 0;
}

int sig_status_read(pid_t pid, struct sig_status *st)
{
	char path[64], buf[4096];
	int fd, r;

	memset(st, 0, sizeof(*st));
	st->queued = st->queue_limit = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = fd_each_line(fd, buf, sizeof(buf), status_line, st);
	if (r == -1 && errno == 0)
		errno = EIO;   /* a mask that is not hex */
	close(fd);
	/* The name as it is (status escapes a newline in it as "\n"), when comm can be read. */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int len = r == 0 ? read_file_small(path, buf, sizeof(st->comm)) : -1;
	if (len > 0 && buf[len - 1] == '\n') {
		buf[len - 1] = '\0';
		memcpy(st->comm, buf, (size_t)len);
	}
	if (r == 0 && st->comm[0] == '\0') {   /* the process ended while it was read */
		errno = ESRCH;
		return -1;
	}
	return r;
}

/* The parent and flags fields of /proc/PID/stat (after the command name). */
static int proc_stat(pid_t pid, pid_t *ppid, unsigned long *flags)
{
	char path[64], buf[1024], *p;
	int state_ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_small(path, buf, sizeof(buf)) == -1)
		return -1;
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %d %*d %*d %*d %*d %lu", &state_ppid, flags) != 2) {
		errno = EIO;
		return -1;
	}
	*ppid = state_ppid;
	return 0;
}

/* The caller and its ancestors, up to init: the processes a name never reaches. */
static size_t lineage(pid_t *v, size_t max)
{
	pid_t p = getpid(), pp;
	unsigned long flags;
	size_t n = 0;

	while (p > 0 && n < max) {
		v[n++] = p;
		if (proc_stat(p, &pp, &flags) == -1)
			break;
		p = pp;
	}
	return n;
}

/* argv[0]'s base name matches a name longer than comm holds. */
static bool cmdline_matches(const char *proc, const char *name)
{
	char path[64], buf[4096];
	const char *base;

	snprintf(path, sizeof(path), "/proc/%.20s/cmdline", proc);
	if (read_file_small(path, buf, sizeof(buf)) <= 0)
		return false;
	base = strrchr(buf, '/');
	return strcmp(base ? base + 1 : buf, name) == 0;
}

static bool name_matches(const char *proc, const char *name)
{
	char path[64], comm[64];
	size_t n = strlen(name);
	int len;

	snprintf(path, sizeof(path), "/proc/%.20s/comm", proc);
	if ((len = read_file_small(path, comm, sizeof(comm))) <= 0)
		return false;
	if (comm[len - 1] == '\n')
		comm[--len] = '\0';
	if (n <= 15)
		return strcmp(comm, name) == 0;
	return (size_t)len == 15 && strncmp(comm, name, 15) == 0 && cmdline_matches(proc, name);
}

int proc_by_name(const char *name, pid_t **pids, size_t *n)
{
	pid_t mine[256];
	size_t nmine = lineage(mine, sizeof(mine) / sizeof(mine[0])), cap = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	*pids = NULL;
	*n = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]) || !name_matches(e->d_name, name))
			continue;
		pid_t pid = (pid_t)atoi(e->d_name), pp;
		unsigned long flags;
		bool skip = proc_stat(pid, &pp, &flags) == -1 || (flags & PF_KTHREAD);
		for (size_t i = 0; i < nmine && !skip; i++)
			skip = mine[i] == pid;
		if (skip)
			continue;
		if (*n == cap) {
			pid_t *v = reallocarray(*pids, cap ? 2 * cap : 16, sizeof(pid_t));
			if (v == NULL) {
				closedir(d);
				free(*pids);
				*pids = NULL;
				return -1;
			}
			*pids = v;
			cap = cap ? 2 * cap : 16;
		}
		(*pids)[(*n)++] = pid;
	}
	closedir(d);
	return 0;
}

int pidfile_create(struct pidfile *pf, const char *path, pid_t pid, bool trace)
{
	const char *slash = strrchr(path, '/');
	char dir[4096], tmp[300], text[32];
	struct stat st;
	int fd = -1, len;
	unsigned r;

	pf->dfd = -1;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		strcpy(dir, "/");
	if (snprintf(pf->leaf, sizeof(pf->leaf), "%s", slash ? slash + 1 : path) >= (int)sizeof(pf->leaf) ||
	    (size_t)(slash ? slash - path : 1) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (pf->leaf[0] == '\0' || strcmp(pf->leaf, ".") == 0 || strcmp(pf->leaf, "..") == 0) {
		errno = EISDIR;
		return -1;
	}
	if ((pf->dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	for (int i = 0; i < 100 && fd == -1; i++) {   /* a new file: never one that was there */
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned)pid * 2654435761u + (unsigned)i;
		snprintf(tmp, sizeof(tmp), ".%.200s.%08x", pf->leaf, r);
		fd = openat(pf->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		trace_call(trace, fd, errno, "openat(\"%s\", O_WRONLY|O_CREAT|O_EXCL, 0644)", tmp);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1)
		goto fail;
	len = snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (fchmod(fd, 0644) == -1 || write_all(fd, text, (size_t)len) == -1 || fstat(fd, &st) == -1 ||
	    close(fd) == -1) {
		int e = errno;
		unlinkat(pf->dfd, tmp, 0);
		errno = e;
		goto fail;
	}
	pf->id.type = st.st_mode & S_IFMT;
	pf->id.dev = st.st_dev;
	pf->id.ino = st.st_ino;
	int rr = renameat(pf->dfd, tmp, pf->dfd, pf->leaf);
	trace_call(trace, rr, errno, "renameat(\"%s\", \"%s\")", tmp, pf->leaf);
	if (rr == -1) {
		int e = errno;
		unlinkat(pf->dfd, tmp, 0);
		errno = e;
		goto fail;
	}
	return 0;
fail:;
	int e = errno;
	close(pf->dfd);
	pf->dfd = -1;
	errno = e;
	return -1;
}

void pidfile_delete(struct pidfile *pf, bool trace)
{
	struct file_id found;

	if (pf->dfd == -1)
		return;
	unlink_same(pf->dfd, pf->leaf, &pf->id, &found, trace);   /* replaced since: not ours */
	close(pf->dfd);
	pf->dfd = -1;
}

int pidfile_pid(const char *path, pid_t *pid)
{
	char buf[64];
	long long v;
	int n;

	struct stat st = { .st_mode = S_IFREG };
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* a FIFO must not hang us */

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || (n = (int)read(fd, buf, sizeof(buf) - 1)) < 0) {
		int e = S_ISREG(st.st_mode) ? errno : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	size_t len = strlen(buf);
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (strspn(buf, "0123456789") != len || parse_int_range(buf, 1, INT32_MAX, &v) == -1) {
		errno = EINVAL;
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}
