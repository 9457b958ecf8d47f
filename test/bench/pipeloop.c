/*
 * The pipe bench's helpers and limits (test/bench/pipe.sh):
 *   pipeloop gen BYTES CHUNK   writes BYTES bytes to stdout, CHUNK bytes a write
 *   pipeloop sink              reads stdin to its end, 1 MiB a read
 *   pipeloop splice            the minimal relay between two pipes: splice(2) in a loop
 *   pipeloop rw                the minimal relay by read(2) and write(2), 128 KiB a read
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char *argv[])
{
	static char buf[1 << 20];
	ssize_t n;

	if (argc == 4 && strcmp(argv[1], "gen") == 0) {
		long long left = atoll(argv[2]);
		size_t chunk = (size_t)atol(argv[3]);
		if (chunk == 0 || chunk > sizeof(buf))
			return 2;
		memset(buf, 'x', sizeof(buf));
		while (left > 0) {
			size_t k = left < (long long)chunk ? (size_t)left : chunk;
			write_all(buf, k);
			left -= (long long)k;
		}
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "sink") == 0) {
		while ((n = read(0, buf, sizeof(buf))) != 0)
			if (n < 0 && errno != EINTR)
				return 1;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "splice") == 0) {
		while ((n = splice(0, NULL, 1, NULL, 1 << 24, SPLICE_F_MOVE)) != 0)
			if (n < 0 && errno != EINTR)
				return 1;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "rw") == 0) {
		while ((n = read(0, buf, 128 * 1024)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return 1;
			write_all(buf, (size_t)n);
		}
		return 0;
	}
	fprintf(stderr, "usage: pipeloop gen BYTES CHUNK | sink | splice | rw\n");
	return 2;
}
