/*
 * Shared memory segments, POSIX (/dev/shm) and System V, for ipc-shm: open,
 * create, map, resize, remove; the hexdump -C layout; and the streaming ring
 * (shmring.c) that push and pull run over a segment.
 */
#ifndef IPCKIT_SHM_H
#define IPCKIT_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipckit.h"

struct shmseg {
	enum ipc_kind kind;       /* KIND_POSIX_SHM or KIND_SYSV_SHM */
	int fd;                   /* POSIX: the shm_open descriptor, -1 when closed */
	int id;                   /* System V: the shmid */
	char name[NAME_MAX + 2];  /* POSIX name */
	uint64_t size;            /* bytes, when opened */
	void *addr;               /* the mapping, NULL when not mapped */
	size_t maplen;
	bool writable;            /* opened (and mapped) for writing */
	bool trace;
};

struct shmseg_create {
	uint64_t size;
	int mode;
	bool mode_given;          /* with exist_ok: compare the mode of an existing segment */
	bool exist_ok;            /* an existing segment will do if size and mode given match */
	struct attr_diff diff;    /* out, with EEXIST: "size" or "mode" */
};

/* A REF as ipc-shm reads it: /name is POSIX, key:, id: and ftok: System V; -1 with *why. */
int shm_ref_parse(const char *text, struct ipc_ref *r, const char **why);
/* Opens an existing segment, for reading or also for writing; size is filled in. */
int shmseg_open(struct shmseg *s, const struct ipc_ref *r, bool writable, bool trace);
/*
 * Creates a segment of c->size bytes and exactly c->mode, exclusively unless
 * c->exist_ok; what this call made is removed again if a later step fails.
 * -1 with errno; EEXIST with c->differs set when an existing one differs.
 */
int shmseg_create(struct shmseg *s, const struct ipc_ref *r, struct shmseg_create *c, bool trace);
/* Maps all of it (mmap or shmat; read-only unless opened writable). An empty segment maps nothing. */
int shmseg_map(struct shmseg *s);
/* Unmaps (munmap or shmdt) and closes; keeps errno. */
void shmseg_close(struct shmseg *s);
/* POSIX: a new size (ftruncate); EINVAL for System V. */
int shmseg_resize(struct shmseg *s, uint64_t size);
/*
 * POSIX: the pages of [off, off + len) allocated now (fallocate), so that a full
 * /dev/shm is ENOSPC before anything is written, not SIGBUS halfway. 0 for System V.
 */
int shmseg_reserve(struct shmseg *s, uint64_t off, uint64_t len);
/* Removes the segment a REF names: shm_unlink, or shmctl(IPC_RMID) of the id it resolves to. */
int shmseg_remove(const struct ipc_ref *r, bool trace);
/* Whether the name still leads to this segment (POSIX: same inode; System V: not marked removed). */
bool shmseg_still_there(const struct shmseg *s);
/*
 * The largest size a new segment may have, and what limits it: kernel.shmmax
 * for System V, the size of the /dev/shm file system for POSIX. 0 if unknown.
 */
uint64_t shmseg_max_size(enum ipc_kind kind, const char **what);

/*
 * len bytes at p, which stand at offset off, to f in the layout of hexdump -C:
 * a line that repeats the one before is a single '*' (the closing offset line
 * is the caller's).
 */
void hexdump(FILE *f, uint64_t off, const unsigned char *p, uint64_t len);

/* ---- shmring.c: a byte stream through a segment, two counting semaphores over a ring of slots ---- */
struct shmring;   /* the header at the start of the segment */
enum ring_side { RING_PUSH, RING_PULL };
struct ring_end {
	struct shmseg *seg;
	struct shmring *h;
	enum ring_side side;
	unsigned char *data;      /* the first slot */
	uint64_t slot_size, nslots, next;   /* next: the slot this side takes next (a count) */
	pid_t me, peer;           /* the peer's pid, when it is known */
	bool spin;                /* more than one CPU: spin briefly before sleeping */
	volatile sig_atomic_t *stop;   /* a stop signal came: end a wait with EINTR */
	int64_t timeout_ns;       /* how long one wait may last; -1 for ever */
	int64_t deadline;         /* of the wait under way: CLOCK_MONOTONIC ns; -1 none */
	uint64_t bytes;           /* moved so far */
};
/* The smallest segment a ring fits in. */
#define RING_MIN_SIZE (4 * 4096)
/*
 * Takes the push or pull end of the ring in a mapped, writable segment, making
 * the ring first if the segment holds none (or a stream that has ended).
 * timeout_ns bounds every wait of this end, each on its own (-1: none; 0: do
 * not wait). -1 with errno: EBUSY
 * when another live process has this end (*holder = its pid), EMSGSIZE when the
 * segment is too small, ETIMEDOUT, EINTR (stop), EIDRM (removed).
 */
int ring_attach(struct ring_end *e, struct shmseg *s, enum ring_side side, int64_t timeout_ns,
                volatile sig_atomic_t *stop, pid_t *holder);
/*
 * push: reads fd into slots until its end, which goes into the ring as the end
 * of stream. -1 with errno: EPIPE when the puller went away (e->peer), ETIMEDOUT,
 * EINTR, EIDRM, or read's error (then *input_err is set).
 */
int ring_push(struct ring_end *e, int fd, bool *input_err);
/*
 * pull: writes the stream to fd until its end. -1 with errno: EPIPE when the
 * pusher went away before the end (e->peer), EPROTO when the pusher failed
 * reading its input, ETIMEDOUT, EINTR, EIDRM, or write's error (*output_err).
 */
int ring_pull(struct ring_end *e, int fd, bool *output_err);
/* Gives this end back (after an error too): the next push or pull may take it. */
void ring_detach(struct ring_end *e);

#endif
