/*
 * holders.c: which processes have one open file (a pipe, a FIFO, a socket) and
 * with which access: the other end of a pipe, the readers and writers of a FIFO.
 */
#ifndef IPCKIT_HOLDERS_H
#define IPCKIT_HOLDERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fd_holder {
	pid_t pid;
	char comm[17];
	int fd;
	int acc;                  /* O_RDONLY, O_WRONLY or O_RDWR, from /proc/PID/fdinfo */
};

struct fd_holders {
	struct fd_holder *v;
	size_t n;
	int unseen;               /* processes whose open files could not be read */
};

/*
 * Every descriptor of every process that names the file (dev, ino) as fstat
 * shows it, sorted by PID then fd; the caller's own descriptors too (compare
 * with getpid()). 0, or -1 with errno (out of memory, /proc unreadable).
 */
int fd_holders_find(struct fd_holders *h, uint64_t dev, uint64_t ino, bool trace);
void fd_holders_free(struct fd_holders *h);

#endif
