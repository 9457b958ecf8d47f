/*
 * holder PREFIX I... -- SHMID...: maps the POSIX shm objects PREFIX<I> (and
 * keeps them open), attaches the System V segments, says "ready", then waits
 * to be killed. The scale benchmark starts 100 of these so USERS has work.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char name[256];
	int i = 2;

	if (argc < 2)
		return 2;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		snprintf(name, sizeof(name), "%s%s", argv[1], argv[i]);
		int fd = shm_open(name, O_RDWR, 0);
		if (fd == -1 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED) {
			perror(name);
			return 1;
		}
	}
	for (i++; i < argc; i++)
		if (shmat(atoi(argv[i]), NULL, SHM_RDONLY) == (void *)-1) {
			perror("shmat");
			return 1;
		}
	puts("ready");
	fflush(stdout);
	pause();
	return 0;
}
