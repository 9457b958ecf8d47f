/*
 * mqloop posix|sysv SIZE COUNT NAME-or-KEY SEND-CPU RECV-CPU [write|lines]:
 * the limits for ipc-mq. A child pinned to RECV-CPU receives COUNT messages
 * while the parent, pinned to SEND-CPU, sends COUNT messages of SIZE bytes;
 * prints messages per second, fork to last receive.
 *   (none)  nothing else in the loop.
 *   write   the receiver also writes each message and a newline to fd 3 with
 *           one write(2) before the next, as a receiver that may be killed
 *           without losing messages must.
 *   lines   as write, and the sender takes its messages from stdin, one a
 *           line, read in 64 KiB blocks and sent from where they were read:
 *           all that ipc-mq send | ipc-mq recv must do, done the least
 *           costly way.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
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

static int posix;
static mqd_t q = (mqd_t)-1;
static int id = -1;

static int pin(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) == -1) {
		perror("mqloop: sched_setaffinity");
		return -1;
	}
	return 0;
}

static int send_one(struct sysv_msg *m, size_t len)
{
	if ((posix ? mq_send(q, m->mtext, len, 0) : msgsnd(id, m, len, 0)) == 0)
		return 0;
	perror("mqloop: send");
	return -1;
}

/*
 * Sends each line of stdin, without its newline, straight from the input
 * buffer: a System V message's type is written over the bytes just before the
 * line, which are spent. Returns how many lines, or -1.
 */
static long send_lines(void)
{
	static char in[sizeof(long) + 65536 + 8192];
	char *const start = in + sizeof(long);
	const long mtype = 1;
	size_t have = 0, room = sizeof(in) - sizeof(long);
	long sent = 0;
	ssize_t r;

	while ((r = read(STDIN_FILENO, start + have, room - have)) > 0) {
		char *p = start, *end = start + have + r, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			size_t len = (size_t)(nl - p);
			int e;
			if (posix)
				e = mq_send(q, p, len, 0);
			else {
				memcpy(p - sizeof(long), &mtype, sizeof(long));
				e = msgsnd(id, p - sizeof(long), len, 0);
			}
			if (e == -1) {
				perror("mqloop: send");
				return -1;
			}
			sent++;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		memmove(start, p, have);
		if (have == room) {
			fprintf(stderr, "mqloop: a line longer than %zu bytes\n", room);
			return -1;
		}
	}
	if (r == -1) {
		perror("mqloop: read");
		return -1;
	}
	return sent;
}

int main(int argc, char *argv[])
{
	if (argc != 7 && argc != 8)
		return 2;
	const char *mode = argc == 8 ? argv[7] : "";
	int lines = strcmp(mode, "lines") == 0, write_each = lines || strcmp(mode, "write") == 0;
	posix = strcmp(argv[1], "posix") == 0;
	size_t size = (size_t)atol(argv[2]);
	long count = atol(argv[3]);
	static struct sysv_msg m = { .mtype = 1 };
	static char buf[65536 + 1];
	struct timespec t0, t1;

	if (size > sizeof(m.mtext) || (*mode && !write_each))
		return 2;
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
	/* The placement the bench gives ipc-mq send and recv too. */
	if (pin(atoi(argv[5])) == -1)
		return 1;
	pid_t pid = fork();
	if (pid == -1) {
		perror("mqloop: fork");
		return 1;
	}
	if (pid == 0) {
		if (pin(atoi(argv[6])) == -1)
			_exit(1);
		for (long i = 0; i < count; i++) {
			unsigned prio;
			ssize_t n = posix ? mq_receive(q, buf, sizeof(buf) - 1, &prio)
			                  : msgrcv(id, &m, sizeof(m.mtext) - 1, 0, 0);
			if (n < 0) {
				perror("mqloop: receive");
				_exit(1);
			}
			if (!write_each)
				continue;
			char *p = posix ? buf : m.mtext;   /* room for one more byte in both */
			p[n] = '\n';
			if (write(3, p, (size_t)n + 1) != n + 1)
				_exit(1);
		}
		_exit(0);
	}
	long sent = 0;
	if (lines)
		sent = send_lines();
	else
		for (; sent < count; sent++)
			if (send_one(&m, size) == -1) {
				sent = -1;
				break;
			}
	if (sent != count) {
		if (sent >= 0)
			fprintf(stderr, "mqloop: %ld lines on stdin, not %ld\n", sent, count);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 1;
	}
	int st;
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "mqloop: the receiver failed\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", (double)count / s);
	return 0;
}
