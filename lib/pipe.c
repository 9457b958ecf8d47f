/* The pass-through behind ipc-pipe: splice between pipes, read and write otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "pipe.h"

/* One read(2) of the fallback, as cat(1) reads. */
#define COPY_BUF (128 * 1024)
/* One splice(2) asks for this much; the pipes' contents decide what moves. */
#define SPLICE_MAX (16 * 1024 * 1024)
/*
 * A splice that moved less than a page took a pipe buffer holding a small
 * write: moved on as it is, it would take a whole slot of the output pipe, and
 * the reader behind would get the stream in crumbs. Such a stream is read and
 * written instead, until reads come back this large again.
 */
#define SPLICE_SMALL 4096
#define SPLICE_AGAIN (32 * 1024)

int64_t pipe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long pipe_max_size(void)
{
	char buf[32];
	long v = -1;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");

	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strtol(buf, NULL, 10);
	fclose(f);
	if (v <= 0)
		errno = EINVAL;
	return v > 0 ? v : -1;
}

static bool is_pipe(int fd, bool trace)
{
	struct stat st;
	int r = fstat(fd, &st);

	trace_call(trace, r, errno, "fstat(%d, {st_mode=%s})", fd,
	           r == -1 ? "?" : S_ISFIFO(st.st_mode) ? "S_IFIFO" : "not S_IFIFO");
	return r == 0 && S_ISFIFO(st.st_mode);
}

static void tick(const struct pipe_copy *c)
{
	if (c->tick && *c->tick) {
		*c->tick = 0;
		c->on_tick(c);
	}
}

/*
 * Under --rate-limit: how many units (bytes or lines) may pass now, 1 to want,
 * after sleeping as long as the rate asks; 0 when a stop signal came. Up to a
 * twentieth of a second's worth goes in one step.
 */
static uint64_t budget(const struct pipe_copy *c, uint64_t want)
{
	uint64_t done = c->lines ? c->nlines : c->bytes;
	double burst = (double)(c->rate / 20 + 1);

	if (want > burst)
		want = (uint64_t)burst;
	for (;;) {
		if (*c->stop)
			return 0;
		tick(c);
		double t = (double)(pipe_now_ns() - c->start_ns) / 1e9;
		double allowed = (double)c->rate * t + burst - (double)done;
		if (allowed >= (double)want)
			return want;
		double wait = ((double)want - allowed) / (double)c->rate;
		struct timespec ts = { .tv_sec = (time_t)wait };
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);   /* EINTR: look at stop and tick */
	}
}

/*
 * A descriptor in non-blocking mode (shared with a program that set it) says
 * EAGAIN: wait until it is ready, as a blocking call would have (a signal ends
 * the wait early: the caller looks at stop).
 */
static void wait_ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	poll(&p, 1, -1);
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* The length of the first `lines` lines of p (all of it if it holds fewer). */
static size_t first_lines(const char *p, size_t n, uint64_t lines)
{
	const char *q = p, *end = p + n;

	while (lines-- > 0 && (q = memchr(q, '\n', (size_t)(end - q))) != NULL)
		q++;
	return q == NULL ? n : (size_t)(q - p);
}

static int write_some(struct pipe_copy *c, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(c->out, p, len);
		if (w < 0 && errno == EAGAIN && !*c->stop) {
			wait_ready(c->out, POLLOUT);
			continue;
		}
		if (w < 0) {
			if (errno != EINTR || *c->stop) {
				c->failed_fd = errno == EINTR ? -1 : c->out;
				return -1;
			}
			tick(c);
			continue;
		}
		if (c->lines)
			c->nlines += count_lines(p, (size_t)w);
		c->bytes += (uint64_t)w;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes one buffer read, a piece at a time under a rate in lines. */
static int write_block(struct pipe_copy *c, const char *p, size_t n)
{
	while (n > 0) {
		size_t len = n;
		if (c->lines && c->rate) {
			uint64_t k = budget(c, count_lines(p, n) + 1);
			if (k == 0) {
				errno = EINTR;
				return -1;
			}
			len = first_lines(p, n, k);
		}
		if (write_some(c, p, len) == -1)
			return -1;
		p += len;
		n -= len;
	}
	return 0;
}

/* One step: 1 when something moved, 0 at the end of the input, -1 with errno. */
static int copy_step(struct pipe_copy *c, char *buf, bool *splicing)
{
	size_t want = *splicing ? SPLICE_MAX : COPY_BUF;
	ssize_t n;

	if (c->rate && !c->lines && (want = (size_t)budget(c, want)) == 0) {
		errno = EINTR;
		return -1;
	}
	if (*splicing) {
		n = splice(c->in, NULL, c->out, NULL, want, SPLICE_F_MOVE);
		if (!c->spliced || n < 0)
			trace_call(c->trace, n, errno, "splice(%d, NULL, %d, NULL, %zu, SPLICE_F_MOVE)", c->in, c->out, want);
		if (n < 0 && errno == EAGAIN) {
			wait_ready(c->in, POLLIN);
			wait_ready(c->out, POLLOUT);
			return 1;
		}
		if (n < 0 && errno == EINVAL && !c->spliced) {
			*splicing = false;   /* a pipe that cannot splice: read and write */
			return 1;
		}
		if (n > 0) {
			c->spliced = true;
			c->bytes += (uint64_t)n;
			if (n < SPLICE_SMALL)
				*splicing = false;
		}
		if (n < 0 && errno == EPIPE)
			c->failed_fd = c->out;
	} else {
		n = read(c->in, buf, want);
		if (n < 0 && errno == EAGAIN) {
			wait_ready(c->in, POLLIN);
			return 1;
		}
		if (n > 0 && write_block(c, buf, (size_t)n) == -1)
			return -1;
		if (n >= SPLICE_AGAIN && c->both_pipes)
			*splicing = true;
	}
	if (n < 0 && c->failed_fd == -1 && errno != EINTR)
		c->failed_fd = c->in;
	return n > 0 ? 1 : (int)n;
}

int pipe_copy_run(struct pipe_copy *c)
{
	char *buf = malloc(COPY_BUF);
	int r;

	if (buf == NULL)
		return -1;
	c->failed_fd = -1;
	c->both_pipes = !c->lines && is_pipe(c->in, c->trace) && is_pipe(c->out, c->trace);
	bool splicing = c->both_pipes;
	c->start_ns = pipe_now_ns();
	for (;;) {
		if (*c->stop) {
			errno = EINTR;
			r = -1;
			break;
		}
		tick(c);
		r = copy_step(c, buf, &splicing);
		if (r == -1 && errno == EINTR && !*c->stop)
			continue;
		if (r <= 0)
			break;
	}
	int e = errno;
	free(buf);
	errno = e;
	return r;
}
