# shellcheck shell=bash
# The tour's part for ipc-fifo: sourced by test/demo, with its step, run, $name and $dir.
# shellcheck disable=SC2154  # $name and $dir are the tour's

fifo="$dir/$name-config.fifo"

step "A named pipe with ipc-fifo: why 'echo hello > myPipe' hangs" \
	"Opening a FIFO for writing waits until some process opens it for reading." \
	"ipc-fifo write waits at most -t, then says so (exit status 6)."
run ipc-fifo create "$fifo"
run ipc-fifo write -t 500ms "$fifo" hello || echo "    (exit status $?)"

step "A reader that follows writers coming and going" \
	"A plain reader sees end of file when the last writer closes. read -f holds the" \
	"FIFO open itself, so one loop serves any number of writers; it ends when idle."
ipc-fifo read -f -t 2s "$fifo" >"$dir/fifo.out" &
fifo_reader=$!
run ipc-fifo write "$fifo" "level=debug" "workers=4"
printf '\n$ echo cache=off > %s\n' "$fifo"
echo cache=off >"$fifo"
run ipc-fifo info "$fifo"
wait "$fifo_reader"
echo "    the reader got:"
sed 's/^/      /' "$dir/fifo.out"
run ipc-fifo rm "$fifo"
