/* What the create commands share: undoing a half-made object, and --exist-ok's comparison. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipckit.h"

void ipc_undo_create(enum ipc_kind kind, int id, const char *name, bool trace)
{
	int e = errno;

	if (KIND_IS_SYSV(kind) && id != -1)
		sysv_remove(kind, id, trace);
	else if (!KIND_IS_SYSV(kind) && name != NULL && name[0] != '\0')
		posix_remove(kind, name, trace);
	errno = e;
}

bool attr_differs(struct attr_diff *d, const char *what, long long was, long long asked)
{
	if (was == asked)
		return false;
	d->what = what;
	d->was = was;
	d->asked = asked;
	errno = EEXIST;
	return true;
}

const char *attr_diff_text(const struct attr_diff *d, char *buf, size_t len)
{
	if (strcmp(d->what, "mode") == 0)
		snprintf(buf, len, "exists with --mode %04llo, not %04llo; nothing changed", d->was, d->asked);
	else
		snprintf(buf, len, "exists with --%s %lld, not %lld; nothing changed", d->what, d->was, d->asked);
	return buf;
}
