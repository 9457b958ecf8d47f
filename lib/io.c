/* Bounded I/O: every byte written, records read in large blocks, input read only up to a limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipckit.h"

/* One read(2): what a record reader asks for at a time. */
#define IO_BLOCK (64 * 1024)

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

char *io_read_max(int fd, size_t max, size_t *len)
{
	size_t limit = max + 1, cap = limit < IO_BLOCK ? limit : IO_BLOCK, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	if (buf == NULL)
		return NULL;
	/* Never ask for more than one byte past the limit: the rest stays unread. */
	while (n < limit && (r = read_retry(fd, buf + n, cap - n)) != 0) {
		if (r < 0)
			goto fail;
		n += (size_t)r;
		if (n == cap && cap < limit) {
			cap = cap > limit / 2 ? limit : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
	}
	*len = n;
	if (n > max) {
		errno = EFBIG;
		goto fail;
	}
	return buf;
fail:;
	int e = errno;
	free(buf);
	errno = e;
	return NULL;
}

int io_records_open(struct io_records *r, int fd, char delim, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->delim = delim;
	r->max = max;
	/* Room for the longest record and one more block: a block in cache is sent from there. */
	r->cap = IO_HEADROOM + (max < IO_BLOCK ? IO_BLOCK : max + 1) + IO_BLOCK;
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	r->start = r->end = r->scan = IO_HEADROOM;
	return 0;
}

void io_records_close(struct io_records *r)
{
	free(r->buf);
	r->buf = NULL;
}

static ssize_t fill(struct io_records *r)
{
	size_t room = r->cap - r->end;
	ssize_t n = read_retry(r->fd, r->buf + r->end, room < IO_BLOCK ? room : IO_BLOCK);

	if (n < 0) {
		r->err = errno;
		return -1;
	}
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return n;
}

int io_records_next(struct io_records *r, char **rec, size_t *len)
{
	for (;;) {
		size_t from = r->scan > r->start ? r->scan : r->start;
		char *d = memchr(r->buf + from, r->delim, r->end - from);
		if (d != NULL || (r->eof && r->end > r->start)) {
			*rec = r->buf + r->start;
			*len = (d ? (size_t)(d - r->buf) : r->end) - r->start;
			if (*len > r->max)
				break;
			r->start += *len + (d != NULL);
			r->count++;
			return 1;
		}
		if (r->eof)
			return 0;
		r->scan = r->end;   /* no delimiter before here */
		if (r->end - r->start > r->max)
			break;
		if (r->cap - r->end < IO_BLOCK) {
			memmove(r->buf + IO_HEADROOM, r->buf + r->start, r->end - r->start);
			r->end -= r->start - IO_HEADROOM;
			r->scan -= r->start - IO_HEADROOM;
			r->start = IO_HEADROOM;
		}
		if (fill(r) == -1)
			return -1;
	}
	r->err = EMSGSIZE;
	errno = EMSGSIZE;
	return -1;
}
