/*
 * The 1000-signal round trip for ipc-sig wait, timed from the receiver's start
 * to its end.
 *
 * sigloop run COUNT PIDFILE CMD [ARG]...
 *     Starts CMD (a receiver that blocks the first real-time signal, writes
 *     its PID to PIDFILE, then takes COUNT signals), waits for PIDFILE, sends
 *     it COUNT sigqueue(3)s of RTMIN+1 with the values 1 to COUNT (retrying
 *     while its queue is full), waits for CMD to end; prints signals per
 *     second, start to end.
 * sigloop recv COUNT PIDFILE
 *     The least a receiver can do (the limit): block, write PIDFILE,
 *     sigwaitinfo(2) COUNT times, each signal written as one line to stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int recv_loop(long count, const char *pidfile)
{
	sigset_t set;
	siginfo_t si;
	char buf[96];
	FILE *f;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((f = fopen(pidfile, "w")) == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		return 1;
	for (long i = 0; i < count; i++) {
		if (sigwaitinfo(&set, &si) == -1)
			return 1;
		int n = snprintf(buf, sizeof(buf), "%d from pid %d uid %u value %d\n", si.si_signo,
		                 (int)si.si_pid, (unsigned)si.si_uid, si.si_value.sival_int);
		if (write(1, buf, (size_t)n) != n)
			return 1;
	}
	return 0;
}

static pid_t read_pid(const char *pidfile, pid_t child)
{
	struct timespec nap = { 0, 50000 };
	char buf[32];

	for (;;) {
		int fd = open(pidfile, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0 && buf[n - 1] == '\n') {
				buf[n] = '\0';
				return (pid_t)atoi(buf);
			}
		}
		if (waitpid(child, NULL, WNOHANG) == child)
			return -1;
		nanosleep(&nap, NULL);
	}
}

int main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return recv_loop(atol(argv[2]), argv[3]);
	if (argc < 5 || strcmp(argv[1], "run") != 0) {
		fputs("usage: sigloop run COUNT PIDFILE CMD... | sigloop recv COUNT PIDFILE\n", stderr);
		return 2;
	}
	long count = atol(argv[2]);
	const char *pidfile = argv[3];
	int status;

	unlink(pidfile);
	double t0 = now();
	pid_t child = fork();
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	pid_t pid = read_pid(pidfile, child);
	if (pid < 0) {
		fputs("sigloop: the receiver ended before it wrote its pid file\n", stderr);
		return 1;
	}
	for (long v = 1; v <= count; v++)
		while (sigqueue(pid, SIGRTMIN + 1, (union sigval){ .sival_int = (int)v }) == -1)
			if (errno != EAGAIN) {
				perror("sigloop: sigqueue");
				return 1;
			}
	if (waitpid(child, &status, 0) != child || status != 0) {
		fputs("sigloop: the receiver failed\n", stderr);
		return 1;
	}
	printf("%.0f\n", (double)count / (now() - t0));
	return 0;
}
