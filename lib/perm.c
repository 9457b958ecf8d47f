/*
 * Whether the caller may remove an object, decided as the kernel decides it,
 * without removing anything: what ipc-rm --dry-run says must be what the real
 * run would do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ipckit.h"

#define MQUEUE_MAGIC 0x19800202

static bool have_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) == -1)
		return geteuid() == 0;
	return (d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap)) != 0;
}

/*
 * unlink(2)'s rule (the kernel's may_delete): write and search permission on
 * the directory, and in a sticky directory such as /tmp or /dev/shm, owning
 * the file or the directory, or CAP_FOWNER.
 */
static int may_unlink_in(int dfd, const char *leaf, bool trace)
{
	struct stat dir, st;
	uid_t me = geteuid();
	int r;

	if (fstat(dfd, &dir) == -1 || fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	r = faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS);
	trace_call(trace, r, errno, "faccessat(%d, \".\", W_OK|X_OK, AT_EACCESS)", dfd);
	if (r == -1)
		return -1;
	if ((dir.st_mode & S_ISVTX) && st.st_uid != me && dir.st_uid != me && !have_cap(CAP_FOWNER)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static int may_unlink_path(const char *dir, const char *leaf, bool trace)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd == -1)
		return -1;
	r = may_unlink_in(dfd, leaf, trace);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

static int may_remove_posix(const struct ipc_obj *o, bool trace)
{
	char file[NAME_MAX + 8];
	struct statfs sf;
	int r;

	if (o->kind == KIND_POSIX_MQ && (statfs("/dev/mqueue", &sf) == -1 || sf.f_type != MQUEUE_MAGIC)) {
		/* not mounted: mq_unlink works in the kernel's own mount, whose root is 1777 and root's */
		if (o->uid == geteuid() || geteuid() == 0 || have_cap(CAP_FOWNER))
			return 0;
		errno = EACCES;
		return -1;
	}
	snprintf(file, sizeof(file), "%s%s", o->kind == KIND_POSIX_SEM ? "sem." : "", o->name + 1);
	r = may_unlink_path(posix_dir(o->kind), file, trace);
	if (r == -1 && errno == EPERM)
		errno = EACCES;   /* what mq_unlink, shm_unlink and sem_unlink say instead */
	return r;
}

static int may_remove_file(const struct ipc_obj *o, bool trace)
{
	const char *leaf;
	int dfd = path_open_dir(o->name, &leaf, trace);
	int r;

	if (dfd == -1)
		return -1;
	r = may_unlink_in(dfd, leaf, trace);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int ipc_may_remove(const struct ipc_obj *o, bool trace)
{
	if (KIND_IS_SYSV(o->kind)) {
		/* IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN */
		uid_t me = geteuid();
		if (me == o->uid || me == o->cuid || have_cap(CAP_SYS_ADMIN))
			return 0;
		errno = EPERM;
		return -1;
	}
	if (KIND_IS_POSIX(o->kind))
		return may_remove_posix(o, trace);
	return may_remove_file(o, trace);
}
