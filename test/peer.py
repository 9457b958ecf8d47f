"""An independent peer for the tests: makes and holds IPC objects with python3's
stdlib (multiprocessing.shared_memory, os, socket) and a few lines of ctypes
for what the stdlib lacks (POSIX queues and semaphores, System V attach).

usage: python3 peer.py COMMAND ARGS...   (see the functions below)
Holders print "ready" on stdout once they hold the object, then sleep.
"""
import ctypes
import ctypes.util
import os
import socket
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mq_open.restype = ctypes.c_int
libc.sem_open.restype = ctypes.c_void_p
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
O_CREAT, O_EXCL, O_RDWR = os.O_CREAT, os.O_EXCL, os.O_RDWR


def fail(what):
    err = ctypes.get_errno()
    sys.exit(f"peer: {what}: {os.strerror(err)}")


def ready():
    print("ready", flush=True)


def hold():
    ready()
    while True:
        time.sleep(3600)


def posix_shm_create(name, size="4096"):
    from multiprocessing import resource_tracker, shared_memory
    m = shared_memory.SharedMemory(name=name.lstrip("/"), create=True, size=int(size))
    resource_tracker.unregister(m._name, "shared_memory")  # keep it after we exit
    m.close()


def posix_shm_hold(name):
    from multiprocessing import resource_tracker, shared_memory
    m = shared_memory.SharedMemory(name=name.lstrip("/"))
    resource_tracker.unregister(m._name, "shared_memory")
    m.buf[0] = 1
    hold()


def mq_create(name, maxmsg="4", msgsize="64"):
    class Attr(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                    ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                    ("pad", ctypes.c_long * 4)]
    attr = Attr(0, int(maxmsg), int(msgsize), 0)
    fd = libc.mq_open(os.fsencode(name), O_CREAT | O_EXCL | O_RDWR, 0o600, ctypes.byref(attr))
    if fd < 0:
        fail(f"mq_open {name}")
    return fd


def mq_send(name, *messages):
    fd = libc.mq_open(name.encode(), os.O_WRONLY)
    if fd < 0:
        fail(f"mq_open {name}")
    for m in messages:
        if libc.mq_send(fd, m.encode(), len(m.encode()), 0) != 0:
            fail("mq_send")


def mq_hold(name):
    if libc.mq_open(name.encode(), os.O_RDONLY) < 0:
        fail(f"mq_open {name}")
    hold()


def sem_create(name, value="1"):
    if libc.sem_open(name.encode(), O_CREAT | O_EXCL, 0o600, int(value)) in (None, 0):
        fail(f"sem_open {name}")


def sem_hold(name):
    if libc.sem_open(name.encode(), 0) in (None, 0):
        fail(f"sem_open {name}")
    hold()


def sysv_shm_attach(shmid):
    if libc.shmat(int(shmid), None, 0) in (None, ctypes.c_void_p(-1).value):
        fail(f"shmat {shmid}")
    hold()


def sysv_sem_setall(semid, *values):
    for i, v in enumerate(values):
        if libc.semctl(int(semid), i, 16, ctypes.c_int(int(v))) != 0:   # SETVAL
            fail("semctl SETVAL")


def fifo_create(path):
    os.mkfifo(path, 0o600)


def fifo_hold(path):
    fd = os.open(path, os.O_RDWR)   # O_RDWR opens a FIFO without waiting for a peer
    ready()
    del fd
    hold()


def unix_listen(path, kind="stream"):
    t = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
         "seqpacket": socket.SOCK_SEQPACKET}[kind]
    s = socket.socket(socket.AF_UNIX, t)
    s.bind(path.replace("@", "\0", 1) if path.startswith("@") else path)
    if t != socket.SOCK_DGRAM:
        s.listen()
    hold()


def unix_stale(path):
    """Binds a socket and exits without unlinking: the file a crashed server leaves."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()


class MqAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]


def _mq(name, flags):
    fd = libc.mq_open(name.encode(), flags)
    if fd < 0:
        fail(f"mq_open {name}")
    return fd


def mq_attr(name):
    a = MqAttr()
    if libc.mq_getattr(_mq(name, os.O_RDONLY), ctypes.byref(a)) != 0:
        fail("mq_getattr")
    print(a.maxmsg, a.msgsize, a.curmsgs)


def mq_send_prio(name, prio, *messages):
    fd = _mq(name, os.O_WRONLY)
    for m in messages:
        if libc.mq_send(fd, m.encode(), len(m.encode()), int(prio)) != 0:
            fail("mq_send")


def mq_send_file(name, path):
    data = open(path, "rb").read()
    if libc.mq_send(_mq(name, os.O_WRONLY), data, len(data), 0) != 0:
        fail("mq_send")


def mq_recv(name, count="1", out=None):
    """Receives COUNT messages; prints "PRIO:TEXT" lines, or writes one to file OUT."""
    fd = _mq(name, os.O_RDONLY)
    a = MqAttr()
    libc.mq_getattr(fd, ctypes.byref(a))
    buf = ctypes.create_string_buffer(a.msgsize)
    prio = ctypes.c_uint()
    libc.mq_receive.restype = ctypes.c_ssize_t
    for _ in range(int(count)):
        n = libc.mq_receive(fd, buf, a.msgsize, ctypes.byref(prio))
        if n < 0:
            fail("mq_receive")
        if out:
            open(out, "wb").write(buf.raw[:n])
        else:
            print(f"{prio.value}:{buf.raw[:n].decode(errors='replace')}")


class SysvMsg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 8192)]


def _sysv_id(key):
    qid = libc.msgget(int(key, 0), 0)
    if qid < 0:
        fail(f"msgget {key}")
    return qid


def sysv_send(key, mtype, *messages):
    qid = _sysv_id(key)
    for text in messages:
        data = text.encode()
        m = SysvMsg(int(mtype), data)
        if libc.msgsnd(qid, ctypes.byref(m), len(data), 0) != 0:
            fail("msgsnd")


def sysv_send_file(key, path):
    data = open(path, "rb").read()
    m = SysvMsg(1)
    ctypes.memmove(ctypes.addressof(m) + ctypes.sizeof(ctypes.c_long), data, len(data))
    if libc.msgsnd(_sysv_id(key), ctypes.byref(m), len(data), 0) != 0:
        fail("msgsnd")


def sysv_recv(key, count="1", out=None, mtype="0"):
    qid = _sysv_id(key)
    libc.msgrcv.restype = ctypes.c_ssize_t
    for _ in range(int(count)):
        m = SysvMsg()
        n = libc.msgrcv(qid, ctypes.byref(m), 8192, ctypes.c_long(int(mtype)), 0)
        if n < 0:
            fail("msgrcv")
        data = ctypes.string_at(ctypes.addressof(m) + ctypes.sizeof(ctypes.c_long), n)
        if out:
            open(out, "wb").write(data)
        else:
            print(f"{m.mtype}:{data.decode(errors='replace')}")


if __name__ == "__main__":
    cmd, args = sys.argv[1].replace("-", "_"), sys.argv[2:]
    globals()[cmd](*args)
