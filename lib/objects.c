/* What every listing and removal judges of an object: its state, and whether a filter selects it. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "ipckit.h"

static const char *const state_names[] = {
	[STATE_UNKNOWN] = "unknown", [STATE_IN_USE] = "in-use",
	[STATE_IDLE] = "idle", [STATE_ORPHAN] = "orphan",
};

const char *state_name(enum ipc_state s)
{
	return state_names[s];
}

/* Whether a pid is alive, asked once per pid: many objects share a creator. */
struct pid_cache {
	int64_t pid[256];
	signed char alive[256];   /* 0: empty slot */
};

static bool alive_cached(struct pid_cache *c, int64_t pid)
{
	if (pid <= 0)
		return false;
	for (size_t i = 0, h = (size_t)pid; i < 256; i++, h++) {
		size_t k = h & 255;
		if (c->alive[k] == 0) {
			c->pid[k] = pid;
			c->alive[k] = pid_alive(pid) ? 1 : -1;
		}
		if (c->pid[k] == pid)
			return c->alive[k] > 0;
	}
	return pid_alive(pid);
}

static enum ipc_state sysv_state(const struct ipc_obj *o, struct pid_cache *c)
{
	if (o->kind == KIND_SYSV_SEM && o->unreadable)
		return STATE_UNKNOWN;   /* its waiters and last operators cannot be read */
	int64_t pids[] = { o->cpid, o->lpid, o->lspid, o->lrpid };
	for (size_t i = 0; i < 4; i++)
		if (alive_cached(c, pids[i]))
			return STATE_IDLE;
	return STATE_ORPHAN;
}

/*
 * in-use:  a live process has it open or mapped, is attached to it, waits on it
 *          or is registered for its notification;
 * unknown: not seen in use, but some process that could hold it could not be
 *          read (another user's, for an unprivileged caller), or a semaphore
 *          set's waiters could not be read: never called orphan unseen;
 * orphan:  not in use, and nothing alive is tied to it: for System V the creator
 *          and the last processes to operate on it are gone; a POSIX object or a
 *          FIFO that nobody opens or maps; a socket file with no socket bound;
 * idle:    neither (a System V object whose creator or last user still runs;
 *          a live socket whose holder we cannot see).
 */
void ipc_state_compute(struct ipc_list *l)
{
	struct pid_cache cache = { .alive = { 0 } }, *c = &cache;

	for (size_t i = 0; i < l->n; i++) {
		struct ipc_obj *o = &l->v[i];
		bool in_use = o->nusers > 0 || (o->kind == KIND_SYSV_SHM && o->nattch > 0) ||
		              o->waiters > 0 || (o->notify_pid > 0 && alive_cached(c, o->notify_pid));
		if (in_use)
			o->state = STATE_IN_USE;
		else if (KIND_IS_SYSV(o->kind))
			o->state = sysv_state(o, c);
		else if (o->unseen > 0)
			o->state = STATE_UNKNOWN;
		else if (o->kind == KIND_UNIX)
			o->state = o->stale ? STATE_ORPHAN : STATE_IDLE;
		else
			o->state = STATE_ORPHAN;
	}
}

/*
 * CTIME, but a POSIX queue's MTIME (its creation or last send or receive):
 * reading /dev/mqueue/NAME for its byte count, as every listing does, sets
 * its atime and ctime to now (the kernel's mqueue_read_file), never its mtime.
 */
int64_t ipc_obj_age_time(const struct ipc_obj *o)
{
	return o->kind == KIND_POSIX_MQ ? o->mtime : o->ctime;
}

bool ipc_filter_match(const struct ipc_filter *f, const struct ipc_obj *o, int64_t now)
{
	char buf[32];

	if (!(f->kinds & KIND_BIT(o->kind)))
		return false;
	if (f->by_user && o->uid != f->uid)
		return false;
	if (f->orphans && o->state != STATE_ORPHAN)
		return false;
	if (f->older_than_s != NA) {
		int64_t t = ipc_obj_age_time(o);
		if (t == NA || now - t < f->older_than_s)
			return false;
	}
	if (f->glob) {
		/* IPC_PRIVATE is not a name: such objects are never matched by key, a glob included. */
		if (KIND_IS_SYSV(o->kind) && o->key == IPC_PRIVATE)
			return false;
		if (fnmatch(f->glob, ipc_obj_name(o, buf, sizeof(buf)), 0) != 0)
			return false;
	}
	return true;
}
