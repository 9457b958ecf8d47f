/*
 * semmin: the limits for ipc-sem, each the least a C program can do.
 *   semmin run REF CMD [ARG]...  take a unit (System V: SEM_UNDO), run CMD, give it back
 *   semmin wait REF              take a unit
 *   semmin post REF              give one back
 *   semmin loop REF1 REF2 N      a child and the parent hand a unit back and forth N
 *                                times (parent: post REF1, wait REF2; child: wait
 *                                REF1, post REF2); prints the µs of one round trip
 * REF: /name (POSIX) or key:KEY (System V, semaphore 0 of the set).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct sem { sem_t *ps; int id; };

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static struct sem sem_get(const char *ref)
{
	struct sem s = { SEM_FAILED, -1 };

	if (ref[0] == '/') {
		if ((s.ps = sem_open(ref, 0)) == SEM_FAILED)
			die("semmin: sem_open");
	} else if (strncmp(ref, "key:", 4) == 0) {
		if ((s.id = semget((key_t)strtol(ref + 4, NULL, 0), 0, 0)) == -1)
			die("semmin: semget");
	} else {
		fprintf(stderr, "semmin: bad REF %s\n", ref);
		exit(2);
	}
	return s;
}

static void op(struct sem *s, int delta, int flags)
{
	struct sembuf b = { 0, (short)delta, (short)flags };

	if (s->ps != SEM_FAILED) {
		if ((delta < 0 ? sem_wait(s->ps) : sem_post(s->ps)) == -1)
			die("semmin: sem_wait/sem_post");
	} else if (semop(s->id, &b, 1) == -1) {
		die("semmin: semop");
	}
}

int main(int argc, char *argv[])
{
	if (argc >= 4 && strcmp(argv[1], "run") == 0) {
		struct sem s = sem_get(argv[2]);
		pid_t pid;
		int st = 0;
		op(&s, -1, SEM_UNDO);
		if (posix_spawnp(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0 || waitpid(pid, &st, 0) == -1)
			die("semmin: spawn");
		op(&s, 1, SEM_UNDO);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	if (argc == 3 && (strcmp(argv[1], "wait") == 0 || strcmp(argv[1], "post") == 0)) {
		struct sem s = sem_get(argv[2]);
		op(&s, argv[1][0] == 'w' ? -1 : 1, 0);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "loop") == 0) {
		struct sem a = sem_get(argv[2]), b = sem_get(argv[3]);
		long n = atol(argv[4]);
		struct timespec t0, t1;
		int st;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = fork();
		if (pid == 0) {
			for (long i = 0; i < n; i++) {
				op(&a, -1, 0);
				op(&b, 1, 0);
			}
			_exit(0);
		}
		for (long i = 0; i < n; i++) {
			op(&a, 1, 0);
			op(&b, -1, 0);
		}
		waitpid(pid, &st, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%.3f\n", ((t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3) / n);
		return 0;
	}
	fprintf(stderr, "usage: semmin run|wait|post|loop ...\n");
	return 2;
}
