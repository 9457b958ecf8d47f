# shellcheck shell=bash
# make bench, ipc-shm's part (sourced by test/bench/run): 1 GiB through
# ipc-shm push | ipc-shm pull (a 2 MiB ring: 8 slots of 252 KiB, the size
# ipc-shm(1) finds fastest) against the same bytes through a pipe (cat | cat)
# and through a minimal C shared memory ring of the same geometry (shmring.c:
# the same read into a slot and write from it, a busy-waiting hand-off: the
# limit), from a file in tmpfs to /dev/null, on all the CPUs (the earlier parts
# pin this shell to one). Rates in GiB/s, higher is better; memcpy's bandwidth
# measured in the same run says what the machine can do.
# shellcheck disable=SC2154  # work, ROUNDS: the runner's

SHM_BYTES=${SHM_BYTES:-1073741824}
shm_cpus="0-$(($(getconf _NPROCESSORS_ONLN) - 1))"
taskset -pc "$shm_cpus" $$ >/dev/null 2>&1 || true
head -c "$SHM_BYTES" /dev/urandom >"$work/shm.in"
ipc-shm create --size 2M /bench-ring

gibs() { awk -v b="$SHM_BYTES" -v a="$1" -v z="$2" 'BEGIN { printf "%.3f\n", b / (z - a) / 1073741824 }'; }
shm_tool() {
	local t0=$EPOCHREALTIME
	ipc-shm pull /bench-ring >/dev/null &
	ipc-shm push /bench-ring <"$work/shm.in"
	wait $!
	gibs "$t0" "$EPOCHREALTIME"
}
shm_pipe() {
	local t0=$EPOCHREALTIME
	# shellcheck disable=SC2002  # the pipe is what is measured
	cat "$work/shm.in" | cat >/dev/null
	gibs "$t0" "$EPOCHREALTIME"
}
shm_limit() {
	local t0=$EPOCHREALTIME
	shmring ring 258048 8 <"$work/shm.in" >/dev/null
	gibs "$t0" "$EPOCHREALTIME"
}

shm_tool >/dev/null; shm_pipe >/dev/null; shm_limit >/dev/null   # warm-up
: >"$work/shm.tool"; : >"$work/shm.pipe"; : >"$work/shm.limit"
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < 3; i++)); do
		case $(( (r + i) % 3 )) in
		0) shm_tool >>"$work/shm.tool" ;;
		1) shm_pipe >>"$work/shm.pipe" ;;
		2) shm_limit >>"$work/shm.limit" ;;
		esac
	done
done
ipc-shm rm /bench-ring
rm -f "$work/shm.in"
shm_t=$(median <"$work/shm.tool")
shm_p=$(median <"$work/shm.pipe")
shm_l=$(median <"$work/shm.limit")
shm_m=$(shmring memcpy 67108864 16 | awk '{ printf "%.3f", $1 / 1073741824 }')
gib() { printf '%.1f GiB/s' "$1"; }
compare "ipc-shm push | pull, 1 GiB, 2 MiB ring" "$shm_t" "$(gib "$shm_t")" \
	"cat | cat (a pipe)" "$shm_p" "$(gib "$shm_p")" ">= 5.0x"
compare "  (file in tmpfs to /dev/null, all CPUs)" "$shm_t" "" \
	"minimal C shm ring (the limit)" "$shm_l" "$(gib "$shm_l")" ">= 0.8x"
compare "" "$shm_t" "" "memcpy, 64 MiB buffers, one CPU" "$shm_m" "$(gib "$shm_m")"
taskset -pc "$cpu" $$ >/dev/null 2>&1 || true
