/* Moving the bytes through a FIFO: a reader that takes no more than it is asked, and a line writer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fifo.h"

#define BLOCK (128 * 1024)
/* The longest record written in one write(2); a longer one goes in pieces of this size. */
#define RECORD_MAX (16 * 1024 * 1024)
/* A reader waiting without a deadline looks at the stop flag and the path this often. */
#define IDLE_SLICE_MS 1000

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Waits for data (or the end) until deadline (-1: none): 0 when there may be
 * some, -1 with errno ETIMEDOUT, EINTR (stop), EIDRM (removed while following).
 */
static int wait_data(struct fifo_reader *r, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int ms = IDLE_SLICE_MS;
		if (r->stop && *r->stop) {
			errno = EINTR;
			return -1;
		}
		if (deadline >= 0) {
			int64_t left = deadline - mono_ns();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (left / 1000000 < ms)
				ms = (int)((left + 999999) / 1000000);
		}
		int n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
		if (n == 0 && r->follow && !fifo_still(r->path, r->st)) {
			errno = EIDRM;
			return -1;
		}
	}
}

static int out_all(struct fifo_reader *r, const void *buf, size_t len)
{
	if (write_all(r->out, buf, len) == -1) {
		r->out_failed = true;
		return -1;
	}
	return 0;
}

/* The number of bytes of buf[0..n) up to and including the want-th delimiter, or n; *got: how many. */
static size_t through_records(const struct fifo_reader *r, const char *buf, size_t n, long long want,
                              long long *got)
{
	size_t at = 0;

	*got = 0;
	while (at < n && (want == 0 || *got < want)) {
		const char *d = memchr(buf + at, r->delim, n - at);
		if (d == NULL)
			return n;
		at = (size_t)(d - buf) + 1;
		++*got;
	}
	return want == 0 ? n : at;
}

/*
 * One step: some bytes copied (1), the end (0), or nothing now (-1, EAGAIN).
 * With a count, tee(2) looks at what is queued without taking it, and only the
 * bytes through the last record wanted are read.
 */
static int step(struct fifo_reader *r, char *buf, const int peek[2], size_t *moved)
{
	ssize_t n;
	long long got;
	size_t k = BLOCK;

	if (r->count) {
		n = tee(r->fd, peek[1], BLOCK, SPLICE_F_NONBLOCK);
		if (n <= 0)
			return n == 0 ? 0 : -1;
		size_t have = 0;
		while (have < (size_t)n) {   /* the peeked copy, drained whole */
			ssize_t m = read(peek[0], buf + have, (size_t)n - have);
			if (m <= 0)
				return -1;
			have += (size_t)m;
		}
		k = through_records(r, buf, have, r->count - r->taken, &got);
	}
	n = read(r->fd, buf, k);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	*moved = (size_t)n;
	if (r->count) {
		through_records(r, buf, (size_t)n, 0, &got);
		r->taken += got;
	}
	return out_all(r, buf, (size_t)n) == -1 ? -1 : 1;
}

/* Waits until out takes more: it is a pipe the splice filled (out's own O_NONBLOCK made it say so). */
static int wait_out(struct fifo_reader *r)
{
	struct pollfd p = { .fd = r->out, .events = POLLOUT };

	while (!(r->stop && *r->stop)) {
		int n = poll(&p, 1, IDLE_SLICE_MS);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
	errno = EINTR;
	return -1;
}

/* --raw without a count: splice(2) to out when it takes it (a pipe, a file), else read and write. */
static int raw_step(struct fifo_reader *r, char *buf, bool *can_splice, size_t *moved)
{
	if (*can_splice) {
		ssize_t n = splice(r->fd, NULL, r->out, NULL, 1 << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0) {
			*moved = (size_t)n;
			return n > 0;
		}
		/* EAGAIN with bytes queued: out is the one that is full. Once it has room,
		   EINTR has the caller step again (and look at the stop flag first). */
		if (errno == EAGAIN && fifo_queued(r->fd) > 0) {
			if (wait_out(r) == 0)
				errno = EINTR;
			return -1;
		}
		if (errno == EAGAIN || errno == EINTR)
			return -1;
		if (errno != EINVAL && errno != EBADF) {
			r->out_failed = true;
			return -1;
		}
		*can_splice = false;   /* out takes no splice: a terminal, a socket of some kinds */
	}
	return step(r, buf, NULL, moved);
}

int fifo_read(struct fifo_reader *r)
{
	int peek[2] = { -1, -1 }, ret = -1, e = 0;
	int64_t deadline = -1;
	size_t total = 0, moved = 0;
	char last = r->delim;
	bool can_splice = r->raw && !r->count;
	char *buf = malloc(BLOCK);

	r->taken = 0;
	r->out_failed = false;
	if (buf == NULL || fcntl(r->fd, F_SETFL, O_NONBLOCK) == -1)
		goto out;
	if (r->count && pipe2(peek, O_CLOEXEC | O_NONBLOCK) == -1)
		goto out;
	while (r->count == 0 || r->taken < r->count) {
		if (r->stop && *r->stop) {
			errno = EINTR;
			goto out;
		}
		int s = can_splice ? raw_step(r, buf, &can_splice, &moved) : step(r, buf, peek, &moved);
		if (s == 0)
			break;
		if (s == 1) {
			total += moved;
			if (!can_splice)
				last = buf[moved - 1];
			deadline = -1;
			continue;
		}
		if (r->out_failed || (errno != EAGAIN && errno != EINTR))
			goto out;
		if (errno == EAGAIN) {
			if (deadline < 0 && r->timeout_ns >= 0)
				deadline = mono_ns() + r->timeout_ns;
			if (wait_data(r, deadline) == -1) {
				if (errno == ETIMEDOUT && r->follow)
					break;   /* idle for the timeout: the end of following */
				goto out;
			}
		}
	}
	/* The end: a record cut short by its writer is still ended, unless bytes were asked for. */
	if (!r->raw && total > 0 && last != r->delim && out_all(r, &r->delim, 1) == -1)
		goto out;
	if (total == 0 && r->timeout_ns == 0 && !r->follow) {
		errno = EAGAIN;   /* -t 0, and nothing there: no writer, or nothing written */
		goto out;
	}
	ret = 0;
out:
	e = errno;
	if (peek[0] != -1) {
		close(peek[0]);
		close(peek[1]);
	}
	free(buf);
	errno = e;
	return ret;
}

/* ---- writing ---- */

static int write_raw(int fd, int in, bool *in_failed)
{
	char *buf;
	ssize_t n;

	for (;;) {   /* zero copy from a pipe or a file, while the kernel can */
		n = splice(in, NULL, fd, NULL, 1 << 20, SPLICE_F_MOVE);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
	}
	if (errno != EINVAL && errno != EBADF)
		return -1;   /* EPIPE: no reader any more */
	if ((buf = malloc(BLOCK)) == NULL)
		return -1;
	while ((n = read(in, buf, BLOCK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, buf, (size_t)n) == -1) {
			int e = errno;
			*in_failed = n < 0;
			free(buf);
			errno = e;
			return -1;
		}
	}
	free(buf);
	return 0;
}

struct line_buf {
	char *p;
	size_t cap, start, end;
};

/* Writes every batch of whole records in lb; leaves a record not yet ended. */
static int write_batches(int fd, struct line_buf *lb, char delim)
{
	while (lb->end > lb->start) {
		size_t n = lb->end - lb->start, win = n < PIPE_BUF ? n : PIPE_BUF;
		const char *base = lb->p + lb->start, *d = memrchr(base, delim, win);
		size_t len;
		if (d != NULL) {
			len = (size_t)(d - base) + 1;   /* whole records, PIPE_BUF bytes at most */
		} else if ((d = memchr(base + win, delim, n - win)) != NULL) {
			len = (size_t)(d - base) + 1;   /* one record longer than PIPE_BUF, alone */
		} else if (n >= RECORD_MAX) {
			len = RECORD_MAX;   /* past the longest record kept whole */
		} else {
			return 0;
		}
		if (write_all(fd, base, len) == -1)
			return -1;
		lb->start += len;
	}
	return 0;
}

/* Room to read a block into, keeping the record not yet ended. */
static int make_room(struct line_buf *lb)
{
	if (lb->start > 0) {
		memmove(lb->p, lb->p + lb->start, lb->end - lb->start);
		lb->end -= lb->start;
		lb->start = 0;
	}
	if (lb->cap - lb->end >= BLOCK + 1)
		return 0;
	size_t cap = lb->cap * 2;
	char *p = realloc(lb->p, cap);
	if (p == NULL)
		return -1;
	lb->p = p;
	lb->cap = cap;
	return 0;
}

int fifo_write_stream(int fd, int in, char delim, bool raw, bool *in_failed)
{
	struct line_buf lb = { .cap = 2 * BLOCK };
	int ret = -1, e;
	ssize_t n;

	*in_failed = false;
	if (raw)
		return write_raw(fd, in, in_failed);
	if ((lb.p = malloc(lb.cap)) == NULL)
		return -1;
	for (;;) {
		if (make_room(&lb) == -1)
			goto out;
		n = read(in, lb.p + lb.end, BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*in_failed = true;
			goto out;
		}
		if (n == 0)
			break;
		lb.end += (size_t)n;
		if (write_batches(fd, &lb, delim) == -1)
			goto out;
	}
	if (lb.end > lb.start) {   /* the last record, without its delimiter: given one */
		lb.p[lb.end++] = delim;   /* make_room left a byte at least */
		if (write_batches(fd, &lb, delim) == -1)
			goto out;
	}
	ret = 0;
out:
	e = errno;
	free(lb.p);
	errno = e;
	return ret;
}
