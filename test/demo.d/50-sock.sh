# shellcheck shell=bash
# shellcheck disable=SC2154,SC2016  # name, dir, holder are the tour's; COMMAND expands in its own shell
# The tour's ipc-sock part, sourced by test/demo: step, run, $name, $dir and
# $holder (which the tour's cleanup stops) come from there.

step "ipc-sock: an echo server on a unix socket, and a client" \
	"wait returns once the server accepts; the client's stdin EOF is a half-close," \
	"so the whole reply still arrives. The socket file is made 0600."
ipc-sock echo "unix:$dir/$name-echo.sock" &
holder=$!
run ipc-sock wait -t 5s "unix:$dir/$name-echo.sock"
echo "hello, socket" | run ipc-sock connect "unix:$dir/$name-echo.sock"
run ls -l "$dir/$name-echo.sock"

step "What one exchange does, system call by system call (--trace)"
echo "traced" | run ipc-sock --trace connect "unix:$dir/$name-echo.sock"
kill "$holder"
wait "$holder" || true
holder=""

step "ipc-sock serve: a command per connection, told who connected (SO_PEERCRED)"
ipc-sock serve "unix:$dir/$name-who.sock" -- sh -c 'echo "you are pid $IPC_PEER_PID, uid $IPC_PEER_UID"' &
holder=$!
run ipc-sock connect --wait 5s "unix:$dir/$name-who.sock" </dev/null
kill "$holder"
wait "$holder" || true
holder=""

step "ipc-sock send-fd: hand an open file to another process" \
	"recv-fd's command reads the file through the descriptor; it never opens it."
echo "a file passed by descriptor" >"$dir/$name-note.txt"
ipc-sock recv-fd "unix:$dir/$name-fd.sock" -- cat &
holder=$!
run ipc-sock send-fd --wait 5s "unix:$dir/$name-fd.sock" "$dir/$name-note.txt"
wait "$holder"
holder=""
