#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016  # $output, $stderr and $lines are set by bats' run; bash -c '...$1' expands in the inner shell
# ipc-sig: signals. The peers on the other end are bash (kill, trap) and
# python3 (the signal module, ctypes for sigqueue and a siginfo's value: see
# test/sigpeer.py); /proc/PID/status is read to check what status says.

load helpers

sigpeer() { timeout 30 python3 "$TEST_DIR/sigpeer.py" "$@"; }
SIGPEER=(python3 "$TEST_DIR/sigpeer.py")   # for start_peer: its PID must be python's

# Waits for a background job of this shell and checks its exit status.
reap() { # PID STATUS
	local s=0
	wait "$1" || s=$?
	[ "$s" = "$2" ] || fail "process $1 exited with $s, not $2"
}

# Starts `ipc-sig wait --pidfile ... ARGS` in the background; sets WAITER (the
# background job), WPID (ipc-sig's own PID, from its pid file) and WOUT.
start_wait() {
	WOUT="$BATS_TEST_TMPDIR/wait.out"
	WPIDFILE="$FILES/wait.pid"
	# A background job starts with SIGINT ignored (no job control): give it back.
	env --default-signal=INT ipc-sig wait --pidfile "$WPIDFILE" "$@" >"$WOUT" 2>"$WOUT.err" &
	WAITER=$!
	echo "$WAITER" >>"$HOLDERS"
	wait_for "ipc-sig wait's pid file" test -s "$WPIDFILE"
	WPID=$(cat "$WPIDFILE")
}

# Starts a bash or python process in the background that says "ready"; sets PEER_PID.
start_peer() { # OUTFILE COMMAND...
	local out=$1
	shift
	"$@" >"$out" &
	PEER_PID=$!
	echo "$PEER_PID" >>"$HOLDERS"
	wait_for "the peer to say ready" grep -q ready "$out"
}

sig_num() { kill -l "$1"; }   # bash's own table

@test "list: every signal bash knows, with the same number and name, and default actions" {
	run -0 ipc-sig list -n
	local n name
	while read -r n name _; do
		[ "$(kill -l "$n")" = "${name#SIG}" ] || fail "signal $n: ipc-sig says $name, bash $(kill -l "$n")"
	done <<<"$output"
	[ "${#lines[@]}" = "$(kill -l | wc -w | awk '{ print $1 / 2 }')" ] || fail "not as many signals as bash lists"
	assert_line --regexp "^ +9  SIGKILL +term "
	assert_line --regexp "^ +11  SIGSEGV +core "
	assert_line --regexp "^ +17  SIGCHLD +ignore "
	assert_line --regexp "^ +18  SIGCONT +continue "
	assert_line --regexp "^ +20  SIGTSTP +stop .*Ctrl\+Z"
	run -0 ipc-sig list
	assert_line --index 0 --regexp "^NUMBER +NAME +ACTION +DESCRIPTION$"
	run -0 bash -c 'ipc-sig list --json | jq -r ".signals[] | select(.number == 34 or .number == 64) | .name"'
	assert_output "$(printf 'SIGRTMIN\nSIGRTMAX')"
}

@test "info: a signal by name, number, with or without SIG, any case, RTMIN+N and RTMAX-N" {
	for s in USR1 SIGUSR1 usr1 sigusr1 10; do
		run -0 ipc-sig info "$s"
		assert_line "name         SIGUSR1"
		assert_line "number       10"
	done
	run -0 ipc-sig info RTMIN+3
	assert_line "number       $(sig_num RTMIN+3)"
	run -0 ipc-sig info RTMAX-2
	assert_line "number       $(sig_num RTMAX-2)"
	run -0 ipc-sig info POLL
	assert_line "name         SIGIO"
	run -0 ipc-sig info -J KILL
	run -0 jq -r '"\(.number) \(.action) \(.catchable)"' <<<"$output"
	assert_output "9 term false"
}

@test "bad signals: unknown name, RTMIN+99, 65, glibc's 32, 0 where no process is checked: exit 2" {
	run -2 --separate-stderr ipc-sig send NOPE 1
	assert_equal "$stderr" "ipc-sig: send: NOPE: unknown signal (see ipc-sig list)"
	run -2 --separate-stderr ipc-sig send RTMIN+99 1
	assert_equal "$stderr" "ipc-sig: send: RTMIN+99: real-time signals are RTMIN+0 to RTMIN+30 (34 to 64)"
	run -2 --separate-stderr ipc-sig wait 65
	assert_equal "$stderr" "ipc-sig: wait: 65: no such signal: signals are 1 to 64"
	run -2 --separate-stderr ipc-sig send 32 1
	[[ $stderr == *"kept by the C library"* ]] || fail "$stderr"
	run -2 ipc-sig info 0
	run -2 ipc-sig wait 0
	run -2 ipc-sig send 0x9 1
	run -2 --separate-stderr ipc-sig wait KILL
	assert_equal "$stderr" "ipc-sig: wait: SIGKILL cannot be caught, blocked or waited for"
	run -2 --separate-stderr ipc-sig send $'\e[31mred' 1
	assert_equal "$stderr" 'ipc-sig: send: \x1b[31mred: unknown signal (see ipc-sig list)'
}

@test "send: to a bash trap, by PID and by --pidfile" {
	local out="$BATS_TEST_TMPDIR/trap.out"
	start_peer "$out" bash -c 'trap "echo got USR1" USR1; trap "echo got TERM; exit 0" TERM
		echo ready; while :; do sleep 0.05 & wait $!; done'
	run -0 ipc-sig send USR1 "$PEER_PID"
	wait_for "the trap to run" grep -q "got USR1" "$out"
	echo "$PEER_PID" >"$FILES/peer.pid"
	run -0 ipc-sig send -v --pidfile "$FILES/peer.pid" SIGTERM
	assert_output "SIGTERM sent to pid $PEER_PID"
	run -0 timeout 10 tail --pid "$PEER_PID" -f /dev/null
	assert_equal "$(grep -c got "$out")" 2
}

@test "send --value: python's sigwaitinfo sees sigqueue's value, our uid and SI_QUEUE; plain send is SI_USER" {
	local out="$BATS_TEST_TMPDIR/py.out" usr1
	usr1=$(sig_num USR1)
	start_peer "$out" "${SIGPEER[@]}" recv "$usr1" 2
	run -0 ipc-sig send --value 42 USR1 "$PEER_PID"
	run -0 ipc-sig send --value -7 10 "$PEER_PID"
	wait "$PEER_PID"
	local code value
	# signo pid uid code value: SI_QUEUE is -1
	read -r _ _ uid code value < <(sed -n 2p "$out")
	assert_equal "$uid $code $value" "$(id -u) -1 42"
	read -r _ _ _ code value < <(sed -n 3p "$out")
	assert_equal "$code $value" "-1 -7"
	start_peer "$out" "${SIGPEER[@]}" recv "$usr1" 1
	run -0 ipc-sig send USR1 "$PEER_PID"
	wait "$PEER_PID"
	read -r _ _ uid code _ < <(sed -n 2p "$out")
	assert_equal "$uid $code" "$(id -u) 0"
}

@test "send to python handlers; status shows SIGINT ignored, SIGUSR1 caught, SIGUSR2 blocked and pending" {
	local out="$BATS_TEST_TMPDIR/py.out"
	start_peer "$out" "${SIGPEER[@]}" handlers
	run -0 ipc-sig send USR1 "$PEER_PID"
	wait_for "python's handler" grep -q USR1 "$out"
	run -0 ipc-sig send INT "$PEER_PID"     # ignored: it lives on
	kill -0 "$PEER_PID"
	run -0 ipc-sig send USR2 "$PEER_PID"    # blocked: pending for the process
	run -0 ipc-sig status "$PEER_PID"
	assert_line "command        python3"
	assert_line --regexp "^ignored .*SIGINT"
	assert_line --regexp "^caught .*SIGUSR1"
	assert_line --regexp "^blocked .*SIGUSR2"
	assert_line --regexp "^shared_pending +SIGUSR2$"
	refute_line --regexp "^caught .*SIGINT"
	run -0 ipc-sig status --json "$PEER_PID"
	run -0 jq -r '[.pid, (.ignored | index("SIGINT") != null), (.caught | index("SIGUSR1") != null), .shared_pending[0]] | @tsv' <<<"$output"
	assert_output "$PEER_PID	true	true	SIGUSR2"
}

@test "status: ignored and caught decoded as /proc/PID/status has them, for a bash trap" {
	local out="$BATS_TEST_TMPDIR/trap.out" key mask names want s
	start_peer "$out" bash -c 'trap "" INT; trap "echo" USR1; echo ready; while :; do sleep 0.05; done'
	run -0 ipc-sig status "$PEER_PID"
	for key in SigIgn:ignored SigCgt:caught; do   # (its blocked mask changes as it forks)
		mask=$(awk -v k="${key%%:*}:" '$1 == k { print $2 }' "/proc/$PEER_PID/status")
		want=""
		for ((s = 1; s <= 64; s++)); do
			if (( (16#$mask >> (s - 1)) & 1 )); then
				names=$(kill -l "$s" 2>/dev/null) || true
				[ -n "$names" ] || names=$s      # 32, 33: no name in bash
				want+=" SIG$names"
			fi
		done
		[ -n "$want" ] || want=" -"
		assert_line "$(printf '%-15s%s' "${key#*:}" "${want# }")"
	done
	assert_line --regexp "^ignored .*SIGINT"
	assert_line --regexp "^caught .*SIGUSR1"
}

@test "wait: the sender's PID, uid and value of a sigqueue from python" {
	start_wait -t 20 USR1
	run -0 sigpeer queue "$WPID" "$(sig_num USR1)" 7
	local pypid=$output
	run -0 timeout 20 tail --pid "$WPID" -f /dev/null
	reap "$WAITER" 0
	run -0 cat "$WOUT"
	assert_line --index 0 "pid $WPID waiting for SIGUSR1"
	assert_line --index 1 "SIGUSR1 10 from pid $pypid uid $(id -u) by sigqueue value 7"
	[ ! -e "$WPIDFILE" ] || fail "the pid file is still there"
}

@test "wait: bash's kill as the sender, several signals, --json" {
	start_wait -J -n 2 -t 20 USR1 USR2 TERM
	kill -USR2 "$WPID"
	local me=$BASHPID
	wait_for "the first signal" grep -q SIGUSR2 "$WOUT"
	kill -TERM "$WPID"     # waited for: reported, not an end
	reap "$WAITER" 0
	run -0 jq -r '.pid, (.waiting_for | join(",")), (.received[] | "\(.signal) \(.number) \(.pid) \(.uid) \(.code) \(.by) \(.value)")' "$WOUT"
	assert_output "$WPID
SIGUSR1,SIGUSR2,SIGTERM
SIGUSR2 12 $me $(id -u) SI_USER kill null
SIGTERM 15 $me $(id -u) SI_USER kill null"
}

@test "wait: 1000 real-time signals with distinct values arrive, all of them, in order" {
	local rt
	rt=$(sig_num RTMIN+1)
	start_wait -n 1000 -t 40 RTMIN+1
	run -0 sigpeer queue-range "$WPID" "$rt" 1000
	reap "$WAITER" 0
	run -0 awk 'NR > 1 { print $NF }' "$WOUT"
	assert_output "$(seq 1000)"
	assert_equal "$(grep -c "^SIGRTMIN+1 $rt from pid [0-9]* uid $(id -u) by sigqueue value" "$WOUT")" 1000
}

@test "wait: -t ends with status 6 and removes the pid file; -t 0 takes only what is pending" {
	run -6 --separate-stderr ipc-sig wait -t 300ms --pidfile "$FILES/p" USR1
	assert_output --regexp "^pid [0-9]+ waiting for SIGUSR1$"
	assert_equal "$stderr" "ipc-sig: wait: timed out (0 of 1 signal came)"
	[ ! -e "$FILES/p" ] || fail "pid file left behind"
	run -6 ipc-sig wait -t 0 USR1
	run -0 --separate-stderr ipc-sig wait -n 0 -t 200ms USR1     # no count: the time is up, done
	assert_equal "$stderr" ""
	# A signal already pending when wait starts is taken at once (exec keeps it pending).
	run -0 timeout 10 python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
os.kill(os.getpid(), signal.SIGUSR1)
os.execv(sys.argv[1], [sys.argv[1], "wait", "-t", "0", "USR1"])' "$IPCKIT_BIN/ipc-sig"
	assert_line --index 1 --regexp "^SIGUSR1 10 from pid [0-9]+ "
}

@test "wait: SIGINT and SIGTERM end it (it dies of them) unless they are waited for; pid file removed" {
	start_wait USR1
	kill -INT "$WPID"
	reap "$WAITER" 130
	[ ! -e "$WPIDFILE" ] || fail "pid file left behind after SIGINT"
	start_wait -J USR1
	kill -TERM "$WPID"
	reap "$WAITER" 143
	run -0 jq -c .received "$WOUT"      # the document is closed
	assert_output "[]"
	[ ! -e "$WPIDFILE" ] || fail "pid file left behind after SIGTERM"
	start_wait INT
	kill -INT "$WPID"
	reap "$WAITER" 0
	run -0 cat "$WOUT"
	assert_line --index 1 --regexp "^SIGINT 2 from pid [0-9]+ uid [0-9]+ by kill$"
}

@test "wait --pidfile: written whole, mode 0644 under umask 077, replaces a symlink without following it" {
	touch "$FILES/target"
	ln -s "$FILES/target" "$FILES/wait.pid"
	(umask 077; start_wait -t 20 USR2; echo "$WPID" >"$FILES/wpid"; echo "$WAITER" >"$FILES/waiter")
	local wpid
	wpid=$(cat "$FILES/wpid")
	[ ! -L "$FILES/wait.pid" ] || fail "still a symlink"
	assert_equal "$(stat -c %a "$FILES/wait.pid")" 644
	assert_equal "$(cat "$FILES/wait.pid")" "$wpid"
	assert_equal "$(stat -c %s "$FILES/target")" 0
	run -0 find "$FILES" -name '.*'      # no temporary file left
	assert_output ""
	kill -USR2 "$wpid"
	run -0 timeout 20 tail --pid "$wpid" -f /dev/null
	[ ! -e "$FILES/wait.pid" ] || fail "pid file left behind"
	run -3 --separate-stderr ipc-sig wait -t 1 --pidfile "$FILES/nodir/p" USR1
	assert_equal "$stderr" "ipc-sig: wait: $FILES/nodir/p: No such file or directory"
}

@test "wait: a write error (stdout on /dev/full, or a closed pipe) is status 1 and removes the pid file" {
	run -1 --separate-stderr bash -c 'ipc-sig wait -t 5 --pidfile "$1" USR1 >/dev/full' _ "$FILES/p"
	assert_equal "$stderr" "ipc-sig: write error: No space left on device"
	[ ! -e "$FILES/p" ] || fail "pid file left behind"
	# A reader that went away: no SIGPIPE death, the pid file goes all the same.
	run -0 --separate-stderr bash -c 'set -o pipefail; ipc-sig wait -t 5 --pidfile "$1" USR1 | true; echo "${PIPESTATUS[0]}"' _ "$FILES/p"
	assert_output 1
	assert_equal "$stderr" "ipc-sig: write error: Broken pipe"
	[ ! -e "$FILES/p" ] || fail "pid file left behind"
}

@test "wait: a timeout past what the clock holds waits (no overflow); SIGTERM still ends it" {
	start_wait -n 0 -t 9223372036s USR1
	kill -TERM "$WPID"
	reap "$WAITER" 143
}

@test "names with control bytes and invalid UTF-8: escaped in status and messages, matched as they are" {
	local name=$'z\ny\xff'$$
	cp /bin/sleep "$FILES/$name"
	"$FILES/$name" 60 &
	local pid=$!
	echo "$pid" >>"$HOLDERS"
	wait_for "its name" grep -q "^z" "/proc/$pid/comm"
	run -0 ipc-sig status "$pid"
	assert_line "command        z\x0ay\xff$$"
	run -0 bash -c 'ipc-sig status --json "$1" | jq -r .command' _ "$pid"
	assert_output "z\x0ay\xff$$"     # JSON: as the table (ipckit(7)), no control byte out of jq -r
	run -0 ipc-sig send -v TERM "$name"
	assert_output "SIGTERM sent to pid $pid"
	reap "$pid" 143
	run -3 --separate-stderr ipc-sig send TERM "$name"
	assert_equal "$stderr" "ipc-sig: send SIGTERM z\x0ay\xff$$: no process of that name"
}

@test "send: bad targets: PID 0, negative, hex, too big, -9 are usage errors and nothing is signalled" {
	local out="$BATS_TEST_TMPDIR/trap.out"
	start_peer "$out" bash -c 'trap "echo got USR1" USR1; echo ready; while :; do sleep 0.05 & wait $!; done'
	run -2 --separate-stderr ipc-sig send USR1 "$PEER_PID" 0
	assert_equal "$stderr" "ipc-sig: send: PID 0 would signal the caller's process group; ipc-sig signals processes only"
	run -2 ipc-sig send USR1 "$PEER_PID" -- -1
	run -2 ipc-sig send USR1 -- "-$PEER_PID"
	run -2 ipc-sig send USR1 "$PEER_PID" 0x10
	run -2 ipc-sig send USR1 "$PEER_PID" 99999999999
	run -2 --separate-stderr ipc-sig send -10 "$PEER_PID"
	[[ $stderr == *"give the signal without a dash"* ]] || fail "$stderr"
	run -2 ipc-sig send USR1 "$PEER_PID" ""
	run -2 ipc-sig send USR1
	kill -0 "$PEER_PID"
	! grep -q "got USR1" "$out" || fail "signalled despite a usage error"
	# A leading zero is not octal: 0PID is PID, as everywhere in the kit.
	run -0 ipc-sig send 0 "0$PEER_PID"
}

@test "send: a process that does not exist is 3, a name matching nothing is 3, a bad pid file 3 or 1" {
	local max
	max=$(cat /proc/sys/kernel/pid_max)
	run -3 --separate-stderr ipc-sig send 0 $((max + 1))
	assert_equal "$stderr" "ipc-sig: send 0 $((max + 1)): no such process"
	run -3 --separate-stderr ipc-sig send TERM "nosuch$T"
	assert_equal "$stderr" "ipc-sig: send SIGTERM nosuch$T: no process of that name"
	run -3 --separate-stderr ipc-sig send TERM abc
	run -3 ipc-sig send TERM --pidfile "$FILES/none"
	echo "not a pid" >"$FILES/bad.pid"
	run -1 --separate-stderr ipc-sig send TERM --pidfile "$FILES/bad.pid"
	assert_equal "$stderr" "ipc-sig: send SIGTERM $FILES/bad.pid: no PID in it (a decimal number on its first line)"
	# A pid file never names a process group or every process.
	for bad in 0 -1 "-$$" "0x10" ""; do
		echo "$bad" >"$FILES/bad.pid"
		run -1 ipc-sig send 0 --pidfile "$FILES/bad.pid"
	done
	mkfifo "$FILES/fifo.pid"
	track file "$FILES/fifo.pid"
	run -1 ipc-sig send TERM --pidfile "$FILES/fifo.pid"     # a FIFO: refused, not a hang
	# Several targets: each is tried, the first failure's status.
	run -3 --separate-stderr ipc-sig send 0 "nosuch$T" $$ $((max + 1))
	assert_equal "${#stderr_lines[@]}" 2
}

@test "send: another user's process, as nobody, is 5" {
	sleep 60 &
	local pid=$!
	echo "$pid" >>"$HOLDERS"
	run -5 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups ipc-sig send TERM "$pid"
	assert_equal "$stderr" "ipc-sig: send SIGTERM $pid: not permitted: another user's process"
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-sig send --value 1 0 "$pid"
	kill -0 "$pid"
}

@test "send by name: every process of that exact name, never ipc-sig itself or its ancestors" {
	local name="sl$$x$BATS_TEST_NUMBER" a b
	cp /bin/sleep "$FILES/$name"
	"$FILES/$name" 60 &
	a=$!
	"$FILES/$name" 60 &
	b=$!
	printf '%s\n' "$a" "$b" >>"$HOLDERS"
	wait_for "both to run as $name" test "$(cat "/proc/$b/comm")" = "$name"
	run -3 ipc-sig send 0 "${name}x"          # exact: no prefix or longer name
	run -3 ipc-sig send 0 "${name%?}"
	run -0 ipc-sig send -v TERM "$name"
	assert_line "SIGTERM sent to pid $a"
	assert_line "SIGTERM sent to pid $b"
	reap "$a" 143
	reap "$b" 143
	# The caller's own lineage is never a target: a bash named anc... asks for itself.
	cp "$(command -v bash)" "$FILES/anc$$"
	run -0 --separate-stderr "$FILES/anc$$" -c "ipc-sig send TERM anc$$; echo \"survived \$?\" >&2"
	[[ $stderr == *"no process of that name"*"survived 3" ]] || fail "$stderr"
	run -3 bash -c 'ipc-sig send 0 ipc-sig'
}

@test "--trace shows kill, sigqueue, sigprocmask and sigwaitinfo or sigtimedwait" {
	run -3 --separate-stderr ipc-sig --trace send 0 99999999
	[[ $stderr == "kill(99999999, 0) = -1 ESRCH (No such process)"* ]] || fail "$stderr"
	start_wait USR1
	run -0 --separate-stderr ipc-sig --trace send --value 5 USR1 "$WPID"
	assert_equal "$stderr" "sigqueue($WPID, SIGUSR1, {sival_int=5}) = 0"
	reap "$WAITER" 0
	run -6 --separate-stderr env IPC_TRACE=1 ipc-sig wait -t 0 USR1
	[[ $stderr == *"sigprocmask(SIG_BLOCK, [HUP INT USR1 TERM], NULL) = 0"* ]] || fail "$stderr"
	[[ $stderr == *"sigtimedwait([HUP INT USR1 TERM], {tv_sec=0, tv_nsec=0}) = -1 EAGAIN"* ]] || fail "$stderr"
	IPC_TRACE=1 start_wait USR1
	kill -USR1 "$WPID"
	reap "$WAITER" 0
	grep -q '^sigwaitinfo(\[HUP INT USR1 TERM\]) = 10$' "$WOUT.err" || fail "$(cat "$WOUT.err")"
}

@test "bash: ipc-sig completes subcommands, options and signal names" {
	run -0 complete_line ipc-sig wa
	assert_output "wait"
	run -0 complete_line ipc-sig send --va
	assert_output "--value"
	run -0 complete_line ipc-sig send SIGUS
	assert_output "$(printf 'SIGUSR1\nSIGUSR2')"
}

@test "status --json: a command with control bytes is escaped as in the table, so jq -r prints none" {
	local out="$BATS_TEST_TMPDIR/py.out"
	python3 -c '
import ctypes, os, time
ctypes.CDLL(None).prctl(15, b"ev\x1b]0;il\x07")
print("ready", flush=True)
time.sleep(30)' >"$out" 3>&- &
	local pid=$!
	wait_for "python to be ready" grep -q ready "$out"
	run -0 bash -c 'ipc-sig status --json "$1" | jq -r .command' _ "$pid"
	kill "$pid"
	assert_output 'ev\x1b]0;il\x07'
}
