/*
 * The fields of an object, one table for every tool: the ipc-ls columns, and
 * the detail view that ipc-ls -i and each tool's info print, so a key means the
 * same thing wherever it appears.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/socket.h>

#include "ipckit.h"

#define ALL KINDS_ALL
#define NOT_SYSV (KINDS_ALL & ~KINDS_SYSV)
#define K(k) KIND_BIT(KIND_##k)

/*
 * Which kinds each field applies to in the detail view, whether it is a number
 * in JSON, and whether it comes from reading the object (so a caller without
 * read permission lacks it). The keys are ipc-ls's column names in lower case.
 */
static const struct {
	const char *key;
	unsigned kinds;
	bool number, read;
} defs[F_COUNT] = {
	[F_KIND] = { "kind", ALL, false, false },
	[F_REF] = { "ref", ALL, false, false },
	[F_NAME] = { "name", NOT_SYSV, false, false },
	[F_KEY] = { "key", KINDS_SYSV, false, false },
	[F_ID] = { "id", KINDS_SYSV, true, false },
	[F_OWNER] = { "owner", ALL, false, false },
	[F_GROUP] = { "group", ALL, false, false },
	[F_UID] = { "uid", ALL, true, false },
	[F_GID] = { "gid", ALL, true, false },
	[F_COWNER] = { "cowner", KINDS_SYSV, false, false },
	[F_CGROUP] = { "cgroup", KINDS_SYSV, false, false },
	[F_PERMS] = { "perms", ALL, false, false },
	[F_MODE] = { "mode", ALL, false, false },
	[F_SIZE] = { "size", KINDS_POSIX | K(SYSV_MSG) | K(SYSV_SHM), true, true },
	[F_MSGS] = { "msgs", K(POSIX_MQ) | K(SYSV_MSG), true, true },
	[F_MAXMSG] = { "maxmsg", K(POSIX_MQ), true, true },
	[F_MSGSIZE] = { "msgsize", K(POSIX_MQ), true, true },
	[F_NATTCH] = { "nattch", K(SYSV_SHM), true, false },
	[F_NSEMS] = { "nsems", K(POSIX_SEM) | K(SYSV_SEM), true, false },
	[F_VALUE] = { "value", K(POSIX_SEM) | K(SYSV_SEM), true, true },
	[F_TYPE] = { "type", K(UNIX), false, false },
	[F_CONNS] = { "conns", K(UNIX), true, false },
	[F_CPID] = { "cpid", K(SYSV_SHM), true, false },
	[F_LPID] = { "lpid", K(SYSV_SHM) | K(SYSV_SEM), true, true },
	[F_LSPID] = { "lspid", K(SYSV_MSG), true, false },
	[F_LRPID] = { "lrpid", K(SYSV_MSG), true, false },
	[F_NOTIFYPID] = { "notifypid", K(POSIX_MQ), true, true },
	[F_CTIME] = { "ctime", ALL, true, false },
	[F_MTIME] = { "mtime", NOT_SYSV, true, false },
	[F_ATTACH] = { "attach", K(SYSV_SHM), true, false },
	[F_DETACH] = { "detach", K(SYSV_SHM), true, false },
	[F_SEND] = { "send", K(SYSV_MSG), true, false },
	[F_RECV] = { "recv", K(SYSV_MSG), true, false },
	[F_OTIME] = { "otime", K(SYSV_SEM), true, false },
	[F_USERS] = { "users", ALL, false, false },
	[F_NUSERS] = { "nusers", ALL, true, false },
	[F_STATE] = { "state", ALL, false, false },
	[F_INFO] = { "info", ALL & ~K(POSIX_SHM) & ~K(FIFO), false, false },
};

static const char *info(const struct ipc_obj *o, char *buf, size_t len)
{
	static const char *const socktypes[] = { [SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram",
	                                          [SOCK_SEQPACKET] = "seqpacket" };
	switch (o->kind) {
	case KIND_SYSV_SHM:
		snprintf(buf, len, "nattch %" PRId64 "%s", o->nattch, o->shm_dest ? ", removed on detach" : "");
		break;
	case KIND_SYSV_MSG:
		snprintf(buf, len, "%" PRId64 " msgs", o->msgs);
		break;
	case KIND_POSIX_MQ:
		if (o->msgs == NA)
			return NULL;
		snprintf(buf, len, "%" PRId64 "/%" PRId64 " msgs of %" PRId64 "B", o->msgs, o->maxmsg, o->msgsize);
		break;
	case KIND_SYSV_SEM: case KIND_POSIX_SEM:
		if (o->malformed)
			snprintf(buf, len, "malformed");
		else if (o->value != NA)
			snprintf(buf, len, "value %" PRId64 "%s", o->value, o->waiters > 0 ? ", waited on" : "");
		else
			snprintf(buf, len, "%" PRId64 " sems", o->nsems);
		break;
	case KIND_UNIX:
		if (o->stale)
			snprintf(buf, len, "stale: no socket bound");
		else
			snprintf(buf, len, "%s%s", o->socktype >= 0 && o->socktype <= SOCK_SEQPACKET &&
			         socktypes[o->socktype] ? socktypes[o->socktype] : "?",
			         o->listening ? ", listening" : "");
		if (o->conns)
			snprintf(buf + strlen(buf), len - strlen(buf), ", %d conns", o->conns);
		break;
	default:
		return NULL;
	}
	return buf;
}

const char *field_text(enum ipc_field f, const struct ipc_obj *o, unsigned flags,
                       struct id_names *nm, char *buf, size_t len)
{
	bool sysv = KIND_IS_SYSV(o->kind), epoch = flags & FIELD_EPOCH;

	switch (f) {
	case F_KIND: return kind_name(o->kind);
	case F_REF: return o->ref;
	case F_NAME: return ipc_obj_name(o, buf, len);
	case F_KEY: return sysv ? ipc_obj_name(o, buf, len) : NULL;
	case F_ID: return sysv ? format_int(o->id, buf, len) : NULL;
	case F_OWNER: return o->uid == (uid_t)-1 ? NULL : id_name(nm, o->uid, false, buf, len);
	case F_GROUP: return o->gid == (gid_t)-1 ? NULL : id_name(nm, o->gid, true, buf, len);
	case F_UID: return o->uid == (uid_t)-1 ? NULL : format_int(o->uid, buf, len);
	case F_GID: return o->gid == (gid_t)-1 ? NULL : format_int(o->gid, buf, len);
	case F_COWNER: return sysv ? id_name(nm, o->cuid, false, buf, len) : NULL;
	case F_CGROUP: return sysv ? id_name(nm, o->cgid, true, buf, len) : NULL;
	case F_PERMS:
		if (o->mode == NA || len < 10)
			return NULL;
		for (int i = 0; i < 9; i++)
			buf[i] = (o->mode & (0400 >> i)) ? "rwx"[i % 3] : '-';
		buf[9] = '\0';
		return buf;
	case F_MODE:
		if (o->mode == NA)
			return NULL;
		snprintf(buf, len, "0%03o", o->mode);
		return buf;
	case F_SIZE:
		if (o->size == NA)
			return NULL;
		return flags & FIELD_BYTES ? format_int(o->size, buf, len)
		                           : format_size((uint64_t)o->size, buf, len);
	case F_MSGS: return format_int(o->msgs, buf, len);
	case F_MAXMSG: return format_int(o->maxmsg, buf, len);
	case F_MSGSIZE: return format_int(o->msgsize, buf, len);
	case F_NATTCH: return format_int(o->nattch, buf, len);
	case F_NSEMS: return format_int(o->nsems, buf, len);
	case F_VALUE: return format_int(o->value, buf, len);
	case F_TYPE:
		if (o->socktype == 0)
			return NULL;
		return o->socktype == SOCK_STREAM ? "stream" : o->socktype == SOCK_DGRAM ? "dgram"
		       : o->socktype == SOCK_SEQPACKET ? "seqpacket" : "other";
	case F_CONNS: return o->kind == KIND_UNIX && o->listening ? format_int(o->conns, buf, len) : NULL;
	case F_CPID: return format_int(o->cpid, buf, len);
	case F_LPID: return format_int(o->lpid, buf, len);
	case F_LSPID: return format_int(o->lspid, buf, len);
	case F_LRPID: return format_int(o->lrpid, buf, len);
	case F_NOTIFYPID: return format_int(o->notify_pid, buf, len);
	case F_CTIME: return format_time(o->ctime, epoch, buf, len);
	case F_MTIME: return sysv ? NULL : format_time(o->mtime, epoch, buf, len);
	case F_ATTACH: return o->kind == KIND_SYSV_SHM ? format_time(o->atime, epoch, buf, len) : NULL;
	case F_DETACH: return format_time(o->dtime, epoch, buf, len);
	case F_SEND: return format_time(o->stime, epoch, buf, len);
	case F_RECV: return format_time(o->rtime, epoch, buf, len);
	case F_OTIME: return format_time(o->otime, epoch, buf, len);
	case F_NUSERS: return format_int((int64_t)o->nusers, buf, len);
	case F_USERS: {
		size_t w = 0;
		if (o->nusers == 0 || len == 0)
			return NULL;
		buf[0] = '\0';
		for (size_t i = 0; i < o->nusers && w + 24 < len; i++)
			w += (size_t)snprintf(buf + w, len - w, "%s%d/%s", i ? "," : "",
			                      (int)o->users[i].pid, o->users[i].comm);
		return buf;
	}
	case F_STATE: return state_name(o->state);
	case F_INFO: return info(o, buf, len);
	case F_COUNT: break;
	}
	return NULL;
}

/* Fields that hold for a set of one semaphore only; a larger set lists each. */
static bool applies(enum ipc_field f, const struct ipc_obj *o)
{
	if (!(defs[f].kinds & KIND_BIT(o->kind)))
		return false;
	if (o->kind == KIND_SYSV_SEM && (f == F_VALUE || f == F_LPID))
		return o->nsems == 1;
	return true;
}

static int add(struct field_list *fl, const char *key, const char *text, bool number, bool unreadable)
{
	struct field *v = &fl->v[fl->n];

	v->key = key;
	v->number = number;
	v->unreadable = unreadable;
	v->value = NULL;
	if (text && (v->value = esc_alloc(text)) == NULL)
		return -1;
	fl->n++;
	return 0;
}

/* System V msg_qbytes: not in /proc/sysvipc/msg, so asked of the kernel. */
static int add_qbytes(struct field_list *fl, const struct ipc_obj *o, bool trace)
{
	struct msqid_ds ds;
	char buf[32];
	int r = msgctl(o->id, IPC_STAT, &ds);

	trace_call(trace, r, errno, "msgctl(%d, IPC_STAT, {...})", o->id);
	if (r == 0)
		snprintf(buf, sizeof(buf), "%lu", (unsigned long)ds.msg_qbytes);
	return add(fl, "qbytes", r == 0 ? buf : NULL, true, r == -1 && (errno == EACCES || errno == EPERM));
}

static void load_sems(struct field_list *fl, const struct ipc_obj *o, bool trace)
{
	if (o->nsems <= 0 || o->nsems > 65536)
		return;
	fl->nsems = (int)o->nsems;
	if ((fl->sems = calloc((size_t)fl->nsems, sizeof(*fl->sems))) == NULL ||
	    sysv_sem_details(o->id, fl->nsems, fl->sems, trace) == -1) {
		free(fl->sems);
		fl->sems = NULL;
		fl->sems_unreadable = true;
	}
}

int ipc_fields(struct field_list *fl, const struct ipc_obj *o, unsigned flags, bool trace)
{
	struct id_names nm = { 0 };
	char buf[8192];

	memset(fl, 0, sizeof(*fl));
	for (int f = 0; f < F_COUNT; f++) {
		if (!applies((enum ipc_field)f, o))
			continue;
		const char *text = field_text((enum ipc_field)f, o, flags, &nm, buf, sizeof(buf));
		if (add(fl, defs[f].key, text, defs[f].number,
		        text == NULL && o->unreadable && defs[f].read) == -1)
			goto fail;
		if (f == F_MSGS && o->kind == KIND_SYSV_MSG && add_qbytes(fl, o, trace) == -1)
			goto fail;
	}
	if (o->kind == KIND_SYSV_SEM)
		load_sems(fl, o, trace);
	return 0;
fail:
	fields_free(fl);
	errno = ENOMEM;
	return -1;
}

void fields_free(struct field_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i].value);
	free(fl->sems);
	memset(fl, 0, sizeof(*fl));
}

static void print_sems(FILE *f, const struct field_list *fl, bool json)
{
	const struct sysv_sem_detail *d = fl->sems;

	if (json) {
		fputs(",\n   \"semaphores\": ", f);
		if (d == NULL) {
			fputs("null", f);
			return;
		}
		fputs("[", f);
		for (int i = 0; i < fl->nsems; i++)
			fprintf(f, "%s\n      {\"semnum\": %d, \"value\": %d, \"ncnt\": %d, \"zcnt\": %d, \"pid\": %d}",
			        i ? "," : "", i, d[i].value, d[i].ncnt, d[i].zcnt, d[i].pid);
		fputs("\n   ]", f);
		return;
	}
	if (d == NULL) {
		fprintf(f, "%-10s not readable: permission denied\n", "semaphores");
		return;
	}
	fprintf(f, "\n%-7s %6s %6s %6s %8s\n", "SEMNUM", "VALUE", "NCNT", "ZCNT", "PID");
	for (int i = 0; i < fl->nsems; i++)
		fprintf(f, "%-7d %6d %6d %6d %8d\n", i, d[i].value, d[i].ncnt, d[i].zcnt, d[i].pid);
}

void fields_print(FILE *f, const struct field_list *fl, bool json)
{
	if (json)
		fputs("{", f);
	for (size_t i = 0; i < fl->n; i++) {
		const struct field *v = &fl->v[i];
		if (!json) {
			fprintf(f, "%-10s %s\n", v->key, v->value ? v->value
			        : v->unreadable ? "not readable: permission denied" : "-");
			continue;
		}
		fprintf(f, "%s\n   \"%s\": ", i ? "," : "", v->key);
		if (v->value == NULL)
			fputs("null", f);
		else if (v->number)
			fputs(v->value, f);
		else
			json_string(f, v->value);
	}
	if (fl->sems || fl->sems_unreadable)
		print_sems(f, fl, json);
	if (json)
		fputs("\n}\n", f);
}

int fields_show(FILE *f, const struct ipc_obj *o, unsigned flags, bool json, bool trace)
{
	struct field_list fl;

	if (ipc_fields(&fl, o, json ? FIELD_JSON : flags, trace) == -1)
		return -1;
	fields_print(f, &fl, json);
	fields_free(&fl);
	return 0;
}
