#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# What every tool promises: --help, --version, usage errors, the exit code table.

load helpers

# Every tool the build makes: one cmd/ipc-*.c each.
TOOLS=()
for f in "$TEST_DIR"/../cmd/ipc-*.c; do TOOLS+=("$(basename "$f" .c)"); done

@test "every tool: --help exits 0 and shows its usage line" {
	for t in "${TOOLS[@]}"; do
		run -0 "$t" --help
		assert_line --index 0 --regexp "^usage: $t "
		run -0 "$t" -h
	done
}

@test "every tool: --version and -V print the kit's version" {
	local v
	v=$(sed -n 's/^#define IPCKIT_VERSION "\(.*\)"/\1/p' "$TEST_DIR/../lib/ipckit.h")
	for t in "${TOOLS[@]}"; do
		run -0 "$t" --version
		assert_output "$t (ipckit) $v"
		run -0 "$t" -V
	done
}

@test "every tool: an unknown option is a usage error, exit 2, one line naming it" {
	for t in "${TOOLS[@]}"; do
		run -2 --separate-stderr "$t" --no-such-option
		assert_output ""
		assert_equal "$stderr" "$t: unknown option '--no-such-option' (see $t --help)"
	done
}

@test "every man page carries the same exit status table" {
	for page in "$IPCKIT_BIN"/man/*; do
		for code in "0 success" "2 usage" "3 not found" "4 already exists" "5 permission denied" "6 timed out" "7 busy"; do
			run -0 grep -c "$code" <(MANWIDTH=200 man -l "$page" 2>/dev/null | tr -s ' ')
		done
	done
}

@test "make demo: the tour runs without a terminal and leaves nothing behind" {
	# In the suite's namespace (or on the host, where it removes only its own).
	run -0 env TMPDIR="$FILES" timeout 50 bash "$TEST_DIR/demo" </dev/null
	assert_output --partial "removed posix-shm:/ipckit-demo-"
	assert_output --partial "in use by"
	local name shm msg sem
	name=$(grep -o -m1 'ipckit-demo-[0-9]*' <<<"$output")
	read -r shm msg sem < <(sed -n 's/^ *segment id \([0-9]*\), queue id \([0-9]*\), semaphore set id \([0-9]*\)$/\1 \2 \3/p' <<<"$output")
	[ -n "$name" ] && [ -n "$sem" ] || fail "the tour did not name its objects"
	run ! sysv_exists m "$shm"
	run ! sysv_exists q "$msg"
	run ! sysv_exists s "$sem"
	run -0 find /dev/shm /dev/mqueue -mindepth 1 -name "*$name*"
	assert_output ""
	run -0 find "$FILES" -mindepth 1         # its directory, FIFO and socket
	assert_output ""
	run -0 ipc-ls -o REF --raw -n
	refute_output --partial "$name"
	if ! mqueue_mounted; then      # then ipc-ls cannot see queues: ask the kernel
		run ! python3 -c 'import ctypes, os, sys; sys.exit(ctypes.CDLL(None).mq_open(sys.argv[1].encode(), os.O_RDONLY) < 0)' "/$name"
	fi
}

@test "every tool: -V, -h and output to a full disk exit 1 with a write error" {
	for t in "${TOOLS[@]}"; do
		for opt in -V -h; do
			# shellcheck disable=SC2016  # expanded by the inner bash
			run -1 --separate-stderr bash -c '"$0" "$1" >/dev/full' "$t" "$opt"
			assert_equal "$stderr" "$t: write error: No space left on device"
		done
	done
}
