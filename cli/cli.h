/*
 * The tool layer: what every ipckit command does the same way. Unlike lib/,
 * it prints diagnostics and exits: usage errors (exit 2), failures mapped
 * from errno to the kit's exit codes, option values, the subcommand table,
 * --trace, and the check that stdout was really written.
 *
 * Messages look like "ipc-mq: send /jobs: queue is full"; every name in them
 * is escaped (esc()), whatever bytes it holds.
 */
#ifndef IPCKIT_CLI_H
#define IPCKIT_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipckit.h"

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char *argv[]);   /* argv[0] is the subcommand's name */
	const char *usage;                    /* "send [-t DURATION] REF [MESSAGE...]" */
};

struct cli_tool {
	const char *name;          /* "ipc-mq" */
	const char *noun;          /* what it acts on, for messages: "queue", "object" */
	void (*usage)(bool full);  /* the tool's usage (full: for --help, on stdout) */
	const struct cli_cmd *cmds;
	size_t ncmds;              /* 0 for tools without subcommands */
	/* Optional: the tool's own words for an errno in operation `what`, or NULL. */
	const char *(*errno_text)(const char *what, int err);
};

/*
 * Start-up: registers the tool, arranges for stdout to be checked at exit
 * (a failed write makes the exit status 1), and takes --trace out of argv
 * wherever it stands before "--" (or IPC_TRACE=1 in the environment).
 * Returns whether tracing is on.
 */
bool cli_init(const struct cli_tool *t, int *argc, char *argv[]);

/*
 * For tools with subcommands: -h/--help, -V/--version, then the subcommand,
 * matched exactly. Returns the subcommand's exit status.
 */
int cli_dispatch(int argc, char *argv[]);

/*
 * The head of a subcommand tool's usage: "usage: NAME [--trace] FIRST", a line
 * per subcommand from its table, and "NAME -h | -V". Returns where it went:
 * stdout for --help (full), else stderr, for the tool's own lines after it.
 */
FILE *cli_usage_cmds(bool full, const char *first);

/*
 * A new System V object's REF on stdout ("sysv-shm:id:7"), the one thing a
 * script keeps of it: when it cannot be written, the object is removed again
 * if this call made it (made), and the tool exits 1 saying so.
 */
void cli_print_new_ref(const char *ref, enum ipc_kind kind, int id, bool made, bool trace);

/* getopt_long with our own messages: an unknown option or a missing value is a usage error. */
int cli_getopt(int argc, char *argv[], const char *shortopts, const struct option *longopts);
/* For -h and -V in a tool's own option loop: print and exit 0 (or 1 if stdout fails). */
_Noreturn void cli_help(void);
_Noreturn void cli_version(void);

/* Option values; each exits 2 naming the option and the value when it is bad. */
int64_t opt_duration(const char *s, const char *opt);                  /* ns */
uint64_t opt_size(const char *s, uint64_t min, uint64_t max, const char *opt);
long long opt_int(const char *s, long long min, long long max, const char *opt);
mode_t opt_mode(const char *s, const char *opt);
unsigned opt_kinds(const char *s, const char *opt);
uid_t opt_user(const char *s, const char *opt);

/* Errors. */
_Noreturn void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* "prog: ..." on stderr */

/* The exit status for an errno value (see ipckit(7)). */
int exit_code_for_errno(int err);
/* What went wrong in operation `what`, in words ("no such queue": the tool's noun). */
const char *errno_text(const char *what, int err);
/*
 * "prog: WHAT NAME: <errno_text>" with NAME escaped. warn_errno returns the
 * exit status for the caller's multi-operand loop; fail exits with it.
 */
int warn_errno(const char *what, const char *name, int err);
_Noreturn void fail(const char *what, const char *name, int err);

/*
 * What a REF names, in the same words in every tool. `then` says what did not
 * happen ("not removed"; NULL for nothing), after a semicolon.
 */
/* Parses a REF that must say its kind, and derives an ftok: REF's key; says why
   not and returns the exit status (2, or the file's for ftok:), else 0. */
int cli_ref(const char *text, struct ipc_ref *r, bool trace);
/* Says why ipc_lookup(r) failed with err, naming text; returns the exit status. */
int say_lookup_error(const char *text, const struct ipc_ref *r, int err, const char *then);
/* "REF: is a directory, not a fifo": found is the S_IFMT type there, 0 if unknown; returns 2. */
int say_wrong_type(const char *ref, mode_t found, enum ipc_kind kind, const char *then);
/* Says why removing a listed object failed (found: what ipc_remove saw in its place);
   "changed since it was listed" is exit 7. Returns the exit status. */
int say_remove_error(const struct ipc_obj *o, int err, const struct file_id *found);

/*
 * The subcommands every tool of one family of kinds has (ipc-mq, ipc-shm, ...),
 * given how the tool reads its REFs (msgq_ref_parse) and removes one (msgq_remove).
 */
typedef int (*cli_ref_parser)(const char *text, struct ipc_ref *r, const char **why);
/* A REF as the tool reads it, its ftok: key derived; exits 2 (or the file's status) saying why not. */
void cli_kind_ref(const char *text, cli_ref_parser parse, struct ipc_ref *r, bool trace);
/* info [-J] REF: every field of the object (fields.c), as ipc-ls -i prints them. */
int cli_cmd_info(int argc, char *argv[], cli_ref_parser parse, bool trace);
/* rm REF...: each removed; the first failure's status. */
int cli_cmd_rm(int argc, char *argv[], cli_ref_parser parse,
               int (*remove)(const struct ipc_ref *r, bool trace), bool trace);

/* The name, escaped, in a static buffer of this layer (one at a time per message). */
const char *ename(const char *s);

/*
 * Stop signals, for a loop that must end between two steps, never inside one
 * (a receiver writes the message it took first): SIGINT, SIGTERM and SIGHUP set
 * cli_stop and interrupt a wait (EINTR); one ignored from the start (a
 * background job's SIGINT) stays ignored. cli_exit then dies of that signal, as
 * a shell expects of a stopped command, or exits with code.
 */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stops(void);
/* Sleeps until a stop signal (cli_catch_stops) or, if duration_ns >= 0, until it has passed. */
void cli_hold(int64_t duration_ns);
_Noreturn void cli_exit(int code);

#endif
