"""An independent peer for ipc-sem's tests: POSIX named semaphores through
ctypes on libc's sem_open/sem_wait/sem_post/sem_getvalue, and System V
semaphores through semget/semop/semctl, none of it ipckit's code.

usage: python3 sem-peer.py COMMAND ARGS...   (see the functions below)
"""
import ctypes
import ctypes.util
import os
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.sem_open.restype = ctypes.c_void_p
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int]
for f in ("sem_wait", "sem_post", "sem_trywait", "sem_close", "sem_getvalue", "sem_timedwait"):
    getattr(libc, f).argtypes = [ctypes.c_void_p] + ([ctypes.POINTER(ctypes.c_int)] if f == "sem_getvalue" else []) \
        + ([ctypes.c_void_p] if f == "sem_timedwait" else [])
GETVAL, GETNCNT, GETZCNT = 12, 14, 15


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class Sembuf(ctypes.Structure):
    _fields_ = [("sem_num", ctypes.c_ushort), ("sem_op", ctypes.c_short), ("sem_flg", ctypes.c_short)]


def fail(what, code=1):
    err = ctypes.get_errno()
    print(f"sem-peer: {what}: {os.strerror(err)}", file=sys.stderr)
    sys.exit(code)


def _open(name):
    s = libc.sem_open(name.encode(), 0)
    if not s:
        fail(f"sem_open {name}")
    return s


def posix_get(name):
    v = ctypes.c_int()
    if libc.sem_getvalue(_open(name), ctypes.byref(v)) != 0:
        fail("sem_getvalue")
    print(v.value)


def posix_post(name, count="1"):
    s = _open(name)
    for _ in range(int(count)):
        if libc.sem_post(s) != 0:
            fail("sem_post")


def posix_wait(name, seconds="10"):
    """Says "waiting", then takes a unit within SECONDS (exit 6 if none came)."""
    s = _open(name)
    print("waiting", flush=True)
    deadline = time.time() + float(seconds)
    ts = Timespec(int(deadline), int((deadline % 1) * 1e9))
    if libc.sem_timedwait(s, ctypes.byref(ts)) != 0:
        fail("sem_timedwait", 6)
    print("took", flush=True)


def sysv_get(semid, index="0"):
    vals = [libc.semctl(int(semid), int(index), c) for c in (GETVAL, GETNCNT, GETZCNT)]
    if -1 in vals:
        fail("semctl")
    print(*vals)


def sysv_wait(semid, index="0", seconds="10"):
    """Says "waiting", then takes a unit (semtimedop, no SEM_UNDO)."""
    print("waiting", flush=True)
    op = Sembuf(int(index), -1, 0)
    ts = Timespec(int(float(seconds)), 0)
    if libc.semtimedop(int(semid), ctypes.byref(op), 1, ctypes.byref(ts)) != 0:
        fail("semtimedop", 6)
    print("took", flush=True)


if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
