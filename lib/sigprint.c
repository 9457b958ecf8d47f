/* What ipc-sig prints: the signal table, one signal, a process's masks, a siginfo. */
#include <stdio.h>
#include <string.h>

#include "sig.h"

const char *sigset_text(const sigset_t *set, char *buf, size_t len)
{
	char nb[16];
	size_t off = 0;

	buf[off++] = '[';
	for (int s = 1; s <= sig_max() && off + 16 < len; s++)
		if (sigismember(set, s) == 1)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off > 1 ? " " : "",
			                        sig_name(s, nb, sizeof(nb)) + 3);
	snprintf(buf + off, len - off, "]");
	return buf;
}

void sig_list_print(FILE *f, bool json, bool headings)
{
	struct sig_desc d;
	bool first = true;

	if (json)
		fputs("{\n  \"signals\": [", f);
	else if (headings)
		fprintf(f, "%6s  %-12s  %-8s  %s\n", "NUMBER", "NAME", "ACTION", "DESCRIPTION");
	for (int s = 1; s <= sig_max(); s++) {
		if (sig_describe(s, &d) == -1)
			continue;
		if (!json) {
			fprintf(f, "%6d  %-12s  %-8s  %s\n", d.number, d.name, sig_action_name(d.action),
			        d.description);
			continue;
		}
		fprintf(f, "%s\n    {\"number\": %d, \"name\": \"%s\", \"action\": \"%s\", \"description\": ",
		        first ? "" : ",", d.number, d.name, sig_action_name(d.action));
		json_string(f, d.description);
		fputc('}', f);
		first = false;
	}
	if (json)
		fputs("\n  ]\n}\n", f);
}

void sig_info_print(FILE *f, const struct sig_desc *d, bool json)
{
	char alias[16] = "-";

	if (d->alias)
		snprintf(alias, sizeof(alias), "SIG%s", d->alias);
	if (!json) {
		fprintf(f, "number       %d\nname         %s\naction       %s\ndescription  %s\n"
		        "alias        %s\ncatchable    %s\n", d->number, d->name, sig_action_name(d->action),
		        d->description, alias, d->catchable ? "yes" : "no");
		return;
	}
	fprintf(f, "{\"number\": %d, \"name\": \"%s\", \"action\": \"%s\", \"description\": ", d->number,
	        d->name, sig_action_name(d->action));
	json_string(f, d->description);
	if (d->alias)
		fprintf(f, ", \"alias\": \"%s\"", alias);
	else
		fputs(", \"alias\": null", f);
	fprintf(f, ", \"catchable\": %s}\n", d->catchable ? "true" : "false");
}

static void mask_print(FILE *f, const char *key, uint64_t mask, bool json)
{
	char nb[16];
	bool first = true;

	fprintf(f, json ? ",\n  \"%s\": [" : "%-15s", key);
	for (int s = 1; s <= 64; s++) {
		if (!(mask & (UINT64_C(1) << (s - 1))))
			continue;
		fprintf(f, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? ", " : " ", sig_name(s, nb, sizeof(nb)));
		first = false;
	}
	fputs(json ? "]" : first ? "-\n" : "\n", f);
}

void sig_status_print(FILE *f, pid_t pid, const struct sig_status *st, bool json)
{
	char name[4 * sizeof(st->comm) + 8];

	if (json) {
		fprintf(f, "{\n  \"pid\": %d,\n  \"command\": ", (int)pid);
		json_text(f, st->comm);
	} else {
		fprintf(f, "%-15s%d\n%-15s%s\n", "pid", (int)pid, "command", esc(st->comm, name, sizeof(name)));
	}
	mask_print(f, "pending", st->pending, json);
	mask_print(f, "shared_pending", st->shared_pending, json);
	mask_print(f, "blocked", st->blocked, json);
	mask_print(f, "ignored", st->ignored, json);
	mask_print(f, "caught", st->caught, json);
	if (json)
		fprintf(f, ",\n  \"queued\": %ld,\n  \"queue_limit\": %ld\n}\n", st->queued, st->queue_limit);
	else
		fprintf(f, "%-15s%ld of %ld\n", "queued", st->queued, st->queue_limit);
}

void siginfo_print(FILE *f, const siginfo_t *si, bool json, bool first)
{
	char nb[16], cb[24];
	const char *name = sig_name(si->si_signo, nb, sizeof(nb));
	const char *by = sig_code_origin(si->si_signo, si->si_code, cb, sizeof(cb));
	const char *code = sig_code_name(si->si_signo, si->si_code);
	bool value = sig_code_has_value(si->si_code), child = si->si_signo == SIGCHLD && si->si_code > 0;

	if (!json) {
		fprintf(f, "%s %d from pid %d uid %u by %s", name, si->si_signo, (int)si->si_pid,
		        (unsigned)si->si_uid, by);
		if (value)
			fprintf(f, " value %d", si->si_value.sival_int);
		if (child)
			fprintf(f, " status %d", si->si_status);
		fputc('\n', f);
		return;
	}
	fprintf(f, "%s\n    {\"signal\": \"%s\", \"number\": %d, \"pid\": %d, \"uid\": %u, \"code\": ",
	        first ? "" : ",", name, si->si_signo, (int)si->si_pid, (unsigned)si->si_uid);
	if (code)
		fprintf(f, "\"%s\"", code);
	else
		fprintf(f, "%d", si->si_code);
	fprintf(f, ", \"by\": \"%s\", \"value\": ", by);
	if (value)
		fprintf(f, "%d", si->si_value.sival_int);
	else
		fputs("null", f);
	if (child)
		fprintf(f, ", \"status\": %d", si->si_status);
	fputc('}', f);
}
