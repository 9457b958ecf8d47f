#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# shellcheck disable=SC2016  # single quotes: awk, jq and sh -c programs
# ipc-fifo: named pipes. The peers on the other end are coreutils (mkfifo, cat,
# echo through the shell, stat), python3 (os.mkfifo, os.open) and /proc.

load helpers

# A python3 process holding the FIFO open: r (O_RDONLY|O_NONBLOCK), w (O_WRONLY,
# after a reader), rw; it writes DATA if given, says ready, then sleeps. Sets HOLDER.
hold_fifo() { # r|w|rw PATH [DATA]
	local out="$BATS_TEST_TMPDIR/fifo-holder.$RANDOM"
	python3 - "$@" >"$out" 3>&- <<'PY' &
import os, sys, time
mode, path = sys.argv[1], sys.argv[2]
flags = {"r": os.O_RDONLY | os.O_NONBLOCK, "w": os.O_WRONLY | os.O_NONBLOCK, "rw": os.O_RDWR}[mode]
fd = os.open(path, flags)
if len(sys.argv) > 3:
    os.write(fd, sys.argv[3].encode())
print("ready", flush=True)
time.sleep(60)
PY
	HOLDER=$!
	# shellcheck disable=SC2153  # HOLDERS is set by helpers.bash
	echo "$HOLDER" >>"$HOLDERS"
	wait_for "python holding $2 ($1)" ready_or_gone "$HOLDER" "$out"
	grep -q ready "$out" || fail "python could not hold $2 ($1)"
}

@test "create: exactly the mode asked, whatever the umask; 0600 by default; several paths" {
	run -0 bash -c "umask 077; ipc-fifo create --mode 644 '$FILES/a'"
	track file "$FILES/a"
	run -0 bash -c "umask 000; ipc-fifo create '$FILES/b' '$FILES/c'"
	track file "$FILES/b"
	track file "$FILES/c"
	run -0 stat -c '%F %a' "$FILES/a" "$FILES/b" "$FILES/c"
	assert_output "$(printf 'fifo 644\nfifo 600\nfifo 600')"
	run -0 ipc-fifo create -m u=rw,g=w "$FILES/d"
	track file "$FILES/d"
	[ "$(stat -c %a "$FILES/d")" = 620 ]
}

@test "create: an existing FIFO is exit 4 unless --exist-ok; anything else is left alone" {
	mk_fifo "$FILES/f"
	run -4 --separate-stderr ipc-fifo create "$FILES/f"
	assert_equal "$stderr" "ipc-fifo: create $FILES/f: FIFO exists (use --exist-ok)"
	run -0 ipc-fifo create --exist-ok "$FILES/f"
	run -4 --separate-stderr ipc-fifo create --exist-ok --mode 644 "$FILES/f"
	assert_equal "$stderr" "ipc-fifo: create $FILES/f: exists with --mode 0600, not 0644; nothing changed"
	echo data >"$FILES/reg"
	mkdir "$FILES/dir"
	run -4 --separate-stderr ipc-fifo create --exist-ok "$FILES/reg"
	assert_equal "$stderr" "ipc-fifo: create $FILES/reg: exists and is a regular file, not a FIFO; left alone"
	run -4 ipc-fifo create "$FILES/dir"
	[ "$(cat "$FILES/reg")" = data ] && [ -d "$FILES/dir" ]
}

@test "create never follows a symlink, last component or directory" {
	ln -s "$FILES/target" "$FILES/dangling"
	run -4 --separate-stderr ipc-fifo create "$FILES/dangling"
	assert_equal "$stderr" "ipc-fifo: create $FILES/dangling: exists and is a symbolic link, not a FIFO; left alone"
	[ ! -e "$FILES/target" ]
	mkdir "$FILES/real"
	ln -s "$FILES/real" "$FILES/linkdir"
	run -2 --separate-stderr ipc-fifo create "$FILES/linkdir/x"
	assert_equal "$stderr" "ipc-fifo: create $FILES/linkdir/x: a directory in the path is a symbolic link (use $FILES/real/x)"
	[ ! -e "$FILES/real/x" ]
}

@test "create: a missing directory is 3; a name of NAME_MAX bytes works; names are escaped" {
	run -3 --separate-stderr ipc-fifo create "$FILES/nodir/x"
	assert_equal "$stderr" "ipc-fifo: create $FILES/nodir/x: a directory in the path does not exist"
	local long
	long=$(printf 'n%.0s' $(seq 255))
	run -0 ipc-fifo create "$FILES/$long"
	track file "$FILES/$long"
	[ -p "$FILES/$long" ]
	run -2 ipc-fifo create "$FILES/${long}x"
	mk_fifo "$FILES/$(printf 'esc\033[31m')"
	run -4 --separate-stderr ipc-fifo create "$FILES/$(printf 'esc\033[31m')"
	assert_equal "$stderr" "ipc-fifo: create $FILES/esc\\x1b[31m: FIFO exists (use --exist-ok)"
}

@test "write: each argument is a line; cat is the reader; stdin lines, a last one without newline ended" {
	mk_fifo "$FILES/w"
	timeout 10 cat "$FILES/w" >"$FILES/out" &
	run -0 timeout 10 ipc-fifo write "$FILES/w" first "second line"
	wait $!
	assert_equal "$(cat "$FILES/out")" "$(printf 'first\nsecond line')"
	timeout 10 cat "$FILES/w" >"$FILES/out" &
	printf 'a\nb\nno newline' | timeout 10 ipc-fifo write "$FILES/w"
	wait $!
	run -0 od -An -c "$FILES/out"
	assert_output --partial 'n   e   w   l   i   n   e  \n'
}

@test "write --timeout: 0 fails at once explaining ENXIO; 200ms exits 6 within a second" {
	mk_fifo "$FILES/nr"
	run -6 --separate-stderr timeout 5 ipc-fifo write --timeout 0 "$FILES/nr" hello
	assert_equal "$stderr" "ipc-fifo: write $FILES/nr: no process has it open for reading (ENXIO; --timeout 0 does not wait for one)"
	local t0=$EPOCHREALTIME   # the binary itself, not through the shim: its time alone
	run -6 --separate-stderr timeout 5 "$IPCKIT_BIN/ipc-fifo" write -t 200ms "$FILES/nr" hello
	assert_equal "$stderr" "ipc-fifo: write $FILES/nr: timed out waiting for a reader"
	run -0 awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { d = b - a; print d; exit !(d >= 0.2 && d < 1) }'
}

@test "write waits for a reader that comes later (a blocking cat), without spinning" {
	mk_fifo "$FILES/late"
	timeout 10 ipc-fifo write -t 8s "$FILES/late" waited >"$FILES/wout" 2>&1 &
	local w=$!
	wait_blocked "$w" ipc-fifo
	local p
	for p in $(descendants "$w"); do
		[ "$(cat "/proc/$p/comm")" = ipc-fifo ] && break
	done
	local before after
	before=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
	sleep 0.5   # measuring CPU time over a span, not a hand-off
	after=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
	[ $((after - before)) -le 5 ] || fail "the waiting writer used $((after - before)) ticks of CPU"
	run -0 timeout 10 cat "$FILES/late"
	assert_output waited
	wait "$w"
}

@test "write to a FIFO removed while it waits is exit 3; a regular file is refused and unchanged" {
	mk_fifo "$FILES/gone"
	timeout 10 ipc-fifo write -t 8s "$FILES/gone" x 2>"$FILES/err" &
	local w=$!
	wait_blocked "$w" ipc-fifo
	rm "$FILES/gone"
	local rc=0
	wait "$w" || rc=$?
	assert_equal "$rc" 3
	assert_equal "$(cat "$FILES/err")" "ipc-fifo: write $FILES/gone: the FIFO was removed"
	echo keep >"$FILES/reg"
	run -2 --separate-stderr ipc-fifo write -t 0 "$FILES/reg" x
	assert_equal "$stderr" "ipc-fifo: write $FILES/reg: is a regular file, not a FIFO"
	[ "$(cat "$FILES/reg")" = keep ]
}

@test "read: echo is the writer; the end comes when the writer closes" {
	mk_fifo "$FILES/r"
	(echo "from echo" >"$FILES/r") &
	local e=$!
	run -0 --separate-stderr timeout 10 ipc-fifo read -t 5s "$FILES/r"
	assert_output "from echo"
	wait "$e"
}

@test "read -n takes that many lines and leaves the rest in the FIFO" {
	mk_fifo "$FILES/n"
	hold_fifo rw "$FILES/n" "$(printf 'one\ntwo\nthree\nfour')"
	run -0 timeout 10 ipc-fifo read -n 2 "$FILES/n"
	assert_output "$(printf 'one\ntwo')"
	run -0 timeout 10 ipc-fifo read -n 1 "$FILES/n"
	assert_output three
	run -0 timeout 10 ipc-fifo info --json "$FILES/n"
	[ "$(jq .size <<<"$output")" = 4 ]   # "four" is still there
	run -6 --separate-stderr timeout 10 ipc-fifo read -n 2 -t 300ms "$FILES/n"
	assert_output four
	assert_equal "$stderr" "ipc-fifo: read $FILES/n: timed out after 0 of 2 records"
}

@test "read -0 counts NUL-ended records; --raw passes binary bytes unchanged (cmp)" {
	mk_fifo "$FILES/z"
	hold_fifo rw "$FILES/z"
	printf 'a b\0c\nd\0e\0' | timeout 10 ipc-fifo write --raw "$FILES/z"
	timeout 10 ipc-fifo read -0 -n 2 "$FILES/z" >"$FILES/zout"
	assert_equal "$(od -An -c "$FILES/zout" | tr -s ' ')" " a b \0 c \n d \0"
	head -c 300000 /dev/urandom >"$FILES/blob"
	printf '\377\0no newline' >>"$FILES/blob"
	timeout 20 ipc-fifo read --raw -t 5s "$FILES/z" >"$FILES/junk" &
	local rd=$!
	wait_blocked "$rd" ipc-fifo
	timeout 20 ipc-fifo write --raw "$FILES/z" <"$FILES/blob"
	kill "$HOLDER"
	wait "$rd"
	cmp "$FILES/junk" <(printf 'e\0'; cat "$FILES/blob")
}

@test "read -f follows writers coming and going; an idle --timeout ends it with 0; -t without writer is 6" {
	mk_fifo "$FILES/f"
	timeout 60 ipc-fifo read -f -n 3 "$FILES/f" >"$FILES/out" &
	local r=$!
	wait_blocked "$r" ipc-fifo
	echo one >"$FILES/f"
	ipc-fifo write -t 2s "$FILES/f" two
	timeout 30 python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.write(fd, b"three\n")' "$FILES/f"
	wait "$r"
	assert_equal "$(cat "$FILES/out")" "$(printf 'one\ntwo\nthree')"
	run -0 --separate-stderr timeout 10 ipc-fifo read -f -t 300ms "$FILES/f"
	assert_output ""
	run -6 --separate-stderr timeout 5 ipc-fifo read -t 200ms "$FILES/f"
	assert_equal "$stderr" "ipc-fifo: read $FILES/f: timed out waiting for a writer or data"
	run -6 timeout 5 ipc-fifo read -t 0 "$FILES/f"
}

@test "read -f: the FIFO removed while it follows is exit 3, after what was written" {
	mk_fifo "$FILES/rmf"
	timeout 20 ipc-fifo read -f "$FILES/rmf" >"$FILES/out" 2>"$FILES/err" &
	local r=$! rc=0
	wait_blocked "$r" ipc-fifo
	ipc-fifo write "$FILES/rmf" last
	wait_for "the line to be written" grep -q last "$FILES/out"
	rm "$FILES/rmf"
	wait "$r" || rc=$?
	assert_equal "$rc" 3
	assert_equal "$(cat "$FILES/err")" "ipc-fifo: read $FILES/rmf: the FIFO was removed"
}

@test "read: SIGTERM or SIGINT ends a follow at once, with what was read written" {
	mk_fifo "$FILES/s"
	timeout 20 ipc-fifo read -f "$FILES/s" >"$FILES/out" &
	local r=$!
	wait_blocked "$r" ipc-fifo
	echo before >"$FILES/s"
	wait_for "the line to be written" grep -q before "$FILES/out"
	kill -TERM "$r"
	local rc=0
	wait "$r" || rc=$?
	assert_equal "$rc" 143
	assert_equal "$(cat "$FILES/out")" before
	timeout 20 ipc-fifo read -t 10s "$FILES/s" &
	r=$!
	wait_blocked "$r" ipc-fifo
	kill -INT "$r"
	rc=0
	wait "$r" || rc=$?
	assert_equal "$rc" 130
}

@test "a config pipe: a reader loop serves lines from several writers, none lost" {
	mk_fifo "$FILES/cfg"
	(timeout 120 ipc-fifo read -f -n 50 "$FILES/cfg" | while IFS= read -r line; do
		echo "applied: $line"
	done) >"$FILES/applied" &
	local loop=$! w pids=()
	wait_blocked "$loop" ipc-fifo
	for w in 1 2 3 4 5; do
		(for k in 1 2 3 4 5 6 7 8 9 10; do ipc-fifo write "$FILES/cfg" "w$w key$k=v"; done) &
		pids+=($!)
	done
	wait "$loop"
	for w in "${pids[@]}"; do wait "$w"; done
	run -0 bash -c "sort -u '$FILES/applied' | grep -c '^applied: w[1-5] key[0-9]*=v$'"
	assert_output 50
}

@test "info: readers and writers by PID, bytes queued, JSON; a waiting writer is not disturbed" {
	mk_fifo "$FILES/i"
	hold_fifo r "$FILES/i"
	local reader=$HOLDER
	hold_fifo w "$FILES/i" "12345"
	local writer=$HOLDER
	run -0 ipc-fifo info --json "$FILES/i"
	run -0 jq -c '[.kind, .name, .mode, .size, [.readers[].pid], [.writers[].pid], .state]' <<<"$output"
	assert_output "[\"fifo\",\"$FILES/i\",\"0600\",5,[$reader],[$writer],\"in-use\"]"
	run -0 ipc-fifo info "$FILES/i"
	assert_line --regexp "^readers +$reader/python3$"
	assert_line --regexp "^writers +$writer/python3$"
	assert_line --regexp "^size +5$"
	kill "$reader" "$writer"
	wait_for "holders to go" bash -c "! kill -0 $reader 2>/dev/null && ! kill -0 $writer 2>/dev/null"
	# A writer waiting in open(2) for a reader: info must not let it through to nobody.
	timeout 20 sh -c 'echo waiting >"$1"' _ "$FILES/i" &
	local e=$!
	wait_blocked "$e" sh
	run -0 ipc-fifo info --json "$FILES/i"
	[ "$(jq -c '[.readers, .writers, .size]' <<<"$output")" = '[[],[],0]' ]
	kill -0 "$e"
	run -0 timeout 5 cat "$FILES/i"
	assert_output waiting
	wait "$e"
}

@test "info: a regular file is 2, a missing path 3; odd bytes in a name stay valid JSON" {
	touch "$FILES/plain"
	run -2 --separate-stderr ipc-fifo info "$FILES/plain"
	assert_equal "$stderr" "ipc-fifo: info $FILES/plain: is a regular file, not a FIFO"
	run -3 --separate-stderr ipc-fifo info "$FILES/none"
	assert_equal "$stderr" "ipc-fifo: info $FILES/none: no such FIFO"
	local odd
	odd="$FILES/$(printf 'bad\377\nname')"
	mk_fifo "$odd"
	run -0 ipc-fifo info --json "$odd"
	run -0 jq -r .name <<<"$output"
	assert_output "$FILES/bad\\xff\\x0aname"
	rm "$odd"
}

@test "rm: FIFOs only; a file, a directory, a symlink to a FIFO are refused (2) and left alone" {
	mk_fifo "$FILES/x"
	mk_fifo "$FILES/y"
	touch "$FILES/reg"
	mkdir "$FILES/dir"
	ln -s "$FILES/y" "$FILES/link"
	run -2 --separate-stderr ipc-fifo rm "$FILES/link" "$FILES/reg" "$FILES/dir" "$FILES/x"
	assert_equal "$stderr" "$(printf '%s\n' \
		"ipc-fifo: rm $FILES/link: is a symbolic link, not a FIFO; left alone" \
		"ipc-fifo: rm $FILES/reg: is a regular file, not a FIFO; left alone" \
		"ipc-fifo: rm $FILES/dir: is a directory, not a FIFO; left alone")"
	[ -L "$FILES/link" ] && [ -p "$FILES/y" ] && [ -f "$FILES/reg" ] && [ -d "$FILES/dir" ]
	[ ! -e "$FILES/x" ]
	run -3 --separate-stderr ipc-fifo rm "$FILES/x"
	assert_equal "$stderr" "ipc-fifo: rm $FILES/x: no such FIFO"
	ln -s "$FILES" "$FILES/../linkdir"
	run -2 --separate-stderr ipc-fifo rm "$FILES/../linkdir/y"
	rm "$FILES/../linkdir"
	[ -p "$FILES/y" ]
	run -0 ipc-fifo --trace rm "$FILES/y"
	[ ! -e "$FILES/y" ]
}

@test "interop: FIFOs made by coreutils mkfifo and python os.mkfifo work with every command" {
	mkfifo -m 0640 "$FILES/core"
	track file "$FILES/core"
	python3 -c 'import os, sys; os.mkfifo(sys.argv[1], 0o600)' "$FILES/py"
	track file "$FILES/py"
	local f
	for f in core py; do
		timeout 10 ipc-fifo read "$FILES/$f" >"$FILES/out.$f" &
		python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.write(fd, b"hi from python\n")' "$FILES/$f"
		wait $!
		assert_equal "$(cat "$FILES/out.$f")" "hi from python"
		run -0 ipc-fifo info --json "$FILES/$f"
		[ "$(jq -r .kind <<<"$output")" = fifo ]
		run -0 ipc-fifo rm "$FILES/$f"
		[ ! -e "$FILES/$f" ]
	done
	ipc-fifo create "$FILES/ours"
	run -0 python3 -c 'import os, stat, sys; print(stat.S_ISFIFO(os.lstat(sys.argv[1]).st_mode))' "$FILES/ours"
	assert_output True
	rm "$FILES/ours"
}

@test "bad input: --count -1, bad durations and modes, -0 with --raw: usage errors naming the value" {
	mk_fifo "$FILES/b"
	run -2 --separate-stderr ipc-fifo read --count -1 "$FILES/b"
	assert_equal "$stderr" "ipc-fifo: invalid value '-1' for --count (a decimal number from 1 to 9223372036854775807)"
	run -2 ipc-fifo read -n 0x "$FILES/b"
	run -2 --separate-stderr ipc-fifo write -t 5x "$FILES/b" x
	assert_equal "$stderr" "ipc-fifo: invalid duration '5x' for --timeout (like 250ms, 2s, 1.5m, 1h)"
	run -2 ipc-fifo create --mode 1777 "$FILES/m"
	[ ! -e "$FILES/m" ]
	run -2 ipc-fifo read -0 --raw "$FILES/b"
	run -2 ipc-fifo read --raw -n 2 "$FILES/b"
	run -2 ipc-fifo write --raw "$FILES/b" line
	run -2 ipc-fifo read "$FILES/b" extra
	run -2 --separate-stderr ipc-fifo frobnicate
	assert_equal "$stderr" "ipc-fifo: unknown command 'frobnicate' (commands: create write read info rm)"
}

@test "a FIFO without read permission, as nobody: read and write are 5, rm is 5 and leaves it" {
	chmod 755 "$BATS_TEST_TMPDIR"
	chmod 755 "$FILES"
	mk_fifo "$FILES/p"
	run -5 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups ipc-fifo read -t 1s "$FILES/p"
	assert_equal "$stderr" "ipc-fifo: read $FILES/p: Permission denied"
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-fifo write -t 0 "$FILES/p" x
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-fifo rm "$FILES/p"
	[ -p "$FILES/p" ]
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-fifo info --json "$FILES/p"
	[ "$(jq -r .mode <<<"$output")" = 0600 ]
}

@test "--trace shows mkfifoat, open and each write" {
	run -0 --separate-stderr ipc-fifo --trace create "$FILES/t"
	track file "$FILES/t"
	local re="^openat2\\(AT_FDCWD, \"$FILES\", \\{O_PATH\\|O_DIRECTORY, RESOLVE_NO_SYMLINKS\\}\\) = ([0-9]+)"$'\n'"mkfifoat\\(([0-9]+), \"t\", 0600\\) = 0$"
	[[ $stderr =~ $re ]] || fail "unexpected trace: $stderr"
	assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	timeout 10 cat "$FILES/t" >/dev/null &
	local c=$!
	run -0 --separate-stderr ipc-fifo --trace write -t 5s "$FILES/t" hello
	[[ "$stderr" == "stat(\"$FILES/t\") = 0"* ]] || fail "no stat first: $stderr"
	[[ "$stderr" =~ write\([0-9]+,\ \"hello\\n\",\ 6\)\ =\ 6 ]] || fail "no write: $stderr"
	wait "$c"
}

@test "completions: bash completes subcommands and options" {
	run -0 bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$1"
		COMP_WORDS=(ipc-fifo re); COMP_CWORD=1; _ipc_fifo; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(ipc-fifo read --fo); COMP_CWORD=2; _ipc_fifo; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(ipc-fifo create --ex); COMP_CWORD=2; _ipc_fifo; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$TEST_DIR/../completions/bash/ipc-fifo"
	assert_output "$(printf 'read\n--follow\n--exist-ok')"
}

@test "info --json: a holder's command is escaped as in the table, so jq -r prints no control byte" {
	mk_fifo "$FILES/c"
	python3 - "$FILES/c" >"$BATS_TEST_TMPDIR/out" 3>&- <<'PY' &
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, b"ev\x1b]0;il\x07")
fd = os.open(sys.argv[1], os.O_RDWR)
print("ready", flush=True)
time.sleep(30)
PY
	HOLDER=$!
	echo "$HOLDER" >>"$HOLDERS"
	wait_for "python holding the FIFO" ready_or_gone "$HOLDER" "$BATS_TEST_TMPDIR/out"
	run -0 bash -c 'ipc-fifo info --json "$1" | jq -r ".readers[].command, .writers[].command"' _ "$FILES/c"
	refute_output --partial $'\e'
	assert_output "$(printf '%s\n%s' 'ev\x1b]0;il\x07' 'ev\x1b]0;il\x07')"
	kill "$HOLDER"
}
