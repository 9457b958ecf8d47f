/*
 * The library's table of kinds: what each kind does to be listed, looked up,
 * removed and judged removable (kind_ops in kinds.c, one per kind). Only
 * kinds.c dispatches on the kind; the collectors below fill lists through
 * list.c and call nothing back. Internal to lib/: tools use ipc_collect,
 * ipc_lookup, ipc_remove and ipc_may_remove (ipckit.h).
 */
#ifndef IPCKIT_KINDS_H
#define IPCKIT_KINDS_H

#include "ipckit.h"

struct kind_ops {
	/* The kinds one collect call lists: its own, or FIFOs and sockets in one walk. */
	unsigned collects;
	/* Adds every object of the kind (and of its `collects` siblings sc->kinds asks for). */
	int (*collect)(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc);
	/* Adds the one object r names (r->kind is this kind); -1/ENOENT if none, EINVAL
	   when the name is something else (for a file: another type). */
	int (*lookup)(struct ipc_list *l, const struct ipc_ref *r, bool trace);
	/* Removes o, only if it is still what was listed; *found: what a file was instead. */
	int (*remove)(const struct ipc_obj *o, struct file_id *found, bool trace);
	/* 0 if the caller may remove o, or -1 with the errno the removal would fail with. */
	int (*may_remove)(const struct ipc_obj *o, bool trace);
};

/* sysv.c */
int sysv_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc);
int sysv_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace);

/* posix.c */
int posix_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc);
int posix_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace);
bool mqueue_mounted(void);
const char *posix_dir(enum ipc_kind kind);       /* /dev/mqueue or /dev/shm */

/* files.c: FIFOs and unix sockets. With sc->kinds holding neither, only checks sc->paths. */
int files_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc);
/* One FIFO or socket named by path, reached through no symlink; -1 with errno: ELOOP when a
   directory in the path is a symlink, EINVAL when the name is not one (see path_leaf_id). */
int fifo_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace);
int unix_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace);

/* perm.c */
int sysv_may_remove(const struct ipc_obj *o, bool trace);
int posix_may_remove(const struct ipc_obj *o, bool trace);
int file_may_remove(const struct ipc_obj *o, bool trace);

#endif
