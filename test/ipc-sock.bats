#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# shellcheck disable=SC2016,SC2094  # commands for sh -c and socat expand there; cmp reads what was sent
# ipc-sock: unix, TCP and UDP sockets. The peers on the other end are python3's
# socket module, socat and nc (netcat-openbsd), and the kernel's own view
# (/proc/net/unix, ss, stat).

load helpers

setup() {
	common_setup
	S="$FILES/s.sock"
	PORT=$((20000 + BATS_TEST_NUMBER * 10))
}

# A command in the background, stopped (SIGTERM) and waited for in teardown; BG is its pid.
start_bg() {
	"$@" <&0 &   # the caller's stdin: a background command would get /dev/null
	BG=$!
	echo "$BG" >>"$HOLDERS"
}
# PID itself (not a child) sleeps in a system call: it waits.
self_blocked() { [ "$(cat "/proc/$1/comm")" = ipc-sock ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = S ] && ! grep -q running "/proc/$1/syscall"; }
# Waits for BG and checks its exit status (run would wait in a subshell, where BG is no child).
bg_status() { # STATUS
	local st=0
	wait "$BG" || st=$?
	assert_equal "$st" "$1"
}
tcp_listening() { ss -Hltn "sport = :$1" | grep -q .; }
udp_bound() { ss -Hlun "sport = :$1" | grep -q .; }
sock_type() { stat -c %F "$1"; }

@test "listen and connect: data both ways over a unix stream, the file 0600 and removed at the end" {
	start_bg ipc-sock listen "unix:$S" < <(echo "from server") >"$FILES/server.out"
	wait_listening "$S"
	assert_equal "$(stat -c '%a %F' "$S")" "600 socket"
	run -0 --separate-stderr timeout 10 ipc-sock connect "unix:$S" <<<"from client"
	assert_output "from server"
	wait "$BG"
	assert_equal "$(cat "$FILES/server.out")" "from client"
	[ ! -e "$S" ]
}

@test "stdin EOF shuts down our side only: a reply sent after the peer saw EOF arrives" {
	start_bg ipc-sock serve "unix:$S" -- sh -c 'wc -l; sleep 0.2; echo late reply'
	wait_listening "$S"
	run -0 timeout 10 ipc-sock connect "unix:$S" < <(printf 'a\nb\nc\n')
	assert_output "$(printf '3\nlate reply')"
	# and the other way: the server closes first, the client keeps sending until its EOF
	start_bg ipc-sock listen "unix:$FILES/t.sock" </dev/null >"$FILES/got"
	wait_listening "$FILES/t.sock"
	run -0 timeout 10 ipc-sock connect "unix:$FILES/t.sock" < <(echo one; sleep 0.3; echo two)
	wait "$BG"
	assert_equal "$(cat "$FILES/got")" "$(printf 'one\ntwo')"
}

@test "--mode gives exactly the mode asked, whatever the umask" {
	start_bg bash -c "umask 077; exec ipc-sock listen --mode 0666 unix:$S </dev/null"
	wait_listening "$S"
	assert_equal "$(stat -c %a "$S")" 666
	kill "$BG"
	wait "$BG" || true
	start_bg bash -c "umask 000; exec ipc-sock listen --mode 640 unix:$S </dev/null"
	wait_listening "$S"
	assert_equal "$(stat -c %a "$S")" 640
	run -2 --separate-stderr ipc-sock listen --mode 1777 "unix:$FILES/x.sock"
	assert_equal "$stderr" "ipc-sock: invalid mode '1777' for --mode (octal 0 to 0777, or like u=rw,g=r)"
}

@test "SIGTERM and SIGINT remove the socket file; so does -t running out (exit 6)" {
	start_bg ipc-sock listen "unix:$S"
	wait_listening "$S"
	kill -TERM "$BG"
	wait "$BG" || true
	[ ! -e "$S" ]
	# SIGINT: a background job starts with it ignored, so python puts it back to default
	start_bg python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$IPCKIT_BIN/ipc-sock" listen "unix:$S"
	wait_listening "$S"
	kill -INT "$BG"
	bg_status 130
	[ ! -e "$S" ]
	run -6 --separate-stderr ipc-sock listen -t 100ms "unix:$S"
	assert_equal "$stderr" "ipc-sock: listen unix:$S: timed out"
	[ ! -e "$S" ]
}

@test "a killed listener's stale socket file is replaced on the next listen; a live one is refused (7)" {
	start_bg ipc-sock listen "unix:$S"
	wait_listening "$S"
	kill -KILL "$(pgrep -P "$BG" -x ipc-sock || echo "$BG")"
	wait "$BG" || true
	[ -S "$S" ]
	start_bg ipc-sock listen "unix:$S" < <(echo fresh)
	wait_listening "$S"
	run -7 --separate-stderr ipc-sock listen "unix:$S"
	assert_equal "$stderr" "ipc-sock: listen unix:$S: in use: a live socket is bound there"
	[ -S "$S" ]
	run -0 timeout 10 ipc-sock connect "unix:$S" </dev/null
	assert_output fresh
}

@test "a regular file, a directory or a symlink at the path is never touched (exit 4)" {
	echo keep >"$FILES/plain"
	run -4 --separate-stderr ipc-sock listen "unix:$FILES/plain"
	assert_equal "$stderr" "ipc-sock: listen unix:$FILES/plain: a file that is not a socket is there (left alone)"
	assert_equal "$(cat "$FILES/plain")" keep
	ln -s "$FILES/target.sock" "$FILES/link"
	run -4 --separate-stderr ipc-sock listen "unix:$FILES/link"
	assert_equal "$stderr" "ipc-sock: listen unix:$FILES/link: a symbolic link is there (never followed; left alone)"
	[ -L "$FILES/link" ] && [ ! -e "$FILES/target.sock" ]
	# a symlink to a stale socket: neither the link nor the socket is removed
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$FILES/target.sock"
	run -4 ipc-sock listen "unix:$FILES/link"
	[ -L "$FILES/link" ] && [ -S "$FILES/target.sock" ]
	rm "$FILES/target.sock"
}

@test "bad addresses are usage errors naming the rule" {
	local long
	long="unix:/$(printf 'a%.0s' {1..110})"
	run -2 --separate-stderr ipc-sock connect tcp:localhost
	assert_equal "$stderr" "ipc-sock: tcp:localhost: no port: the address is HOST:PORT"
	run -2 --separate-stderr ipc-sock connect tcp:127.0.0.1:0
	assert_equal "$stderr" "ipc-sock: tcp:127.0.0.1:0: invalid port '0' (a decimal number from 1 to 65535)"
	run -2 --separate-stderr ipc-sock listen udp:127.0.0.1:65536
	assert_equal "$stderr" "ipc-sock: udp:127.0.0.1:65536: invalid port '65536' (a decimal number from 1 to 65535)"
	run -2 --separate-stderr ipc-sock connect tcp:127.0.0.1:70000
	run -2 --separate-stderr ipc-sock connect tcp:127.0.0.1:08x
	run -2 --separate-stderr ipc-sock connect tcp:::1:80
	assert_equal "$stderr" "ipc-sock: tcp:::1:80: an IPv6 address is written [ADDR]:PORT"
	run -2 --separate-stderr ipc-sock listen "$long"
	assert_equal "$stderr" "ipc-sock: $long: the path is 111 bytes, longer than sun_path holds (107)"
	run -2 --separate-stderr ipc-sock listen /plain/path
	assert_equal "$stderr" "ipc-sock: /plain/path: an address is unix:PATH, unix:@NAME, tcp:HOST:PORT or udp:HOST:PORT"
	run -2 ipc-sock listen unix:
	run -2 ipc-sock listen unix:@
	run -2 --separate-stderr ipc-sock listen --dgram tcp:127.0.0.1:80
	assert_equal "$stderr" "ipc-sock: tcp:127.0.0.1:80: --dgram and --seqpacket are for unix addresses (tcp: is a stream, udp: datagrams)"
	run -2 ipc-sock connect --dgram --seqpacket "unix:$S"
	run -2 ipc-sock wait udp:127.0.0.1:80
	run -2 ipc-sock serve --dgram "unix:$S" -- cat
	run -2 ipc-sock serve "unix:$S"
	run -2 ipc-sock connect -t soon "unix:$S"
	run -2 ipc-sock send-fd tcp:127.0.0.1:80
	run -3 --separate-stderr ipc-sock connect tcp:no-such-host.invalid:80
	run -0 find "$FILES" -mindepth 1
	assert_output ""
}

@test "connect to nothing: 3 at once, 6 after --wait; a name with control bytes is escaped" {
	run -3 --separate-stderr ipc-sock connect "unix:$S"
	assert_equal "$stderr" "ipc-sock: connect unix:$S: no such socket"
	run -3 --separate-stderr ipc-sock connect "tcp:127.0.0.1:$PORT"
	assert_equal "$stderr" "ipc-sock: connect tcp:127.0.0.1:$PORT: nothing listens there (connection refused)"
	run -6 --separate-stderr ipc-sock connect --wait 200ms "tcp:127.0.0.1:$PORT"
	assert_equal "$stderr" "ipc-sock: connect tcp:127.0.0.1:$PORT: nothing accepted a connection within --wait"
	run -6 ipc-sock wait -t 200ms "unix:$S"
	run -3 --separate-stderr ipc-sock connect "unix:$FILES/a$(printf '\033')[31mb"
	assert_equal "$stderr" "ipc-sock: connect unix:$FILES/a\\x1b[31mb: no such socket"
}

@test "--wait and wait reach a server started 300 ms later" {
	(sleep 0.3; exec ipc-sock echo "unix:$S") &
	echo $! >>"$HOLDERS"
	run -0 timeout 20 ipc-sock connect --wait 15s "unix:$S" <<<"waited"
	assert_output waited
	(sleep 0.3; exec ipc-sock echo "tcp:127.0.0.1:$PORT") &
	echo $! >>"$HOLDERS"
	run -0 timeout 20 ipc-sock wait -t 15s "tcp:127.0.0.1:$PORT"
	assert_output ""
	tcp_listening "$PORT"
}

@test "serve: 200 concurrent clients each get their own answer, and children are reaped" {
	start_bg ipc-sock serve "unix:$S" -- sh -c 'read -r x; echo "answer-$x-$IPC_PEER_PID"'
	wait_listening "$S"
	run -0 timeout 40 python3 - "$S" <<'PY'
import os, socket, sys
socks = []
for i in range(200):                    # all 200 connected before any is answered
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
for i, s in enumerate(socks):
    s.sendall(b"%d\n" % i)
bad = 0
for i, s in enumerate(socks):
    got = b""
    while True:
        b = s.recv(100)
        if not b:
            break
        got += b
    if got != b"answer-%d-%d\n" % (i, os.getpid()):
        bad += 1
        print("client", i, "got", got)
print("bad", bad)
PY
	assert_output "bad 0"
	local server
	server=$(pgrep -P "$BG" -x ipc-sock)
	wait_for "children reaped" test -z "$(pgrep -P "$server")"
}

@test "serve --max-clients 1: the next client waits in the backlog until a slot frees" {
	start_bg ipc-sock serve --max-clients 1 "unix:$S" -- sh -c 'read -r x; echo "done-$x"'
	wait_listening "$S"
	local server
	server=$(pgrep -P "$BG" -x ipc-sock)
	coproc first { timeout 10 ipc-sock connect "unix:$S"; }
	wait_for "first client's child" pgrep -P "$server"
	run -0 timeout 10 python3 - "$S" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])              # queued: connect succeeds, nothing answers
s.settimeout(0.3)
s.sendall(b"2\n")
try:
    print("early", s.recv(10))
except socket.timeout:
    print("waiting")
PY
	assert_output waiting
	echo 1 >&"${first[1]}"
	read -r line <&"${first[0]}"
	assert_equal "$line" done-1
}

@test "serve: IPC_PEER_PID/UID/GID from SO_PEERCRED match the client; --creds shows them" {
	start_bg ipc-sock serve "unix:$S" -- sh -c 'echo "$IPC_PEER_PID $IPC_PEER_UID $IPC_PEER_GID"'
	wait_listening "$S"
	run -0 timeout 10 python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
got = s.recv(100).decode().split()
print(got == [str(os.getpid()), str(os.getuid()), str(os.getgid())])' "$S"
	assert_output True
	start_bg ipc-sock listen --creds "unix:$FILES/c.sock" </dev/null 2>"$FILES/creds"
	wait_listening "$FILES/c.sock"
	run -0 timeout 10 python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(os.getpid(), os.getuid(), os.getgid())
s.recv(10)' "$FILES/c.sock"
	wait "$BG"
	read -r pid uid gid <<<"$output"
	assert_equal "$(cat "$FILES/creds")" "ipc-sock: peer pid=$pid uid=$uid gid=$gid"
}

@test "serve over TCP: IPC_PEER_ADDR and IPC_PEER_PORT; as nobody the uid is nobody's" {
	start_bg ipc-sock serve "tcp:127.0.0.1:$PORT" -- sh -c 'echo "$IPC_PEER_ADDR"'
	wait_for "tcp listener" tcp_listening "$PORT"
	run -0 timeout 10 ipc-sock connect "tcp:127.0.0.1:$PORT" </dev/null
	assert_output 127.0.0.1
	start_bg ipc-sock serve --mode 666 "unix:$S" -- sh -c 'echo "$IPC_PEER_UID"'
	wait_listening "$S"
	chmod 755 "$FILES"
	run -0 timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCKIT_BIN/ipc-sock" connect "unix:$S" </dev/null
	assert_output 65534
}

@test "256 MiB both ways through echo, intact, with the half-close at the end (unix and TCP)" {
	start_bg ipc-sock echo "unix:$S"
	wait_listening "$S"
	head -c 256M /dev/urandom >"$FILES/big"
	timeout 50 ipc-sock connect "unix:$S" <"$FILES/big" | cmp - "$FILES/big"
	start_bg ipc-sock echo "tcp:[::1]:$PORT"
	wait_for "tcp listener" tcp_listening "$PORT"
	timeout 50 ipc-sock connect "tcp:[::1]:$PORT" <"$FILES/big" | cmp - "$FILES/big"
	rm "$FILES/big"
}

@test "fd passing: send-fd hands an open file to recv-fd's command, and to python" {
	echo "the secret" >"$FILES/secret"
	start_bg ipc-sock recv-fd "unix:$S" -- sh -c 'cat; readlink /proc/self/fd/0' >"$FILES/got"
	wait_listening "$S"
	run -0 ipc-sock send-fd "unix:$S" <"$FILES/secret"
	wait "$BG"
	assert_equal "$(cat "$FILES/got")" "$(printf 'the secret\n%s' "$FILES/secret")"
	# python receives the descriptor and reads it; it never opened the file
	python3 - "$FILES/p.sock" >"$FILES/py" <<'PY' &
import os, socket, sys
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen(1); print("ready", flush=True)
c, _ = l.accept()
msg, fds, _, _ = socket.recv_fds(c, 10, 1)
print(os.read(fds[0], 100).decode(), end="")
os.unlink(sys.argv[1])
PY
	echo $! >>"$HOLDERS"
	wait_listening "$FILES/p.sock"
	run -0 ipc-sock send-fd "unix:$FILES/p.sock" "$FILES/secret"
	wait $!
	assert_equal "$(cat "$FILES/py")" "$(printf 'ready\nthe secret')"
	run -3 ipc-sock send-fd "unix:$S" "$FILES/nonexistent"
}

@test "recv-fd: python's descriptor read without COMMAND; a missing COMMAND is 127" {
	echo "via python" >"$FILES/f"
	start_bg ipc-sock recv-fd "unix:$S" >"$FILES/got"
	wait_listening "$S"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f = open(sys.argv[2])
socket.send_fds(s, [b"x"], [f.fileno()])' "$S" "$FILES/f"
	wait "$BG"
	assert_equal "$(cat "$FILES/got")" "via python"
	start_bg ipc-sock recv-fd "unix:$S" -- no-such-command-here
	wait_listening "$S"
	ipc-sock send-fd "unix:$S" <"$FILES/f"
	bg_status 127
	[ ! -e "$S" ]
}

@test "socat and nc as clients of ipc-sock listen, unix and TCP" {
	start_bg ipc-sock listen "unix:$S" < <(echo to-socat) >"$FILES/a"
	wait_listening "$S"
	run -0 timeout 10 socat - "UNIX-CONNECT:$S" <<<"from-socat"
	assert_output to-socat
	wait "$BG"
	assert_equal "$(cat "$FILES/a")" from-socat
	start_bg ipc-sock listen "tcp:127.0.0.1:$PORT" < <(echo to-nc) >"$FILES/b"
	wait_for "tcp listener" tcp_listening "$PORT"
	run -0 timeout 10 nc -N 127.0.0.1 "$PORT" <<<"from-nc"
	assert_output to-nc
	wait "$BG"
	assert_equal "$(cat "$FILES/b")" from-nc
	start_bg ipc-sock listen "unix:$S" < <(echo to-nc-unix) >"$FILES/c"
	wait_listening "$S"
	run -0 timeout 10 nc -N -U "$S" <<<"from-nc-unix"
	assert_output to-nc-unix
	wait "$BG"
	assert_equal "$(cat "$FILES/c")" from-nc-unix
}

@test "socat and nc as servers for ipc-sock connect, unix and TCP" {
	start_bg socat "UNIX-LISTEN:$S" 'SYSTEM:read x; echo "socat got $x"'
	wait_listening "$S"
	run -0 timeout 10 ipc-sock connect "unix:$S" <<<"hello"
	assert_output "socat got hello"
	start_bg socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" 'SYSTEM:read x; echo "socat got $x"'
	wait_for "tcp listener" tcp_listening "$PORT"
	run -0 timeout 10 ipc-sock connect "tcp:127.0.0.1:$PORT" <<<"tcp"
	assert_output "socat got tcp"
	start_bg nc -N -l 127.0.0.1 $((PORT + 1)) < <(echo from-nc) >"$FILES/n"
	wait_for "nc listener" tcp_listening $((PORT + 1))
	run -0 timeout 10 ipc-sock connect "tcp:127.0.0.1:$((PORT + 1))" <<<"to-nc"
	assert_output from-nc
	wait "$BG"
	assert_equal "$(cat "$FILES/n")" to-nc
	start_bg nc -N -lU "$FILES/n.sock" < <(echo from-nc-unix)
	wait_listening "$FILES/n.sock"
	run -0 timeout 10 ipc-sock connect "unix:$FILES/n.sock" </dev/null
	assert_output from-nc-unix
	wait "$BG" || true
	rm -f "$FILES/n.sock"
}

@test "python's socket module: TCP over IPv6, and an abstract unix name" {
	start_bg ipc-sock echo "tcp:[::1]:$PORT"
	wait_for "tcp listener" tcp_listening "$PORT"
	run -0 timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("::1", int(sys.argv[1]))); s.sendall(b"six"); s.shutdown(socket.SHUT_WR)
print(s.recv(10).decode())' "$PORT"
	assert_output six
	start_bg ipc-sock listen "unix:@$T" < <(echo abstract)
	wait_listening "@$T"
	run -0 timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect("\0" + sys.argv[1]); s.shutdown(socket.SHUT_WR)
print(s.recv(100).decode(), end="")' "$T"
	assert_output abstract
}

@test "datagrams: send and recv over UDP and unix --dgram, one message each, recv -n" {
	start_bg ipc-sock recv -n 3 "udp:127.0.0.1:$PORT" >"$FILES/u"
	wait_for "udp socket" udp_bound "$PORT"
	ipc-sock send "udp:127.0.0.1:$PORT" one
	printf 'two\nlines' | ipc-sock send "udp:127.0.0.1:$PORT"
	python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"py", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
	wait "$BG"
	assert_equal "$(cat "$FILES/u")" "$(printf 'one\ntwo\nlines\npy')"
	start_bg ipc-sock recv --dgram -0 "unix:$S" >"$FILES/d"
	wait_listening "$S"
	ipc-sock send --dgram "unix:$S" "a b"
	wait "$BG"
	assert_equal "$(od -An -c "$FILES/d" | tr -s ' ')" " a b \0"
	[ ! -e "$S" ]
	run -6 ipc-sock recv -t 100ms --dgram "unix:$S"
	# listen on datagrams: each one printed, stdin sent back to the last sender
	start_bg ipc-sock listen "udp:127.0.0.1:$PORT" < <(echo reply) >"$FILES/l"
	wait_for "udp socket" udp_bound "$PORT"
	run -0 timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b"hello\n", ("127.0.0.1", int(sys.argv[1]))); print(s.recv(100).decode(), end="")' "$PORT"
	assert_output reply
	assert_equal "$(cat "$FILES/l")" hello
}

@test "echo --dgram answers each datagram; connect -t waits that long for replies" {
	start_bg ipc-sock echo --dgram "unix:$S"
	wait_listening "$S"
	run -0 timeout 10 ipc-sock connect -t 500ms --dgram "unix:$S" <<<"ping"
	assert_output ping
	start_bg ipc-sock echo "udp:127.0.0.1:$PORT"
	wait_for "udp socket" udp_bound "$PORT"
	run -0 timeout 10 ipc-sock connect -t 500ms "udp:127.0.0.1:$PORT" <<<"udp ping"
	assert_output "udp ping"
}

@test "--seqpacket keeps message boundaries and the half-close" {
	start_bg ipc-sock recv --seqpacket -n 1 "unix:$S" >"$FILES/q"
	wait_listening "$S"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])
s.send(b"first|"); s.send(b"second"); s.shutdown(socket.SHUT_WR)' "$S"
	wait "$BG"
	assert_equal "$(cat "$FILES/q")" "first|second"
}

@test "-t on connect is also the idle limit (exit 6); a stop signal ends a connect at once" {
	start_bg ipc-sock listen "unix:$S" < <(sleep 30)
	wait_listening "$S"
	run -6 --separate-stderr timeout 10 ipc-sock connect -t 200ms "unix:$S" < <(sleep 30)
	assert_equal "$stderr" "ipc-sock: connect unix:$S: idle for longer than the timeout"
}

@test "--trace shows socket, bind, listen, accept, connect, sendmsg, recvmsg and shutdown" {
	start_bg ipc-sock --trace listen "unix:$S" </dev/null 2>"$FILES/ltrace" >/dev/null
	wait_listening "$S"
	run -0 --separate-stderr timeout 10 ipc-sock --trace connect "unix:$S" <<<"hi"
	wait "$BG"
	assert_equal "$(grep -oE '^[a-z0-9]+\(' "$FILES/ltrace" | sort -u | tr -d '(' | tr '\n' ' ')" \
		"accept4 bind listen recvmsg shutdown socket unlinkat "
	assert_equal "$(grep -oE '^[a-z0-9]+\(' <<<"$stderr" | sort -u | tr -d '(' | tr '\n' ' ')" \
		"connect recvmsg sendmsg shutdown socket "
	grep -q "^sendmsg([0-9]*, {3 bytes}" <<<"$stderr"
	grep -q "^bind([0-9]*, {AF_UNIX, \"$S\"}" "$FILES/ltrace"
}

@test "a stopped output pipe ends the relay; a full disk is a write error" {
	start_bg ipc-sock echo "unix:$S"
	wait_listening "$S"
	run -1 --separate-stderr bash -c "echo x | timeout 10 ipc-sock connect unix:$S >/dev/full"
	assert_equal "$stderr" "ipc-sock: connect unix:$S: writing stdout: No space left on device"
	run -0 bash -c "yes | timeout 10 ipc-sock connect unix:$S | head -c 4"
	assert_output "y
y"
}

@test "bash completes subcommands and options" {
	run -0 bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$1/../completions/bash/ipc-sock"
		COMP_WORDS=(ipc-sock se); COMP_CWORD=1; _ipc_sock; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(ipc-sock serve --max); COMP_CWORD=2; _ipc_sock; printf "%s\n" "${COMPREPLY[@]}"' _ "$TEST_DIR"
	assert_output "$(printf 'send\nserve\nsend-fd\n--max-clients')"
}

@test "another user: a 0600 socket refuses nobody (5); nobody cannot make a socket in a root directory (5)" {
	start_bg ipc-sock echo "unix:$S"
	wait_listening "$S"
	chmod 755 "$FILES"
	run -5 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCKIT_BIN/ipc-sock" connect "unix:$S"
	assert_equal "$stderr" "ipc-sock: connect unix:$S: Permission denied"
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCKIT_BIN/ipc-sock" listen "unix:$FILES/nobody.sock"
	[ ! -e "$FILES/nobody.sock" ]
	# a stale socket of root's in a sticky directory: nobody may not remove it
	mkdir -m 1777 "$FILES/sticky"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$FILES/sticky/root.sock"
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCKIT_BIN/ipc-sock" listen "unix:$FILES/sticky/root.sock"
	[ -S "$FILES/sticky/root.sock" ]
	rm "$FILES/sticky/root.sock"
}

@test "a path of exactly 107 bytes works; a missing directory is 3; a peer that sends no descriptor is 1" {
	local dir="$FILES/d" p
	mkdir -p "$dir"
	p="$dir/$(printf 'x%.0s' $(seq $((107 - ${#dir} - 1))))"
	[ "${#p}" = 107 ]
	start_bg ipc-sock listen "unix:$p" < <(echo long)
	wait_listening "$p"
	run -0 timeout 10 ipc-sock connect "unix:$p" </dev/null
	assert_output long
	wait "$BG"
	run -3 --separate-stderr ipc-sock listen "unix:$FILES/no/such/dir.sock"
	assert_equal "$stderr" "ipc-sock: listen unix:$FILES/no/such/dir.sock: no such directory"
	start_bg ipc-sock recv-fd "unix:$S" -- cat
	wait_listening "$S"
	ipc-sock send "unix:$S" "not a descriptor"
	bg_status 1
	[ ! -e "$S" ]
}

@test "a stop signal ends connect --wait, wait and serve promptly; serve passes it to its commands" {
	start_bg python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$IPCKIT_BIN/ipc-sock" connect --wait 60s "unix:$S"
	wait_for "connect --wait to sleep" self_blocked "$BG"
	kill -INT "$BG"
	bg_status 130
	start_bg "$IPCKIT_BIN/ipc-sock" wait "tcp:127.0.0.1:$PORT"
	wait_for "wait to sleep" self_blocked "$BG"
	kill -TERM "$BG"
	bg_status 143
	start_bg "$IPCKIT_BIN/ipc-sock" serve "unix:$S" -- sh -c 'trap "echo got TERM >>\"\$0\"; exit 0" TERM; echo up; while :; do sleep 0.05; done' "$FILES/child"
	wait_listening "$S"
	coproc client { timeout 10 ipc-sock connect "unix:$S"; }
	read -r line <&"${client[0]}"
	assert_equal "$line" up
	kill -TERM "$BG"
	bg_status 143
	wait_for "the command to get SIGTERM" grep -q "got TERM" "$FILES/child"
	[ ! -e "$S" ]
}

@test "a peer killed in the middle: the other end reports it, and leaves no socket file" {
	start_bg ipc-sock listen "unix:$S" </dev/null >/dev/null
	wait_listening "$S"
	local server
	server=$(pgrep -P "$BG" -x ipc-sock)
	python3 - "$S" "$server" <<'PY'
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"x" * 100000)
os.kill(int(sys.argv[2]), signal.SIGKILL)
PY
	wait "$BG" || true
	[ -S "$S" ]   # SIGKILL: nothing can remove it, and the next listen replaces it
	start_bg ipc-sock echo "unix:$S"
	wait_listening "$S"
	run -1 --separate-stderr timeout 10 python3 - "$S" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"y")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
sys.exit(1)
PY
	run -0 timeout 10 ipc-sock connect "unix:$S" <<<"still serving"
	assert_output "still serving"
}

@test "serve: a COMMAND that cannot be run ends serve with 127, its socket file removed" {
	start_bg ipc-sock serve "unix:$S" -- no-such-command-here
	wait_listening "$S"
	run -0 timeout 10 ipc-sock connect "unix:$S" </dev/null
	assert_output ""
	bg_status 127
	[ ! -e "$S" ]
}
