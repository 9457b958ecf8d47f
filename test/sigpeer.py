"""An independent peer for the ipc-sig tests: python3's signal module, and
ctypes for what it lacks (sigqueue, and a siginfo's value).

usage: python3 sigpeer.py COMMAND ARGS...
  queue PID SIG VALUE...      sigqueue each VALUE to PID; prints its own PID first
  queue-range PID SIG N       sigqueue the values 1 to N, in order
  recv SIG COUNT              blocks SIG, says "ready", then prints
                              "signo pid uid code value" for each of COUNT signals
  handlers                    ignores SIGINT, catches SIGUSR1 (prints "USR1 from PID"),
                              blocks SIGUSR2; says "ready", runs until SIGTERM
SIG is a number.
"""
import ctypes
import ctypes.util
import os
import signal
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class SigVal(ctypes.Union):
    _fields_ = [("sival_int", ctypes.c_int), ("sival_ptr", ctypes.c_void_p)]


class SigInfo(ctypes.Structure):
    # The kill/sigqueue member of siginfo_t on Linux (64-bit: after 4 ints).
    _fields_ = [("si_signo", ctypes.c_int), ("si_errno", ctypes.c_int), ("si_code", ctypes.c_int),
                ("pad", ctypes.c_int), ("si_pid", ctypes.c_int), ("si_uid", ctypes.c_uint),
                ("si_value", SigVal), ("rest", ctypes.c_byte * 96)]


libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, SigVal]


def queue(pid, sig, values):
    for v in values:
        while libc.sigqueue(pid, sig, SigVal(sival_int=v)) != 0:
            err = ctypes.get_errno()
            if err != 11:          # EAGAIN: the receiver's queue is full; let it drain
                sys.exit(f"sigpeer: sigqueue({pid}, {sig}, {v}): {os.strerror(err)}")
            time.sleep(0.001)


def recv(sig, count):
    signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    mask = (ctypes.c_ulong * 16)()
    libc.sigemptyset(mask)
    libc.sigaddset(mask, sig)
    print("ready", flush=True)
    info = SigInfo()
    for _ in range(count):
        if libc.sigwaitinfo(mask, ctypes.byref(info)) < 0:
            sys.exit(f"sigpeer: sigwaitinfo: {os.strerror(ctypes.get_errno())}")
        print(info.si_signo, info.si_pid, info.si_uid, info.si_code, info.si_value.sival_int, flush=True)


def handlers():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, lambda s, f: print("USR1", flush=True))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    print("ready", flush=True)
    while True:
        signal.pause()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "queue":
        print(os.getpid(), flush=True)
        queue(int(args[0]), int(args[1]), [int(v) for v in args[2:]])
    elif cmd == "queue-range":
        queue(int(args[0]), int(args[1]), range(1, int(args[2]) + 1))
    elif cmd == "recv":
        recv(int(args[0]), int(args[1]))
    elif cmd == "handlers":
        handlers()
    else:
        sys.exit(f"sigpeer: unknown command {cmd}")


main()
