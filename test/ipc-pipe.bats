#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016  # $output, $stderr and $lines are set by bats' run; $1 and the like are for the inner shells
# ipc-pipe: the pass-through, info, connect. The peers are coreutils, python3,
# bc and tmux (a terminal for --progress).

load helpers

# 1 GiB of random bytes, made once for the whole file.
setup_file() {
	BIG="$BATS_FILE_TMPDIR/big"
	head -c 1G /dev/urandom >"$BIG"
	export BIG
}

# The ipc-pipe process started (through the shim and timeout) under PID.
tool_pid() { # PID
	local p
	for p in $(descendants "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ipc-pipe ] && { echo "$p"; return 0; }
	done
	return 1
}

@test "1 GiB of random bytes passes intact through splice, with --stats saying so" {
	run -0 --separate-stderr bash -c 'cat "$BIG" | ipc-pipe --stats | cmp - "$BIG"'
	assert_output ""
	assert_regex "$stderr" '^ipc-pipe: 1073741824 bytes in [0-9.]+ s, [0-9.]+[KMGT]?i?B/s \(splice\)$'
}

@test "1 GiB of random bytes passes intact with --size 1M; the pipes really are 1 MiB" {
	run -0 --separate-stderr bash -c 'cat "$BIG" | ipc-pipe --trace --size 1M | cmp - "$BIG"'
	assert_output ""
	[[ $stderr == *"fcntl(0, F_SETPIPE_SZ, 1048576) = 1048576"* ]]
	[[ $stderr == *"fcntl(1, F_SETPIPE_SZ, 1048576) = 1048576"* ]]
	[[ $stderr == *"splice(0, NULL, 1, NULL,"* ]]
}

@test "between two pipes, the pipes are raised to 1 MiB unless --size says otherwise" {
	run -0 --separate-stderr bash -c 'head -c 1M /dev/zero | ipc-pipe --trace | wc -c'
	assert_output 1048576
	[[ $stderr == *"fcntl(0, F_SETPIPE_SZ, 1048576) = 1048576"* ]]
	[[ $stderr == *"fcntl(1, F_SETPIPE_SZ, 1048576) = 1048576"* ]]
	run -0 --separate-stderr bash -c 'head -c 1M /dev/zero | ipc-pipe --trace --size 64K | wc -c'
	[[ $stderr == *"fcntl(1, F_SETPIPE_SZ, 65536) = 65536"* ]]
	[[ $stderr != *"1048576) = "* ]]
	run -0 --separate-stderr bash -c 'head -c 1M /dev/zero | ipc-pipe --trace -l | wc -c'
	[[ $stderr != *"F_SETPIPE_SZ"* ]]
}

@test "read and write when a side is not a pipe: a file in, a file out" {
	head -c 64M "$BIG" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr bash -c 'ipc-pipe --stats <"$1" >"$2"' _ "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_regex "$stderr" '^ipc-pipe: 67108864 bytes in .* \(read and write\)$'
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run -0 bash -c 'ipc-pipe <"$1" | cmp - "$1"' _ "$BATS_TEST_TMPDIR/in"
	run -0 bash -c 'cat "$1" | ipc-pipe >"$2" && cmp "$1" "$2"' _ "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out2"
}

@test "a stream of 64-byte writes passes intact, read and written rather than spliced in crumbs" {
	python3 -c '
import os, sys
data = open(sys.argv[1], "rb").read(8 << 20)
for i in range(0, len(data), 64):
    os.write(1, data[i:i + 64])' "$BIG" | ipc-pipe | cmp - <(head -c 8M "$BIG")
}

@test "-l counts lines; --stats prints them; an empty input is 0 bytes" {
	run -0 --separate-stderr bash -c 'seq 1000 | ipc-pipe -l --stats | wc -l'
	assert_output 1000
	assert_regex "$stderr" '^ipc-pipe: 1000 lines, 3893 bytes in '
	run -0 --separate-stderr ipc-pipe --stats </dev/null
	assert_output ""
	assert_regex "$stderr" '^ipc-pipe: 0 bytes in '
}

@test "--rate-limit in bytes, and in lines with -l, takes as long as the rate says" {
	local t0 t1
	t0=$EPOCHREALTIME
	run -0 bash -c 'head -c 300K /dev/zero | ipc-pipe --rate-limit 600K | wc -c'
	t1=$EPOCHREALTIME
	assert_output 307200
	# 300K at 600K/s, less the first twentieth of a second's worth: about 0.45 s.
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.35 && b - a < 10) }'
	t0=$EPOCHREALTIME
	run -0 bash -c 'seq 30 | ipc-pipe -l -L 50 | tail -1'
	t1=$EPOCHREALTIME
	assert_output 30
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.45 && b - a < 10) }'
}

@test "the reader goes away: ipc-pipe ends by SIGPIPE quietly, after its --stats line" {
	run -0 --separate-stderr bash -c 'yes | ipc-pipe | head -1; echo "${PIPESTATUS[1]}"'
	assert_output "$(printf 'y\n141')"
	assert_equal "$stderr" ""
	run -0 --separate-stderr bash -c 'yes | ipc-pipe --stats | head -1 >/dev/null; echo "${PIPESTATUS[1]}"'
	assert_output 141
	assert_regex "$stderr" '^ipc-pipe: [0-9]+ bytes in '
	# SIGPIPE ignored by the parent: the same, not "Broken pipe".
	run -0 --separate-stderr bash -c 'trap "" PIPE; yes 2>/dev/null | ipc-pipe -l | head -1 >/dev/null; echo "${PIPESTATUS[1]}"'
	assert_output 141
	assert_equal "$stderr" ""
}

@test "non-blocking pipes on both sides (set by the peers): it waits, it does not fail" {
	run -0 --separate-stderr timeout 30 python3 - <<'PY'
import fcntl, os, subprocess, threading, time
r, w = os.pipe()
r2, w2 = os.pipe()
for fd in (r, w2):      # ipc-pipe's stdin and stdout: O_NONBLOCK, shared with us
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(["ipc-pipe"], stdin=r, stdout=w2)
os.close(r); os.close(w2)
data = os.urandom(3 << 20)
def writer():          # bursts with pauses: ipc-pipe finds its stdin empty
    for i in range(0, len(data), 100000):
        os.write(w, data[i:i + 100000])
        time.sleep(0.005)
    os.close(w)
t = threading.Thread(target=writer)
t.start()
got = bytearray()
while b := os.read(r2, 65536):   # a slow reader: ipc-pipe finds its stdout full
    got += b
    time.sleep(0.0005)
t.join()
print(p.wait(), bytes(got) == data)
PY
	assert_output "0 True"
	assert_equal "$stderr" ""
}

@test "a full disk is a write error, exit 1" {
	run -1 --separate-stderr bash -c 'echo hello | ipc-pipe >/dev/full'
	assert_equal "$stderr" "ipc-pipe: write error: No space left on device"
	run -1 --separate-stderr bash -c 'ipc-pipe info 0 </dev/null >/dev/full'
	assert_equal "$stderr" "ipc-pipe: write error: No space left on device"
}

@test "SIGTERM while waiting for input ends it at once, with its --stats line and status 143" {
	mkfifo "$FILES/in"
	track file "$FILES/in"
	ipc-pipe --stats <"$FILES/in" >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	local job=$!
	local fd
	exec {fd}>"$FILES/in"
	printf 'abc' >&"$fd"
	wait_blocked "$job" ipc-pipe
	kill -TERM "$(tool_pid "$job")"
	local st=0
	wait "$job" || st=$?
	assert_equal "$st" 143
	exec {fd}>&-
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_regex "$output" '^ipc-pipe: 3 bytes in '
}

@test "bad input: --size 0, above fs.pipe-max-size, no pipe; a bad rate; an operand" {
	local max
	max=$(cat /proc/sys/fs/pipe-max-size)
	run -2 --separate-stderr ipc-pipe --size 0
	assert_equal "$stderr" "ipc-pipe: invalid size '0' for --size (1 to 2147483647 bytes; like 4096, 4K, 1M)"
	run -2 --separate-stderr bash -c 'set -o pipefail; echo x | ipc-pipe --size "$1" | cat' _ $((max * 2))
	assert_output ""
	assert_equal "$stderr" "ipc-pipe: invalid size '$((max * 2))' for --size: above fs.pipe-max-size ($max bytes; raise it with sysctl fs.pipe-max-size=BYTES)"
	run -2 --separate-stderr bash -c 'ipc-pipe --size 64K </dev/null >/dev/null'
	assert_equal "$stderr" "ipc-pipe: --size: neither stdin nor stdout is a pipe"
	for rate in 0 -5 abc 1X 99999999999999999999; do
		run -2 --separate-stderr ipc-pipe --rate-limit "$rate"
		assert_regex "$stderr" "^ipc-pipe: invalid size '.*' for --rate-limit "
	done
	run -2 --separate-stderr ipc-pipe stats
	assert_equal "$stderr" "ipc-pipe: unknown command 'stats' (commands: info connect)"
	run -2 --separate-stderr ipc-pipe -s
	assert_equal "$stderr" "ipc-pipe: -s needs a value (see ipc-pipe --help)"
	run -2 --separate-stderr ipc-pipe --stats info
	assert_equal "$stderr" "ipc-pipe: info: its options come after it (ipc-pipe info [-J] [FD...])"
	run -2 --separate-stderr ipc-pipe -s
	assert_equal "$stderr" "ipc-pipe: -s needs a value (see ipc-pipe --help)"
}

@test "--progress on a terminal (tmux) draws bytes, time and rate, and ends the line" {
	command -v tmux >/dev/null || skip "needs tmux"
	local sock="$BATS_TEST_TMPDIR/tmux" out="$BATS_TEST_TMPDIR/screen"
	tmux -S "$sock" new-session -d -x 100 -y 10 \
		"head -c 30M /dev/zero | ipc-pipe --progress -L 20M >/dev/null; echo \"status \$?\"; sleep 30"
	local i
	for ((i = 0; i < 1000; i++)); do   # at most 20 s
		! screen_has "$sock" "$out" "^status" || break
		sleep 0.02
	done
	tmux -S "$sock" kill-server 2>/dev/null || true
	rm -f "$sock"
	grep -qx "status 0" "$out" || fail "no status 0 on the screen: $(cat "$out")"
	run -0 cat "$out"
	assert_line --regexp '^ +30\.0MiB 0:00:0[1-9] \[ +[0-9.]+MiB/s\]$'
}
screen_has() { # SOCK OUT REGEX
	tmux -S "$1" capture-pane -p >"$2" && grep -qE "$3" "$2"
}

@test "--progress draws nothing when stderr is not a terminal" {
	run -0 --separate-stderr bash -c 'seq 10 | ipc-pipe --progress -l'
	assert_equal "${#lines[@]}" 10
	assert_equal "$stderr" ""
}

@test "info names the process on the other end of stdin, its end and fd, and what is queued" {
	coproc W { exec python3 -c '
import os, time
os.write(1, b"ready\n" + b"x" * 1000)
time.sleep(30)'; }
	local line
	read -r -t 10 line <&"${W[0]}"
	[ "$line" = ready ]
	run -0 ipc-pipe info 0 <&"${W[0]}"
	assert_line --index 0 --regexp '^0: pipe pipe:\[[0-9]+\], read end, capacity 65536, 1000 bytes queued$'
	assert_line "   write end: $W_PID python3 (fd 1)"
	ipc-pipe info --json 0 <&"${W[0]}" >"$BATS_TEST_TMPDIR/json"
	run -0 jq -c '.[0] | {type, access, queued, w: [.holders[] | select(.access == "write") | [.pid, .command, .fd]]}' "$BATS_TEST_TMPDIR/json"
	assert_output "{\"type\":\"pipe\",\"access\":\"read\",\"queued\":1000,\"w\":[[$W_PID,\"python3\",1]]}"
	kill "$W_PID"
	wait "$W_PID" || true
}

@test "info on the write end names the reader; with every writer gone, says so" {
	run -0 bash -c 'ipc-pipe info 1 | { read -r first; cat >/dev/null; echo "$first"; }'
	assert_output --regexp '^1: pipe pipe:\[[0-9]+\], write end, capacity 65536, [0-9]+ bytes queued$'
	run -0 bash -c 'ipc-pipe info 1 | cat'
	assert_line --regexp '^   read end: [0-9]+ cat \(fd 0\)$'
	run -0 bash -c 'exec 3< <(true); wait $!; ipc-pipe info 3'
	assert_line "   no process holds the write end: a read gets end of file"
	run -0 bash -c 'exec 3> >(true); wait $!; ipc-pipe info 3'
	assert_line "   no process holds the read end: a write gets SIGPIPE (EPIPE)"
}

@test "info: a FIFO, a socket and its peer, a file, a character device; JSON for each" {
	mkfifo "$FILES/f"
	track file "$FILES/f"
	run -0 bash -c 'ipc-pipe info 5 5<>"$1"' _ "$FILES/f"
	assert_line --index 0 "5: fifo $FILES/f, read and write, capacity 65536, 0 bytes queued"
	echo hello >"$FILES/file"
	run -0 bash -c 'ipc-pipe info 0 1 <"$1" >>"$1.out"' _ "$FILES/file"
	run -0 cat "$FILES/file.out"
	assert_line "0: file $FILES/file, read only, 6 bytes"
	assert_line "1: file $FILES/file.out, write only, 0 bytes"
	run -0 ipc-pipe info 0 </dev/null
	assert_output "0: character device /dev/null, read only"
	run -0 python3 -c '
import os, socket, sys
a, b = socket.socketpair()
os.set_inheritable(b.fileno(), True)
pid = os.fork()
if pid == 0:
    os.dup2(b.fileno(), 0)
    os.execvp("ipc-pipe", ["ipc-pipe", "info", "--json", "0"])
os.waitpid(pid, 0)
print(os.getpid())'
	local me=${lines[-1]}
	run -0 jq -c '.[0] | [.type, .family, .socket_type, .peer, .peer_pid]' <<<"${output%$'\n'*}"
	assert_output "[\"socket\",\"unix\",\"stream\",\"\",$me]"
}

@test "info as another user: processes it may not look at are counted, not guessed" {
	run -0 bash -c 'sleep 5 | setpriv --reuid=65534 --regid=65534 --clear-groups ipc-pipe info 0'
	assert_line --regexp '^   \([0-9]+ process(es)? could not be looked at: run as root to see them all\)$'
	refute_output --partial "no process holds the write end"
	refute_output --partial " sleep "
}

@test "info: a descriptor that is not open is status 3; the others are still shown" {
	run -3 --separate-stderr ipc-pipe info 0 9 </dev/null
	assert_output "0: character device /dev/null, read only"
	assert_equal "$stderr" "ipc-pipe: info 9: not an open descriptor"
	run -2 --separate-stderr ipc-pipe info 0x
	assert_equal "$stderr" "ipc-pipe: invalid value '0x' for FD (a decimal number from 0 to 2147483647)"
	run -2 --separate-stderr ipc-pipe info -1
	run -0 bash -c 'ipc-pipe info --json 7 </dev/null | jq -c .'
}

@test "info escapes control bytes in a holder's command and in a FIFO's path" {
	local name=$'f\e[31mx\nz'
	mkfifo "$FILES/$name"
	run -0 bash -c 'ipc-pipe info 5 5<>"$1"' _ "$FILES/$name"
	local text=$output
	run -0 bash -c 'ipc-pipe info --json 5 5<>"$1" | jq -r ".[0].path"' _ "$FILES/$name"
	local json=$output
	rm "$FILES/$name"   # not tracked: a name with a newline
	[[ $text != *$'\e'* ]]
	[[ $text == "5: fifo $FILES/f\x1b[31mx\x0az, read and write, capacity 65536, 0 bytes queued"* ]]
	assert_equal "$json" "$FILES/f\\x1b[31mx\\x0az"   # jq -r puts no control byte on a terminal
	coproc W { exec python3 -c '
import ctypes, os, time
ctypes.CDLL(None).prctl(15, b"ev\x1b]0;il\x07")
os.write(1, b"ready\n")
time.sleep(30)'; }
	local line
	read -r -t 10 line <&"${W[0]}"
	run -0 ipc-pipe info 0 <&"${W[0]}"
	refute_output --partial $'\e'
	assert_line "   write end: $W_PID ev\\x1b]0;il\\x07 (fd 1)"
	run -0 bash -c 'ipc-pipe info --json 0 | jq -r ".[0].holders[] | select(.pid == $1) | .command"' _ "$W_PID" <&"${W[0]}"
	assert_output 'ev\x1b]0;il\x07'
	kill "$W_PID"
	wait "$W_PID" || true
}

@test "connect: a script asks bc questions and reads each answer (request/response to completion)" {
	run -0 --separate-stderr ipc-pipe connect \
		'for i in 1 2 3 64 100; do echo "2^$i"; read -r a; echo "2^$i = $a" >&2; done' 'bc'
	assert_output ""
	assert_equal "$stderr" "$(printf '2^1 = 2\n2^2 = 4\n2^3 = 8\n2^64 = 18446744073709551616\n2^100 = 1267650600228229401496703205376')"
	run -0 --separate-stderr ipc-pipe connect -- bash -c 'echo "6*7"; read -r a; echo "got $a" >&2' -- bc -q
	assert_equal "$stderr" "got 42"
}

@test "connect: the status of the first to fail; 127 and 126 as a shell; 128+signal" {
	# The second fails after the first has ended (EOF), a second later: the first's status.
	run -3 ipc-pipe connect 'exit 3' 'read -r x; sleep 1; exit 4'
	run -4 ipc-pipe connect 'read -r x; sleep 1; exit 3' 'exit 4'
	run -5 ipc-pipe connect 'read -r x; exit 5' 'true'
	run -0 ipc-pipe connect 'true' 'cat'
	run -127 --separate-stderr ipc-pipe connect -- "no-such-cmd-$T" -- cat
	assert_equal "$stderr" "ipc-pipe: connect: no-such-cmd-$T: command not found"
	printf 'echo hi\n' >"$FILES/noexec"
	run -126 --separate-stderr ipc-pipe connect -- cat -- "$FILES/noexec"
	assert_equal "$stderr" "ipc-pipe: connect: $FILES/noexec: Permission denied"
	run -143 ipc-pipe connect -- sh -c 'kill -TERM $$' -- cat
}

@test "connect --trace shows pipe2, fork, dup2 and execvp" {
	run -0 --separate-stderr ipc-pipe --trace connect -- head -c 0 -- cat
	assert_output ""
	[[ $stderr == *"pipe2(["*"], O_CLOEXEC) = 0"* ]]
	[[ $stderr == *"fork() = "* ]]
	[[ $stderr == *"dup2("*", 0) = 0"* ]]
	[[ $stderr == *"dup2("*", 1) = 1"* ]]
	[[ $stderr == *'execvp("head", ["head", "-c", "0"]) = 0'* ]]
	[[ $stderr == *'execvp("cat", ["cat"]) = 0'* ]]
}

# A command that sleeps and dies of SIGTERM; its last argument marks it for pgrep -f.
SLEEPER=(python3 -c 'import time; time.sleep(40)')

@test "connect -t: both commands stopped, status 6, nothing left running" {
	local t0=$SECONDS
	run -6 --separate-stderr ipc-pipe connect -t 300ms -- "${SLEEPER[@]}" "$T-a" -- "${SLEEPER[@]}" "$T-b"
	assert_equal "$stderr" "ipc-pipe: connect: timed out after 300ms; both commands were stopped"
	[ $((SECONDS - t0)) -lt 10 ]
	run -1 pgrep -f "^[^ ]*python3 -c .*$T-[ab]$"
	run -2 ipc-pipe connect -t 1x a b
	run -2 ipc-pipe connect onlyone
	run -2 ipc-pipe connect -- a --
}

@test "connect passes SIGTERM on to both commands" {
	ipc-pipe connect -- "${SLEEPER[@]}" "$T-a" -- "${SLEEPER[@]}" "$T-b" &
	local job=$!
	wait_for "both commands" bash -c "[ \$(pgrep -fc -- '^[^ ]*python3 -c .*$T-[ab]$') = 2 ]"
	kill -TERM "$(tool_pid "$job")"
	local st=0
	wait "$job" || st=$?
	assert_equal "$st" 143
	run -1 pgrep -f -- "^[^ ]*python3 -c .*$T-[ab]$"
}

@test "bash completes the commands and options" {
	run -0 complete_line ipc-pipe co
	assert_output connect
	run -0 complete_line ipc-pipe --st
	assert_output --stats
	run -0 complete_line ipc-pipe info --j
	assert_output --json
}
