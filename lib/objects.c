/* The object list shared by ipc-ls and ipc-rm: collect, look up, filter, judge state. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ipckit.h"

static const char *const state_names[] = {
	[STATE_UNKNOWN] = "unknown", [STATE_IN_USE] = "in-use",
	[STATE_IDLE] = "idle", [STATE_ORPHAN] = "orphan",
};

const char *state_name(enum ipc_state s)
{
	return state_names[s];
}

struct ipc_obj *ipc_list_add(struct ipc_list *l, enum ipc_kind kind)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct ipc_obj *v = reallocarray(l->v, cap, sizeof(*v));
		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	struct ipc_obj *o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

static void obj_free(struct ipc_obj *o)
{
	free(o->name);
	free(o->ref);
	free(o->users);
}

void ipc_list_free(struct ipc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		obj_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ipc_obj_set_ref(struct ipc_obj *o)
{
	int r;

	if (KIND_IS_SYSV(o->kind))
		r = asprintf(&o->ref, "%s:id:%d", kind_name(o->kind), o->id);
	else
		r = asprintf(&o->ref, "%s:%s", kind_name(o->kind), o->name);
	if (r == -1) {
		o->ref = NULL;
		return -1;
	}
	return 0;
}

const char *ipc_obj_name(const struct ipc_obj *o, char *buf, size_t len)
{
	if (KIND_IS_SYSV(o->kind)) {
		snprintf(buf, len, "0x%08x", (unsigned int)o->key);
		return buf;
	}
	return o->name;
}

int ipc_collect(struct ipc_list *l, const struct ipc_scan *sc)
{
	for (int k = 0; k < KIND_COUNT; k++) {
		if (!(sc->kinds & KIND_BIT(k)))
			continue;
		int r = 0;
		if (KIND_IS_SYSV(k))
			r = sysv_collect(l, (enum ipc_kind)k, sc->trace);
		else if (KIND_IS_POSIX(k))
			r = posix_collect(l, (enum ipc_kind)k, sc->trace);
		if (r == -1)
			return -1;
	}
	l->held_fifos = sc->paths == NULL && (sc->kinds & KIND_BIT(KIND_FIFO));
	return files_collect(l, sc);
}

/* Keeps only the objects from `from` on with this id. */
static void keep_matching(struct ipc_list *l, size_t from, int id)
{
	size_t w = from;

	for (size_t i = from; i < l->n; i++) {
		struct ipc_obj *o = &l->v[i];
		if (o->id == id)
			l->v[w++] = *o;
		else
			obj_free(o);
	}
	l->n = w;
}

/*
 * A System V REF is resolved to its id first (key: and ftok: by *get, never
 * by comparing keys: key 0 is IPC_PRIVATE and names no one object), then
 * only that id is kept from the listing.
 */
int ipc_lookup(const struct ipc_ref *r, struct ipc_list *l, bool trace)
{
	size_t before = l->n;
	int id;

	if (r->kind < 0) {
		errno = EINVAL;
		return -1;
	}
	switch (r->kind) {
	case KIND_SYSV_MSG: case KIND_SYSV_SHM: case KIND_SYSV_SEM:
		if ((id = sysv_resolve((enum ipc_kind)r->kind, r, trace)) == -1)
			return -1;
		if (sysv_collect(l, (enum ipc_kind)r->kind, trace) == -1)
			return -1;
		keep_matching(l, before, id);
		break;
	case KIND_POSIX_MQ: case KIND_POSIX_SHM: case KIND_POSIX_SEM:
		return posix_load(l, (enum ipc_kind)r->kind, r->name, trace);
	case KIND_FIFO:
		return fifo_load(l, r->name, trace);
	case KIND_UNIX:
		return unix_load(l, r->name, r->form == REF_ABSTRACT, trace);
	}
	if (l->n == before) {
		errno = ENOENT;
		return -1;
	}
	return 0;
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

int64_t ipc_obj_age_time(const struct ipc_obj *o)
{
	return o->ctime;
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
	if (f->glob && fnmatch(f->glob, ipc_obj_name(o, buf, sizeof(buf)), 0) != 0)
		return false;
	return true;
}
