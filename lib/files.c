/* FIFOs and unix sockets: objects that live in the filesystem, and sockets the kernel names. */
#include <dirent.h>   /* DT_* */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kinds.h"

/* How deep a --path tree is walked at most. */
#define WALK_MAX_DEPTH 64
#define WALK_ROOT_TAG 16   /* in the walk's id_index: a root directory, not an object */

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
	struct id_index seen;     /* FIFOs and socket files found, and roots walked: each once */
	struct { dev_t dev; ino_t ino; } up[WALK_MAX_DEPTH];   /* the directories above */
};

static int sockfile_add(struct sockfiles *s, const char *path, const struct stat *st)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct sockfile *v = reallocarray(s->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if ((s->v[s->n].path = strdup(path)) == NULL)
		return -1;
	s->v[s->n++].st = *st;
	return 0;
}

static int walk_dir(struct walk *w, int dfd, char *path, size_t plen, int depth);

/* Into a subdirectory, never through a symlink, never into one of the directories above it. */
static int walk_sub(struct walk *w, int dfd, const char *name, char *path, size_t plen, int depth)
{
	struct stat st;
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (sub == -1)
		return 0;   /* unreadable, or replaced since it was read */
	if (fstat(sub, &st) == -1) {
		close(sub);
		return 0;
	}
	for (int i = 0; i < depth; i++)
		if (w->up[i].dev == st.st_dev && w->up[i].ino == st.st_ino) {
			close(sub);   /* a bind mount of a directory inside itself */
			return 0;
		}
	w->up[depth].dev = st.st_dev;
	w->up[depth].ino = st.st_ino;
	return walk_dir(w, sub, path, plen, depth + 1);
}

/* An entry whose type says it may be ours: a FIFO, a socket, or unknown to getdents. */
static int walk_entry(struct walk *w, int dfd, const char *name, char *path, size_t plen, int depth)
{
	struct stat st;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	if (S_ISDIR(st.st_mode))
		return depth < WALK_MAX_DEPTH ? walk_sub(w, dfd, name, path, plen, depth) : 0;
	bool fifo = S_ISFIFO(st.st_mode) && (w->kinds & KIND_BIT(KIND_FIFO));
	if (!fifo && !(S_ISSOCK(st.st_mode) && (w->kinds & KIND_BIT(KIND_UNIX))))
		return 0;
	if ((r = id_index_add(&w->seen, ID_FILE, st.st_dev, st.st_ino, 0)) != 0)
		return r == 1 ? 0 : -1;   /* seen from another root */
	return fifo ? fifo_add(w->l, path, &st) : sockfile_add(w->socks, path, &st);
}

/* Reads d_type from getdents: only FIFOs, sockets and directories (unknown types) cost a stat. */
static int walk_dir(struct walk *w, int dfd, char *path, size_t plen, int depth)
{
	struct dir_iter d;
	const char *name;
	unsigned char t;
	int r = 0;

	d.fd = dfd;
	d.len = d.pos = 0;
	while (r == 0 && (name = dir_next(&d, &t)) != NULL) {
		size_t nlen = strlen(name);
		bool dir = t == DT_DIR;
		if (dir ? depth >= WALK_MAX_DEPTH : t != DT_FIFO && t != DT_SOCK && t != DT_UNKNOWN)
			continue;
		if (plen + 1 + nlen >= PATH_MAX)
			continue;
		path[plen] = '/';
		memcpy(path + plen + 1, name, nlen + 1);
		r = dir ? walk_sub(w, dfd, name, path, plen + 1 + nlen, depth)
		        : walk_entry(w, dfd, name, path, plen + 1 + nlen, depth);
		path[plen] = '\0';
	}
	close(dfd);
	return r;
}

const char *walk_path_why(int err, int *code)
{
	switch (err) {
	case ENOENT:
		*code = EXIT_NOTFOUND;
		return "no such directory";
	case ENOTDIR:
		*code = EXIT_USAGE;
		return "not a directory";
	case ELOOP:
		*code = EXIT_USAGE;
		return "is a symbolic link or passes through one; give the real path (realpath(1))";
	case EACCES: case EPERM:
		*code = EXIT_PERM;
		return "permission denied";
	default:
		*code = EXIT_FAIL;
		return strerror(err);
	}
}

/* A root, reached through no symlink in any component. */
static int walk_open_root(const char *path, bool trace)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd != -1 || errno != ENOSYS) {
		trace_call(trace, fd, errno, "openat2(AT_FDCWD, \"%s\", {O_RDONLY|O_DIRECTORY, "
		           "RESOLVE_NO_SYMLINKS})", path);
		return fd;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);   /* before Linux 5.6 */
	trace_call(trace, fd, errno, "open(\"%s\", O_RDONLY|O_DIRECTORY|O_NOFOLLOW)", path);
	return fd;
}

/* The --path roots, each walked whole, named by their real path; those not walked in path_errs. */
static int walk_paths(struct walk *w, const struct ipc_scan *sc)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sc->npaths; i++) {
		struct stat st;
		int dfd = walk_open_root(sc->paths[i], sc->trace), r;
		if (dfd == -1 || fstat(dfd, &st) == -1) {
			if (sc->path_errs)
				sc->path_errs[i] = errno;
			if (dfd != -1)
				close(dfd);
			continue;
		}
		r = id_index_add(&w->seen, WALK_ROOT_TAG, st.st_dev, st.st_ino, 0);
		if (r != 0 || !(w->kinds & (KIND_BIT(KIND_FIFO) | KIND_BIT(KIND_UNIX)))) {
			close(dfd);   /* walked already, or only checked */
			if (r == -1)
				return -1;
			continue;
		}
		if (realpath(sc->paths[i], path) == NULL)
			strlcpy(path, sc->paths[i], sizeof(path));
		size_t plen = strlen(path);
		while (plen > 0 && path[plen - 1] == '/')
			path[--plen] = '\0';   /* "/" walks as "" + "/name" */
		w->up[0].dev = st.st_dev;
		w->up[0].ino = st.st_ino;
		if (walk_dir(w, dfd, path, plen, 1) == -1)
			return -1;
	}
	return 0;
}

/* A live socket; named `name` when the caller reached it by another path than the kernel's. */
static int add_live(struct ipc_list *l, const struct unix_socks *s, const struct unix_sock *u,
                    const char *name, const struct stat *file)
{
	struct ipc_obj *o = ipc_list_add_file(l, KIND_UNIX, name ? name : u->name, NULL);
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
		ipc_obj_fill_stat(o, &st);
		o->file_dev = st.st_dev;
		o->file_ino = st.st_ino;
	}
	return ipc_obj_set_ref(o);
}

/* A socket file no live socket is bound to: stale, left by a server that died. */
static int add_stale(struct ipc_list *l, const char *path, const struct stat *st)
{
	struct ipc_obj *o = ipc_list_add_file(l, KIND_UNIX, path, st);

	if (o == NULL)
		return -1;
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

int files_collect(struct ipc_list *l, enum ipc_kind kind, const struct ipc_scan *sc)
{
	struct sockfiles socks = { 0 };
	unsigned kinds = sc->kinds & (KIND_BIT(KIND_FIFO) | KIND_BIT(KIND_UNIX));
	struct walk w = { .l = l, .kinds = kinds, .socks = &socks };
	bool trace = sc->trace;
	int r = 0;

	(void)kind;   /* both kinds sc asks for, in one walk */
	l->held_fifos = sc->paths == NULL && (kinds & KIND_BIT(KIND_FIFO));
	if (sc->paths)
		r = walk_paths(&w, sc);
	if (r == 0 && (kinds & KIND_BIT(KIND_UNIX)))
		r = unix_from_kernel(l, &socks, trace);
	sockfiles_free(&socks);
	id_index_free(&w.seen);
	return r;
}

/* lstat, reached through no symlink in any directory of the path. */
static int stat_nofollow(const char *path, struct stat *st, bool trace)
{
	const char *leaf;
	int dfd = path_open_dir(path, &leaf, trace);
	int r;

	if (dfd == -1)
		return -1;
	r = leaf[0] ? fstatat(dfd, leaf, st, AT_SYMLINK_NOFOLLOW) : fstat(dfd, st);
	trace_call(trace, r, errno, "fstatat(%d, \"%s\", AT_SYMLINK_NOFOLLOW)", dfd, leaf);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int fifo_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace)
{
	struct stat st;

	if (stat_nofollow(r->name, &st, trace) == -1)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return fifo_add(l, r->name, &st);
}

int unix_lookup(struct ipc_list *l, const struct ipc_ref *r, bool trace)
{
	bool abstract = r->form == REF_ABSTRACT;
	const char *name = r->name;
	char want[PATH_MAX + 2];
	const struct unix_sock *u;
	struct unix_socks s;
	struct stat st;
	int n;

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
		n = add_live(l, &s, u, want, abstract ? NULL : &st);
	else if (abstract) {
		errno = ENOENT;
		n = -1;
	} else {
		n = add_stale(l, name, &st);
	}
	int saved = errno;
	unix_socks_free(&s);
	errno = saved;
	return n;
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
