/*
 * The limits for ipc-shm push | pull, for test/bench/shm.sh:
 *   shmring ring SLOT NSLOTS   stdin to stdout through a minimal shared memory
 *                              ring between two processes: the producer read()s
 *                              into a slot, the consumer write()s it out; the two
 *                              busy-wait on the head and tail counters (no sleep,
 *                              no semaphore, no checks): the fastest hand-off.
 *   shmring memcpy SIZE REPS   memcpy bandwidth, bytes per second, one CPU,
 *                              copying SIZE bytes REPS times between two buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ctl {
	_Alignas(64) volatile uint64_t head;    /* slots filled */
	_Alignas(64) volatile uint64_t tail;    /* slots emptied */
	_Alignas(64) volatile uint32_t len[4096];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int ring(size_t slot, size_t n)
{
	struct ctl *c = mmap(NULL, sizeof(*c) + slot * n, PROT_READ | PROT_WRITE,
	                     MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c == MAP_FAILED || n > 4096)
		return 1;
	char *data = (char *)(c + 1);
	pid_t pid = fork();
	if (pid == -1)
		return 1;
	if (pid == 0) {   /* consumer */
		for (uint64_t i = 0;; i++) {
			while (__atomic_load_n(&c->head, __ATOMIC_ACQUIRE) == i)
				relax();
			uint32_t len = c->len[i % n];
			if (len == 0)
				_exit(0);
			for (size_t w = 0; w < len;) {
				ssize_t r = write(1, data + (i % n) * slot + w, len - w);
				if (r <= 0)
					_exit(1);
				w += (size_t)r;
			}
			__atomic_store_n(&c->tail, i + 1, __ATOMIC_RELEASE);
		}
	}
	for (uint64_t i = 0;; i++) {
		while (i - __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE) == n)
			relax();
		ssize_t r = read(0, data + (i % n) * slot, slot);
		if (r < 0)
			r = 0;
		c->len[i % n] = (uint32_t)r;
		__atomic_store_n(&c->head, i + 1, __ATOMIC_RELEASE);
		if (r == 0)
			break;
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int bandwidth(size_t size, int reps)
{
	char *a = malloc(size), *b = malloc(size);

	if (!a || !b)
		return 1;
	memset(a, 1, size);
	memset(b, 2, size);
	memcpy(b, a, size);
	double t0 = now();
	for (int i = 0; i < reps; i++) {
		memcpy(i % 2 ? a : b, i % 2 ? b : a, size);
		__asm__ volatile("" ::: "memory");
	}
	double t = now() - t0;
	printf("%.0f\n", (double)size * reps / t);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "ring") == 0)
		return ring(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
	if (argc == 4 && strcmp(argv[1], "memcpy") == 0)
		return bandwidth(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	fprintf(stderr, "usage: shmring ring SLOT NSLOTS | memcpy SIZE REPS\n");
	return 2;
}
