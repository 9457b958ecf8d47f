# shellcheck shell=bash
# ipc-sem (sourced by test/bench/run, which provides round_robin, compare, row,
# ms, $work and $cpu; this shell is pinned to $cpu already).
#
# 1. One `ipc-sem run REF -- true` job, a unit free: start-up, one P, running
#    the command, one V. Against flock(1) on a file (what users pick, a mutex
#    only), GNU parallel's `sem --fg` (a counting semaphore that polls), and
#    semmin run, the least a C program can do (the limit).
# 2. A wait/post hand-off between two processes: two shell loops pass a unit
#    back and forth through two semaphores, each step one command, so a hand-off
#    is one `post` and the `wait` it ends. Against the same loops running semmin
#    wait/post (the limit for a command per step), and, for scale, the round trip
#    of bare sem_wait/sem_post (semop) loops in two processes that never exec.
# shellcheck disable=SC2034,SC2154  # CMD_* and T_* are reached by name
SEM_HANDOFFS=${SEM_HANDOFFS:-50}

ipc-sem create --value 3 /bench-sem
ipc-sem create --value 3 key:0x5e3b0001 >/dev/null
: >"$work/flock"
CMD_semposix=(-- ipc-sem run /bench-sem -- true)
CMD_semsysv=(-- ipc-sem run key:0x5e3b0001 -- true)
CMD_flock=(-- flock "$work/flock" true)
CMD_minposix=(-- semmin run /bench-sem true)
CMD_minsysv=(-- semmin run key:0x5e3b0001 true)
round_robin semposix semsysv flock minposix minsysv
compare "ipc-sem run /NAME -- true: one job (POSIX)" "$T_semposix" "$(ms "$T_semposix")" \
	"flock FILE true (a mutex only)" "$T_flock" "$(ms "$T_flock")" "<= 1.0x"
compare "" "$T_semposix" "" "minimal C run (the limit)" "$T_minposix" "$(ms "$T_minposix")"
compare "ipc-sem run key:KEY -- true (System V, SEM_UNDO)" "$T_semsysv" "$(ms "$T_semsysv")" \
	"flock FILE true (a mutex only)" "$T_flock" "$(ms "$T_flock")" "<= 1.0x"
compare "" "$T_semsysv" "" "minimal C run (the limit)" "$T_minsysv" "$(ms "$T_minsysv")"
if command -v sem >/dev/null && sem --version 2>/dev/null | grep -q 'GNU parallel'; then
	# Its own batches: a perl start-up per job would leave the others few runs.
	CMD_parsem=(-- env HOME="$work" sem --will-cite --fg --id ipckit-bench -j 3 true)
	CMD_semposix2=("${CMD_semposix[@]}")
	round_robin parsem semposix2
	compare "" "$T_semposix2" "" "GNU parallel sem --fg -j 3" "$T_parsem" "$(ms "$T_parsem")" "<= 1.0x"
else
	row "" "" "GNU parallel's sem: not installed" "" "" "<= 1.0x" ""
fi

# handoffs N A B CMD...: N round trips between two loops, CMD wait/post REF
# each step; prints the µs of one hand-off.
handoffs() {
	local n=$1 a=$2 b=$3 i t0 t1 pid
	shift 3
	t0=$EPOCHREALTIME
	(for ((i = 0; i < n; i++)); do "$@" wait "$a"; "$@" post "$b"; done) &
	pid=$!
	for ((i = 0; i < n; i++)); do "$@" post "$a"; "$@" wait "$b"; done
	wait "$pid"
	t1=$EPOCHREALTIME
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1e6 / (2 * n) }'
}

sem_handoff_case() { # LABEL KIND A B
	local label=$1 kind=$2 a=$3 b=$4 r tool limit bare
	: >"$work/ho.tool"; : >"$work/ho.limit"; : >"$work/ho.bare"
	handoffs 20 "$a" "$b" ipc-sem >/dev/null   # warm-up
	for ((r = 0; r < ROUNDS; r++)); do
		if ((r % 2)); then
			handoffs "$SEM_HANDOFFS" "$a" "$b" semmin >>"$work/ho.limit"
			handoffs "$SEM_HANDOFFS" "$a" "$b" ipc-sem >>"$work/ho.tool"
		else
			handoffs "$SEM_HANDOFFS" "$a" "$b" ipc-sem >>"$work/ho.tool"
			handoffs "$SEM_HANDOFFS" "$a" "$b" semmin >>"$work/ho.limit"
		fi
		semmin loop "$a" "$b" 100000 | awk '{ print $1 / 2 }' >>"$work/ho.bare"
	done
	tool=$(median <"$work/ho.tool")
	limit=$(median <"$work/ho.limit")
	bare=$(median <"$work/ho.bare")
	compare "$label" "$tool" "$(ms "$tool")" "C wait/post commands (limit)" \
		"$limit" "$(ms "$limit")" "<= 1.1x"
	compare "  ($kind; one hand-off: a post and its wait)" "$tool" "" \
		"bare P/V loops, no exec" "$bare" "$(awk -v v="$bare" 'BEGIN { printf "%.2f us", v }')"
}

ipc-sem create /bench-ping
ipc-sem create /bench-pong
sem_handoff_case "ipc-sem wait/post hand-off, a command per step" "POSIX" /bench-ping /bench-pong
ipc-sem create key:0x5e3b0002 >/dev/null
ipc-sem create key:0x5e3b0003 >/dev/null
sem_handoff_case "ipc-sem wait/post hand-off, a command per step" "System V" key:0x5e3b0002 key:0x5e3b0003
ipc-sem rm /bench-sem /bench-ping /bench-pong key:0x5e3b0001 key:0x5e3b0002 key:0x5e3b0003
