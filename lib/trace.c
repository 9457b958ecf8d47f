/* The --trace stream: what a student reads to see the mechanism at work. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipckit.h"

void trace_call(bool on, long ret, int err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!on)
		return;
	/* The call's text holds names and data anyone can choose: escaped like every name. */
	char *call = NULL, *safe = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&call, fmt, ap);
	va_end(ap);
	if (n >= 0)
		safe = esc_alloc(call);
	flockfile(stderr);
	fputs(safe ? safe : "(out of memory)", stderr);
	free(call);
	free(safe);
	if (ret == -1) {
		const char *name = strerrorname_np(err);
		fprintf(stderr, " = -1 %s (%s)\n", name ? name : "?", strerror(err));
	} else {
		fprintf(stderr, " = %ld\n", ret);
	}
	funlockfile(stderr);
	errno = saved;
}
