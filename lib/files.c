/* FIFOs and unix sockets: objects that live in the filesystem or in /proc/net/unix. */
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

/* One line of /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path". */
struct unix_line {
	unsigned long flags, inode;
	unsigned type, st;
	const char *path;   /* NULL if unnamed; "@x" for abstract */
};

static int parse_unix_line(char *line, struct unix_line *u)
{
	int off = 0;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%*s %*x %*x %lx %x %x %lu%n", &u->flags, &u->type, &u->st, &u->inode, &off) != 4)
		return -1;
	while (line[off] == ' ')
		off++;
	u->path = line[off] ? line + off : NULL;
	return 0;
}

#define SO_ACCEPTCON_FLAG 0x10000
#define SS_CONNECTED_STATE 3

/*
 * Named sockets from /proc/net/unix, each listed once: a connection accepted
 * from a listener repeats the listener's name and is counted, not listed.
 */
static int unix_from_proc(struct ipc_list *l, struct sockfiles *socks, const char *only,
                          bool trace)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[PATH_MAX + 128];
	size_t first = l->n;

	trace_call(trace, f ? 3 : -1, errno, "open(\"/proc/net/unix\", O_RDONLY)");
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct unix_line u;
		if (parse_unix_line(line, &u) == -1 || u.path == NULL)
			continue;
		if (only && strcmp(u.path, only) != 0)
			continue;
		bool child = u.st == SS_CONNECTED_STATE && u.type != SOCK_DGRAM &&
		             !(u.flags & SO_ACCEPTCON_FLAG);
		if (child) {
			for (size_t i = first; i < l->n; i++)
				if (l->v[i].listening && strcmp(l->v[i].name, u.path) == 0) {
					l->v[i].conns++;
					break;
				}
			continue;
		}
		struct ipc_obj *o = add_file_obj(l, KIND_UNIX, u.path);
		if (o == NULL) {
			fclose(f);
			return -1;
		}
		o->socktype = (int)u.type;
		o->listening = (u.flags & SO_ACCEPTCON_FLAG) != 0;
		o->dev = 0;
		o->ino = u.inode;
		if (u.path[0] != '@') {
			struct stat st;
			if (lstat(u.path, &st) == 0 && S_ISSOCK(st.st_mode))
				fill_file_stat(o, &st);
		}
		if (ipc_obj_set_ref(o) == -1) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	/* Socket files that no live socket is bound to: stale, left by a dead server. */
	for (size_t i = 0; socks && i < socks->n; i++) {
		bool live = false;
		for (size_t j = first; j < l->n && !live; j++)
			live = strcmp(l->v[j].name, socks->v[i].path) == 0;
		if (live)
			continue;
		struct ipc_obj *o = add_file_obj(l, KIND_UNIX, socks->v[i].path);
		if (o == NULL)
			return -1;
		fill_file_stat(o, &socks->v[i].st);
		o->stale = true;
		if (ipc_obj_set_ref(o) == -1)
			return -1;
	}
	return 0;
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
		r = unix_from_proc(l, &socks, NULL, trace);
	sockfiles_free(&socks);
	return r;
}

int unix_collect(struct ipc_list *l, bool trace)
{
	return unix_from_proc(l, NULL, NULL, trace);
}

int fifo_load(struct ipc_list *l, const char *path, bool trace)
{
	struct stat st;
	struct ipc_obj *o;
	int r = lstat(path, &st);

	trace_call(trace, r, errno, "lstat(\"%s\")", path);
	if (r == -1)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
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
	size_t before = l->n;
	struct stat st;

	snprintf(want, sizeof(want), "%s%s", abstract ? "@" : "", name);
	if (!abstract) {
		int r = lstat(name, &st);
		trace_call(trace, r, errno, "lstat(\"%s\")", name);
		if (r == -1)
			return -1;
		if (!S_ISSOCK(st.st_mode)) {
			errno = S_ISLNK(st.st_mode) ? ELOOP : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
			return -1;
		}
	}
	if (unix_from_proc(l, NULL, want, trace) == -1)
		return -1;
	if (l->n > before)
		return 0;
	if (abstract) {
		errno = ENOENT;
		return -1;
	}
	struct ipc_obj *o = add_file_obj(l, KIND_UNIX, name);
	if (o == NULL)
		return -1;
	fill_file_stat(o, &st);
	o->stale = true;
	return ipc_obj_set_ref(o);
}

int file_remove(const char *path, int want_type, bool trace)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct stat st;
	int dfd, r;

	if (strlen(path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (base == NULL) {
		strcpy(dir, ".");
		base = path;
	} else {
		size_t n = (size_t)(base - path);
		memcpy(dir, path, n ? n : 1);
		dir[n ? n : 1] = '\0';
		base++;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	/* Look at the name itself, never at what a symlink points to. */
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		int saved = errno;
		close(dfd);
		errno = saved;
		return -1;
	}
	if ((st.st_mode & S_IFMT) != (mode_t)want_type) {
		close(dfd);
		errno = S_ISLNK(st.st_mode) ? ELOOP : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	r = unlinkat(dfd, base, 0);
	trace_call(trace, r, errno, "unlink(\"%s\")", path);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}
