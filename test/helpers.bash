# Shared by every .bats file: the tools on PATH, unique names, an independent
# peer, and a teardown that removes what the test made and fails it if any IPC
# object is left behind (in the private namespace: any object at all).

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH="${IPCKIT_BIN:?set by test/run}:$PATH"
PEER="$TEST_DIR/peer.py"
export PATH

setup() {
	T="ipckt$$x${BATS_TEST_NUMBER}"     # unique per test: our objects carry it
	TRACKED="$BATS_TEST_TMPDIR/tracked"
	HOLDERS="$BATS_TEST_TMPDIR/holders"
	: >"$TRACKED"
	: >"$HOLDERS"
	FILES="$BATS_TEST_TMPDIR/files"      # FIFOs and sockets go here, under TMPDIR
	mkdir -p "$FILES"
}

# Remember an object to remove in teardown: kind and name/id.
track() { printf '%s %s\n' "$1" "$2" >>"$TRACKED"; }

peer() { timeout 10 python3 "$PEER" "$@"; }

# Starts a peer that holds an object, waits until it says "ready", sets HOLDER.
hold() {
	local out="$BATS_TEST_TMPDIR/holder.$RANDOM"
	python3 "$PEER" "$@" >"$out" 3>&- &
	HOLDER=$!
	echo "$HOLDER" >>"$HOLDERS"
	timeout 10 bash -c "until grep -q ready '$out' 2>/dev/null; do sleep 0.02; done" ||
		fail "peer $* did not get ready"
}

wait_listening() { # PATH-or-@name: until /proc/net/unix shows it
	timeout 10 bash -c "until grep -qF ' $1' /proc/net/unix; do sleep 0.02; done"
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

mk_posix_shm() { peer posix-shm-create "$1" "${2:-4096}"; track posix-shm "$1"; }
mk_posix_mq() { peer mq-create "$1" "${2:-4}" "${3:-64}"; track posix-mq "$1"; }
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
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done <"$HOLDERS"
	while read -r kind name; do
		case "$kind" in
		sysv-shm) ipcrm -m "$name" 2>/dev/null ;;
		sysv-msg) ipcrm -q "$name" 2>/dev/null ;;
		sysv-sem) ipcrm -s "$name" 2>/dev/null ;;
		posix-mq) rm -f "/dev/mqueue$name" ;;
		posix-shm) rm -f "/dev/shm$name" ;;
		posix-sem) rm -f "/dev/shm/sem.${name#/}" ;;
		file) rm -f "$name" ;;
		esac
	done <"$TRACKED"
	return 0
}

# What is left: in the private namespace, everything; on the host, ours only.
leftovers() {
	if [ -n "${IPCKIT_NS:-}" ]; then
		ipcs -a | grep -E '^0x' || true
		find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 2>/dev/null
		find "$IPCKIT_SCRATCH" \( -type p -o -type s \) 2>/dev/null
	else
		find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -name "*$T*" 2>/dev/null
		find "$FILES" \( -type p -o -type s \) 2>/dev/null
	fi
}

teardown() {
	cleanup_tracked
	local left
	left=$(leftovers)
	if [ -n "$left" ]; then
		# Clean up anyway so one leak does not fail every later test, then fail this one.
		if [ -n "${IPCKIT_NS:-}" ]; then
			ipcrm -a 2>/dev/null
			find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
			find "$IPCKIT_SCRATCH" \( -type p -o -type s \) -delete 2>/dev/null
		fi
		echo "leak: this test left IPC objects behind:" >&2
		echo "$left" >&2
		return 1
	fi
}

# The key of a System V object, from ipcs: KIND is q, m or s.
sysv_key() { ipcs "-$1" | awk -v id="$2" '$2 == id { print $1 }'; }
