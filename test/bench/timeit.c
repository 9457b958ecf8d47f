/*
 * timeit [-w WARMUP] [-n MAX] [-t SECONDS] SPEC [--- SPEC]...
 * SPEC: [--before-msg KEY] [--before-shm NAME] -- CMD [ARG]...
 *
 * Runs the commands in turn, one run of each per cycle, starting each cycle
 * one command further on, so that they all meet the same load on a busy
 * machine. WARMUP cycles are untimed (caches, page tables, dentries); then at
 * least 3 and at most MAX cycles, stopping early once each command has had
 * SECONDS of timed runs on average. Prints, one line per command in the order
 * given, the median wall time of one run in microseconds: a run preempted by
 * another load moves a mean, not a median. Commands' stdout goes to
 * /dev/null. With --before-msg KEY or --before-shm NAME that object is made
 * before every run of that command, untimed, so that a removal can be timed.
 * The caller pins timeit (taskset); the commands inherit the CPU.
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

struct spec {
	char **cmd;
	long msg_key;
	const char *shm_name;
	double *t;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int make_object(const struct spec *s)
{
	if (s->msg_key >= 0 && msgget((key_t)s->msg_key, IPC_CREAT | 0600) == -1) {
		perror("timeit: msgget");
		return -1;
	}
	if (s->shm_name) {
		int fd = shm_open(s->shm_name, O_CREAT | O_RDWR, 0600);
		if (fd == -1) {
			perror("timeit: shm_open");
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* One run: its wall time in microseconds, or -1 if it failed. */
static double run_once(const struct spec *s, const posix_spawn_file_actions_t *fa)
{
	pid_t pid;
	int status, e;

	if (make_object(s) == -1)
		return -1;
	double t0 = now_us();
	if ((e = posix_spawnp(&pid, s->cmd[0], fa, NULL, s->cmd, environ)) != 0) {
		fprintf(stderr, "timeit: %s: %s\n", s->cmd[0], strerror(e));
		return -1;
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "timeit: %s failed\n", s->cmd[0]);
		return -1;
	}
	return now_us() - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int usage(void)
{
	fprintf(stderr, "usage: timeit [-w WARMUP] [-n MAX>=3] [-t SECONDS] SPEC [--- SPEC]...\n"
	        "       SPEC: [--before-msg KEY] [--before-shm NAME] -- CMD [ARG]...\n");
	return 2;
}

int main(int argc, char *argv[])
{
	int max = 50, warmup = 1, i = 1, k = 0, c;
	double budget_us = 0.3e6, spent = 0;
	struct spec *s = calloc((size_t)argc, sizeof(*s));
	posix_spawn_file_actions_t fa;

	if (s == NULL) {
		perror("timeit");
		return 1;
	}
	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] != '-'; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			max = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-w") == 0)
			warmup = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-t") == 0)
			budget_us = atof(argv[i + 1]) * 1e6;
		else
			return usage();
	}
	while (i < argc) {   /* one SPEC; its "---" becomes the end of its argv */
		s[k].msg_key = -1;
		for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
			if (strcmp(argv[i], "--before-msg") == 0)
				s[k].msg_key = strtol(argv[i + 1], NULL, 0);
			else if (strcmp(argv[i], "--before-shm") == 0)
				s[k].shm_name = argv[i + 1];
			else
				return usage();
		}
		if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || strcmp(argv[i + 1], "---") == 0)
			return usage();
		s[k].cmd = argv + i + 1;
		while (i < argc && strcmp(argv[i], "---") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL;
		if ((s[k++].t = calloc((size_t)(max > 0 ? max : 1), sizeof(double))) == NULL) {
			perror("timeit");
			return 1;
		}
	}
	if (k == 0 || max < 3 || warmup < 0)
		return usage();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (c = -warmup; c < max && (c < 3 || spent < budget_us * k); c++)
		for (int j = 0; j < k; j++) {
			struct spec *x = &s[((c % k) + k + j) % k];
			double t = run_once(x, &fa);
			if (t < 0)
				return 1;
			if (c >= 0) {
				x->t[c] = t;
				spent += t;
			}
		}
	for (int j = 0; j < k; j++) {
		qsort(s[j].t, (size_t)c, sizeof(double), by_value);
		printf("%.1f\n", c % 2 ? s[j].t[c / 2] : (s[j].t[c / 2 - 1] + s[j].t[c / 2]) / 2);
	}
	return 0;
}
