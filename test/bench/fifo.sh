# shellcheck shell=bash
# ipc-fifo streaming, sourced by test/bench/run: FIFO_MB MiB through a FIFO from
# a file to /dev/null, writer and reader started together, against the pair
# users would write (cat file > fifo, cat fifo > /dev/null) and a minimal C
# pair (fifoloop.c: the same read/write loop with nothing else, or splice on
# both sides, the limit). Rates are MB/s, wall clock from the start of both
# to the reader's end, the median of ROUNDS rounds in rotating order.
# The CMD_* and T_* names are the run's conventions; shellcheck cannot see them used.
# shellcheck disable=SC2034,SC2154

FIFO_MB=${FIFO_MB:-256}
fifo_path=$work/bench.fifo
mkfifo "$fifo_path"
yes "$(head -c 99 /dev/zero | tr '\0' x)" | head -c $((FIFO_MB * 1048576)) >"$work/lines.txt" || true

# fifo_pair NAME: one transfer with the pair NAME; prints MB/s.
fifo_pair() {
	local t0 r
	t0=$EPOCHREALTIME
	case $1 in
	cat) cat "$fifo_path" >/dev/null & r=$!; cat "$work/lines.txt" >"$fifo_path" ;;
	raw) ipc-fifo read --raw "$fifo_path" >/dev/null & r=$!; ipc-fifo write --raw "$fifo_path" <"$work/lines.txt" ;;
	lines) ipc-fifo read "$fifo_path" >/dev/null & r=$!; ipc-fifo write "$fifo_path" <"$work/lines.txt" ;;
	crw) fifoloop rw "$fifo_path" "$work/lines.txt" & r=$! ;;
	csplice) fifoloop splice "$fifo_path" "$work/lines.txt" & r=$! ;;
	esac
	wait "$r"
	awk -v n="$FIFO_MB" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", n * 1.048576 / (b - a) }'
}
mbs() { echo "$1 MB/s"; }

fifo_names=(cat raw lines crw csplice)
for p in "${fifo_names[@]}"; do : >"$work/ft.$p"; fifo_pair "$p" >/dev/null; done   # warm-up
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < ${#fifo_names[@]}; i++)); do
		p=${fifo_names[(r + i) % ${#fifo_names[@]}]}
		fifo_pair "$p" >>"$work/ft.$p"
	done
done
for p in "${fifo_names[@]}"; do printf -v "T_fifo_$p" '%s' "$(median <"$work/ft.$p")"; done

compare "ipc-fifo write --raw | read --raw, $FIFO_MB MiB" "$T_fifo_raw" "$(mbs "$T_fifo_raw")" \
	"cat > fifo, cat < fifo" "$T_fifo_cat" "$(mbs "$T_fifo_cat")" ">= 1.3x"
compare "  (splice: file to FIFO, FIFO to /dev/null)" "$T_fifo_raw" "" \
	"C pair, splice (the limit)" "$T_fifo_csplice" "$(mbs "$T_fifo_csplice")"
compare "ipc-fifo write | read: lines of 100 B" "$T_fifo_lines" "$(mbs "$T_fifo_lines")" \
	"cat > fifo, cat < fifo" "$T_fifo_cat" "$(mbs "$T_fifo_cat")" ">= 1.3x"
compare "  (whole lines, <= 4 KiB a write: no interleave)" "$T_fifo_lines" "" \
	"C pair, read/write 128 KiB" "$T_fifo_crw" "$(mbs "$T_fifo_crw")"
rm -f "$fifo_path" "$work/lines.txt"
