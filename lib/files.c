/* FIFOs and unix sockets: objects that live in the filesystem, and sockets the kernel names. */
#include <dirent.h>   /* DT_* */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipckit.h"

#define WALK_MAX_DEPTH 4   /* /run/user/1000/systemd/private is 4 deep */

const char *const default_fifo_paths[] = { "/tmp", "/run", "/var/run", "/dev/shm", "/var/tmp" };
const size_t default_fifo_npaths = sizeof(default_fifo_paths) / sizeof(default_fifo_paths[0]);

static void obj_init_file(struct ipc_obj *o)
{
	o->key = o->id = NA;
	o->size = o->msgs = o->nattch = o->nsems = o->value = NA;
	o->maxmsg = o->msgsize = o->waiters = NA;
	o->cpid = o->lpid = o->lspid = o->lrpid = o->notify_pid = NA;
	o->ctime = o->atime = o->dtime = o->stime = o->rtime = o->otime = o->mtime = NA;
	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	o->cuid = (uid_t)-1;
	o->cgid = (gid_t)-1;
	o->mode = NA;
}

static void fill_file_stat(struct ipc_obj *o, const struct stat *st)
{
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = (int)(st->st_mode & 0777);
	o->ctime = st->st_ctime;
	o->mtime = st->st_mtime;
	o->atime = st->st_atime;
}

static struct ipc_obj *add_file_obj(struct ipc_list *l, enum ipc_kind kind, const char *name)
{
	struct ipc_obj *o = ipc_list_add(l, kind);

	if (o == NULL)
		return NULL;
	obj_init_file(o);
	if ((o->name = strdup(name)) == NULL)
		return NULL;
	return o;
}

/* Socket files seen on disk, kept until /proc/net/unix says which are live. */
struct sockfile {
	char *path;
	struct stat st;
};
struct sockfiles {
	struct sockfile *v;
	size_t n, cap;
};

struct walk {
	struct ipc_list *l;
	unsigned kinds;
	struct sockfiles *socks;
	dev_t seen_dev[16];
	ino_t seen_ino[16];
	size_t nseen;
};

static int walk_dir(struct walk *w, int dfd, char *path, size_t plen, int depth)
{
	struct dir_iter d = { .fd = dfd };
	const char *name;
	unsigned char t;
	int r = 0;

	while (r == 0 && (name = dir_next(&d, &t)) != NULL) {
		struct stat st;
		size_t nlen = strlen(name);

		if (t != DT_FIFO && t != DT_SOCK && t != DT_DIR && t != DT_UNKNOWN)
			continue;
		if (plen + 1 + nlen >= PATH_MAX)
			continue;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		path[plen] = '/';
		memcpy(path + plen + 1, name, nlen + 1);
		if (S_ISDIR(st.st_mode)) {
			if (depth < WALK_MAX_DEPTH) {
				int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub != -1)
					r = walk_dir(w, sub, path, plen + 1 + nlen, depth + 1);
			}
		} else if (S_ISFIFO(st.st_mode) && (w->kinds & KIND_BIT(KIND_FIFO))) {
			struct ipc_obj *o = add_file_obj(w->l, KIND_FIFO, path);
			if (o == NULL)
				r = -1;
			else {
				fill_file_stat(o, &st);
				o->dev = st.st_dev;
				o->ino = st.st_ino;
				r = ipc_obj_set_ref(o);
			}
		} else if (S_ISSOCK(st.st_mode) && (w->kinds & KIND_BIT(KIND_UNIX))) {
			struct sockfiles *s = w->socks;
			if (s->n == s->cap) {
				size_t cap = s->cap ? s->cap * 2 : 32;
				struct sockfile *v = reallocarray(s->v, cap, sizeof(*v));
				if (v == NULL) {
					r = -1;
					break;
				}
				s->v = v;
				s->cap = cap;
			}
			if ((s->v[s->n].path = strdup(path)) == NULL)
				r = -1;
			else
				s->v[s->n++].st = st;
		}
		path[plen] = '\0';
	}
	close(dfd);
	return r;
}

static int walk_paths(struct walk *w, const char *const *paths, size_t npaths, bool trace)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		size_t plen = strlen(paths[i]);
		bool seen = false;
		int dfd = open(paths[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		trace_call(trace, dfd, errno, "open(\"%s\", O_RDONLY|O_DIRECTORY|O_NOFOLLOW)", paths[i]);
		if (dfd == -1)
			continue;   /* missing, or a symlink such as /var/run -> /run */
		if (fstat(dfd, &st) == -1 || plen >= PATH_MAX) {
			close(dfd);
			continue;
		}
		for (size_t j = 0; j < w->nseen; j++)
			seen |= w->seen_dev[j] == st.st_dev && w->seen_ino[j] == st.st_ino;
		if (seen) {
			close(dfd);
			continue;
		}
		if (w->nseen < 16) {
			w->seen_dev[w->nseen] = st.st_dev;
			w->seen_ino[w->nseen++] = st.st_ino;
		}
		memcpy(path, paths[i], plen + 1);
		while (plen > 1 && path[plen - 1] == '/')
			path[--plen] = '\0';
		if (plen == 1)
			plen = 0;   /* "/" walks as "" + "/name" */
		if (walk_dir(w, dfd, path, plen, 1) == -1)
			return -1;
	}
	return 0;
}

/* A live socket; named `name` when the caller reached it by another path than the kernel's. */
static int add_live(struct ipc_list *l, const struct unix_socks *s, const struct unix_sock *u,
                    const char *name, const struct stat *file)
{
	struct ipc_obj *o = add_file_obj(l, KIND_UNIX, name ? name : u->name);
	struct stat st;

	if (o == NULL)
		return -1;
	o->socktype = u->type;
	o->listening = u->listening;
	o->conns = u->conns;
	o->dev = 0;
	o->ino = u->ino;
	if (file)
		st = *file;
	/* the file at the kernel's name may be another one since (or relative to another directory) */
	if (u->name[0] != '@' && (file || lstat(u->name, &st) == 0) && S_ISSOCK(st.st_mode) &&
	    unix_socks_find(s, u->name, &st) == u) {
		fill_file_stat(o, &st);
		o->file_dev = st.st_dev;
		o->file_ino = st.st_ino;
	}
	return ipc_obj_set_ref(o);
}

/* A socket file no live socket is bound to: stale, left by a server that died. */
static int add_stale(struct ipc_list *l, const char *path, const struct stat *st)
{
	struct ipc_obj *o = add_file_obj(l, KIND_UNIX, path);

	if (o == NULL)
		return -1;
	fill_file_stat(o, st);
	o->file_dev = st->st_dev;
	o->file_ino = st->st_ino;
	o->stale = true;
	return ipc_obj_set_ref(o);
}

/* Live sockets from the kernel, then the socket files seen on disk that none is bound to. */
static int unix_from_kernel(struct ipc_list *l, struct sockfiles *socks, bool trace)
{
	struct unix_socks s;
	int r = 0;

	if (unix_socks_read(&s, trace) == -1)
		return -1;
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = add_live(l, &s, &s.v[i], NULL, NULL);
	for (size_t i = 0; r == 0 && socks && i < socks->n; i++)
		if (unix_socks_find(&s, socks->v[i].path, &socks->v[i].st) == NULL)
			r = add_stale(l, socks->v[i].path, &socks->v[i].st);
	unix_socks_free(&s);
	return r;
}

static void sockfiles_free(struct sockfiles *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
}

int files_collect(struct ipc_list *l, unsigned kinds, const char *const *paths, size_t npaths, bool trace)
{
	struct sockfiles socks = { 0 };
	struct walk w = { .l = l, .kinds = kinds, .socks = &socks };
	int r = 0;

	if (kinds & (KIND_BIT(KIND_FIFO) | KIND_BIT(KIND_UNIX)))
		r = walk_paths(&w, paths, npaths, trace);
	if (r == 0 && (kinds & KIND_BIT(KIND_UNIX)))
		r = unix_from_kernel(l, &socks, trace);
	sockfiles_free(&socks);
	return r;
}

/* lstat, reached through no symlink in any directory of the path. */
static int stat_nofollow(const char *path, struct stat *st, bool trace)
{
	char ebuf[ESC_MAX];
	const char *leaf;
	int dfd = path_open_dir(path, &leaf, trace);
	int r;

	if (dfd == -1)
		return -1;
	r = leaf[0] ? fstatat(dfd, leaf, st, AT_SYMLINK_NOFOLLOW) : fstat(dfd, st);
	trace_call(trace, r, errno, "fstatat(%d, \"%s\", AT_SYMLINK_NOFOLLOW)", dfd, esc(leaf, ebuf, sizeof(ebuf)));
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int fifo_load(struct ipc_list *l, const char *path, bool trace)
{
	struct stat st;
	struct ipc_obj *o;

	if (stat_nofollow(path, &st, trace) == -1)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((o = add_file_obj(l, KIND_FIFO, path)) == NULL)
		return -1;
	fill_file_stat(o, &st);
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return ipc_obj_set_ref(o);
}

int unix_load(struct ipc_list *l, const char *name, bool abstract, bool trace)
{
	char want[PATH_MAX + 2];
	const struct unix_sock *u;
	struct unix_socks s;
	struct stat st;
	int r;

	if (!abstract) {
		if (stat_nofollow(name, &st, trace) == -1)
			return -1;
		if (!S_ISSOCK(st.st_mode)) {
			errno = EINVAL;
			return -1;
		}
	}
	snprintf(want, sizeof(want), "%s%s", abstract ? "@" : "", name);
	if (unix_socks_read(&s, trace) == -1)
		return -1;
	u = unix_socks_find(&s, want, abstract ? NULL : &st);
	if (u)
		r = add_live(l, &s, u, want, abstract ? NULL : &st);
	else if (abstract) {
		errno = ENOENT;
		r = -1;
	} else {
		r = add_stale(l, name, &st);
	}
	int saved = errno;
	unix_socks_free(&s);
	errno = saved;
	return r;
}

int file_remove(const char *path, const struct file_id *want, bool unbound, struct file_id *found,
                bool trace)
{
	const char *leaf;
	struct stat st;
	int dfd = path_open_dir(path, &leaf, trace);
	int r = 0;

	if (dfd == -1)
		return -1;
	/* A socket listed as stale may have been bound since: ask the kernel right before unlinking. */
	if (unbound && leaf[0] && fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode)) {
		r = unix_bound(path, &st, trace);
		if (r == 1) {
			errno = EADDRINUSE;
			r = -1;
		}
	}
	if (r == 0)
		r = unlink_same(dfd, leaf, want, found, trace);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}
