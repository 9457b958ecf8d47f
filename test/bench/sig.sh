# shellcheck shell=bash disable=SC2034,SC2154  # run's variables, and CMD_* and T_* reached by name
# make bench, ipc-sig's part (sourced by test/bench/run, which has round_robin,
# compare, row, rate, ms, holders, $work and $cpu).
#
# 1. One signal to one process: ipc-sig send against procps's /bin/kill and a
#    minimal C program that calls kill(2) once (the limit); signal 0, so the
#    target lives on. By name: against pkill -x. Start-up bound.
# 2. The 1000-signal round trip: a receiver starts, blocks RTMIN+1, writes its
#    pid file; a C sender (sigloop run) then sigqueues 1000 values and waits
#    for the receiver to end, which takes and prints each. ipc-sig wait against
#    python3's signal.sigwaitinfo (what a scripter would write) and a minimal
#    C receiver (the limit); then the same with 100000 signals, where the cost
#    per signal shows rather than start-up. Sender and receiver share one CPU.

cp /bin/sleep "$work/bin/ipcbench-sleep"
"$work/bin/ipcbench-sleep" 600 &
holders+=($!)
sig_target=$!

CMD_sigsend=(-- ipc-sig send 0 "$sig_target")
CMD_binkill=(-- /bin/kill -0 "$sig_target")
CMD_csend=(-- sigsend 0 "$sig_target")
CMD_signame=(-- ipc-sig send 0 ipcbench-sleep)
CMD_pkill=(-- pkill -0 -x ipcbench-sleep)
round_robin sigsend binkill csend signame pkill
compare "ipc-sig send 0 PID" "$T_sigsend" "$(ms "$T_sigsend")" \
	"/bin/kill -0 PID (procps)" "$T_binkill" "$(ms "$T_binkill")" "<= 1.0x"
compare "" "$T_sigsend" "" "minimal C kill(2) (the limit)" "$T_csend" "$(ms "$T_csend")" "<= 1.2x"
compare "ipc-sig send 0 NAME (reads /proc)" "$T_signame" "$(ms "$T_signame")" \
	"pkill -0 -x NAME" "$T_pkill" "$(ms "$T_pkill")" "<= 1.0x"

# The real interpreter, not a wrapper script that finds it (pyenv's shims).
sig_python=$(python3 -c 'import sys; print(sys.executable)')
sig_py_recv='import os, signal, sys
sig = signal.SIGRTMIN + 1
signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
with open(sys.argv[2], "w") as f:
    print(os.getpid(), file=f)
out = sys.stdout
for _ in range(int(sys.argv[1])):
    si = signal.sigwaitinfo({sig})
    out.write(f"{si.si_signo} from pid {si.si_pid} uid {si.si_uid}\n")
    out.flush()'

sig_round_trip() { # COUNT LABEL GOAL
	local n=$1 r i pf=$work/sig.pid
	: >"$work/sr.tool"; : >"$work/sr.py"; : >"$work/sr.limit"
	local -a who=(tool py limit)
	for ((r = 0; r <= ROUNDS; r++)); do      # round 0 warms up
		for ((i = 0; i < 3; i++)); do
			local k=$(( (r + i) % 3 ))
			case $k in
			0) taskset -c "$cpu" sigloop run "$n" "$pf" ipc-sig wait -n "$n" -p "$pf" RTMIN+1 ;;
			1) taskset -c "$cpu" sigloop run "$n" "$pf" "$sig_python" -c "$sig_py_recv" "$n" "$pf" ;;
			2) taskset -c "$cpu" sigloop run "$n" "$pf" sigloop recv "$n" "$pf" ;;
			esac >"$work/sr.one"
			[ "$r" = 0 ] || cat "$work/sr.one" >>"$work/sr.${who[k]}"
		done
	done
	rm -f "$pf"
	local tool py limit
	tool=$(median <"$work/sr.tool")
	py=$(median <"$work/sr.py")
	limit=$(median <"$work/sr.limit")
	compare "$2" "$tool" "$(rate "$tool")" "python3 signal.sigwaitinfo" "$py" "$(rate "$py")" ">= 1.0x"
	compare "" "$tool" "" "C sigwaitinfo loop (the limit)" "$limit" "$(rate "$limit")" "$3"
}
sig_round_trip 1000 "ipc-sig wait: 1000 sigqueues, start to end" ">= 0.8x"
sig_round_trip 100000 "ipc-sig wait: 100000 sigqueues, start to end" ">= 0.8x"
