/*
 * mqloop posix|sysv SIZE COUNT NAME-or-KEY [write]: the limit for ipc-mq. A
 * child receives COUNT messages while the parent sends COUNT messages of SIZE
 * bytes, with nothing else in the loop; prints messages per second. With
 * "write", the receiver also writes each message to fd 3 before the next,
 * as a receiver that may be killed without losing messages must.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sysv_msg {
	long mtype;
	char mtext[65536];
};

int main(int argc, char *argv[])
{
	if (argc != 5 && argc != 6)
		return 2;
	int write_each = argc == 6;
	int posix = strcmp(argv[1], "posix") == 0;
	size_t size = (size_t)atol(argv[2]);
	long count = atol(argv[3]);
	static struct sysv_msg m = { .mtype = 1 };
	static char buf[65536];
	struct timespec t0, t1;
	int id = -1;
	mqd_t q = -1;

	memset(m.mtext, 'x', size);
	if (posix)
		q = mq_open(argv[4], O_RDWR);
	else
		id = msgget((key_t)strtol(argv[4], NULL, 0), 0);
	if (q == (mqd_t)-1 && id == -1) {
		perror("mqloop: open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Sender on CPU 0, receiver on CPU 1: the placement the tool run gets too. */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	pid_t pid = fork();
	if (pid == 0) {
		CPU_ZERO(&cpus);
		CPU_SET(1, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
		for (long i = 0; i < count; i++) {
			unsigned prio;
			ssize_t n = posix ? mq_receive(q, buf, sizeof(buf), &prio)
			                  : msgrcv(id, &m, sizeof(m.mtext), 0, 0);
			if (n < 0) {
				perror("mqloop: receive");
				_exit(1);
			}
			if (write_each && write(3, posix ? buf : m.mtext, (size_t)n) < 0)
				_exit(1);
		}
		_exit(0);
	}
	for (long i = 0; i < count; i++)
		if ((posix ? mq_send(q, m.mtext, size, 0) : msgsnd(id, &m, size, 0)) < 0) {
			perror("mqloop: send");
			return 1;
		}
	int st;
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", (double)count / s);
	return 0;
}
