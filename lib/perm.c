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
#include <unistd.h>

#include "kinds.h"

static bool have_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) == -1)
		return geteuid() == 0;
	return (d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap)) != 0;
}

/* The kernel's one shape of rule: the caller is one of two owners, or has the capability. */
static int owner_or_cap(uid_t a, uid_t b, int cap, int err)
{
	uid_t me = geteuid();

	if (me == a || me == b || have_cap(cap))
		return 0;
	errno = err;
	return -1;
}

/*
 * unlink(2)'s rule (the kernel's may_delete): write and search permission on
 * the directory, and in a sticky directory such as /tmp or /dev/shm, owning
 * the file or the directory, or CAP_FOWNER.
 */
static int may_unlink_in(int dfd, const char *leaf, bool trace)
{
	struct stat dir, st;
	int r;

	if (fstat(dfd, &dir) == -1 || fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	r = faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS);
	trace_call(trace, r, errno, "faccessat(%d, \".\", W_OK|X_OK, AT_EACCESS)", dfd);
	if (r == -1)
		return -1;
	if (dir.st_mode & S_ISVTX)
		return owner_or_cap(st.st_uid, dir.st_uid, CAP_FOWNER, EPERM);
	return 0;
}

/* may_unlink_in the directory dfd (closed here); -1 with errno if dfd is -1. */
static int may_unlink_at(int dfd, const char *leaf, bool trace)
{
	int r;

	if (dfd == -1)
		return -1;
	r = may_unlink_in(dfd, leaf, trace);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int posix_may_remove(const struct ipc_obj *o, bool trace)
{
	char file[NAME_MAX + 8];
	int r;

	/* not mounted: mq_unlink works in the kernel's own mount, whose root is 1777 and root's */
	if (o->kind == KIND_POSIX_MQ && !mqueue_mounted())
		return owner_or_cap(o->uid, 0, CAP_FOWNER, EACCES);
	snprintf(file, sizeof(file), "%s%s", o->kind == KIND_POSIX_SEM ? "sem." : "", o->name + 1);
	r = may_unlink_at(open(posix_dir(o->kind), O_PATH | O_DIRECTORY | O_CLOEXEC), file, trace);
	if (r == -1 && errno == EPERM)
		errno = EACCES;   /* what mq_unlink, shm_unlink and sem_unlink say instead */
	return r;
}

int file_may_remove(const struct ipc_obj *o, bool trace)
{
	const char *leaf = NULL;
	int dfd = path_open_dir(o->name, &leaf, trace);

	return may_unlink_at(dfd, leaf, trace);
}

/* IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN. */
int sysv_may_remove(const struct ipc_obj *o, bool trace)
{
	(void)trace;
	return owner_or_cap(o->uid, o->cuid, CAP_SYS_ADMIN, EPERM);
}
