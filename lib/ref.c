/* Kinds, families and the REF syntax shared by every tool. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "ipckit.h"

static const char *const kind_names[KIND_COUNT] = {
	[KIND_POSIX_MQ] = "posix-mq", [KIND_POSIX_SHM] = "posix-shm",
	[KIND_POSIX_SEM] = "posix-sem", [KIND_SYSV_MSG] = "sysv-msg",
	[KIND_SYSV_SHM] = "sysv-shm", [KIND_SYSV_SEM] = "sysv-sem",
	[KIND_FIFO] = "fifo", [KIND_UNIX] = "unix",
};

static const struct { const char *word; unsigned mask; } families[] = {
	{ "posix", KINDS_POSIX },
	{ "sysv", KINDS_SYSV },
	{ "mq", KIND_BIT(KIND_POSIX_MQ) | KIND_BIT(KIND_SYSV_MSG) },
	{ "shm", KIND_BIT(KIND_POSIX_SHM) | KIND_BIT(KIND_SYSV_SHM) },
	{ "sem", KIND_BIT(KIND_POSIX_SEM) | KIND_BIT(KIND_SYSV_SEM) },
	{ "all", KINDS_ALL },
};

const char *kind_name(enum ipc_kind k)
{
	return (unsigned)k < KIND_COUNT ? kind_names[k] : "?";
}

static int kind_from_name(const char *s)
{
	for (int k = 0; k < KIND_COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

int kinds_parse(const char *list, unsigned *mask, char *bad, size_t badlen)
{
	const char *p = list;
	char word[32];

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int k;

		snprintf(bad, badlen, "%.*s", (int)n, p);
		if (n == 0 || n >= sizeof(word))
			goto bad;
		memcpy(word, p, n);
		word[n] = '\0';
		if ((k = kind_from_name(word)) >= 0) {
			*mask |= KIND_BIT(k);
		} else {
			size_t i;
			for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
				if (strcmp(word, families[i].word) == 0)
					break;
			if (i == sizeof(families) / sizeof(families[0]))
				goto bad;
			*mask |= families[i].mask;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (*mask == 0) {
		snprintf(bad, badlen, "%s", list);
		goto bad;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int posix_name_check(const char *name, enum ipc_kind kind, const char **why)
{
	/* The name becomes a file in /dev/shm or /dev/mqueue; semaphores add "sem.". */
	size_t max = NAME_MAX - (kind == KIND_POSIX_SEM ? 4 : 0);

	if (*name == '\0')
		*why = "name is empty";
	else if (name[0] != '/')
		*why = "name must start with a slash, like /jobs";
	else if (name[1] == '\0')
		*why = "name has nothing after the slash";
	else if (strchr(name + 1, '/'))
		*why = "name must not contain a slash after the first";
	else if (strlen(name + 1) > max)
		*why = kind == KIND_POSIX_SEM ? "name is longer than 251 characters"
		                              : "name is longer than 255 characters";
	else if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		*why = "name must not be . or ..";
	else
		return 0;
	errno = EINVAL;
	return -1;
}

/* The kinds as a usage message lists them. */
#define KINDS_TEXT "posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix"

static int fail_why(const char **why, const char *text)
{
	*why = text;
	errno = EINVAL;
	return -1;
}

/* ftok:PATH[:PROJ]: the last ':' field, when there is one, is the project. */
static int parse_ftok(const char *spec, struct ipc_ref *r, const char **why)
{
	const char *colon = strrchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	long long v;

	r->form = REF_FTOK;
	r->ftok_proj = 1;
	if (colon) {
		if (parse_int_range(colon + 1, 1, 255, &v) == -1) {
			snprintf(r->why_buf, sizeof(r->why_buf),
			         "ftok project '%.32s%s' must be 1 to 255 (decimal or 0x); a path with a colon "
			         "needs one, like ftok:/a:b:1", colon + 1, strlen(colon + 1) > 32 ? "..." : "");
			return fail_why(why, r->why_buf);
		}
		r->ftok_proj = (int)v;
	}
	if (n == 0)
		return fail_why(why, "ftok: needs a path, like ftok:/etc/app.conf or ftok:/etc/app.conf:2");
	if (n >= sizeof(r->ftok_path)) {
		*why = "ftok: path is longer than 4095 bytes";
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(r->ftok_path, spec, n);
	r->ftok_path[n] = '\0';
	return 0;
}

static int parse_sysv_number(const char *spec, struct ipc_ref *r, const char **why)
{
	long long v;

	if (strncmp(spec, "key:", 4) == 0) {
		r->form = REF_KEY;
		if (parse_int_range(spec + 4, 0, 0xffffffffLL, &v) == -1)
			return fail_why(why, errno == ERANGE ? "key is out of range (0x1 to 0xffffffff)"
			                     : "key must be a number, like key:0x1a2b or key:6699");
		if (v == 0)
			return fail_why(why, "key 0 is IPC_PRIVATE: such objects are named by id only (id:ID)");
		r->key = (key_t)(unsigned int)v;
		return 0;
	}
	if (strncmp(spec, "id:", 3) == 0) {
		r->form = REF_ID;
		if (parse_int_range(spec + 3, 0, INT_MAX, &v) == -1)
			return fail_why(why, (spec[3] == '-' || errno == ERANGE)
			                     ? "id is out of range (0 to 2147483647)"
			                     : "id must be a number, like id:32768");
		r->id = (int)v;
		return 0;
	}
	if (strncmp(spec, "ftok:", 5) == 0)
		return parse_ftok(spec + 5, r, why);
	return fail_why(why, "a System V object is named key:KEY, id:ID or ftok:PATH[:PROJ]");
}

static bool is_form(const char *s, size_t n)
{
	return (n == 3 && strncmp(s, "key", 3) == 0) || (n == 2 && strncmp(s, "id", 2) == 0) ||
	       (n == 4 && strncmp(s, "ftok", 4) == 0);
}

/* KIND: in front, if the text has one; -1 with *why when a word there is no kind. */
static int parse_kind(const char *s, struct ipc_ref *r, const char **spec, const char **why)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

	*spec = s;
	if (n == 0 || s[n] != ':' || is_form(s, n))
		return 0;
	for (int k = 0; k < KIND_COUNT; k++)
		if (strlen(kind_names[k]) == n && strncmp(s, kind_names[k], n) == 0) {
			r->kind = k;
			*spec = s + n + 1;
			return 0;
		}
	snprintf(r->why_buf, sizeof(r->why_buf), "unknown kind '%.*s%s' (kinds: " KINDS_TEXT ")",
	         n > 32 ? 32 : (int)n, s, n > 32 ? "..." : "");
	return fail_why(why, r->why_buf);
}

int ref_parse(const char *s, int path_kind, struct ipc_ref *r, const char **why)
{
	const char *spec;

	memset(r, 0, offsetof(struct ipc_ref, ftok_path));
	r->ftok_path[0] = r->name[0] = r->why_buf[0] = '\0';
	r->kind = -1;
	if (*s == '\0')
		return fail_why(why, "reference is empty");
	if (parse_kind(s, r, &spec, why) == -1)
		return -1;
	if (strncmp(spec, "key:", 4) == 0 || strncmp(spec, "id:", 3) == 0 ||
	    strncmp(spec, "ftok:", 5) == 0) {
		if (r->kind >= 0 && !KIND_IS_SYSV(r->kind))
			return fail_why(why, "key:, id: and ftok: name System V objects only");
		return parse_sysv_number(spec, r, why);
	}
	if (r->kind >= 0 && KIND_IS_SYSV(r->kind))
		return fail_why(why, "a System V object is named key:KEY, id:ID or ftok:PATH[:PROJ]");
	int kind = r->kind >= 0 ? r->kind : path_kind;
	if (kind == KIND_FIFO || kind == KIND_UNIX) {
		if (*spec == '\0')
			return fail_why(why, "path is empty");
		if (kind == KIND_UNIX && spec[0] == '@') {
			if (spec[1] == '\0' || strlen(spec + 1) > 107)
				return fail_why(why, "abstract name must have 1 to 107 characters after @");
			r->form = REF_ABSTRACT;
			strcpy(r->name, spec + 1);
			return 0;
		}
		if (kind == KIND_UNIX && strlen(spec) > 107)
			return fail_why(why, "socket path is longer than 107 bytes");
		if (strlen(spec) >= sizeof(r->name)) {
			*why = "path is longer than 4095 bytes";
			errno = ENAMETOOLONG;
			return -1;
		}
		r->form = REF_PATH;
		strcpy(r->name, spec);
		return 0;
	}
	/* The name rules bound the length well inside r->name. */
	if (posix_name_check(spec, r->kind >= 0 ? (enum ipc_kind)r->kind : KIND_POSIX_SHM, why) == -1)
		return -1;
	r->form = REF_NAME;
	strcpy(r->name, spec);
	return 0;
}

int ref_key(const struct ipc_ref *r, bool trace, key_t *key)
{
	if (r->form == REF_KEY || (r->form == REF_FTOK && r->key != 0)) {
		*key = r->key;
		return 0;
	}
	if (r->form != REF_FTOK) {
		errno = EINVAL;
		return -1;
	}
	/* ftok returns -1 for its error and for the key 0xffffffff alike: errno tells them apart. */
	errno = 0;
	key_t k = ftok(r->ftok_path, r->ftok_proj);
	int e = errno;
	bool failed = k == -1 && e != 0;
	trace_call(trace, failed ? -1 : (long)(unsigned int)k, e, "ftok(\"%s\", %d)",
	           r->ftok_path, r->ftok_proj);
	if (failed) {
		errno = e;
		return -1;
	}
	*key = k;
	return 0;
}

int ref_ftok(struct ipc_ref *r, bool trace)
{
	key_t k;

	if (r->form != REF_FTOK)
		return 0;
	if (ref_key(r, trace, &k) == -1)
		return -1;
	r->key = k;
	return 0;
}
