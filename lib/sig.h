/*
 * sig.c: signals by name, what each does by default, what a siginfo says,
 * the masks /proc shows, processes found by command name, and a pid file
 * written atomically (for ipc-sig). Reports, never prints or exits.
 */
#ifndef IPCKIT_SIG_H
#define IPCKIT_SIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ipckit.h"

enum sig_action { ACT_TERM, ACT_CORE, ACT_IGNORE, ACT_STOP, ACT_CONTINUE };

struct sig_desc {
	int number;
	char name[16];            /* "SIGUSR1", "SIGRTMIN+3" */
	enum sig_action action;
	const char *description;
	const char *alias;        /* another name it goes by ("SIGPOLL"), or NULL */
	bool catchable;           /* not SIGKILL or SIGSTOP */
};

const char *sig_action_name(enum sig_action a);   /* "term", "core", ... */
/* The highest signal number (SIGRTMAX). */
int sig_max(void);
/*
 * Whether n is a signal a program may use: 1 to SIGRTMAX but the two numbers
 * the C library keeps for its threads (32 and 33 with glibc).
 */
bool sig_usable(int n);
/* What signal n is; -1 with EINVAL when !sig_usable(n). */
int sig_describe(int n, struct sig_desc *d);
/* "SIGUSR1", "SIGRTMIN+3", or "SIG32" for a number with no name. */
const char *sig_name(int n, char *buf, size_t len);

/*
 * A signal as a user writes it: a number (decimal), or a name with or without
 * SIG in any case (USR1, sigusr1, SIGPOLL, RTMIN+3, RTMAX-1). 0 only when
 * zero_ok. -1 with EINVAL and *why set (a reason that lives in `why_buf`).
 */
int sig_parse(const char *s, bool zero_ok, int *sig, char *why_buf, size_t len);

/* What si_code says about who sent a signal: "kill", "sigqueue", "exited"... */
const char *sig_code_origin(int sig, int code, char *buf, size_t len);
/* The constant's name: "SI_USER", "SI_QUEUE", "CLD_EXITED"; NULL if unknown. */
const char *sig_code_name(int sig, int code);
/* Whether a signal with this code carries a value (sigqueue, a timer, mq_notify). */
bool sig_code_has_value(int code);

/* The masks of /proc/PID/status, as sets of signal numbers 1 to 64. */
struct sig_status {
	char comm[64];
	uint64_t pending, shared_pending, blocked, ignored, caught;
	long queued, queue_limit; /* SigQ: queued/limit; -1 if not shown */
};
/* -1 with errno: ENOENT/ESRCH when there is no such process, EACCES. */
int sig_status_read(pid_t pid, struct sig_status *st);

/*
 * Every process whose command name is exactly `name` (/proc/PID/comm; a name
 * longer than the 15 bytes comm keeps is compared with the program's base
 * name in its command line too), but never the caller, its ancestors or a
 * kernel thread. *pids is malloc'd (free it). -1 with errno.
 */
int proc_by_name(const char *name, pid_t **pids, size_t *n);

/*
 * A PID file: PID and a newline, written to a new file beside path and
 * renamed over path (a reader never sees it half written), mode 0644 whatever
 * the umask. The directory stays open in pf so that pidfile_delete removes the
 * file made, and only while it is still that file. -1 with errno.
 */
struct pidfile {
	int dfd;
	char leaf[256];
	struct file_id id;
};
int pidfile_create(struct pidfile *pf, const char *path, pid_t pid, bool trace);
void pidfile_delete(struct pidfile *pf, bool trace);

/* The PID a pid file holds: its first line, decimal. -1 with errno (EINVAL: none in it). */
int pidfile_pid(const char *path, pid_t *pid);

/* ---- sigprint.c: what ipc-sig prints; write errors are the caller's to catch ---- */
/* "[USR1 INT]", as strace writes a set. */
const char *sigset_text(const sigset_t *set, char *buf, size_t len);
/* Every usable signal: a table (with a header line unless !headings) or {"signals": [...]}. */
void sig_list_print(FILE *f, bool json, bool headings);
void sig_info_print(FILE *f, const struct sig_desc *d, bool json);
void sig_status_print(FILE *f, pid_t pid, const struct sig_status *st, bool json);
/* One signal taken: a line, or an element of an array (first: no comma before it). */
void siginfo_print(FILE *f, const siginfo_t *si, bool json, bool first);

#endif
