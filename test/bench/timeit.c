/*
 * timeit [-w WARMUP] [-n MAX] [-t SECONDS] [--before-msg KEY] [--before-shm NAME] -- CMD...
 *
 * Runs CMD WARMUP times untimed (caches, page tables, dentries), then at
 * least 3 and at most MAX times, stopping early once SECONDS of timed runs
 * have passed, and prints the median wall time of one run in microseconds:
 * a run preempted by another load on the machine moves a mean, not a median.
 * CMD's stdout goes to /dev/null. With --before-msg KEY or --before-shm NAME
 * that object is made before every run, untimed, so that a removal can be
 * timed. The caller pins timeit (taskset); CMD inherits the CPU.
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

static long msg_key = -1;
static const char *shm_name;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int make_object(void)
{
	if (msg_key >= 0 && msgget((key_t)msg_key, IPC_CREAT | 0600) == -1) {
		perror("timeit: msgget");
		return -1;
	}
	if (shm_name) {
		int fd = shm_open(shm_name, O_CREAT | O_RDWR, 0600);
		if (fd == -1) {
			perror("timeit: shm_open");
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* One run of cmd: its wall time in microseconds, or -1 if it failed. */
static double run_once(char **cmd, const posix_spawn_file_actions_t *fa)
{
	pid_t pid;
	int status, e;

	if (make_object() == -1)
		return -1;
	double t0 = now_us();
	if ((e = posix_spawnp(&pid, cmd[0], fa, NULL, cmd, environ)) != 0) {
		fprintf(stderr, "timeit: %s: %s\n", cmd[0], strerror(e));
		return -1;
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "timeit: %s failed\n", cmd[0]);
		return -1;
	}
	return now_us() - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
	int max = 50, warmup = 1, i = 1, n = 0;
	double budget_us = 0.3e6, spent = 0;
	posix_spawn_file_actions_t fa;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			max = atoi(argv[++i]);
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			warmup = atoi(argv[++i]);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			budget_us = atof(argv[++i]) * 1e6;
		else if (strcmp(argv[i], "--before-msg") == 0 && i + 1 < argc)
			msg_key = strtol(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--before-shm") == 0 && i + 1 < argc)
			shm_name = argv[++i];
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || max < 3 || warmup < 0) {
		fprintf(stderr, "usage: timeit [-w WARMUP] [-n MAX>=3] [-t SECONDS] "
		        "[--before-msg KEY] [--before-shm NAME] -- CMD...\n");
		return 2;
	}
	char **cmd = argv + i + 1;
	double *t = calloc((size_t)max, sizeof(*t));
	if (t == NULL) {
		perror("timeit");
		return 1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (int w = 0; w < warmup; w++)
		if (run_once(cmd, &fa) < 0)
			return 1;
	while (n < max && (n < 3 || spent < budget_us)) {
		if ((t[n] = run_once(cmd, &fa)) < 0)
			return 1;
		spent += t[n++];
	}
	qsort(t, (size_t)n, sizeof(*t), by_value);
	printf("%.1f\n", n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2);
	return 0;
}
