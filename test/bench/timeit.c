/*
 * timeit: runs a command RUNS times and prints the mean wall time of one run
 * in microseconds. With --before-msg KEY or --before-shm NAME it makes that
 * object before each run, untimed, so that a removal can be timed.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char *argv[])
{
	int runs = 100, i = 1;
	long msg_key = -1;
	const char *shm_name = NULL;
	posix_spawn_file_actions_t fa;
	double total = 0;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--before-msg") == 0 && i + 1 < argc)
			msg_key = strtol(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--before-shm") == 0 && i + 1 < argc)
			shm_name = argv[++i];
	}
	if (i + 1 >= argc || runs < 1) {
		fprintf(stderr, "usage: timeit [-n RUNS] [--before-msg KEY] [--before-shm NAME] -- CMD...\n");
		return 2;
	}
	char **cmd = argv + i + 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (int r = 0; r < runs; r++) {
		pid_t pid;
		int status;
		if (msg_key >= 0 && msgget((key_t)msg_key, IPC_CREAT | 0600) == -1) {
			perror("timeit: msgget");
			return 1;
		}
		if (shm_name) {
			int fd = shm_open(shm_name, O_CREAT | O_RDWR, 0600);
			if (fd == -1) {
				perror("timeit: shm_open");
				return 1;
			}
			close(fd);
		}
		double t0 = now_us();
		if (posix_spawnp(&pid, cmd[0], &fa, NULL, cmd, environ) != 0) {
			perror(cmd[0]);
			return 1;
		}
		if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "timeit: %s failed\n", cmd[0]);
			return 1;
		}
		total += now_us() - t0;
	}
	printf("%.1f\n", total / runs);
	return 0;
}
