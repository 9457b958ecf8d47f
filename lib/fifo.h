/*
 * fifo.c: named pipes for ipc-fifo. Made and removed without following a
 * symbolic link; opened with a deadline and a way to stop; read without taking
 * more lines than asked; written a line (or a PIPE_BUF of whole lines) per write(2).
 */
#ifndef IPCKIT_FIFO_H
#define IPCKIT_FIFO_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ipckit.h"

/* "regular file", "directory", "symbolic link"...: what a file of this type is called. */
const char *file_type_name(mode_t type);

/*
 * Makes the FIFO path with exactly mode (whatever the umask or a default ACL),
 * exclusively, through no symbolic link (the last component included). -1 with
 * errno: EEXIST (*found says what is there: its type and mode), ELOOP when a
 * directory in the path is a symbolic link, ENOENT, EACCES... Nothing is left
 * behind when a step after mkfifoat fails.
 */
int fifo_make(const char *path, mode_t mode, struct stat *found, bool trace);

/*
 * What path names, following a symbolic link as any reader does: 0 with *st
 * for a FIFO; -1 with errno ENOENT, EACCES..., or EINVAL when it is another
 * type of file (st->st_mode says which).
 */
int fifo_stat(const char *path, struct stat *st, bool trace);

/* Whether path still names the FIFO st describes. */
bool fifo_still(const char *path, const struct stat *st);

/*
 * Opens the FIFO st describes (from fifo_stat) with acc (O_RDONLY, O_WRONLY
 * or O_RDWR), blocking descriptor. Opening for reading or writing waits for
 * the other side as open(2) does, for timeout_ns (-1: without end; 0: not at
 * all). Only that FIFO is opened: a file swapped in at path since is not. While it waits a timer wakes it four times a second to look at *stop
 * and at the path. -1 with errno: ENXIO (no reader, timeout 0), EAGAIN (no
 * writer, timeout 0), ETIMEDOUT, EINTR (*stop was set), EIDRM (the FIFO was
 * removed or replaced while waiting), EINVAL (the path names something else
 * now), or open's own.
 */
int fifo_open(const char *path, const struct stat *st, int acc, int64_t timeout_ns,
              const volatile sig_atomic_t *stop, bool trace);

/* Opens the FIFO st describes at once, with flags (O_NONBLOCK for a try); as fifo_open. */
int fifo_open_now(const char *path, const struct stat *st, int flags, bool trace);

/* Bytes queued in the FIFO fd holds open (FIONREAD); -1 with errno. */
long fifo_queued(int fd);

/*
 * Removes the FIFO path, reached through no symbolic link; anything else is
 * left alone. -1 with errno: EINVAL (another type, found->type says which),
 * ELOOP (a directory in the path is a symbolic link), ENOENT...
 */
int fifo_remove(const char *path, struct file_id *found, bool trace);

/* ---- fifo_io.c: moving the bytes ---- */

/* How read copies a FIFO to out. */
struct fifo_reader {
	int fd, out;
	char delim;               /* '\n' or '\0'; records end with it */
	bool raw;                 /* bytes as they come: no delimiter added at the end */
	bool follow;              /* fd is held O_RDWR: no end of file; a timeout is the end */
	long long count;          /* records to take, 0 for all */
	int64_t timeout_ns;       /* each wait for data; -1: without end */
	const char *path;         /* checked for removal while following idle */
	const struct stat *st;
	const volatile sig_atomic_t *stop;
	/* out: */
	long long taken;          /* records (delimiters) copied */
	bool out_failed;          /* the error was writing out */
};
/*
 * Copies until the end of file (every writer gone), count records, the
 * timeout, or *stop. Whatever is read is written before it returns. With
 * count, no byte after the last record taken is read: the rest stays in the
 * FIFO. 0, or -1 with errno: ETIMEDOUT (waited timeout_ns for data, not
 * following), EINTR (*stop), EIDRM (removed while following), or a read or
 * write error (out_failed says which).
 */
int fifo_read(struct fifo_reader *r);

/*
 * Writes each record of in (delimited by delim) to the FIFO fd: whole records
 * only, as many as fit in PIPE_BUF bytes per write(2), a longer one alone in one
 * write(2) (up to 16 MiB; beyond, in 16 MiB pieces); a last record without its
 * delimiter gets one. raw: bytes as they come, spliced when in is a pipe or a
 * file. 0 at the end of in, or -1 with errno (*in_failed: the error was reading in).
 */
int fifo_write_stream(int fd, int in, char delim, bool raw, bool *in_failed);

#endif
