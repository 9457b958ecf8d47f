# Shared by every .bats file: the tools on PATH, unique names, an independent
# peer, and a teardown that removes what the test made and fails it if any IPC
# object is left behind (in the private namespace: any object at all; on the
# host: objects named with $T, files under $FILES, and the caller's new System V
# objects).
#
# Nothing may hang: every test is bounded by BATS_TEST_TIMEOUT, and every run
# of ipc-ls, ipc-rm and ipc-mq, however it is started (run, a pipeline, bash -c,
# a notify command), goes through a shim that runs it under timeout(1) for
# IPCKIT_TOOL_TIMEOUT seconds. Hand-offs between processes wait for a condition
# (wait_for, hold, wait_listening, wait_blocked), never for a fixed time.
#
# On the host (no private namespaces: not root, unshare refused, or
# IPCKIT_NO_NS=1), a test selects objects by filter (--all, --orphans,
# ipc-ls | ipc-rm -) only within what it made (--name "/$T-*",
# --name "0x$TKEY*", --path "$FILES"), or skips saying why. A test that runs a
# command as another user (setpriv) is skipped unless the suite runs as root.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${BATS_TEST_TIMEOUT:=60}"
: "${IPCKIT_TOOL_TIMEOUT:=45}"
export IPCKIT_TOOL_TIMEOUT

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER="$TEST_DIR/peer.py"

# The shims, made once per bats run: exec keeps signals going to the tool.
# The run's directory is opened for traversal, so the tools can be run as
# another user (setpriv) through the shims and reach the test's files.
SHIMS="$BATS_RUN_TMPDIR/shims"
if [ ! -x "$SHIMS/ipc-rm" ]; then
	chmod 711 "$BATS_RUN_TMPDIR"
	mkdir -p "$SHIMS"
	for tool in "${IPCKIT_BIN:?set by test/run}"/ipc-*; do
		[ -x "$tool" ] || continue
		# shellcheck disable=SC2016  # $@ and the default are for the shim's shell
		printf '#!/bin/sh\nexec timeout -k 5 "${IPCKIT_TOOL_TIMEOUT:-45}" %q "$@"\n' "$tool" >"$SHIMS/${tool##*/}.tmp"
		chmod +x "$SHIMS/${tool##*/}.tmp"
		mv "$SHIMS/${tool##*/}.tmp" "$SHIMS/${tool##*/}"
	done
fi
PATH="$SHIMS:$IPCKIT_BIN:$PATH"
export PATH

setup() { common_setup; }

# What every test starts from; a file with its own setup() calls it.
common_setup() {
	if [ "$(id -u)" != 0 ] && declare -f "$BATS_TEST_NAME" | grep -qw setpriv; then
		skip "runs a command as another user (setpriv): needs root"
	fi
	T="ipckt$$x${BATS_TEST_NUMBER}"     # unique per test: our objects carry it
	# System V keys of this test: 0x${TKEY}00 to 0x${TKEY}ff (mk_sysv_key).
	TKEY=$(printf '%06x' $(( ($$ * 257 + BATS_TEST_NUMBER * 65599) % 0xfffffe + 1 )))
	TRACKED="$BATS_TEST_TMPDIR/tracked"
	HOLDERS="$BATS_TEST_TMPDIR/holders"
	: >"$TRACKED"
	: >"$HOLDERS"
	FILES="$BATS_TEST_TMPDIR/files"      # FIFOs and sockets go here, under TMPDIR
	mkdir -p "$FILES"
	SYSV_BEFORE="$BATS_TEST_TMPDIR/sysv.before"
	if [ -z "${IPCKIT_NS:-}" ]; then
		sysv_mine >"$SYSV_BEFORE"
	fi
	SETUP_DONE=1
}

in_private_ns() { [ -n "${IPCKIT_NS:-}" ]; }

# POSIX queues are checked, cleaned and counted through /dev/mqueue: a host
# without it mounted (some containers) cannot run those tests.
mqueue_mounted() { [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" = mqueue ]; }
require_mqueue_fs() {
	mqueue_mounted ||
		skip "needs /dev/mqueue mounted to check POSIX queues (mount -t mqueue none /dev/mqueue)"
}

# Remember an object to remove in teardown: kind and name/id.
track() { printf '%s %s\n' "$1" "$2" >>"$TRACKED"; }

peer() { timeout 10 python3 "$PEER" "$@"; }

# Polls COMMAND until it succeeds; fails the test, naming WHAT, after WAIT_MAX
# seconds (20 unless set): generous, for a loaded machine.
wait_for() { # WHAT COMMAND [ARG...]
	local what=$1 max=${WAIT_MAX:-20} deadline
	shift
	deadline=$((SECONDS + max))
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -le "$deadline" ] || fail "gave up after ${max}s waiting for $what"
		sleep 0.02
	done
}

# Starts a peer that holds an object, waits until it says "ready", sets HOLDER.
hold() {
	local out="$BATS_TEST_TMPDIR/holder.$RANDOM"
	python3 "$PEER" "$@" >"$out" 3>&- &
	HOLDER=$!
	echo "$HOLDER" >>"$HOLDERS"
	wait_for "peer $* to say ready" ready_or_gone "$HOLDER" "$out"
	grep -q ready "$out" || fail "peer $* exited before it was ready: $(cat "$out")"
}
ready_or_gone() { grep -q ready "$2" || ! kill -0 "$1"; } # PID OUT

wait_listening() { # PATH-or-@name: until /proc/net/unix shows it
	# shellcheck disable=SC2016  # awk's fields
	wait_for "$1 in /proc/net/unix" awk -v p="$1" '$NF == p { f = 1 } END { exit !f }' /proc/net/unix
}

# The processes under PID (children, grandchildren...), one a line.
descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}

# Waits until the tool named COMM (ipc-mq unless given) started under PID
# (through timeout and the shim) sleeps in a system call: it has opened or
# found its object and waits on it (mq_timedreceive, msgrcv, a 10 ms poll).
wait_blocked() { # PID [COMM]
	wait_for "${2:-ipc-mq} under $1 to block in a system call" tool_blocked "$1" "${2:-ipc-mq}"
}
tool_blocked() {
	local p state
	for p in $(descendants "$1"); do
		[ "$(cat "/proc/$p/comm")" = "$2" ] || continue
		state=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
		[ "$state" = S ] || return 1
		# /proc/PID/syscall says "running" until the process is inside a call.
		if [ -r "/proc/$p/syscall" ]; then
			case $(cut -d' ' -f1 "/proc/$p/syscall") in
			running | -1 | "") return 1 ;;
			esac
		fi
		return 0
	done
	return 1
}

# System V objects by ipcmk (util-linux): prints the id.
mk_sysv() { # shm SIZE | msg | sem NSEMS
	local id
	case "$1" in
	shm) id=$(ipcmk -M "$2" -p 0600 | awk '{print $NF}'); track sysv-shm "$id" ;;
	msg) id=$(ipcmk -Q -p 0600 | awk '{print $NF}'); track sysv-msg "$id" ;;
	sem) id=$(ipcmk -S "$2" -p 0600 | awk '{print $NF}'); track sysv-sem "$id" ;;
	esac
	echo "$id"
}

# A System V object with this test's key 0x${TKEY}NN (NN: 00 to ff), so that a
# filter like --name "0x$TKEY*" selects this test's objects only. Prints the id.
mk_sysv_key() { # msg|shm|sem NN
	mk_sysv_with_key "$1" "0x$TKEY$2"
}
mk_sysv_with_key() { # msg|shm|sem KEY: made by python3, mode 0600; prints the id
	local id
	id=$(python3 - "$1" "$2" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
kind, key = sys.argv[1], int(sys.argv[2], 0)
flags = 0o1000 | 0o2000 | 0o600        # IPC_CREAT | IPC_EXCL | mode
r = {"msg": lambda: libc.msgget(key, flags),
     "shm": lambda: libc.shmget(key, ctypes.c_size_t(4096), flags),
     "sem": lambda: libc.semget(key, 1, flags)}[kind]()
if r < 0:
    sys.exit(f"{kind}get({sys.argv[2]}): {os.strerror(ctypes.get_errno())}")
print(r)
PY
) || fail "could not make a System V $1 with key $2"
	track "sysv-$1" "$id"
	echo "$id"
}

# Runs a tool's bash completion for a command line (all of ipckit's bash
# completions sourced); prints the candidates, one a line.
complete_line() {
	bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		for f in "$1"/../completions/bash/ipc-*; do source "$f"; done
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
		"_${1//-/_}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TEST_DIR" "$@"
}

mk_posix_shm() { peer posix-shm-create "$1" "${2:-4096}"; track posix-shm "$1"; }
mk_posix_mq() { require_mqueue_fs; peer mq-create "$1" "${2:-4}" "${3:-64}"; track posix-mq "$1"; }
mk_posix_sem() { peer sem-create "$1" "${2:-1}"; track posix-sem "$1"; }
mk_fifo() { mkfifo -m 0600 "$1"; track file "$1"; }

# Independent checks of existence: not our tools.
sysv_exists() { # q|m|s ID  (ipcs -i exits 0 even for a missing id: read its listing)
	ipcs "-$1" | awk -v id="$2" '$2 == id { found = 1 } END { exit !found }'
}
posix_exists() { # kind /name
	case "$1" in
	posix-mq) [ -e "/dev/mqueue$2" ] ;;
	posix-shm) [ -e "/dev/shm$2" ] ;;
	posix-sem) [ -e "/dev/shm/sem.${2#/}" ] ;;
	esac
}

cleanup_tracked() {
	local kind name pid
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done <"$HOLDERS"
	while read -r kind name; do
		case "$kind" in
		sysv-shm) ipcrm -m "$name" 2>/dev/null ;;
		sysv-msg) ipcrm -q "$name" 2>/dev/null ;;
		sysv-sem) ipcrm -s "$name" 2>/dev/null ;;
		posix-mq) rm -f "/dev/mqueue$name"; mqueue_mounted || mq_unlink "$name" ;;
		posix-shm) rm -f "/dev/shm$name" ;;
		posix-sem) rm -f "/dev/shm/sem.${name#/}" ;;
		file) rm -f "$name" ;;
		esac || true     # already gone: the test removed it
	done <"$TRACKED"
	return 0
}

# The caller's System V objects (created by this uid), one a line:
# KIND ID NATTCH PID... (the pids the kernel keeps: cpid lpid, lspid lrpid).
sysv_mine() {
	local f
	for f in msg shm sem; do
		[ -r "/proc/sysvipc/$f" ] || continue
		awk -v kind="$f" -v uid="$(id -u)" '
			NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$col["cuid"] != uid { next }
			kind == "msg" { print "sysv-msg", $col["msqid"], 0, $col["lspid"], $col["lrpid"] }
			kind == "shm" { print "sysv-shm", $col["shmid"], $col["nattch"], $col["cpid"], $col["lpid"] }
			kind == "sem" { print "sysv-sem", $col["semid"], 0 }' "/proc/sysvipc/$f"
	done
}

# On the host: the caller's System V objects made since setup that this test
# made, as "KIND ID". One still attached, or whose creator or last user is a
# live process outside this test, belongs to someone else and is left alone.
sysv_new_ours() {
	local kind id nattch pids pid foreign
	sysv_mine | while read -r kind id nattch pids; do
		grep -q "^$kind $id " "$SYSV_BEFORE" && continue
		[ "$nattch" = 0 ] || continue
		foreign=""
		for pid in $pids; do
			[ "$pid" -gt 0 ] && kill -0 "$pid" 2>/dev/null && ! is_ours "$pid" && foreign=1
		done
		[ -z "$foreign" ] && echo "$kind $id"
	done
}
is_ours() { # PID: a descendant of this test's bats process
	local p=$1
	while [ "$p" -gt 1 ]; do
		[ "$p" = $$ ] && return 0
		p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2) || return 1
		[ -n "$p" ] || return 1
	done
	return 1
}

mq_unlink() { # /NAME, without /dev/mqueue
	python3 -c 'import ctypes, sys; ctypes.CDLL(None).mq_unlink(sys.argv[1].encode())' "$1"
}

# What is left: in the private namespace, everything; on the host, ours only.
leftovers() {
	if [ -n "${IPCKIT_NS:-}" ]; then
		ipcs -a | grep -E '^0x' || true
		find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 2>/dev/null
		# shellcheck disable=SC2086  # test/run's fresh /tmp, /run...: a list
		find "$IPCKIT_SCRATCH" ${IPCKIT_FRESH_ROOTS:-} -xdev \( -type p -o -type s \) 2>/dev/null
	else
		find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -name "*$T*" 2>/dev/null
		find "$FILES" \( -type p -o -type s \) 2>/dev/null
		sysv_new_ours
	fi
}

teardown() {
	# A test skipped or failed before common_setup has made nothing and has no
	# names to look for: an empty $T would match every object on the host.
	[ -n "${T:-}" ] && [ -n "${SETUP_DONE:-}" ] || return 0
	cleanup_tracked
	local left
	left=$(leftovers)
	if [ -n "$left" ]; then
		# Clean up anyway so one leak does not fail every later test, then fail this one.
		if [ -n "${IPCKIT_NS:-}" ]; then
			ipcrm -a 2>/dev/null
			find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
			# shellcheck disable=SC2086
			find "$IPCKIT_SCRATCH" ${IPCKIT_FRESH_ROOTS:-} -xdev \( -type p -o -type s \) -delete 2>/dev/null
		else
			local kind id
			sysv_new_ours | while read -r kind id; do
				ipcrm "-$(sysv_letter "$kind")" "$id" 2>/dev/null
			done
			find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -name "*$T*" -exec rm -rf {} + 2>/dev/null
			find "$FILES" \( -type p -o -type s \) -delete 2>/dev/null
		fi
		echo "leak: this test left IPC objects behind:" >&2
		echo "$left" >&2
		return 1
	fi
}

sysv_letter() { case "$1" in sysv-msg) echo q ;; sysv-shm) echo m ;; sysv-sem) echo s ;; esac; }

# The key of a System V object, from ipcs: KIND is q, m or s.
sysv_key() { ipcs "-$1" | awk -v id="$2" '$2 == id { print $1 }'; }
