/* mkobjs N PREFIX: makes N System V and N POSIX objects, fast, for the scale benchmark. */
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char name[256];
	int n;

	if (argc != 3)
		return 2;
	n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		int r;
		switch (i % 3) {
		case 0: r = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); break;
		case 1: r = msgget(IPC_PRIVATE, IPC_CREAT | 0600); break;
		default: r = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600); break;
		}
		if (r == -1) {
			perror("mkobjs: System V");
			return 1;
		}
		if (i % 3 == 0)
			printf("%d\n", r);   /* segment ids, for the holders */
	}
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", argv[2], i);
		if (i % 10 < 6) {
			int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
			if (fd == -1 || ftruncate(fd, 4096) == -1) {
				perror("mkobjs: shm_open");
				return 1;
			}
			close(fd);
		} else if (i % 10 < 9) {
			snprintf(name, sizeof(name), "%ss%d", argv[2], i);
			sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
			if (s == SEM_FAILED) {
				perror("mkobjs: sem_open");
				return 1;
			}
			sem_close(s);
		} else {
			struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 16 };
			snprintf(name, sizeof(name), "%sq%d", argv[2], i);
			mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDONLY, 0600, &a);
			if (q == (mqd_t)-1) {
				perror("mkobjs: mq_open");
				return 1;
			}
			mq_close(q);
		}
	}
	return 0;
}
