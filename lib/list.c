/*
 * The object list: growing it, naming its objects, freeing it. Calls nothing
 * else of the library but kind_name(); every collector (and the /proc pass,
 * which adds the FIFOs processes hold) adds to it through here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ipckit.h"

/* A new object of the kind: every field NA, owners unknown, until a collector fills it. */
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
	o->key = o->id = o->mode = NA;
	o->uid = o->cuid = (uid_t)-1;
	o->gid = o->cgid = (gid_t)-1;
	o->size = o->msgs = o->nattch = o->nsems = o->value = NA;
	o->maxmsg = o->msgsize = o->waiters = NA;
	o->cpid = o->lpid = o->lspid = o->lrpid = o->notify_pid = NA;
	o->ctime = o->atime = o->dtime = o->stime = o->rtime = o->otime = o->mtime = NA;
	return o;
}

void ipc_obj_fill_stat(struct ipc_obj *o, const struct stat *st)
{
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = (int)(st->st_mode & 0777);
	o->ctime = st->st_ctime;
	o->mtime = st->st_mtime;
	o->atime = st->st_atime;
}

struct ipc_obj *ipc_list_add_file(struct ipc_list *l, enum ipc_kind kind, const char *name,
                                  const struct stat *st)
{
	struct ipc_obj *o = ipc_list_add(l, kind);

	if (o == NULL)
		return NULL;
	if ((o->name = strdup(name)) == NULL)
		return NULL;
	if (st)
		ipc_obj_fill_stat(o, st);
	return o;
}

int fifo_add(struct ipc_list *l, const char *path, const struct stat *st)
{
	struct ipc_obj *o = ipc_list_add_file(l, KIND_FIFO, path, st);

	if (o == NULL)
		return -1;
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	return ipc_obj_set_ref(o);
}

void ipc_obj_free(struct ipc_obj *o)
{
	free(o->name);
	free(o->ref);
	free(o->users);
}

void ipc_list_free(struct ipc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ipc_obj_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Drops the last object added, as if it had not been (a load that failed half way). */
void ipc_list_drop_last(struct ipc_list *l)
{
	if (l->n > 0)
		ipc_obj_free(&l->v[--l->n]);
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
