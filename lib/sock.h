/*
 * Sockets for ipc-sock: addresses (unix:/path, unix:@name, tcp:HOST:PORT,
 * udp:HOST:PORT), listening and connecting, the relay between a socket and
 * stdin/stdout, the per-connection server and descriptor passing. Like the
 * rest of lib/: returns -1 with errno and never prints, except the --trace
 * stream.
 */
#ifndef IPCKIT_SOCK_H
#define IPCKIT_SOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ipckit.h"

#define SOCK_UNIX_PATH_MAX 107   /* sun_path holds 108 bytes, the last a NUL */

struct sock_addr {
	int family;               /* AF_UNIX, AF_INET, AF_INET6 */
	int type;                 /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool abstract;            /* unix:@name */
	char path[SOCK_UNIX_PATH_MAX + 1];   /* unix: the path, or the name without '@' */
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * Parses ADDR; unix addresses get unix_type (SOCK_STREAM unless --dgram or
 * --seqpacket). tcp and udp hosts are looked up (getaddrinfo), the first
 * answer taken; an empty host is every address (listen) or loopback (connect).
 * -1 with errno: EINVAL or ENAMETOOLONG with the rule broken in why, or
 * ENOENT when the host has no address (why says so).
 */
int sock_addr_parse(const char *text, int unix_type, bool passive, struct sock_addr *a,
                    char *why, size_t whylen);
/* "{AF_INET, 127.0.0.1:80}"-like text for --trace, and the bare host and port. */
const char *sock_sa_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);
int sock_sa_host_port(const struct sockaddr *sa, char *host, size_t n, unsigned *port);

/* A bound socket; for a unix path, the file to remove when done. */
struct sock_listener {
	int fd;
	int dirfd;                /* the socket file's directory (O_PATH), -1 if no file */
	char leaf[SOCK_UNIX_PATH_MAX + 1];
	struct file_id file;
};
/*
 * Binds a (and listens, for stream and seqpacket). A unix socket file is made
 * with exactly `mode` whatever the umask; a socket file nobody is bound to
 * (connect refused) is replaced. -1 with errno: EADDRINUSE (something live is
 * bound there), EEXIST (a file that is not a socket), ELOOP (a symbolic link,
 * never followed), or what socket/bind/listen say. Nothing is left on failure.
 */
int sock_listen(const struct sock_addr *a, mode_t mode, struct sock_listener *l, bool trace);
/* Closes the socket and removes its file if it is still the one made. */
void sock_unlisten(struct sock_listener *l, bool trace);

/*
 * Waits for a connection for timeout ns at most (-1: for ever; EINTR on a
 * signal, ETIMEDOUT); the new socket is non-blocking and close-on-exec.
 */
int sock_accept(int lfd, int64_t timeout, struct sockaddr_storage *peer, socklen_t *plen, bool trace);
/*
 * Connects: each try waits timeout ns at most (-1: the system's own); with
 * wait >= 0, tries again every 20 to 100 ms while nothing listens, until wait
 * ns have passed (then ETIMEDOUT). Stops with EINTR when *stop is set. The
 * socket is non-blocking and close-on-exec.
 */
int sock_connect(const struct sock_addr *a, int64_t timeout, int64_t wait,
                 volatile sig_atomic_t *stop, bool trace);
/* SO_PEERCRED of a unix socket. */
int sock_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid, bool trace);
int sock_set_blocking(int fd, bool blocking);

/* ---- sockrelay.c ---- */
enum sock_side { SIDE_STDIN, SIDE_STDOUT, SIDE_SOCKET };
struct sock_relay {
	int in, out;              /* stdin and stdout, or -1 for none */
	int sock;                 /* non-blocking */
	bool messages;            /* dgram or seqpacket: each read is one message */
	bool dgram;               /* no half-close: stdin EOF ends sending, idle ends all */
	bool learn_peer;          /* an unconnected datagram socket: reply to the last sender */
	int64_t idle;             /* ns without data either way before ETIMEDOUT; -1 never */
	volatile sig_atomic_t *stop;
	bool trace;               /* also: copy through recvmsg/sendmsg so each call shows */
	/* out: */
	enum sock_side side;      /* where the error was */
	uint64_t sent, received;
};
/*
 * Bridges r->sock with stdin and stdout until both directions end: stdin EOF
 * shuts down our writing side and reading goes on until the peer closes, and
 * the other way round. 0 when done, or when *stop was set (the caller checks);
 * -1 with errno and r->side (ETIMEDOUT when idle).
 */
int sock_relay(struct sock_relay *r);
/* Echoes everything read on fd back to it until the peer closes (a stream). */
int sock_echo_stream(int fd, bool trace);
/* Echoes datagrams to their senders until *stop; -1 with errno. */
int sock_echo_dgram(int fd, volatile sig_atomic_t *stop, bool trace);
/* One datagram (or a stream's whole message): send, traced; -1 with errno. */
ssize_t sock_send_msg(int fd, const void *buf, size_t len, bool trace);
ssize_t sock_recv_msg(int fd, void *buf, size_t len, int64_t timeout, bool trace);
/* All of buf on a blocking socket (a 0-byte message is one send); -1 with errno. */
int sock_send_all(int fd, const void *buf, size_t len, bool trace);
/*
 * count messages (0: until idle for timeout) from fd to out, each followed by
 * delim (-1: none); -1 with errno and *side (SIDE_SOCKET: ETIMEDOUT too).
 */
int sock_recv_msgs(int fd, int out, long long count, int64_t timeout, int delim,
                   volatile sig_atomic_t *stop, bool trace, enum sock_side *side);
/* What in reads, to out, until EOF; -1 with errno. */
int sock_copy(int in, int out);

/* ---- sockserve.c ---- */
struct sock_serve {
	int lfd;
	bool unix_peer;           /* SO_PEERCRED into IPC_PEER_PID/UID/GID, else ADDR/PORT */
	long max_clients;         /* 0: no limit; at the limit, new clients wait in the backlog */
	char *const *argv;        /* the command per connection; NULL: the built-in echo */
	volatile sig_atomic_t *stop;
	bool trace;
	int spawn_err;            /* out: a command that could not start (errno), then -1 */
	uint64_t served;
};
/* Accepts and forks one child per connection until *stop; reaps them. -1 with errno. */
int sock_serve(struct sock_serve *s);

/* One descriptor with one byte, over a unix socket (SCM_RIGHTS); -1 with errno. */
int sock_send_fd(int sock, int fd, bool trace);
/* The descriptor passed (close-on-exec); -1 with errno (EBADMSG: none came). */
int sock_recv_fd(int sock, int64_t timeout, bool trace);

#endif
