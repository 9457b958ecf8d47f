#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-shm push | pull under load: large streams intact, many streams one after
# another through one ring, and races between ends. Bounded by timeout.

load helpers

# shellcheck disable=SC2034  # read by bats
BATS_TEST_TIMEOUT=180

@test "256 MiB of random data through push | pull, intact (cmp), POSIX and System V" {
	head -c 256M /dev/urandom >"$FILES/big"
	ipc-shm create -s 8M "/$T-big"
	track posix-shm "/$T-big"
	timeout 120 ipc-shm push "/$T-big" <"$FILES/big" &
	local push=$!
	timeout 120 ipc-shm pull "/$T-big" | cmp - "$FILES/big"
	wait "$push"
	local ref
	ref=$(ipc-shm create -s 1M "key:0x${TKEY}10")
	track sysv-shm "${ref#sysv-shm:id:}"
	# Through pipes on both sides: short reads and writes, slots part full.
	# shellcheck disable=SC2002  # a pipe on purpose: reads of at most 64K
	cat "$FILES/big" | timeout 120 ipc-shm push "$ref" &
	push=$!
	timeout 120 ipc-shm pull "$ref" | cat | cmp - "$FILES/big"
	wait "$push"
}

@test "200 short streams one after another through one ring: each arrives whole, in order" {
	ipc-shm create -s 16K "/$T-many"
	track posix-shm "/$T-many"
	local k
	(for k in $(seq 200); do seq "$k" | timeout 20 ipc-shm push "/$T-many" || exit 1; done) &
	local push=$!
	for k in $(seq 200); do   # not i: bats' run uses it
		run -0 timeout 20 ipc-shm pull "/$T-many"
		assert_equal "$output" "$(seq "$k")"
	done
	wait "$push"
}

@test "two pushes racing for one ring: exactly one wins, the other is refused with 7" {
	ipc-shm create -s 64K "/$T-race"
	track posix-shm "/$T-race"
	mk_fifo "$FILES/a"
	mk_fifo "$FILES/b"
	local n pa pb fa fb first st
	for n in $(seq 20); do
		timeout 20 ipc-shm push "/$T-race" <"$FILES/a" 2>/dev/null &
		pa=$!
		timeout 20 ipc-shm push "/$T-race" <"$FILES/b" 2>/dev/null &
		pb=$!
		exec {fa}>"$FILES/a" {fb}>"$FILES/b"
		echo "a$n" >&"$fa"
		echo "b$n" >&"$fb"
		st=0
		wait -n -p first "$pa" "$pb" || st=$?
		assert_equal "$st" 7
		exec {fa}>&- {fb}>&-
		if [ "$first" = "$pa" ]; then wait "$pb"; else wait "$pa"; fi
		run -0 timeout 20 ipc-shm pull "/$T-race"
		if [ "$first" = "$pa" ]; then assert_output "b$n"; else assert_output "a$n"; fi
	done
}
