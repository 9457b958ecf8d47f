/*
 * pipe.c: the byte mover behind ipc-pipe (splice between two pipes, read and
 * write otherwise), and what a descriptor is (pipe, FIFO, socket, tty, file).
 * Like the rest of lib/, it never prints and never exits.
 */
#ifndef IPCKIT_PIPE_H
#define IPCKIT_PIPE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- the pass-through ---- */
struct pipe_copy {
	int in, out;
	bool lines;               /* count lines (and limit the rate in lines): read and write */
	uint64_t rate;            /* at most this many bytes (lines) a second; 0: no limit */
	bool trace;
	volatile sig_atomic_t *stop;   /* set by a signal handler: end between two steps */
	volatile sig_atomic_t *tick;   /* set by a timer: call on_tick, then clear it */
	void (*on_tick)(const struct pipe_copy *);
	/* Results, kept up to date while it runs. */
	uint64_t bytes, nlines;
	int64_t start_ns;         /* CLOCK_MONOTONIC */
	bool both_pipes;          /* in and out are pipes (or FIFOs): splice can move the bytes */
	bool spliced;             /* splice(2) moved some of the bytes */
	int failed_fd;            /* the side that failed: in or out (-1 when none) */
};

/*
 * Copies c->in to c->out until the end of the input: 0; -1 with errno (EPIPE:
 * the reader went away; EINTR: *c->stop was set) and c->failed_fd. Splices
 * when both are pipes, except while the input comes in chunks under a page.
 */
int pipe_copy_run(struct pipe_copy *c);

int64_t pipe_now_ns(void);

/* fs.pipe-max-size, or -1 with errno. */
long pipe_max_size(void);

/* ---- what a descriptor is ---- */
enum fd_type { FD_PIPE, FD_FIFO, FD_SOCKET, FD_TTY, FD_FILE, FD_DIR, FD_CHAR, FD_BLOCK, FD_OTHER };

struct fd_desc {
	int fd;
	enum fd_type type;
	int acc;                  /* O_RDONLY, O_WRONLY, O_RDWR */
	uint64_t dev, ino;
	char path[4096];          /* readlink of /proc/self/fd/N: "pipe:[123]", "/dev/pts/0", ... */
	/* pipes and FIFOs: -1 when not known */
	long capacity;
	long queued;
	/* sockets */
	int sock_family, sock_type;
	char local[256], peer[256]; /* addresses as text ("" when none) */
	pid_t peer_pid;           /* unix sockets: SO_PEERCRED, 0 when none */
	/* files */
	int64_t size;
};

/* Describes fd: 0, or -1 with errno (EBADF: not open). */
int fd_describe(int fd, struct fd_desc *d, bool trace);
const char *fd_type_name(enum fd_type t);
const char *sock_type_name(int type);
const char *sock_family_name(int family);
/* /proc/PID/comm into buf ("" when it cannot be read). */
void proc_comm(pid_t pid, char *buf, size_t len);

/* ---- connect: two commands, each one's stdout the other's stdin ---- */
struct pipe_cmd {
	char **argv;
	pid_t pid;
	int exec_err;             /* execvp's errno in the child: it exits 127 or 126 */
	bool done;
	int status;               /* wait status, once done */
};

struct pipe_connect {
	struct pipe_cmd cmd[2];
	sigset_t saved_mask;
	int first_failed;         /* the first to end with a non-zero status, or -1 */
	int signal;               /* SIGINT, SIGTERM or SIGHUP sent meanwhile (passed on), or 0 */
	bool timed_out;
};

/*
 * Makes the two pipes, forks and execs both commands (a command that cannot be
 * run has its exec_err set, and its process exits as a shell's would). Until
 * pipe_connect_wait, SIGINT, SIGTERM, SIGHUP and SIGCHLD are held. 0, or -1
 * with errno when a pipe or a process could not be made (none left running).
 */
int pipe_connect_start(struct pipe_connect *pc, bool trace);
/*
 * Waits for both, passing on a stop signal sent to this process. With
 * timeout_ns >= 0, when it runs out both get SIGTERM (SIGKILL 2 s later) and
 * timed_out is set. Restores the signal mask.
 */
int pipe_connect_wait(struct pipe_connect *pc, int64_t timeout_ns);

#endif
