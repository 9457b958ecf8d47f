#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-mq under load: nothing lost, nothing duplicated. Bounded by timeout.

load helpers

# Four senders and four receivers, 20,000 messages each, through REF.
four_by_four() {
	local ref=$1 i
	local -a pids=()
	for i in 1 2 3 4; do
		timeout 120 ipc-mq recv -n 20000 "$ref" >"$FILES/got.$i" &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		seq -f "sender$i-%.0f" 20000 | timeout 120 ipc-mq send "$ref" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a sender or receiver failed"
	done
	for i in 1 2 3 4; do seq -f "sender$i-%.0f" 20000; done | sort >"$FILES/want"
	cat "$FILES"/got.* | sort >"$FILES/got"
	assert_equal "$(wc -l <"$FILES/got")" 80000
	assert_equal "$(sort -u "$FILES/got" | wc -l)" 80000
	assert_equal "$(cksum <"$FILES/got")" "$(cksum <"$FILES/want")"
}

@test "4 senders, 4 receivers, 20,000 messages each through a POSIX queue: each received once" {
	mk_posix_mq "/$T-load" 10 64
	four_by_four "/$T-load"
}

@test "4 senders, 4 receivers, 20,000 messages each through a System V queue: each received once" {
	local id
	id=$(mk_sysv msg)
	four_by_four "id:$id"
}

# A receiver killed (SIGTERM) mid-stream has printed every message it took.
killed_receiver() {
	local ref=$1
	seq -f "m%.0f" 20000 | timeout 120 ipc-mq send "$ref" &
	local sender=$!
	timeout 120 ipc-mq recv -f "$ref" >"$FILES/first" &
	local first=$!
	wait_for "the first receiver to take messages" test -s "$FILES/first"
	kill -TERM "$first"
	wait "$first" || true
	timeout 120 ipc-mq recv -f -t 2s "$ref" >"$FILES/rest"
	wait "$sender"
	[ -s "$FILES/first" ] || fail "the first receiver got nothing before it was killed"
	cat "$FILES/first" "$FILES/rest" | sort >"$FILES/got"
	seq -f "m%.0f" 20000 | sort >"$FILES/want"
	assert_equal "$(cksum <"$FILES/got")" "$(cksum <"$FILES/want")"
}

@test "a POSIX receiver killed mid-stream loses no message" {
	mk_posix_mq "/$T-kill" 10 64
	killed_receiver "/$T-kill"
}

@test "a System V receiver killed mid-stream loses no message" {
	local id
	id=$(mk_sysv msg)
	killed_receiver "id:$id"
}
