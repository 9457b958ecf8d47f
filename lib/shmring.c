/*
 * A byte stream through a shared memory segment: the classic producer and
 * consumer. The segment holds a header, then a ring of equal slots. Two
 * counting semaphores in the header (POSIX unnamed, process-shared) count the
 * free slots (the pusher waits on it before filling one) and the filled slots
 * (the puller waits on it before emptying one). Each slot carries its length;
 * a slot of length 0 is the end of the stream.
 *
 * The semaphores cost a system call only when a side must sleep: sem_post
 * wakes (futex) only when the other side waits, and a side about to wait spins
 * briefly first when there is another CPU for the peer to run on. Waits are
 * bounded (a tick) so a side notices a peer that died, a stop signal, the
 * segment's removal and its own timeout. Who holds each end is the pid in the
 * header: a second live pusher or puller is refused (EBUSY).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"
#include "shm.h"

#define RING_MAGIC 0x52435049u      /* "IPCR" */
#define RING_VERSION 1u
#define ST_READY 0x59444552u        /* the fields hold a ring */
#define ST_INIT 0x54494e49u         /* being made */
#define HDR_SIZE 8192u
#define MAX_SLOTS 1024u
#define SLOT_MAX (1024u * 1024u)
#define LEN_ERR 0xffffffffu          /* the pusher could not read its input */
#define TICK_NS 100000000LL          /* how often a wait looks at the peer */
#define SPIN_NS 50000LL             /* how long a side spins before it sleeps */

struct shmring {
	uint32_t magic, version, state;
	uint32_t lock;                   /* pid holding the claim lock, or 0 */
	uint64_t size, slot_size, nslots;
	int32_t pusher, puller;          /* the ends' pids; 0 when free */
	uint32_t push_done;              /* the pusher put the end and touches the ring no more */
	uint32_t push_aborted, pull_aborted;
	uint32_t pad;
	uint64_t head, tail;             /* slots put, slots taken */
	sem_t free_slots __attribute__((aligned(64)));
	sem_t filled_slots __attribute__((aligned(64)));
	uint32_t len[MAX_SLOTS] __attribute__((aligned(4096)));
};
_Static_assert(sizeof(struct shmring) == HDR_SIZE, "the ring header is two pages");

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* Alive and not a zombie: a killed peer whose parent has not reaped it yet is gone. */
static bool peer_alive(int32_t pid)
{
	char path[32], buf[512];

	if (!pid_alive(pid))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_small(path, buf, sizeof(buf)) <= 0)
		return true;
	const char *p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* The geometry for a segment of size bytes: eight slots of up to 1 MiB; more when the segment is bigger, fewer when a slot would be smaller than a page. */
static int geometry(uint64_t size, uint64_t *slot, uint64_t *n)
{
	if (size < RING_MIN_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	uint64_t avail = size - HDR_SIZE, s = avail / 8 / 4096 * 4096;
	if (s > SLOT_MAX)
		s = SLOT_MAX;
	if (s < 4096)
		s = 4096;
	*slot = s;
	*n = avail / s > MAX_SLOTS ? MAX_SLOTS : avail / s;
	return 0;
}

static void reset(struct ring_end *e)
{
	struct shmring *h = e->h;
	int r;

	h->head = h->tail = 0;
	h->push_done = h->push_aborted = h->pull_aborted = 0;
	h->pusher = h->puller = 0;
	r = sem_init(&h->free_slots, 1, (unsigned)h->nslots);
	trace_call(e->seg->trace, r, errno, "sem_init(free slots, 1, %llu)", (unsigned long long)h->nslots);
	r = sem_init(&h->filled_slots, 1, 0);
	trace_call(e->seg->trace, r, errno, "sem_init(filled slots, 1, 0)");
}

static bool valid(const struct ring_end *e)
{
	const struct shmring *h = e->h;

	return LOAD(h->state) == ST_READY && h->magic == RING_MAGIC && h->version == RING_VERSION &&
	       h->size == e->seg->size && h->slot_size == e->slot_size && h->nslots == e->nslots;
}

/* Makes the ring if the segment holds none; one process does, the others wait for it. */
static int ring_make(struct ring_end *e)
{
	struct shmring *h = e->h;
	int64_t since = now_ns();

	while (!valid(e)) {
		uint32_t seen = LOAD(h->state);
		if (seen == ST_INIT && now_ns() - since < 1000000000LL) {
			if (*e->stop) {
				errno = EINTR;
				return -1;
			}
			nap(1000000);
			continue;
		}
		if (!__atomic_compare_exchange_n(&h->state, &seen, ST_INIT, false, __ATOMIC_ACQ_REL,
		                                 __ATOMIC_ACQUIRE))
			continue;
		h->magic = RING_MAGIC;
		h->version = RING_VERSION;
		h->lock = 0;
		h->size = e->seg->size;
		h->slot_size = e->slot_size;
		h->nslots = e->nslots;
		reset(e);
		STORE(h->state, ST_READY);
		since = now_ns();
	}
	return 0;
}

/* The claim lock: held for a few instructions; a holder that died is replaced. */
static int lock(struct ring_end *e)
{
	for (int n = 0;; n++) {
		uint32_t cur = 0;
		if (__atomic_compare_exchange_n(&e->h->lock, &cur, (uint32_t)e->me, false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return 0;
		/* A holder that died, or a lock word that is not one (held a second: no claim takes that long). */
		if (n > 100 && (!peer_alive((int32_t)cur) || n > 1100) &&
		    __atomic_compare_exchange_n(&e->h->lock, &cur, (uint32_t)e->me, false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return 0;
		if (*e->stop) {
			errno = EINTR;
			return -1;
		}
		if (n > 100)
			nap(1000000);
	}
}

static void unlock(struct ring_end *e)
{
	STORE(e->h->lock, 0);
}

enum claim { CLAIMED, BUSY, WAIT };

/* Who may take this end now: see the rules in ipc-shm(1), PUSH AND PULL. */
static enum claim claim(struct ring_end *e, pid_t *holder)
{
	struct shmring *h = e->h;
	bool push = e->side == RING_PUSH;
	int32_t *mine = push ? &h->pusher : &h->puller, other = push ? h->puller : h->pusher;
	int32_t cur = *mine;
	bool other_alive = other != 0 && peer_alive(other);

	if (cur != 0 && cur != e->me && peer_alive(cur) && !(push && h->push_done)) {
		*holder = cur;
		return BUSY;
	}
	if (cur != 0 && cur != e->me) {
		/* The end's last holder is gone: its stream is over once the other end lets go of it. */
		if (other_alive || (push && h->push_done))
			return WAIT;
		reset(e);
	} else if (push ? !other_alive || h->push_done : !other_alive && !h->push_done) {
		reset(e);   /* nobody on the other end: a new stream */
	}
	*mine = e->me;
	e->next = push ? h->head : h->tail;
	return CLAIMED;
}

static void cpus(struct ring_end *e)
{
	cpu_set_t set;

	e->spin = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

int ring_attach(struct ring_end *e, struct shmseg *s, enum ring_side side, int64_t timeout_ns,
                volatile sig_atomic_t *stop, pid_t *holder)
{
	memset(e, 0, sizeof(*e));
	e->seg = s;
	e->side = side;
	e->stop = stop;
	e->me = getpid();
	e->timeout_ns = timeout_ns;
	e->deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
	if (geometry(s->size, &e->slot_size, &e->nslots) == -1)
		return -1;
	e->h = s->addr;
	e->data = (unsigned char *)s->addr + HDR_SIZE;
	cpus(e);
	if (ring_make(e) == -1)
		return -1;
	for (;;) {
		if (lock(e) == -1)
			return -1;
		enum claim c = claim(e, holder);
		unlock(e);
		if (c == CLAIMED)
			return 0;
		if (c == BUSY) {
			errno = EBUSY;
			return -1;
		}
		if (*stop) {
			errno = EINTR;
			return -1;
		}
		if (e->deadline >= 0 && now_ns() >= e->deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (!shmseg_still_there(s)) {
			errno = EIDRM;
			return -1;
		}
		nap(10000000);
	}
}

/* Is the other end still there? EPIPE (e->peer set) when it went away mid-stream. */
static int peer_check(struct ring_end *e)
{
	struct shmring *h = e->h;
	bool push = e->side == RING_PUSH;
	int32_t pid = push ? LOAD(h->puller) : LOAD(h->pusher);

	if (push ? LOAD(h->pull_aborted) : (LOAD(h->push_aborted) && !LOAD(h->push_done))) {
		e->peer = pid;
		errno = EPIPE;
		return -1;
	}
	if (pid == 0 || peer_alive(pid) || (!push && LOAD(h->push_done)))
		return 0;
	e->peer = pid;
	errno = EPIPE;
	return -1;
}

static bool spin_take(struct ring_end *e, sem_t *sem)
{
	int64_t until = now_ns() + SPIN_NS;

	for (int n = 1; !*e->stop; n++) {
		if (sem_trywait(sem) == 0)
			return true;
		if (n % 64 == 0 && now_ns() > until)
			break;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	return false;
}

/* P on a semaphore of the ring: spin briefly, then sleep a tick at a time, looking around between. */
static int take(struct ring_end *e, sem_t *sem)
{
	if (sem_trywait(sem) == 0 || (e->spin && e->timeout_ns != 0 && spin_take(e, sem)))
		return 0;
	e->deadline = e->timeout_ns < 0 ? -1 : now_ns() + e->timeout_ns;
	for (;;) {
		if (*e->stop) {
			errno = EINTR;
			return -1;
		}
		int64_t now = now_ns(), until = now + TICK_NS;
		if (e->deadline >= 0 && until > e->deadline)
			until = e->deadline;
		struct timespec ts = { (time_t)(until / 1000000000LL), (long)(until % 1000000000LL) };
		if (sem_clockwait(sem, CLOCK_MONOTONIC, &ts) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT)
			return -1;
		if (e->deadline >= 0 && now_ns() >= e->deadline)
			return -1;   /* ETIMEDOUT */
		if (peer_check(e) == -1)
			return -1;
		if (!shmseg_still_there(e->seg)) {
			errno = EIDRM;
			return -1;
		}
	}
}

/* Is fd ready (events POLLIN or POLLOUT), so that the next read or write will not wait? */
static bool ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1;
}

/*
 * Posts held back: a side that keeps the stream moving posts its semaphore once
 * per batch, not per slot, so a sleeping peer is woken once per batch; before it
 * may wait (on the ring or on its own input or output) it posts what it holds.
 */
static void flush(sem_t *sem, uint64_t *pending)
{
	for (; *pending > 0; --*pending)
		sem_post(sem);
}

static int push_wait(struct ring_end *e, uint64_t *pending)
{
	if (sem_trywait(&e->h->free_slots) == 0)
		return 0;
	flush(&e->h->filled_slots, pending);
	return take(e, &e->h->free_slots);
}

int ring_push(struct ring_end *e, int fd, bool *input_err)
{
	struct shmring *h = e->h;
	uint64_t pending = 0, batch = e->nslots / 4 ? e->nslots / 4 : 1;

	*input_err = false;
	for (;;) {
		if (push_wait(e, &pending) == -1)
			return -1;
		if (LOAD(h->pull_aborted)) {
			e->peer = LOAD(h->puller);
			errno = EPIPE;
			return -1;
		}
		uint64_t i = e->next % e->nslots;
		ssize_t n;
		if (pending > 0 && !ready(fd, POLLIN))
			flush(&h->filled_slots, &pending);
		while ((n = read(fd, e->data + i * e->slot_size, e->slot_size)) == -1 && errno == EINTR &&
		       !*e->stop)
			;
		if (n == -1) {
			int err = errno;
			flush(&h->filled_slots, &pending);
			*input_err = err != EINTR;
			if (*input_err) {
				h->len[i] = LEN_ERR;
				sem_post(&h->filled_slots);
			}
			errno = err;
			return -1;
		}
		h->len[i] = (uint32_t)n;
		e->next++;
		__atomic_store_n(&h->head, e->next, __ATOMIC_RELAXED);
		e->bytes += (uint64_t)n;
		pending++;
		if (n == 0 || pending >= batch || (size_t)n < e->slot_size)
			flush(&h->filled_slots, &pending);
		if (n == 0) {
			STORE(h->push_done, 1);   /* the last touch: the puller may now make the ring anew */
			return 0;
		}
	}
}

/* After the end of the stream: once the pusher is done with the ring, it is made ready for the next. */
static int finish(struct ring_end *e)
{
	struct shmring *h = e->h;

	while (!LOAD(h->push_done)) {
		int32_t pid = LOAD(h->pusher);
		if (pid != 0 && !peer_alive(pid))
			break;
		if (*e->stop) {
			errno = EINTR;
			return -1;
		}
		nap(100000);
	}
	if (lock(e) == -1)
		return -1;
	reset(e);
	unlock(e);
	return 0;
}

static int pull_wait(struct ring_end *e, uint64_t *pending)
{
	if (sem_trywait(&e->h->filled_slots) == 0)
		return 0;
	flush(&e->h->free_slots, pending);
	return take(e, &e->h->filled_slots);
}

int ring_pull(struct ring_end *e, int fd, bool *output_err)
{
	struct shmring *h = e->h;
	uint64_t pending = 0, batch = e->nslots / 4 ? e->nslots / 4 : 1;

	*output_err = false;
	for (;;) {
		if (pull_wait(e, &pending) == -1)
			return -1;
		if (LOAD(h->push_aborted)) {
			e->peer = LOAD(h->pusher);
			errno = EPIPE;
			return -1;
		}
		uint64_t i = e->next % e->nslots;
		uint32_t n = h->len[i];
		if (n == LEN_ERR || n > e->slot_size) {
			e->peer = LOAD(h->pusher);
			errno = EPROTO;
			return -1;
		}
		if (n == 0) {
			flush(&h->free_slots, &pending);
			return finish(e);
		}
		if (pending > 0 && !ready(fd, POLLOUT))
			flush(&h->free_slots, &pending);
		if (write_all(fd, e->data + i * e->slot_size, n) == -1) {
			*output_err = true;
			return -1;
		}
		e->next++;
		__atomic_store_n(&h->tail, e->next, __ATOMIC_RELAXED);
		e->bytes += n;
		if (++pending >= batch)
			flush(&h->free_slots, &pending);
	}
}

void ring_detach(struct ring_end *e)
{
	struct shmring *h = e->h;

	if (h == NULL)
		return;
	/* An end given up mid-stream: the other end hears of it at once, not at its next tick. */
	if (e->side == RING_PUSH && !LOAD(h->push_done) && LOAD(h->pusher) == e->me) {
		STORE(h->push_aborted, 1);
		sem_post(&h->filled_slots);
	} else if (e->side == RING_PULL && LOAD(h->puller) == e->me) {
		STORE(h->pull_aborted, 1);
		sem_post(&h->free_slots);
	}
	e->h = NULL;
}
