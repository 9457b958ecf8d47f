/*
 * fifoloop rw|splice FIFO FILE: the limit for ipc-fifo. A child opens FIFO for
 * reading and drains it; the parent opens it for writing and copies FILE into
 * it; returns when the child has read the end.
 *   rw      read(2) and write(2) of 128 KiB, what cat does, with nothing else
 *           (the reader discards what it reads).
 *   splice  splice(2) from FILE into the FIFO, and from the FIFO to /dev/null:
 *           no byte copied to user space.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK (128 * 1024)

static int drain(const char *fifo, int use_splice)
{
	static char buf[BLOCK];
	int fd = open(fifo, O_RDONLY), null = open("/dev/null", O_WRONLY);
	ssize_t n;

	if (fd == -1 || null == -1)
		return 1;
	do
		n = use_splice ? splice(fd, NULL, null, NULL, 1 << 20, SPLICE_F_MOVE) : read(fd, buf, BLOCK);
	while (n > 0);
	return n < 0;
}

static int fill(const char *fifo, const char *file, int use_splice)
{
	static char buf[BLOCK];
	int fd = open(fifo, O_WRONLY), in = open(file, O_RDONLY);
	ssize_t n;

	if (fd == -1 || in == -1)
		return 1;
	if (use_splice) {
		do
			n = splice(in, NULL, fd, NULL, 1 << 20, SPLICE_F_MOVE);
		while (n > 0);
	} else {
		while ((n = read(in, buf, BLOCK)) > 0)
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(fd, buf + off, (size_t)(n - off));
				if (w < 0)
					return 1;
				off += w;
			}
	}
	close(fd);   /* the reader's end of file */
	return n < 0;
}

int main(int argc, char *argv[])
{
	int status, use_splice;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: fifoloop rw|splice FIFO FILE\n");
		return 2;
	}
	use_splice = strcmp(argv[1], "splice") == 0;
	if ((pid = fork()) == 0)
		_exit(drain(argv[2], use_splice));
	if (fill(argv[2], argv[3], use_splice) != 0) {
		perror("fifoloop");
		return 1;
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fifoloop: the reader failed\n");
		return 1;
	}
	return 0;
}
