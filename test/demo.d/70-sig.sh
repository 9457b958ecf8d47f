# The tour's part for ipc-sig (sourced by test/demo: step, run, wait_line, $name, $dir).
# shellcheck shell=bash disable=SC2154  # name, dir: set by test/demo

step "ipc-sig: every signal, what it does by default, and what it is for" \
	"Ctrl+C sends SIGINT, Ctrl+Z SIGTSTP; kill -9 is SIGKILL, which no program can catch."
run ipc-sig info INT
run ipc-sig list

step "Who sent that signal? A waiter, and two senders" \
	"ipc-sig wait blocks the signals, writes its PID, then shows each sender's pid and" \
	"uid, how it was sent (kill, sigqueue) and the value a sigqueue carries."
ipc-sig wait --pidfile "$dir/$name.pid" -n 2 -t 20s USR1 RTMIN+1 >"$dir/waiter.out" &
sig_waiter=$!
for ((i = 0; i < 1000; i++)); do [ -s "$dir/$name.pid" ] && break; sleep 0.02; done
run kill -USR1 "$(cat "$dir/$name.pid")"
run ipc-sig --trace send --value 42 RTMIN+1 --pidfile "$dir/$name.pid"
wait "$sig_waiter"
cat "$dir/waiter.out"

step "A process's signal masks, decoded from /proc/PID/status" \
	"This python process ignores SIGINT, catches SIGUSR1 and blocks SIGUSR2."
python3 -c 'import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGUSR1, lambda s, f: None)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
print("ready", flush=True)
while True:
    signal.pause()' >"$dir/py.out" &
sig_py=$!
wait_line "$dir/py.out" ready
run ipc-sig status "$sig_py"
run ipc-sig send TERM "$sig_py"
wait "$sig_py" 2>/dev/null || true
