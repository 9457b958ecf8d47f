/*
 * ipckit: the one header the tools include.
 *
 * The library reports (returns -1 or NULL with errno set) and never exits or
 * prints diagnostics; the tools decide what to say and which code to exit with.
 * The only thing it writes is the --trace stream, which the caller switches on.
 */
#ifndef IPCKIT_H
#define IPCKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define IPCKIT_VERSION "0.1.0"

/* Exit status, the same table in every tool (see ipckit(7)). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTFOUND = 3,
	EXIT_EXISTS = 4,
	EXIT_PERM = 5,
	EXIT_TIMEOUT = 6,
	EXIT_BUSY = 7,
};

/* ---- parse.c: numbers, sizes, durations, modes ---- */
int parse_duration_ns(const char *s, int64_t *ns);   /* 250ms 2s 1.5s 3m 1h 2d; bare = s */
int parse_size(const char *s, uint64_t *bytes);      /* 4096 4K 1M 2G 1MiB 0x1000 */
/*
 * An integer in [min, max]: decimal (a leading zero is not octal) or hex after
 * 0x; a minus sign only where min < 0; no '+', whitespace or trailing bytes.
 * -1 with EINVAL (not such a number) or ERANGE (outside [min, max]).
 */
int parse_int_range(const char *s, long long min, long long max, long long *out);
/*
 * A permission mode: octal digits as chmod writes them (644 = 0644) or symbolic
 * (u=rw,g=r, applied to 0), 0 to 0777: IPC objects have no setuid, setgid or
 * sticky bit. -1 with EINVAL (not a mode) or ERANGE (bits past 0777).
 */
int parse_mode(const char *s, mode_t *mode);
const char *format_size(uint64_t bytes, char *buf, size_t len); /* human, 1024-based */
/* An int64 field as text; NULL for NA ("does not apply"). */
const char *format_int(int64_t v, char *buf, size_t len);
/* A time as 2026-11-22T10:00:00 (local), or as epoch seconds; NULL for NA or 0 (never). */
const char *format_time(int64_t t, bool epoch, char *buf, size_t len);

/* User and group names, each looked up once; the caller keeps the cache. */
struct id_names {
	struct { unsigned id; char name[33]; bool group; } v[64];
	size_t n;
};
/* The name of a uid (group false) or gid (group true), or the number if it has none. */
const char *id_name(struct id_names *nm, unsigned id, bool group, char *buf, size_t len);

/* ---- ref.c: kinds and object references ---- */
enum ipc_kind {
	KIND_POSIX_MQ, KIND_POSIX_SHM, KIND_POSIX_SEM,
	KIND_SYSV_MSG, KIND_SYSV_SHM, KIND_SYSV_SEM,
	KIND_FIFO, KIND_UNIX,
	KIND_COUNT
};
#define KIND_BIT(k) (1u << (k))
#define KINDS_ALL ((1u << KIND_COUNT) - 1)
#define KINDS_POSIX (KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_POSIX_SEM))
#define KINDS_SYSV (KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM))
#define KIND_IS_SYSV(k) ((k) == KIND_SYSV_MSG || (k) == KIND_SYSV_SHM || (k) == KIND_SYSV_SEM)
#define KIND_IS_POSIX(k) ((k) == KIND_POSIX_MQ || (k) == KIND_POSIX_SHM || (k) == KIND_POSIX_SEM)

const char *kind_name(enum ipc_kind k);
/* A comma-separated list of kinds and families (posix sysv mq shm sem); the
   word it could not read is copied to bad. */
int kinds_parse(const char *list, unsigned *mask, char *bad, size_t badlen);

enum ref_form { REF_NAME, REF_KEY, REF_ID, REF_PATH, REF_ABSTRACT, REF_FTOK };
struct ipc_ref {
	int kind;                 /* enum ipc_kind, or -1 when the text gave none */
	enum ref_form form;
	key_t key;                /* REF_KEY: never 0 (IPC_PRIVATE); REF_FTOK: 0 until ref_ftok() */
	int id;                   /* REF_ID */
	int ftok_proj;            /* REF_FTOK: the project, 1 to 255 (1 unless given) */
	char ftok_path[4096];     /* REF_FTOK: the file the key is derived from */
	char name[4096];          /* REF_NAME "/x", REF_PATH, REF_ABSTRACT (no '@') */
	char why_buf[160];        /* a composed reason *why may point at */
};
/*
 * Parses a REF. `path_kind` says how a bare path or name is read when the
 * text has no KIND: prefix (KIND_FIFO for ipc-fifo, -1 to read "/x" as a
 * POSIX name). A word of letters, digits and dashes before the first colon
 * that is not key, id or ftok is a kind. On error returns -1 (errno EINVAL or
 * ENAMETOOLONG) and points *why at the rule it broke, a string that lives as
 * long as r.
 */
int ref_parse(const char *s, int path_kind, struct ipc_ref *r, const char **why);
/*
 * The System V key a key: or ftok: REF names: ftok:'s is derived from its file
 * by ftok(3) (traced) unless ref_ftok() did it already. -1 with errno: the
 * file's error for ftok:, EINVAL for another form.
 */
int ref_key(const struct ipc_ref *r, bool trace, key_t *key);
/* Resolves an ftok: REF to its key in r->key, before any lookup (no-op for other forms);
   -1 with the file's errno (ENOENT: r->ftok_path does not exist). */
int ref_ftok(struct ipc_ref *r, bool trace);
int posix_name_check(const char *name, enum ipc_kind kind, const char **why);

/* ---- esc.c: names made safe to print ---- */
/* Length of the well-formed UTF-8 sequence at p (n bytes left), 0 if it is not one. */
size_t utf8_seq_len(const unsigned char *p, size_t n);
/* s with control bytes, invalid UTF-8 and a "\\x" as \xHH (what ipc-ls prints and
   ipc-rm reads back); truncated with "..." to fit. Use it for every name in a message. */
const char *esc(const char *s, char *buf, size_t len);
#define ESC_MAX (4 * 4096 + 8)
/* esc(s) in a buffer of its own, never truncated; free it. NULL with errno. */
char *esc_alloc(const char *s);

/* ---- json.c: the one JSON string encoder ---- */
/* Whether all n bytes are well-formed UTF-8 (as utf8_seq_len judges). */
bool utf8_valid(const void *p, size_t n);
/* n bytes as a JSON string: '"', '\\' and control bytes escaped, and a byte that is
   not UTF-8 as the text \xHH (as esc() writes it): the output is always valid UTF-8. */
void json_str(FILE *f, const void *p, size_t n);
void json_string(FILE *f, const char *s);
/* Text a name, path or command holds, as ipc-ls --raw prints it (esc()), as a JSON
   string: the kit's form for names, so no control byte comes out of a JSON decoder. */
void json_text(FILE *f, const char *s);
/* n bytes as a JSON string of their base64 (RFC 4648, with padding). */
void json_base64(FILE *f, const void *p, size_t n);
/* A payload: "key": the bytes as text when they are UTF-8, else their base64, then
   "encoding": "utf-8" or "base64". */
void json_payload(FILE *f, const char *key, const void *p, size_t n);

/* ---- trace.c: the --trace stream ---- */
/* Prints "call = ret" or "call = -1 ENOENT (No such ...)" to stderr when on; keeps errno. */
void trace_call(bool on, long ret, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- objects: what every listing and removal sees ---- */
enum ipc_state { STATE_UNKNOWN, STATE_IN_USE, STATE_IDLE, STATE_ORPHAN };
const char *state_name(enum ipc_state s);

struct ipc_user {
	pid_t pid;
	char comm[17];
};

#define NA (-1)   /* "not applicable" in the int64 and pid fields below */

struct ipc_obj {
	enum ipc_kind kind;
	char *name;               /* POSIX "/x", a path, "@abstract"; NULL for System V */
	char *ref;                /* the REF that names it, e.g. "sysv-shm:id:3" */
	int key, id;              /* System V */
	uid_t uid, cuid;
	gid_t gid, cgid;
	int mode;                 /* permission bits, NA if unknown */
	int64_t size;             /* bytes: segment size, bytes queued; NA */
	int64_t msgs, nattch, nsems, value, maxmsg, msgsize;
	int64_t waiters;          /* System V semaphores: processes blocked in semop */
	int64_t cpid, lpid, lspid, lrpid, notify_pid;
	int64_t ctime, atime, dtime, stime, rtime, otime, mtime;   /* epoch s; NA */
	int socktype;             /* SOCK_STREAM, ...; 0 if not a socket */
	int conns;                /* accepted connections of a listening unix socket */
	bool listening, stale;    /* unix: listening; a socket file nobody is bound to */
	bool unreadable;          /* some fields could not be read (permission) */
	int unseen;               /* processes that could hold it whose open files could not be read */
	bool shm_dest;            /* System V segment marked for removal */
	bool malformed;           /* a POSIX semaphore file too short to be one */
	uint64_t dev, ino;        /* files: what stat says; unix: socket inode */
	uint64_t file_dev, file_ino; /* unix: the socket file, as stat says; 0 if none */
	struct ipc_user *users;
	size_t nusers;
	enum ipc_state state;
};

struct ipc_list {
	struct ipc_obj *v;
	size_t n, cap;
	bool mqueue_unmounted;    /* /dev/mqueue is not mounted: POSIX queues not listed */
	bool sysv_fallback;       /* /proc/sysvipc missing: read through *ctl(STAT) */
	bool held_fifos;          /* the /proc pass also lists the FIFOs processes hold open */
};

struct ipc_scan {
	unsigned kinds;
	/* Directories walked for FIFOs and socket files, each whole tree; NULL: none,
	   and the /proc pass lists the FIFOs processes hold open. */
	const char *const *paths;
	size_t npaths;
	int *path_errs;           /* if not NULL: errno for each of paths not walked, else 0 */
	bool trace;
	/* System V semaphore sets: skip reading each semaphore (4 semctl calls a
	   semaphore), for a listing that shows neither VALUE, LPID, INFO nor STATE. */
	bool sem_brief;
};
/* Why a --path directory was not walked, in words, and the exit code for it. */
const char *walk_path_why(int err, int *code);

/* kinds.c: through the table of kinds (kinds.h) */
/* Adds every object of the kinds sc asks for; says in sc->path_errs which roots were not walked. */
int ipc_collect(struct ipc_list *l, const struct ipc_scan *sc);
/* Finds the one object a REF names (kind must be set); -1/ENOENT if none. */
int ipc_lookup(const struct ipc_ref *r, struct ipc_list *l, bool trace);
/*
 * Removes a listed object, only if it is still the one listed (a FIFO or socket
 * file: the same type, device and inode; a stale socket: nothing bound to it now).
 * -1 with errno: ENOENT (gone), what file_remove says for a file (*found: what
 * is there instead), EOPNOTSUPP for an abstract socket (it has no file).
 */
struct file_id;
int ipc_remove(const struct ipc_obj *o, struct file_id *found, bool trace);
/* One pass over /proc: who has each object open or mapped, then STATE. */
int ipc_users_scan(struct ipc_list *l, bool trace);
void ipc_state_compute(struct ipc_list *l);

/* list.c: the list itself */
/* A new object of the kind at the end of l, every field NA; NULL with errno. */
struct ipc_obj *ipc_list_add(struct ipc_list *l, enum ipc_kind kind);
void ipc_list_drop_last(struct ipc_list *l);
void ipc_list_free(struct ipc_list *l);
void ipc_obj_free(struct ipc_obj *o);
/* Owner, group, mode and times from what stat says (a file-backed object). */
void ipc_obj_fill_stat(struct ipc_obj *o, const struct stat *st);
/* A new FIFO or socket object named name; with st (from lstat) its owner, mode and times. */
struct ipc_obj *ipc_list_add_file(struct ipc_list *l, enum ipc_kind kind, const char *name,
                                  const struct stat *st);
/* Adds the FIFO at path (st from lstat) to the list, with its REF. */
int fifo_add(struct ipc_list *l, const char *path, const struct stat *st);
/* o->ref from its kind and id (System V) or name. */
int ipc_obj_set_ref(struct ipc_obj *o);

struct ipc_filter {
	unsigned kinds;
	bool by_user;
	uid_t uid;
	bool orphans;
	int64_t older_than_s;     /* NA for none */
	const char *glob;         /* matched against NAME */
};
bool ipc_filter_match(const struct ipc_filter *f, const struct ipc_obj *o, int64_t now);
/* The NAME column: POSIX name, path, @abstract, or the System V key as 0x%08x. */
const char *ipc_obj_name(const struct ipc_obj *o, char *buf, size_t len);
int64_t ipc_obj_age_time(const struct ipc_obj *o);

/* sysv.c */
int sysv_remove(enum ipc_kind kind, int id, bool trace);
/*
 * The identifier a key:, ftok: or id: REF names for a System V kind: msgget,
 * shmget or semget with the key (never IPC_PRIVATE), or an IPC_STAT check of
 * the id (an object the caller may not read still exists). -1 with errno:
 * ENOENT when there is none, EINVAL for key 0 or a REF of another form, the
 * file's error when ftok: cannot derive its key.
 */
int sysv_resolve(enum ipc_kind kind, const struct ipc_ref *r, bool trace);
struct sysv_sem_detail { int value, ncnt, zcnt, pid; };
/* Fills d[0..nsems-1] of one set; -1 with errno (EACCES when not readable). */
int sysv_sem_details(int id, int nsems, struct sysv_sem_detail *d, bool trace);

struct ipc_limit {
	const char *resource, *description, *unit;
	uint64_t limit;
	int64_t used;             /* NA where the kernel does not count */
};
/* Fills up to max limits; returns how many. */
int ipc_limits(struct ipc_limit *v, int max, bool trace);

/* posix.c */
int posix_remove(enum ipc_kind kind, const char *name, bool trace);

/* ---- path.c: files reached through no symlink, removed only if still the same file ---- */
struct file_id {
	mode_t type;              /* the S_IFMT bits: S_IFIFO, S_IFSOCK, ... */
	uint64_t dev, ino;        /* as stat says; 0, 0 matches no file */
};
/*
 * Opens (O_PATH) the directory holding path's last component, every component
 * resolved without following a symlink (openat2 RESOLVE_NO_SYMLINKS, or one
 * O_NOFOLLOW step at a time where openat2 is missing); *leaf points into path.
 * -1 with errno: ELOOP when a directory in the path is a symlink, ENOENT, ENOTDIR, EACCES.
 */
int path_open_dir(const char *path, const char **leaf, bool trace);
/* What the leaf is, not following it (leaf "" is the directory itself). */
int path_leaf_id(int dfd, const char *leaf, struct file_id *id);
/* The path with its directory part's symlinks resolved: what to name instead. */
int path_real(const char *path, char *buf, size_t len);
/*
 * Unlinks leaf in dfd only if it is still `want`; *found says what is there.
 * -1 with errno: EINVAL when it is of another type (found->type says which),
 * ESTALE when it is another file of the type, or what fstatat/unlinkat say.
 */
int unlink_same(int dfd, const char *leaf, const struct file_id *want, struct file_id *found, bool trace);

/* ---- unixdiag.c: named unix sockets, from netlink sock_diag (/proc/net/unix where refused) ---- */
struct unix_sock {
	char *name;               /* a path, or "@abstract" with each NUL as '@' */
	uint64_t ino;             /* the socket's inode, as /proc/PID/fd shows it */
	uint32_t file_ino;        /* the socket file's inode (32 bits), when has_file */
	bool has_file;            /* bound to a file (netlink only; abstract sockets have none) */
	int type;                 /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool listening, connected;
	int conns;                /* a listener: connections it accepted (not listed themselves) */
};
struct unix_socks {
	struct unix_sock *v;      /* sorted by file inode, then name: see unix_socks_find */
	size_t n, cap;
	bool from_proc;           /* read from /proc/net/unix: names only, no file inodes */
};
/* Every named socket once; connections a listener accepted are counted in its conns. */
int unix_socks_read(struct unix_socks *s, bool trace);
void unix_socks_free(struct unix_socks *s);
/* The socket bound to the socket file (path, st), or the abstract "@name" (st NULL); NULL if none. */
const struct unix_sock *unix_socks_find(const struct unix_socks *s, const char *name, const struct stat *st);
/* 1 if a live socket is bound to the socket file (path, st) now, 0 if none; -1 with errno. */
int unix_bound(const char *path, const struct stat *st, bool trace);

/* files.c: FIFOs and unix sockets */
/*
 * Removes a FIFO or socket file only if it is still `want` (type, device and inode),
 * reached through no symlink; with `unbound`, only if no socket is bound to it now.
 * -1 with errno: ELOOP (a directory in the path is a symlink), EINVAL (another type,
 * found->type says which), ESTALE (another file), EADDRINUSE (a socket is bound to it).
 */
int file_remove(const char *path, const struct file_id *want, bool unbound, struct file_id *found,
                bool trace);

/* ---- perm.c: may the caller remove it? The kernel's rules, asked without removing ---- */
/* 0, or -1 with the errno the removal would fail with (EPERM, EACCES, EROFS, ...). kinds.c */
int ipc_may_remove(const struct ipc_obj *o, bool trace);

/* Appends s to a growable array of strings; -1 with errno (the array stays valid). */
int strv_push(char ***v, size_t *n, char *s);

/* A directory read with getdents64 directly: no DIR, no extra fcntl/fstat per directory. */
struct dir_iter {
	int fd;
	long len, pos;
	char buf[8192] __attribute__((aligned(8)));
};
/* Names of the entries but . and ..; *type is a DT_* value. NULL at the end or on error. */
const char *dir_next(struct dir_iter *d, unsigned char *type);

/* proc.c */
bool pid_alive(int64_t pid);
int read_file_small(const char *path, char *buf, size_t len);  /* returns bytes or -1 */
/* Calls fn on each line fd reads, the newline cut off; a line longer than cap - 1 is
   skipped. -1 with errno when read or fn fails. */
int fd_each_line(int fd, char *buf, size_t cap, int (*fn)(char *line, void *arg), void *arg);

/* Objects found by (tag, dev, ino): a file, a socket inode, a System V shmid. */
enum { ID_FILE = 1, ID_SOCK, ID_SYSV_SHM };
#define ID_NONE ((size_t)-1)
struct id_slot {
	uint64_t dev, ino;
	int tag;                  /* 0: an empty slot */
	size_t pos;
};
struct id_index {
	struct id_slot *v;        /* NULL until the first add */
	size_t mask, n;
};
/* 0 when added, 1 when the key is there already (kept), -1 with errno. */
int id_index_add(struct id_index *ix, int tag, uint64_t dev, uint64_t ino, size_t pos);
size_t id_index_get(const struct id_index *ix, int tag, uint64_t dev, uint64_t ino);  /* or ID_NONE */
void id_index_free(struct id_index *ix);

/* ---- io.c: bounded I/O ---- */
/* Writes all of buf, through partial writes and EINTR; -1 with errno on error. */
int write_all(int fd, const void *buf, size_t len);
/*
 * Reads fd to its end into a new buffer, but never more than max + 1 bytes, so
 * that oversize input is refused without reading it all: NULL with errno EFBIG
 * (*len = the bytes read, max + 1) when the input is longer than max.
 */
char *io_read_max(int fd, size_t max, size_t *len);

/* Records split on a delimiter, read from a descriptor in large blocks. */
struct io_records {
	int fd;
	char delim;
	bool eof;
	int err;                  /* why it stopped: EMSGSIZE (record over max) or read's errno */
	size_t max;               /* the longest record taken */
	size_t count;             /* records returned so far */
	char *buf;
	size_t cap, start, end, scan;
};
/* The bytes just before a record returned are spent: the caller may write over this many. */
#define IO_HEADROOM 16
int io_records_open(struct io_records *r, int fd, char delim, size_t max);
/*
 * The next record, without its delimiter (the last may lack one): 1 with *rec
 * and *len set, valid until the next call; 0 at the end; -1 with errno and
 * r->err, EMSGSIZE when a record is longer than max (it is not read further).
 */
int io_records_next(struct io_records *r, char **rec, size_t *len);
void io_records_close(struct io_records *r);

/* ---- child.c: running a command ---- */
struct child {
	pid_t pid;
	int signal;               /* SIGINT, SIGTERM or SIGHUP received while it ran, or 0 */
	sigset_t saved_mask;
};
/*
 * Starts argv (found on PATH) as a shell would: every signal at its default
 * disposition, none blocked; fd_in and fd_out, unless -1, become its stdin and
 * stdout. Until child_wait, the caller holds SIGINT, SIGTERM, SIGHUP and
 * SIGCHLD blocked (and SIGCHLD is no longer ignored). -1 with errno when it
 * cannot be run: ENOENT (not found), EACCES or ENOEXEC (see child_exec_code).
 */
int child_start(struct child *c, char *const argv[], int fd_in, int fd_out);
/*
 * Waits for the child to end and puts its wait status in *status. A SIGINT,
 * SIGTERM or SIGHUP sent to this process meanwhile is passed on to it and noted
 * in c->signal: the caller then stops, as the user asked. Restores the mask.
 */
int child_wait(struct child *c, int *status);
/* Both: runs argv to its end; *stop is c->signal. -1 with errno if it could not run. */
int child_run(char *const argv[], int *status, int *stop);
/* The status a shell reports: the exit status, or 128 + the signal that killed it. */
int child_exit_code(int status);
/* A shell's status for a command it could not run: 127 not found, 126 not executable. */
int child_exec_code(int err);

/* output: tables, --raw and --json, in out.c/out.h (only tools that print tables link it) */
enum out_flags { OUT_JSON = 1, OUT_RAW = 2, OUT_NOHEADINGS = 4, OUT_BYTES = 8 };

/* ---- fields.c: every field of one object, for ipc-ls -i and each tool's info ---- */
/* In the order of ipc-ls's columns; the keys are their names in lower case. */
enum ipc_field {
	F_KIND, F_REF, F_NAME, F_KEY, F_ID, F_OWNER, F_GROUP, F_UID, F_GID, F_COWNER, F_CGROUP,
	F_PERMS, F_MODE, F_SIZE, F_MSGS, F_MAXMSG, F_MSGSIZE, F_NATTCH, F_NSEMS, F_VALUE,
	F_TYPE, F_CONNS, F_CPID, F_LPID, F_LSPID, F_LRPID, F_NOTIFYPID, F_CTIME, F_MTIME,
	F_ATTACH, F_DETACH, F_SEND, F_RECV, F_OTIME, F_USERS, F_NUSERS, F_STATE, F_INFO,
	F_COUNT
};
enum field_flags {
	FIELD_BYTES = 1,          /* sizes in bytes, not 4K */
	FIELD_EPOCH = 2,          /* times as seconds since the epoch, not 2026-11-22T10:00:00 */
	FIELD_JSON = 3,           /* what JSON needs: both */
};
/* The text of one field of o, NULL when it has none; raw bytes (the printer escapes).
   F_USERS needs a buffer of a few KiB. */
const char *field_text(enum ipc_field f, const struct ipc_obj *o, unsigned flags,
                       struct id_names *nm, char *buf, size_t len);

struct field {
	const char *key;          /* lower-case ipc-ls column name, or a kind's own (qbytes) */
	char *value;              /* escaped as esc() does; NULL for none (null in JSON) */
	bool number;              /* a JSON number */
	bool unreadable;          /* the caller may not read it (null in JSON, said in text) */
};
struct field_list {
	struct field v[F_COUNT + 1];
	size_t n;
	struct sysv_sem_detail *sems;   /* sysv-sem: each semaphore of the set */
	int nsems;
	bool sems_unreadable;
};
/* The fields that apply to o's kind, in order; reads what the listing does not
   (System V qbytes, each semaphore of a set). flags: FIELD_JSON when the list is
   to be printed as JSON. -1 with errno (out of memory). */
int ipc_fields(struct field_list *fl, const struct ipc_obj *o, unsigned flags, bool trace);
/* "key  value" lines (and a table of semaphores), or one JSON object. Write
   errors are the caller's to catch, when it closes f. */
void fields_print(FILE *f, const struct field_list *fl, bool json);
void fields_free(struct field_list *fl);
/* All three: what ipc-ls -i and every tool's info print (JSON implies FIELD_JSON).
   -1 with errno (out of memory). */
int fields_show(FILE *f, const struct ipc_obj *o, unsigned flags, bool json, bool trace);


/* mq.c: one message queue, POSIX or System V, for ipc-mq */
struct msgq {
	enum ipc_kind kind;       /* KIND_POSIX_MQ or KIND_SYSV_MSG */
	int fd;                   /* POSIX: the mqd_t */
	int id;                   /* System V: the msqid */
	char name[NAME_MAX + 2];  /* POSIX name, for messages and removal checks */
	size_t msgsize;           /* the largest message the queue takes */
	long maxmsg;              /* POSIX: how many messages it holds */
	size_t qbytes;            /* System V: bytes the queue holds (msg_qbytes) */
	void *sysv_buf;           /* System V: a long type and sysv_cap bytes (+1), reused */
	char *rbuf;               /* POSIX: msgsize bytes (+1) to receive into */
	size_t sysv_cap;          /* kernel.msgmax when opened */
	bool ticked;              /* msgq_tick: POSIX waits without a deadline arm no timer */
	bool trace;
	/* The caller's stop flag, set by its signal handler: a wait in slices ends
	   with EINTR once it is set, even when the signal came between two slices. */
	const volatile sig_atomic_t *stop;
};
/* create.c: what the create commands share */
/* Removes what a create made (a System V id, or a POSIX name), keeping errno. */
void ipc_undo_create(enum ipc_kind kind, int id, const char *name, bool trace);
/* --exist-ok keeps an object only as asked: the first attribute given that differs. */
struct attr_diff {
	const char *what;         /* the option's name without "--"; NULL: none differs */
	long long was, asked;
};
/* Notes what differs and sets errno to EEXIST, unless was == asked (then false). */
bool attr_differs(struct attr_diff *d, const char *what, long long was, long long asked);
/* "exists with --size 8192, not 4096; nothing changed" (a mode in octal). */
const char *attr_diff_text(const struct attr_diff *d, char *buf, size_t len);

struct msgq_create {
	long maxmsg, msgsize;     /* POSIX; 0 = the kernel's default */
	long max_bytes;           /* System V msg_qbytes; 0 = default */
	int mode;
	bool mode_given;          /* compare mode with an existing queue (exist_ok) */
	bool exist_ok;            /* an existing queue will do, if each attribute given matches */
	struct attr_diff diff;    /* out: "maxmsg", "msgsize", "max-bytes" or "mode" */
};
/* flags: O_RDONLY / O_WRONLY / O_RDWR. */
int msgq_open(struct msgq *q, const struct ipc_ref *r, int flags, bool trace);
/*
 * Creates a queue, exclusively unless c->exist_ok; what this call created is
 * removed again if a later step fails. With exist_ok, an existing queue is left
 * as it is: -1/EEXIST with c->diff set when an attribute given differs.
 */
int msgq_create(struct msgq *q, const struct ipc_ref *r, struct msgq_create *c, bool trace);
void msgq_close(struct msgq *q);
/*
 * For a caller about to wait without a deadline (timeout_ns -1): a timer armed
 * for every wait costs a stream of small messages 10-20%, so the wait arms
 * none; instead a SIGALRM every second (a handler that does nothing, an
 * interval timer) interrupts it, to see that a POSIX queue was not removed
 * meanwhile, and that a stop signal that came just before the wait began is
 * not missed. Waits then return EINTR now and then: retry them. Does nothing
 * for a wait with a deadline (it waits in slices); if the timer cannot be
 * set, POSIX waits keep their timers.
 */
void msgq_tick(struct msgq *q, int64_t timeout_ns);
/* A REF as ipc-mq reads it: /name is POSIX, key:, id: and ftok: System V; -1 with *why. */
int msgq_ref_parse(const char *text, struct ipc_ref *r, const char **why);
/*
 * timeout_ns: -1 waits for ever, 0 tries once. Returns 0, or -1 with errno:
 * EAGAIN when full (timeout 0) or ETIMEDOUT, EIDRM when the queue went away
 * (a POSIX queue's removal is noticed within a second, or at the next tick),
 * EINTR when a signal with a handler came (the caller decides whether to go on).
 */
int msgq_send(struct msgq *q, const void *buf, size_t len, long prio_or_type, int64_t timeout_ns);
/*
 * Receives one message into the queue's own buffer: *msg points at it, valid
 * until the next receive, with room for one more byte after it (a delimiter).
 * type: System V msgtyp (0 any, >0 that type, <0 lowest up to -type).
 * Returns the size, or -1 with errno as msgq_send.
 */
ssize_t msgq_recv(struct msgq *q, char **msg, long type, long *prio_or_type, int64_t timeout_ns);
/*
 * Sends each record of `in` (opened with max = q->msgsize) as one message,
 * from where it was read; each waits for room up to timeout_ns (through EINTR:
 * a sender is stopped by its signal's default action). *sent counts the messages sent. Returns 0 at the end of input, or -1 with errno; in->err
 * is set when the input was the cause (EMSGSIZE: record *sent + 1 is longer
 * than the queue takes).
 */
int msgq_send_records(struct msgq *q, struct io_records *in, long tag, int64_t timeout_ns,
                      size_t *sent);
int msgq_remove(const struct ipc_ref *r, bool trace);

/*
 * ipc-mq notify: calls run(arg) each time messages are there for a run: at the
 * start if some wait; again at once while a run changes the queue and leaves
 * messages; else when the next message comes (mq_notify signals one only on an
 * empty queue: on one that holds messages, its count and mtime are watched).
 * SIGRTMIN and the stop signals SIGINT, SIGTERM and SIGHUP are held blocked
 * and taken by the waits. Returns 0 after count runs (0: no limit) or timeout_ns
 * without a run (-1: never); the stop signal that came while waiting, or that
 * run returned (> 0); -1 with errno if mq_notify fails (EBUSY: another process
 * is registered).
 */
int msgq_notify_loop(struct msgq *q, long long count, int64_t timeout_ns, int (*run)(void *arg),
                     void *arg);
/* Why create failed, in words: an attribute that differs, or a kernel limit (NULL otherwise). */
const char *msgq_create_reason(const struct ipc_ref *r, const struct msgq_create *c, int err,
                               char *buf, size_t len);

#endif
