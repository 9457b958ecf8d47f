/*
 * The relay between a socket and stdin/stdout. A stream moves through a pipe
 * of our own with splice(2), so bytes are not copied through user space;
 * where an end cannot splice (a terminal), or with --trace (so that each
 * recvmsg and sendmsg shows), it falls back to read and write.
 *
 * EOF rule, the same both ways: stdin's EOF shuts down our writing side
 * (SHUT_WR) and we go on reading until the peer closes; the peer's EOF ends
 * reading, and stdin goes on being sent until its EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

#define PIPE_CAP (1 << 20)
#define BUF_CAP (256 * 1024)
#define MSG_MAX 65507             /* one datagram from one read of stdin: what UDP takes */

struct dir {
	int in, out;
	bool in_sock, out_sock;
	bool splice;              /* through p[], else through buf */
	int p[2];
	char *buf;
	size_t off, pend;         /* bytes waiting in p[] or at buf + off */
	bool eof, shut;
};

static int poll_ms(int64_t ns)
{
	if (ns < 0)
		return -1;
	return ns > (int64_t)INT32_MAX * 1000000 ? INT32_MAX : (int)((ns + 999999) / 1000000);
}

static int dir_init(struct dir *d, int in, int out, bool in_sock, bool splice)
{
	memset(d, 0, sizeof(*d));
	d->in = in;
	d->out = out;
	d->in_sock = in_sock;
	d->out_sock = !in_sock;
	d->p[0] = d->p[1] = -1;
	d->eof = in < 0;
	if ((d->buf = malloc(BUF_CAP)) == NULL)
		return -1;
	if (splice && pipe2(d->p, O_CLOEXEC) == 0) {
		fcntl(d->p[1], F_SETPIPE_SZ, PIPE_CAP);   /* a smaller pipe only costs speed */
		d->splice = true;
	}
	return 0;
}

static void dir_free(struct dir *d)
{
	free(d->buf);
	if (d->p[0] >= 0) {
		close(d->p[0]);
		close(d->p[1]);
	}
}

ssize_t sock_send_msg(int fd, const void *buf, size_t len, bool trace)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

	trace_call(trace, n, errno, "sendmsg(%d, {%zu bytes}, MSG_NOSIGNAL)", fd, len);
	return n;
}

ssize_t sock_recv_msg(int fd, void *buf, size_t len, int64_t timeout, bool trace)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, poll_ms(timeout));

	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
	trace_call(trace, n, errno, "recvmsg(%d, {%zu bytes}, MSG_DONTWAIT)", fd, len);
	return n;
}

/* Reads what is there into d: 1 when a read returned (EOF too), 0 when nothing was ready, -1 with errno. */
static int fill(struct dir *d, struct sock_relay *r, struct sockaddr_storage *from, socklen_t *flen)
{
	ssize_t n;

	if (d->splice) {
		n = splice(d->in, NULL, d->p[1], NULL, PIPE_CAP, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0 || errno != EINVAL)
			goto got;
		d->splice = false;   /* this end cannot splice: copy */
	}
	if (d->in_sock) {
		*flen = sizeof(*from);
		n = recvfrom(d->in, d->buf, BUF_CAP, MSG_DONTWAIT,
		             (struct sockaddr *)from, flen);
		trace_call(r->trace, n, errno, "recvmsg(%d, {%d bytes}, MSG_DONTWAIT)", d->in, BUF_CAP);
	} else {
		n = read(d->in, d->buf, r->messages ? MSG_MAX : BUF_CAP);
	}
	d->off = 0;
got:
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0 && !(r->messages && d->in_sock && r->dgram))   /* a 0-byte datagram is data */
		d->eof = true;
	d->pend = (size_t)n;
	if (d->in_sock)
		r->received += (uint64_t)n;
	return 1;
}

/* Writes what stdout takes, waiting for it (it is not ours to make non-blocking). */
static int drain_stdout(struct dir *d)
{
	while (d->pend > 0) {
		ssize_t n;
		if (d->splice) {
			n = splice(d->p[0], NULL, d->out, NULL, d->pend, SPLICE_F_MOVE);
			if (n < 0 && errno == EINVAL) {   /* stdout cannot splice: through buf from now on */
				size_t got = 0;
				while (got < d->pend) {
					n = read(d->p[0], d->buf + got, d->pend - got);
					if (n <= 0)
						return -1;
					got += (size_t)n;
				}
				d->splice = false;
				d->off = 0;
				continue;
			}
		} else {
			n = write(d->out, d->buf + d->off, d->pend);
		}
		if (n < 0 && errno == EAGAIN) {   /* someone made stdout non-blocking */
			struct pollfd p = { .fd = d->out, .events = POLLOUT };
			poll(&p, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		d->off += (size_t)n;
		d->pend -= (size_t)n;
	}
	return 0;
}

/* Sends what the socket takes now; EAGAIN is not an error. */
static int send_sock(struct dir *d, struct sock_relay *r, const struct sockaddr_storage *to, socklen_t tolen)
{
	while (d->pend > 0) {
		ssize_t n;
		if (d->splice) {
			n = splice(d->p[0], NULL, d->out, NULL, d->pend, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		} else {
			n = sendto(d->out, d->buf + d->off, d->pend, MSG_DONTWAIT | MSG_NOSIGNAL,
			           r->learn_peer ? (const struct sockaddr *)to : NULL, r->learn_peer ? tolen : 0);
			trace_call(r->trace, n, errno, "sendmsg(%d, {%zu bytes}, MSG_DONTWAIT|MSG_NOSIGNAL)",
			           d->out, d->pend);
		}
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		r->sent += (uint64_t)n;
		d->off += (size_t)n;
		d->pend -= (size_t)n;
	}
	return 0;
}

static int relay_fail(struct sock_relay *r, enum sock_side side)
{
	r->side = side;
	return -1;
}

static int relay_loop(struct sock_relay *r, struct dir *a, struct dir *b)
{
	struct sockaddr_storage peer = { 0 }, from;
	socklen_t plen = 0, flen;

	for (;;) {
		if (a->eof && a->pend == 0 && !a->shut) {
			a->shut = true;
			if (!r->dgram) {
				int s = shutdown(r->sock, SHUT_WR);
				trace_call(r->trace, s, errno, "shutdown(%d, SHUT_WR)", r->sock);
			}
		}
		/* datagrams have no EOF: connect ends after stdin's unless -t waits for replies */
		bool last = r->dgram && a->shut && !r->learn_peer;
		if (a->shut && (b->eof || (last && r->idle < 0)))
			return 0;
		bool want_in = !a->eof && a->pend == 0 && (!r->learn_peer || plen > sizeof(sa_family_t));
		short ev = (short)((b->eof ? 0 : POLLIN) | (a->pend ? POLLOUT : 0));
		struct pollfd p[2] = { { .fd = want_in ? a->in : -1, .events = POLLIN },
		                       { .fd = ev ? r->sock : -1, .events = ev } };
		int n = poll(p, 2, poll_ms(r->idle));
		if (n < 0 && errno == EINTR) {
			if (*r->stop)
				return 0;
			continue;
		}
		if (n < 0)
			return relay_fail(r, SIDE_SOCKET);
		if (n == 0) {
			if (last)
				return 0;
			errno = ETIMEDOUT;
			return relay_fail(r, SIDE_SOCKET);
		}
		if (p[0].revents && fill(a, r, &from, &flen) == -1)
			return relay_fail(r, SIDE_STDIN);
		if (a->pend && send_sock(a, r, &peer, plen) == -1) {
			if ((errno != EPIPE && errno != ECONNRESET) || !b->eof)
				return relay_fail(r, SIDE_SOCKET);
			a->eof = true;   /* the peer closed first, as was its right: stop sending */
			a->pend = 0;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !b->eof) {
			int got = fill(b, r, &from, &flen);
			if (got == -1)
				return relay_fail(r, SIDE_SOCKET);
			if (r->learn_peer && got && flen > sizeof(sa_family_t)) {
				peer = from;
				plen = flen;
			}
			if (drain_stdout(b) == -1)
				return relay_fail(r, SIDE_STDOUT);
		}
	}
}

int sock_relay(struct sock_relay *r)
{
	struct dir a, b;
	bool splice = !r->messages && !r->trace;
	int ret = -1, e;

	r->sent = r->received = 0;
	if (dir_init(&a, r->in, r->sock, false, splice) == -1)
		return relay_fail(r, SIDE_SOCKET);
	if (dir_init(&b, r->sock, r->out, true, splice) == -1) {
		dir_free(&a);
		return relay_fail(r, SIDE_SOCKET);
	}
	if (r->out < 0)   /* nowhere to write: nothing is read */
		b.eof = true;
	ret = relay_loop(r, &a, &b);
	e = errno;
	dir_free(&a);
	dir_free(&b);
	errno = e;
	return ret;
}

int sock_echo_stream(int fd, bool trace)
{
	char *buf = NULL;
	int p[2] = { -1, -1 }, r = -1;
	ssize_t n, m;

	if (sock_set_blocking(fd, true) == -1)
		return -1;
	if (!trace && pipe2(p, O_CLOEXEC) == 0)
		fcntl(p[1], F_SETPIPE_SZ, PIPE_CAP);
	else if ((buf = malloc(BUF_CAP)) == NULL)
		return -1;
	for (;;) {
		if (buf == NULL) {
			n = splice(fd, NULL, p[1], NULL, PIPE_CAP, SPLICE_F_MOVE);
			for (ssize_t left = n; left > 0; left -= m)
				if ((m = splice(p[0], NULL, fd, NULL, (size_t)left, SPLICE_F_MOVE)) <= 0)
					goto out;
		} else {
			n = recv(fd, buf, BUF_CAP, 0);
			trace_call(trace, n, errno, "recvmsg(%d, {%d bytes}, 0)", fd, BUF_CAP);
			if (n > 0 && sock_send_msg(fd, buf, (size_t)n, trace) != n)
				goto out;   /* a blocking send sends all, or fails */
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	if (n == 0) {
		r = shutdown(fd, SHUT_WR);
		trace_call(trace, r, errno, "shutdown(%d, SHUT_WR)", fd);
	}
out:;
	int e = errno;
	free(buf);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	errno = e;
	return r;
}

int sock_echo_dgram(int fd, volatile sig_atomic_t *stop, bool trace)
{
	struct sockaddr_storage from;
	char *buf = malloc(BUF_CAP);

	if (buf == NULL)
		return -1;
	while (!*stop) {
		socklen_t fl = sizeof(from);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) <= 0)
			continue;   /* EINTR: look at *stop */
		ssize_t n = recvfrom(fd, buf, BUF_CAP, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		trace_call(trace, n, errno, "recvmsg(%d, {%d bytes}, MSG_DONTWAIT)", fd, BUF_CAP);
		if (n < 0 || fl <= sizeof(sa_family_t))   /* an unbound unix sender has no address */
			continue;
		ssize_t s = sendto(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&from, fl);
		trace_call(trace, s, errno, "sendmsg(%d, {%zd bytes}, MSG_DONTWAIT|MSG_NOSIGNAL)", fd, n);
	}
	free(buf);
	return 0;
}

int sock_send_all(int fd, const void *buf, size_t len, bool trace)
{
	size_t off = 0;

	do {   /* a 0-byte datagram is one send too */
		ssize_t n = sock_send_msg(fd, (const char *)buf + off, len - off, trace);
		if (n < 0 && errno != EINTR)
			return -1;
		off += n > 0 ? (size_t)n : 0;
	} while (off < len);
	return 0;
}

int sock_recv_msgs(int fd, int out, long long count, int64_t timeout, int delim,
                   volatile sig_atomic_t *stop, bool trace, enum sock_side *side)
{
	char *buf = malloc(BUF_CAP + 1);
	int r = 0;

	*side = SIDE_SOCKET;
	for (long long got = 0; buf && (count == 0 || got < count) && !*stop; ) {
		ssize_t n = sock_recv_msg(fd, buf, BUF_CAP, timeout, trace);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ETIMEDOUT && count == 0)
			break;   /* -n 0: until idle */
		if (n < 0) {
			r = -1;
			break;
		}
		if (delim >= 0)
			buf[n++] = (char)delim;
		if (write_all(out, buf, (size_t)n) == -1) {
			*side = SIDE_STDOUT;
			r = -1;
			break;
		}
		got++;
	}
	int e = buf ? errno : ENOMEM;
	free(buf);
	errno = e;
	return buf ? r : -1;
}

int sock_copy(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) == -1)
			return -1;
	}
	return 0;
}
