/*
 * sem.c: one semaphore, POSIX named (/name) or one member of a System V set,
 * for ipc-sem. Reports like the rest of lib/: -1 with errno, never prints
 * (but the --trace stream) and never exits.
 */
#ifndef IPCKIT_SEM_H
#define IPCKIT_SEM_H

#include <limits.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipckit.h"

struct sema {
	enum ipc_kind kind;       /* KIND_POSIX_SEM or KIND_SYSV_SEM */
	sem_t *ps;                /* POSIX: what sem_open mapped */
	uint64_t dev, ino;        /* POSIX: its file, to notice its removal (ino 0: unknown) */
	int id;                   /* System V: the semid */
	int index;                /* System V: the member acted on */
	int nsems;                /* System V: members in the set */
	char name[NAME_MAX + 2];  /* POSIX name */
	bool trace;
};

struct sema_create {
	unsigned value;           /* the starting value (every member of a System V set) */
	int nsems;                /* System V: members; 0 = 1 */
	int mode;
	bool mode_given, nsems_given;
	bool exist_ok;            /* an existing one will do, if mode and nsems given match */
	struct attr_diff diff;    /* out, with EEXIST: "nsems" or "mode" */
};

/* A REF as ipc-sem reads it: /name is POSIX, key:, id: and ftok: System V; -1 with *why. */
int sema_ref_parse(const char *text, struct ipc_ref *r, const char **why);
/* Opens an existing semaphore; index is the System V member (checked: ERANGE past the set). */
int sema_open(struct sema *s, const struct ipc_ref *r, int index, bool trace);
/* Creates one, exclusively unless c->exist_ok; a failed call leaves nothing it made. */
int sema_create(struct sema *s, const struct ipc_ref *r, struct sema_create *c, bool trace);
void sema_close(struct sema *s);
int sema_remove(const struct ipc_ref *r, bool trace);

/* The largest value the kind holds: SEM_VALUE_MAX, or the kernel's SEMVMX. */
long long sema_max(enum ipc_kind kind, bool trace);
const char *sema_max_name(enum ipc_kind kind);

/*
 * P: takes one unit, waiting up to timeout_ns (-1: for ever, 0: try once).
 * undo (System V): SEM_UNDO, the kernel gives the unit back if this process
 * dies holding it. -1 with errno: EAGAIN (timeout 0) or ETIMEDOUT; EIDRM when
 * the semaphore was removed (a POSIX one's name is checked every second);
 * EINTR when a signal with a handler came (the caller decides).
 */
int sema_wait(struct sema *s, int64_t timeout_ns, bool undo);
/*
 * V: adds n units, all or none: -1/ERANGE when the value would pass
 * sema_max() (nothing added; for POSIX, *added says how many went in before a
 * concurrent poster filled it).
 */
int sema_post(struct sema *s, unsigned n, bool undo, unsigned *added);

struct sema_value {
	int value;
	int ncnt, zcnt, pid;      /* System V only; -1 for POSIX */
};
int sema_get(struct sema *s, struct sema_value *v);
/* System V SETVAL; EINVAL for POSIX (it has no such operation), ERANGE past SEMVMX. */
int sema_set(struct sema *s, int value);

#endif
