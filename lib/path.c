/*
 * Files reached without following a symbolic link in any component, and
 * unlinked only when they are still the file that was listed. ipc-rm removes
 * FIFOs and socket files as root in world-writable directories: a directory
 * swapped for a symlink, or a file swapped for another, must not redirect it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipckit.h"

/* openat2 with RESOLVE_NO_SYMLINKS: the kernel refuses a symlink anywhere in dir. */
static int open_dir_openat2(const char *dir, bool trace)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));

	trace_call(trace, fd, errno, "openat2(AT_FDCWD, \"%s\", {O_PATH|O_DIRECTORY, RESOLVE_NO_SYMLINKS})",
	           dir);
	return fd;
}

/* Where openat2 is missing: one component at a time from / (or the working directory). */
static int open_dir_walk(const char *dir, bool trace)
{
	char copy[PATH_MAX];
	char *save = NULL, *comp;
	int fd;

	if (strlcpy(copy, dir, sizeof(copy)) >= sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	trace_call(trace, fd, errno, "open(\"%s\", O_PATH|O_DIRECTORY)", dir[0] == '/' ? "/" : ".");
	if (fd == -1)
		return -1;
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		struct stat st;

		trace_call(trace, next, err, "openat(%d, \"%s\", O_PATH|O_DIRECTORY|O_NOFOLLOW)",
		           fd, comp);
		/* O_PATH|O_NOFOLLOW opens a symlink itself, which O_DIRECTORY then refuses. */
		if (next == -1 && err == ENOTDIR && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			err = ELOOP;
		close(fd);
		if (next == -1) {
			errno = err;
			return -1;
		}
		fd = next;
	}
	return fd;
}

int path_open_dir(const char *path, const char **leaf, bool trace)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (strlen(path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (slash == NULL) {
		strcpy(dir, ".");
		*leaf = path;
	} else {
		size_t n = (size_t)(slash - path);
		memcpy(dir, path, n ? n : 1);   /* "/x" lives in "/" */
		dir[n ? n : 1] = '\0';
		*leaf = slash + 1;
	}
	fd = open_dir_openat2(dir, trace);
	if (fd == -1 && (errno == ENOSYS || errno == EPERM))   /* old kernel, or a seccomp filter */
		fd = open_dir_walk(dir, trace);
	return fd;
}

int path_real(const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX], *real;
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL || strlen(path) >= sizeof(dir)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if ((real = realpath(dir[0] ? dir : "/", NULL)) == NULL)
		return -1;
	n = snprintf(buf, len, "%s/%s", strcmp(real, "/") == 0 ? "" : real, slash + 1);
	free(real);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void file_id_of(const struct stat *st, struct file_id *id)
{
	id->type = st->st_mode & S_IFMT;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
}

int path_leaf_id(int dfd, const char *leaf, struct file_id *id)
{
	struct stat st;

	if (leaf[0] == '\0') {
		/* "dir/": the directory itself, which is never what is asked for */
		if (fstat(dfd, &st) == -1)
			return -1;
	} else if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		return -1;
	}
	file_id_of(&st, id);
	return 0;
}

static bool file_id_same(const struct file_id *want, const struct file_id *found)
{
	return want->type == found->type && want->dev == found->dev && want->ino == found->ino;
}

int unlink_same(int dfd, const char *leaf, const struct file_id *want, struct file_id *found, bool trace)
{
	int r;

	if (path_leaf_id(dfd, leaf, found) == -1)
		return -1;
	if (found->type != want->type) {
		errno = EINVAL;
		return -1;
	}
	if (!file_id_same(want, found)) {
		errno = ESTALE;
		return -1;
	}
	/*
	 * The name could still be replaced between the check and the unlink by
	 * someone who may write this directory; in a sticky directory only the
	 * file's owner can, so at worst they lose a file of their own.
	 */
	r = unlinkat(dfd, leaf, 0);
	trace_call(trace, r, errno, "unlinkat(%d, \"%s\", 0)", dfd, leaf);
	return r;
}
