/* Kinds, families and the REF syntax shared by every tool. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

int kind_from_name(const char *s)
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

static int parse_sysv_number(const char *spec, struct ipc_ref *r, const char **why)
{
	long long v;

	if (strncmp(spec, "key:", 4) == 0) {
		r->form = REF_KEY;
		if (parse_int_range(spec + 4, 0, 0xffffffffLL, &v) == -1) {
			*why = errno == ERANGE ? "key is out of range (0 to 0xffffffff)"
			                       : "key must be a number, like key:0x1a2b or key:6699";
			return -1;
		}
		if (v == 0) {
			*why = "key 0 is IPC_PRIVATE and names nothing; use id:N";
			errno = EINVAL;
			return -1;
		}
		r->key = (int)(unsigned int)v;
		return 0;
	}
	if (strncmp(spec, "id:", 3) == 0) {
		r->form = REF_ID;
		if (spec[3] == '-' || parse_int_range(spec + 3, 0, INT_MAX, &v) == -1) {
			*why = (spec[3] == '-' || errno == ERANGE) ? "id is out of range (0 to 2147483647)"
			                                           : "id must be a number, like id:32768";
			errno = EINVAL;
			return -1;
		}
		r->id = (int)v;
		return 0;
	}
	if (strncmp(spec, "ftok:", 5) == 0) {
		/* ftok:PATH or ftok:PATH:PROJ, the key ftok(3) derives from a file */
		const char *path = spec + 5, *colon = strrchr(path, ':');
		r->form = REF_FTOK;
		r->id = 1;
		size_t n = strlen(path);
		if (colon && parse_int_range(colon + 1, 1, 255, &v) == 0) {
			r->id = (int)v;
			n = (size_t)(colon - path);
		}
		if (n == 0 || n >= sizeof(r->name)) {
			*why = "ftok: needs a path, like ftok:/etc/app.conf or ftok:/etc/app.conf:2";
			errno = EINVAL;
			return -1;
		}
		memcpy(r->name, path, n);
		r->name[n] = '\0';
		return 0;
	}
	errno = EINVAL;
	*why = "a System V object is named key:KEY, id:ID or ftok:PATH[:PROJ]";
	return -1;
}

int ref_parse(const char *s, int path_kind, struct ipc_ref *r, const char **why)
{
	const char *spec = s;
	const char *colon = strchr(s, ':');

	memset(r, 0, sizeof(*r));
	r->kind = -1;
	if (colon) {
		char word[16];
		size_t n = (size_t)(colon - s);
		if (n < sizeof(word)) {
			memcpy(word, s, n);
			word[n] = '\0';
			if ((r->kind = kind_from_name(word)) >= 0)
				spec = colon + 1;
		}
	}
	if (*s == '\0') {
		*why = "reference is empty";
		goto bad;
	}
	if (strncmp(spec, "key:", 4) == 0 || strncmp(spec, "id:", 3) == 0 ||
	    strncmp(spec, "ftok:", 5) == 0) {
		if (r->kind >= 0 && !KIND_IS_SYSV(r->kind)) {
			*why = "key:, id: and ftok: name System V objects only";
			goto bad;
		}
		return parse_sysv_number(spec, r, why);
	}
	if (r->kind >= 0 && KIND_IS_SYSV(r->kind)) {
		*why = "a System V object is named key:KEY or id:ID";
		goto bad;
	}
	if (strlen(spec) >= sizeof(r->name)) {
		*why = "name is too long";
		errno = ENAMETOOLONG;
		return -1;
	}
	int kind = r->kind >= 0 ? r->kind : path_kind;
	if (kind == KIND_FIFO || kind == KIND_UNIX) {
		if (*spec == '\0') {
			*why = "path is empty";
			goto bad;
		}
		if (kind == KIND_UNIX && spec[0] == '@') {
			if (spec[1] == '\0' || strlen(spec + 1) > 107) {
				*why = "abstract name must have 1 to 107 characters after @";
				goto bad;
			}
			r->form = REF_ABSTRACT;
			strcpy(r->name, spec + 1);
			return 0;
		}
		if (kind == KIND_UNIX && strlen(spec) > 107) {
			*why = "socket path is longer than 107 bytes";
			goto bad;
		}
		r->form = REF_PATH;
		strcpy(r->name, spec);
		return 0;
	}
	if (posix_name_check(spec, r->kind >= 0 ? (enum ipc_kind)r->kind : KIND_POSIX_SHM, why) == -1)
		return -1;
	r->form = REF_NAME;
	strcpy(r->name, spec);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
