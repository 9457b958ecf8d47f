# shellcheck shell=bash
# The ipc-pipe part of make bench, sourced by test/bench/run (round_robin,
# compare, row, $work, $cpu). A pass-through's throughput: "gen | X | sink"
# with X = ipc-pipe, cat, pv -q, and the minimal C relays (pipeloop splice and
# pipeloop rw: the limits). gen writes 64 KiB at a time (or 64 bytes, for the
# stream of small writes); sink reads 1 MiB at a time. Every process of a
# pipeline runs on the one CPU the bench has pinned this shell to (section 5
# of run): the rate is then the inverse of the CPU cost of a byte end to end.
# Each row is the median of ROUNDS timings, the commands in an order that
# rotates from round to round.
#
# The P_* commands are reached by name (local -n).
# shellcheck disable=SC2034,SC2154

PIPE_BYTES=${PIPE_BYTES:-1073741824}    # 1 GiB
PIPE_SMALL=${PIPE_SMALL:-16777216}      # the 64-byte stream: 16 MiB (262144 writes)

# pipe_rounds BYTES NAME...: times the pipelines P_<NAME> (bash code); sets
# R_<NAME> to the median rate in MiB/s.
pipe_rounds() {
	local bytes=$1 r i k name t0 t1
	shift
	local names=("$@")
	k=$#
	for name in "$@"; do : >"$work/p.$name"; done
	for ((r = 0; r < ROUNDS; r++)); do
		for ((i = 0; i < k; i++)); do
			name=${names[(r + i) % k]}
			local -n code="P_$name"
			t0=$EPOCHREALTIME
			eval "$code"
			t1=$EPOCHREALTIME
			awk -v a="$t0" -v b="$t1" -v n="$bytes" 'BEGIN { printf "%.1f\n", n / 1048576 / (b - a) }' \
				>>"$work/p.$name"
		done
	done
	for name in "$@"; do
		printf -v "R_$name" '%s' "$(median <"$work/p.$name")"
	done
}
mibs() { printf '%s MiB/s' "$1"; }

if ! command -v pv >/dev/null; then
	row "ipc-pipe: pv is not installed (make deps)" "" "" "" "" "" ""
fi

# 1. Both sides pipes: splice.
gen="pipeloop gen $PIPE_BYTES 65536"
P_ipcpipe="$gen | ipc-pipe | pipeloop sink"
P_ipcsize="$gen | ipc-pipe --size 1M | pipeloop sink"
P_ipcstats="$gen | ipc-pipe --stats 2>/dev/null | pipeloop sink"
P_cat="$gen | cat | pipeloop sink"
P_pv="$gen | pv -q | pipeloop sink"
P_csplice="$gen | pipeloop splice | pipeloop sink"
set -- ipcpipe ipcsize ipcstats cat csplice
if command -v pv >/dev/null; then set -- "$@" pv; fi
pipe_rounds "$PIPE_BYTES" "$@"
compare "1 GiB: gen | ipc-pipe | sink (splice)" "$R_ipcpipe" "$(mibs "$R_ipcpipe")" \
	"gen | cat | sink" "$R_cat" "$(mibs "$R_cat")" ">= 1.3x"
if command -v pv >/dev/null; then
	compare "" "$R_ipcpipe" "" "gen | pv -q | sink" "$R_pv" "$(mibs "$R_pv")" ">= 1.0x"
fi
compare "" "$R_ipcpipe" "" "minimal C splice loop (the limit)" "$R_csplice" "$(mibs "$R_csplice")"
compare "  ipc-pipe --size 1M (the stretch goal)" "$R_ipcsize" "$(mibs "$R_ipcsize")" \
	"gen | cat | sink" "$R_cat" "$(mibs "$R_cat")" ">= 1.6x"
compare "  ipc-pipe --stats (costs at most 2%)" "$R_ipcstats" "$(mibs "$R_ipcstats")" \
	"ipc-pipe alone" "$R_ipcpipe" "$(mibs "$R_ipcpipe")" ">= 0.98x"

# 2. A file on one side: read and write (the file is on the bench's tmpfs).
half=$((PIPE_BYTES / 2))
pipeloop gen "$half" 1048576 >"$work/pipe.in"
P_fipc="ipc-pipe <$work/pipe.in | pipeloop sink"
P_fcat="cat <$work/pipe.in | pipeloop sink"
P_frw="pipeloop rw <$work/pipe.in | pipeloop sink"
pipe_rounds "$half" fipc fcat frw
rm -f "$work/pipe.in"
compare "512 MiB file: ipc-pipe < file | sink (read, write)" "$R_fipc" "$(mibs "$R_fipc")" \
	"cat < file | sink" "$R_fcat" "$(mibs "$R_fcat")" ">= 0.95x"
compare "" "$R_fipc" "" "minimal C read/write loop (the limit)" "$R_frw" "$(mibs "$R_frw")"

# 3. A stream of 64-byte writes: not spliced in crumbs.
gen="pipeloop gen $PIPE_SMALL 64"
P_sipc="$gen | ipc-pipe | pipeloop sink"
P_scat="$gen | cat | pipeloop sink"
P_ssplice="$gen | pipeloop splice | pipeloop sink"
P_srw="$gen | pipeloop rw | pipeloop sink"
pipe_rounds "$PIPE_SMALL" sipc scat ssplice srw
compare "16 MiB in 64-byte writes: gen | ipc-pipe | sink" "$R_sipc" "$(mibs "$R_sipc")" \
	"gen | cat | sink" "$R_scat" "$(mibs "$R_scat")" ">= 0.95x"
compare "" "$R_sipc" "" "minimal C read/write loop" "$R_srw" "$(mibs "$R_srw")"
compare "" "$R_sipc" "" "minimal C splice loop" "$R_ssplice" "$(mibs "$R_ssplice")"
