/*
 * The limits for ipc-sock's bench rows, with nothing but the system calls:
 *   sockbench recv ADDR        accept one connection, splice it to stdout
 *   sockbench send ADDR        connect, splice stdin to the socket, shut down, wait for EOF
 *   sockbench serve ADDR CMD   accept for ever, posix_spawn CMD per connection on it, reap
 *   sockbench conns ADDR N     N connections one after another, each read to EOF; prints conns/s
 * ADDR is unix:/path or tcp:PORT (127.0.0.1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static socklen_t addr(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strncmp(s, "unix:", 5) == 0) {
		struct sockaddr_un *u = (struct sockaddr_un *)ss;
		u->sun_family = AF_UNIX;
		strncpy(u->sun_path, s + 5, sizeof(u->sun_path) - 1);
		return sizeof(*u);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	in->sin_port = htons((unsigned short)atoi(s + 4));
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*in);
}

static int listener(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t l = addr(s, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_UNIX)
		unlink(s + 5);
	if (bind(fd, (struct sockaddr *)&ss, l) == -1 || listen(fd, 4096) == -1) {
		perror("bind/listen");
		exit(1);
	}
	return fd;
}

static int connector(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t l = addr(s, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&ss, l) == -1) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static void pump(int in, int out)
{
	int p[2];
	ssize_t n, m;

	if (pipe(p) == -1)
		exit(1);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	while ((n = splice(in, NULL, p[1], NULL, 1 << 20, SPLICE_F_MOVE)) > 0)
		for (; n > 0; n -= m)
			if ((m = splice(p[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE)) <= 0)
				exit(1);
}

int main(int argc, char *argv[])
{
	char buf[4096];

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "recv") == 0) {
		int l = listener(argv[2]), c = accept(l, NULL, NULL);
		pump(c, STDOUT_FILENO);
		if (strncmp(argv[2], "unix:", 5) == 0)
			unlink(argv[2] + 5);
		return 0;
	}
	if (strcmp(argv[1], "send") == 0) {
		int c = connector(argv[2]);
		pump(STDIN_FILENO, c);
		shutdown(c, SHUT_WR);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0 && argc > 3) {
		int l = listener(argv[2]);
		signal(SIGCHLD, SIG_IGN);   /* reaped by the kernel */
		for (;;) {
			int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
			posix_spawn_file_actions_t fa;
			pid_t pid;
			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_adddup2(&fa, c, 0);
			posix_spawn_file_actions_adddup2(&fa, c, 1);
			posix_spawn(&pid, argv[3], &fa, NULL, argv + 3, environ);
			posix_spawn_file_actions_destroy(&fa);
			close(c);
		}
	}
	if (strcmp(argv[1], "conns") == 0 && argc > 3) {
		long n = atol(argv[3]);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++) {
			int c = connector(argv[2]);
			while (read(c, buf, sizeof(buf)) > 0)
				;
			close(c);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.0f\n", (double)n / ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9));
		return 0;
	}
	return 2;
}
