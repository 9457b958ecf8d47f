/* The one place that dispatches on the kind: listing, lookup and removal through the table. */
#include <errno.h>
#include <sys/stat.h>

#include "kinds.h"

static int remove_sysv(const struct ipc_obj *o, struct file_id *found, bool trace)
{
	(void)found;
	return sysv_remove(o->kind, o->id, trace);
}

static int remove_posix(const struct ipc_obj *o, struct file_id *found, bool trace)
{
	(void)found;
	return posix_remove(o->kind, o->name, trace);
}

/* Only the very FIFO that was listed, reached through no symlink. */
static int remove_fifo(const struct ipc_obj *o, struct file_id *found, bool trace)
{
	struct file_id want = { S_IFIFO, o->dev, o->ino };

	return file_remove(o->name, &want, false, found, trace);
}

/* The socket file that was listed; a stale one only if nothing is bound to it now. */
static int remove_unix(const struct ipc_obj *o, struct file_id *found, bool trace)
{
	struct file_id want = { S_IFSOCK, o->file_dev, o->file_ino };

	if (o->name[0] == '@') {
		errno = EOPNOTSUPP;   /* abstract: no file; it goes when its holder closes it */
		return -1;
	}
	return file_remove(o->name, &want, o->stale, found, trace);
}

#define SYSV { 0, sysv_collect, sysv_lookup, remove_sysv, sysv_may_remove }
#define POSIX { 0, posix_collect, posix_lookup, remove_posix, posix_may_remove }
#define FILES (KIND_BIT(KIND_FIFO) | KIND_BIT(KIND_UNIX))

static const struct kind_ops kind_ops[KIND_COUNT] = {
	[KIND_POSIX_MQ] = POSIX, [KIND_POSIX_SHM] = POSIX, [KIND_POSIX_SEM] = POSIX,
	[KIND_SYSV_MSG] = SYSV, [KIND_SYSV_SHM] = SYSV, [KIND_SYSV_SEM] = SYSV,
	[KIND_FIFO] = { FILES, files_collect, fifo_lookup, remove_fifo, file_may_remove },
	[KIND_UNIX] = { FILES, files_collect, unix_lookup, remove_unix, file_may_remove },
};

int ipc_collect(struct ipc_list *l, const struct ipc_scan *sc)
{
	unsigned done = 0;

	for (int k = 0; k < KIND_COUNT; k++) {
		if (!(sc->kinds & KIND_BIT(k)) || (done & KIND_BIT(k)))
			continue;
		if (kind_ops[k].collect(l, (enum ipc_kind)k, sc) == -1)
			return -1;
		done |= KIND_BIT(k) | kind_ops[k].collects;
	}
	/* A --path root is checked whatever the kinds: ipc-ls -t sysv --path /no says so too. */
	if (sc->paths && !(done & FILES))
		return files_collect(l, KIND_FIFO, sc);
	return 0;
}

int ipc_lookup(const struct ipc_ref *r, struct ipc_list *l, bool trace)
{
	if (r->kind < 0 || r->kind >= KIND_COUNT) {
		errno = EINVAL;
		return -1;
	}
	return kind_ops[r->kind].lookup(l, r, trace);
}

int ipc_remove(const struct ipc_obj *o, struct file_id *found, bool trace)
{
	return kind_ops[o->kind].remove(o, found, trace);
}

int ipc_may_remove(const struct ipc_obj *o, bool trace)
{
	return kind_ops[o->kind].may_remove(o, trace);
}
