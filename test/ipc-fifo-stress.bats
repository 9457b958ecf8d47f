#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# shellcheck disable=SC2016  # single quotes: awk programs
# ipc-fifo under load: many writer processes at once into one followed FIFO.
# Each test may take long on a loaded machine: every process is under a
# timeout(1) of its own, longer than the shims' IPCKIT_TOOL_TIMEOUT.

load helpers

# shellcheck disable=SC2034  # read by bats
BATS_TEST_TIMEOUT=400

@test "1000 writer processes, one line each, to a followed FIFO: all 1000 intact" {
	mk_fifo "$FILES/many"
	timeout 360 "$IPCKIT_BIN/ipc-fifo" read -f -n 1000 "$FILES/many" >"$FILES/out" &
	local r=$! i pids=() xs=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	wait_blocked "$r" ipc-fifo
	for i in $(seq 1000); do
		"$IPCKIT_BIN/ipc-fifo" write -t 300s "$FILES/many" "writer $i says ${xs:0:i%50+1}" &
		pids+=($!)
	done
	wait "$r"
	for i in "${pids[@]}"; do wait "$i"; done
	run -0 bash -c "sort -u '$FILES/out' | wc -l"
	assert_output 1000
	run -0 awk '{ n = $2; if ($0 != "writer " n " says " substr("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1, n % 50 + 1)) bad++ } END { print bad + 0 }' "$FILES/out"
	assert_output 0
}

@test "8 concurrent writers of 4 KiB lines: no line interleaved" {
	mk_fifo "$FILES/big"
	local w pids=()
	for w in 0 1 2 3 4 5 6 7; do
		python3 -c 'import sys; c = "abcdefgh"[int(sys.argv[1])]; sys.stdout.write((c * 4095 + "\n") * 400)' "$w" >"$FILES/in$w"
	done
	timeout 360 "$IPCKIT_BIN/ipc-fifo" read -f -n 3200 "$FILES/big" >"$FILES/out" &
	local r=$!
	wait_blocked "$r" ipc-fifo
	for w in 0 1 2 3 4 5 6 7; do
		timeout 360 "$IPCKIT_BIN/ipc-fifo" write "$FILES/big" <"$FILES/in$w" &
		pids+=($!)
	done
	wait "$r"
	for w in "${pids[@]}"; do wait "$w"; done
	run -0 awk '{ if (length($0) != 4095 || $0 !~ /^(a+|b+|c+|d+|e+|f+|g+|h+)$/) bad++ } END { print NR, bad + 0 }' "$FILES/out"
	assert_output "3200 0"
}
