#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-rm: objects made by independent programs, their absence checked with
# ipcs and ls, never with our own tools alone.

load helpers

@test "removes one object of every kind by REF" {
	local shm msg sem
	shm=$(mk_sysv shm 4096)
	msg=$(mk_sysv msg)
	sem=$(mk_sysv sem 1)
	mk_posix_shm "/$T-shm"
	mk_posix_mq "/$T-mq"
	mk_posix_sem "/$T-sem"
	mk_fifo "$FILES/x.fifo"
	peer unix-stale "$FILES/x.sock"
	track file "$FILES/x.sock"
	run -0 ipc-rm -v "sysv-shm:id:$shm" "sysv-msg:id:$msg" "sysv-sem:id:$sem" \
		"posix-shm:/$T-shm" "posix-mq:/$T-mq" "posix-sem:/$T-sem" \
		"fifo:$FILES/x.fifo" "unix:$FILES/x.sock"
	assert_line "removed sysv-shm:id:$shm"
	assert_line "removed unix:$FILES/x.sock"
	run ! sysv_exists m "$shm"
	run ! sysv_exists q "$msg"
	run ! sysv_exists s "$sem"
	run ! posix_exists posix-shm "/$T-shm"
	run ! posix_exists posix-mq "/$T-mq"
	run ! posix_exists posix-sem "/$T-sem"
	[ ! -e "$FILES/x.fifo" ] && [ ! -e "$FILES/x.sock" ]
}

@test "ipcrm's -q -m -s ID and -Q -M -S KEY work as muscle memory expects" {
	local shm msg sem key
	shm=$(mk_sysv shm 4096)
	msg=$(mk_sysv msg)
	sem=$(mk_sysv sem 1)
	run -0 ipc-rm -m "$shm" -q "$msg"
	run ! sysv_exists m "$shm"
	run ! sysv_exists q "$msg"
	key=$(ipcs -s | awk -v id="$sem" '$2 == id { print $1 }')
	[ -n "$key" ]
	run -0 ipc-rm -S "$key"
	run ! sysv_exists s "$sem"
}

@test "REFs from stdin: ipc-ls --orphans | ipc-rm - removes the orphans and only them" {
	local gone
	gone=$(mk_sysv_key shm 01)
	mk_posix_shm "/$T-orphan"
	mk_posix_shm "/$T-held"
	hold posix-shm-hold "/$T-held"
	if in_private_ns; then
		run -0 bash -c 'ipc-ls --orphans --raw -o REF --noheadings | ipc-rm -v -'
	else    # on the host, only this test's objects: its names and its keys
		run -0 bash -c "{ ipc-ls --orphans --raw -o REF -n --name '/$T-*'
		                  ipc-ls --orphans --raw -o REF -n --name '0x$TKEY*'; } | ipc-rm -v -"
	fi
	assert_line "removed sysv-shm:id:$gone"
	assert_line "removed posix-shm:/$T-orphan"
	run ! sysv_exists m "$gone"
	run ! posix_exists posix-shm "/$T-orphan"
	posix_exists posix-shm "/$T-held"
}

@test "an object in use is refused (exit 7) and kept; --force removes it" {
	local shm
	mk_posix_shm "/$T-busy"
	hold posix-shm-hold "/$T-busy"
	run -7 --separate-stderr ipc-rm "posix-shm:/$T-busy"
	assert_equal "$stderr" "ipc-rm: posix-shm:/$T-busy: in use by $HOLDER/python3 (use --force)"
	posix_exists posix-shm "/$T-busy"
	shm=$(mk_sysv shm 4096)
	hold sysv-shm-attach "$shm"
	run -7 ipc-rm -m "$shm"
	sysv_exists m "$shm"
	run -0 ipc-rm --force "posix-shm:/$T-busy" -m "$shm"
	run ! posix_exists posix-shm "/$T-busy"
}

@test "a live socket is in use; a FIFO held open is in use" {
	hold unix-listen "$FILES/live.sock"
	track file "$FILES/live.sock"
	wait_listening "$FILES/live.sock"
	mk_fifo "$FILES/held.fifo"
	hold fifo-hold "$FILES/held.fifo"
	run -7 ipc-rm "unix:$FILES/live.sock" "fifo:$FILES/held.fifo"
	[ -S "$FILES/live.sock" ] && [ -p "$FILES/held.fifo" ]
	run -3 ipc-rm "unix:@$T-none"
}

@test "every operand is tried; each failure has its line; the first failure's code is the status" {
	local msg
	msg=$(mk_sysv msg)
	mk_posix_mq "/$T-ok"
	run -3 --separate-stderr ipc-rm "posix-mq:/$T-missing" "sysv-msg:id:$msg" "posix-mq:bad" "posix-mq:/$T-ok"
	assert_equal "$stderr" "$(printf 'ipc-rm: posix-mq:/%s-missing: no such object\nipc-rm: posix-mq:bad: name must start with a slash, like /jobs' "$T")"
	run ! sysv_exists q "$msg"
	run ! posix_exists posix-mq "/$T-ok"
}

@test "bad REFs: a clear one-line error, exit 2, nothing removed" {
	local msg
	msg=$(mk_sysv msg)
	mk_posix_shm "/$T-keep"
	local long
	long=$(printf 'a%.0s' {1..256})
	for ref in "posix-shm:$T-keep" "posix-shm:/a/b" "posix-shm:/$long" "" "sysv-msg:key:xyz" \
	           "sysv-msg:id:-1" "sysv-msg:id:99999999999" "bogus-kind:/x" "/$T-keep" "id:$msg"; do
		run -2 --separate-stderr ipc-rm "$ref"
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		assert_regex "$stderr" '^ipc-rm: .*: .+'
	done
	run -2 --separate-stderr ipc-rm "posix-shm:/a/b"
	assert_equal "$stderr" "ipc-rm: posix-shm:/a/b: name must not contain a slash after the first"
	run -2 --separate-stderr ipc-rm "posix-shm:/$long"
	assert_equal "$stderr" "ipc-rm: posix-shm:/$long: name is longer than 255 characters"
	run -2 --separate-stderr ipc-rm ""
	assert_equal "$stderr" "ipc-rm: : reference is empty"
	sysv_exists q "$msg"
	posix_exists posix-shm "/$T-keep"
}

@test "nonexistent id, key and name: exit 3" {
	run -3 --separate-stderr ipc-rm sysv-shm:id:2147483647
	assert_equal "$stderr" "ipc-rm: sysv-shm:id:2147483647: no such object"
	run -3 ipc-rm -Q 0x7fff1234
	run -3 ipc-rm "posix-sem:/$T-none"
}

@test "a regular file, a directory or a symlink given as a FIFO or socket: refused, untouched" {
	echo data >"$FILES/regular"
	mkdir "$FILES/dir"
	mk_fifo "$FILES/target.fifo"
	ln -s "$FILES/target.fifo" "$FILES/link"
	run -2 --separate-stderr ipc-rm "fifo:$FILES/regular"
	assert_equal "$stderr" "ipc-rm: fifo:$FILES/regular: is not a FIFO; not removed"
	run -2 --separate-stderr ipc-rm "fifo:$FILES/dir"
	assert_equal "$stderr" "ipc-rm: fifo:$FILES/dir: is a directory, not a FIFO; not removed"
	run -2 --separate-stderr ipc-rm "fifo:$FILES/link"
	assert_equal "$stderr" "ipc-rm: fifo:$FILES/link: is a symbolic link, not a FIFO; not removed"
	run -2 ipc-rm "unix:$FILES/regular"
	[ "$(cat "$FILES/regular")" = data ] && [ -d "$FILES/dir" ] && [ -L "$FILES/link" ] && [ -p "$FILES/target.fifo" ]
	rm "$FILES/link"
}

@test "/dev/shm's directories and files of other kinds are not POSIX objects to remove" {
	mkdir "/dev/shm/$T-dir"
	run -2 --separate-stderr ipc-rm "posix-shm:/$T-dir"
	assert_equal "$stderr" "ipc-rm: posix-shm:/$T-dir: is not a posix-shm; not removed"
	[ -d "/dev/shm/$T-dir" ]
	rmdir "/dev/shm/$T-dir"
}

@test "an unprivileged user cannot remove root's object: exit 5, object kept" {
	local shm
	shm=$(mk_sysv shm 4096)
	mk_posix_mq "/$T-rootq"
	run -5 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups ipc-rm -m "$shm"
	assert_equal "$stderr" "ipc-rm: sysv-shm:id:$shm: Operation not permitted"
	run -5 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups ipc-rm "posix-mq:/$T-rootq"
	assert_equal "$stderr" "ipc-rm: posix-mq:/$T-rootq: Permission denied"
	sysv_exists m "$shm"
	posix_exists posix-mq "/$T-rootq"
}

@test "--all with filters; --dry-run removes nothing; filters without --all are refused" {
	local old
	old=$(mk_sysv_key msg 01)
	mk_posix_shm "/$T-a"
	mk_posix_shm "/$T-b"
	mk_posix_mq "/$T-c"
	run -0 ipc-rm -n --all -t posix-shm --name "/$T-*"
	assert_line "would remove posix-shm:/$T-a"
	assert_line "would remove posix-shm:/$T-b"
	[ "${#lines[@]}" -eq 2 ]
	posix_exists posix-shm "/$T-a"
	run -2 --separate-stderr ipc-rm --orphans --name "/$T-*"
	assert_equal "$stderr" "ipc-rm: filters select objects for removal only with --all"
	run -0 ipc-rm --all -t posix --name "/$T-[ab]"
	run ! posix_exists posix-shm "/$T-a"
	run ! posix_exists posix-shm "/$T-b"
	posix_exists posix-mq "/$T-c"
	sysv_exists q "$old"
	run -0 ipc-rm --all --older-than 0s -t sysv-msg --name "0x$TKEY*"
	run ! sysv_exists q "$old"
	run -2 ipc-rm --all --older-than 5x --name "/$T-*"
}

@test "--all leaves FIFOs and sockets alone unless their kind is asked for" {
	mk_fifo "$FILES/keep.fifo"
	run -0 ipc-rm --all --path "$FILES" --name "$FILES/*"
	[ -p "$FILES/keep.fifo" ]
	run -0 ipc-rm -v --all -t fifo --path "$FILES" --name "$FILES/*"
	assert_output "removed fifo:$FILES/keep.fifo"
}

@test "-i asks before each removal and keeps what is not confirmed" {
	mk_posix_shm "/$T-yes"
	mk_posix_shm "/$T-no"
	run -0 --separate-stderr bash -c "printf 'y\nn\n' | ipc-rm -i posix-shm:/$T-yes posix-shm:/$T-no"
	[[ "$stderr" == *"remove posix-shm:/$T-yes (orphan)?"* ]]
	run ! posix_exists posix-shm "/$T-yes"
	posix_exists posix-shm "/$T-no"
}

@test "--trace shows the removal calls" {
	local sem
	sem=$(mk_sysv sem 1)
	mk_posix_mq "/$T-tr"
	run -0 --separate-stderr ipc-rm --trace -s "$sem" "posix-mq:/$T-tr"
	assert_regex "$stderr" "semctl\\($sem, 0, IPC_RMID\\) = 0"
	assert_regex "$stderr" "mq_unlink\\(\"/$T-tr\"\\) = 0"
}

# ipc-rm -i in the background, its answers read from a FIFO this test holds open:
# the test acts between the listing and the removal, then answers with rm_answer.
rm_ask() {
	ANSWERS="$BATS_TEST_TMPDIR/answers"
	RM_ERR="$BATS_TEST_TMPDIR/rm.err"
	mkfifo "$ANSWERS"
	track file "$ANSWERS"
	exec {ANSWER_FD}<>"$ANSWERS"
	timeout 10 ipc-rm -i "$@" <"$ANSWERS" >"$BATS_TEST_TMPDIR/rm.out" 2>"$RM_ERR" 3>&- &
	RM_PID=$!
	wait_for "ipc-rm to ask" grep -qF ')? ' "$RM_ERR"
}
rm_answer() { # WORD: sets RM_STATUS and RM_STDERR
	echo "$1" >&"$ANSWER_FD"
	exec {ANSWER_FD}>&-
	RM_STATUS=0
	wait "$RM_PID" || RM_STATUS=$?
	RM_STDERR=$(cat "$RM_ERR")
}

@test "a FIFO or socket reached through a symlinked directory is refused (exit 2), naming the real path" {
	local real
	mkdir "$FILES/real"
	mkfifo -m 0600 "$FILES/real/f"
	track file "$FILES/real/f"
	peer unix-stale "$FILES/real/s.sock"
	track file "$FILES/real/s.sock"
	ln -s real "$FILES/link"
	real=$(realpath "$FILES/real")
	run -2 --separate-stderr ipc-rm "fifo:$FILES/link/f"
	assert_equal "$stderr" "ipc-rm: fifo:$FILES/link/f: a directory in the path is a symbolic link; not removed (use fifo:$real/f)"
	run -2 --separate-stderr ipc-rm -n "unix:$FILES/link/s.sock"
	assert_equal "$stderr" "ipc-rm: unix:$FILES/link/s.sock: a directory in the path is a symbolic link; not removed (use unix:$real/s.sock)"
	[ -p "$FILES/real/f" ] && [ -S "$FILES/real/s.sock" ]
	run -0 ipc-rm -v "fifo:$real/f"
	assert_output "removed fifo:$real/f"
	rm "$FILES/link"
}

@test "-i: a directory swapped for a symlink to an in-use FIFO's directory after listing: nothing removed, exit 7" {
	mkdir "$FILES/d" "$FILES/other"
	mkfifo -m 0600 "$FILES/d/f" "$FILES/other/f"
	track file "$FILES/d.old/f"
	track file "$FILES/other/f"
	hold fifo-hold "$FILES/other/f"
	rm_ask --all -t fifo --path "$FILES/d" --name "$FILES/d/*"
	mv "$FILES/d" "$FILES/d.old"
	ln -s other "$FILES/d"
	rm_answer y
	assert_equal "$RM_STATUS" 7
	assert_equal "$RM_STDERR" "ipc-rm: remove fifo:$FILES/d/f (orphan)? ipc-rm: fifo:$FILES/d/f: changed since it was listed: a directory in its path is a symbolic link now; not removed"
	[ -p "$FILES/other/f" ] && [ -p "$FILES/d.old/f" ]
	rm "$FILES/d"
}

@test "-i: a directory swapped for another one after the REF was resolved: the other FIFO is kept, exit 7" {
	mkdir "$FILES/d" "$FILES/other"
	mkfifo -m 0600 "$FILES/d/f" "$FILES/other/f"
	track file "$FILES/d.old/f"
	track file "$FILES/d/f"
	rm_ask "fifo:$FILES/d/f"
	mv "$FILES/d" "$FILES/d.old"
	mv "$FILES/other" "$FILES/d"
	rm_answer y
	assert_equal "$RM_STATUS" 7
	[[ "$RM_STDERR" == *"fifo:$FILES/d/f: changed since it was listed: another file has its name now; not removed" ]]
	[ -p "$FILES/d/f" ] && [ -p "$FILES/d.old/f" ]
}

@test "-i: a stale socket bound again by a live server after listing is not removed, exit 7" {
	peer unix-stale "$FILES/s.sock"
	track file "$FILES/s.sock"
	rm_ask "unix:$FILES/s.sock"
	grep -qF "remove unix:$FILES/s.sock (orphan)?" "$RM_ERR"
	rm "$FILES/s.sock"
	hold unix-listen "$FILES/s.sock"
	wait_listening "$FILES/s.sock"
	rm_answer y
	assert_equal "$RM_STATUS" 7
	[[ "$RM_STDERR" == *"unix:$FILES/s.sock: changed since it was listed: a socket is bound to it now; not removed" ]]
	[ -S "$FILES/s.sock" ]
	timeout 10 python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$FILES/s.sock"
}

@test "-i: a FIFO replaced by a regular file after listing is 'not a FIFO', exit 2, and kept" {
	mk_fifo "$FILES/f"
	rm_ask "fifo:$FILES/f"
	rm "$FILES/f"
	echo data >"$FILES/f"
	rm_answer y
	assert_equal "$RM_STATUS" 2
	[[ "$RM_STDERR" == *"ipc-rm: fifo:$FILES/f: is not a FIFO; not removed" ]]
	[ "$(cat "$FILES/f")" = data ]
}

@test "names with ESC and a newline are escaped in every line ipc-rm writes" {
	local name=$'/'"$T"$'-\e[31mred\nline' shown="/$T-\\x1b[31mred\\x0aline"
	local dry all removed again
	printf x >"/dev/shm/${name#/}"
	run --separate-stderr ipc-rm -n "posix-shm:$name"
	dry="$status|$output|$stderr"
	run --separate-stderr ipc-rm -n --all -t posix-shm --name "/$T-*"
	all="$status|$output|$stderr"
	run --separate-stderr ipc-rm -v "posix-shm:$name"
	removed="$status|$output|$stderr"
	run --separate-stderr ipc-rm "posix-shm:$name" "posix-shm:/$T-$(printf '\x1b')]0;title"
	again="$status|$output|$stderr"
	rm -f "/dev/shm/${name#/}"   # before any assertion: the name is too odd for track
	assert_equal "$dry" "0|would remove posix-shm:$shown|"
	assert_equal "$all" "0|would remove posix-shm:$shown|"
	assert_equal "$removed" "0|removed posix-shm:$shown|"
	assert_equal "$again" "3||ipc-rm: posix-shm:$shown: no such object
ipc-rm: posix-shm:/$T-\\x1b]0;title: no such object"
	run ! grep -qP '[\x00-\x09\x0b-\x1f]' <<<"$dry$all$removed$again"
}

@test "bidirectional and zero-width characters are escaped in messages and JSON, and read back" {
	# U+202E (right-to-left override) would show "/T-txt.exe" as "/T-exe.txt"; U+200B is invisible.
	local name=$'/'"$T"$'-\u202etxt.exe\u200b\u00e9' shown="/$T-\\xe2\\x80\\xaetxt.exe\\xe2\\x80\\x8bé"
	printf x >"/dev/shm/${name#/}"
	run --separate-stderr ipc-rm -n "posix-shm:$name"
	local dry="$status|$output|$stderr"
	run -0 ipc-ls -t posix-shm --name "/$T-*" -o REF --json
	local json=$output
	# shellcheck disable=SC2016  # $1 is the inner shell's
	run --separate-stderr bash -c 'ipc-ls -t posix-shm --name "$1" -o REF --json |
		jq -r ".ipc[].ref" | ipc-rm -v -' _ "/$T-*"
	local removed="$status|$output|$stderr"
	rm -f "/dev/shm/${name#/}"   # before any assertion: the name is too odd for track
	assert_equal "$dry" "0|would remove posix-shm:$shown|"
	assert_equal "$(jq -r '.ipc[].ref' <<<"$json")" "posix-shm:$shown"
	assert_equal "$removed" "0|removed posix-shm:$shown|"
}

@test "-n as an unprivileged user says what the real run does: root's objects refused (exit 5), named" {
	local rootq userq dry
	local nobody=(setpriv --reuid nobody --regid nogroup --clear-groups)
	rootq=$(mk_sysv msg)
	userq=$("${nobody[@]}" ipcmk -Q -p 0600 | awk '{print $NF}')
	track sysv-msg "$userq"
	mk_posix_shm "/$T-root"
	mk_posix_shm "/$T-user"
	chown nobody "/dev/shm/$T-user"
	mk_posix_mq "/$T-rootq"
	mk_fifo "/dev/shm/$T.fifo"
	local refs=("sysv-msg:id:$rootq" "sysv-msg:id:$userq" "posix-shm:/$T-root" "posix-shm:/$T-user"
	            "posix-mq:/$T-rootq" "fifo:/dev/shm/$T.fifo")
	# --force: nobody cannot read root's processes, so its own object is 'unknown' (refused without it).
	run -5 --separate-stderr "${nobody[@]}" ipc-rm -n --force "${refs[@]}"
	dry="$output|$stderr"
	assert_equal "$stderr" "ipc-rm: sysv-msg:id:$rootq: Operation not permitted
ipc-rm: posix-shm:/$T-root: Permission denied
ipc-rm: posix-mq:/$T-rootq: Permission denied
ipc-rm: fifo:/dev/shm/$T.fifo: Operation not permitted"
	run -5 --separate-stderr "${nobody[@]}" ipc-rm -n --force --all -t posix-shm --name "/$T-*"
	assert_equal "$output|$stderr" "would remove posix-shm:/$T-user|ipc-rm: posix-shm:/$T-root: Permission denied"
	run -5 --separate-stderr "${nobody[@]}" ipc-rm -v --force "${refs[@]}"
	assert_equal "${output//removed/would remove}|$stderr" "$dry"
	sysv_exists q "$rootq"
	run ! sysv_exists q "$userq"
	posix_exists posix-shm "/$T-root"
	run ! posix_exists posix-shm "/$T-user"
	posix_exists posix-mq "/$T-rootq"
	[ -p "/dev/shm/$T.fifo" ]
}

@test "where openat2 is missing (ENOSYS), the O_NOFOLLOW walk refuses the same symlinked directories" {
	command -v cc >/dev/null || skip "no C compiler to build the ENOSYS shim"
	local shim="$BATS_TEST_TMPDIR/noopenat2.so" real
	cat >"$BATS_TEST_TMPDIR/noopenat2.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>

/* syscall(2) as on a kernel without openat2; every other call goes through. */
long syscall(long n, ...)
{
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	long a[6];
	va_list ap;

	if (n == SYS_openat2) {
		errno = ENOSYS;
		return -1;
	}
	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
C
	cc -shared -fPIC -o "$shim" "$BATS_TEST_TMPDIR/noopenat2.c" -ldl
	mkdir -p "$FILES/a/real"
	mkfifo -m 0600 "$FILES/a/real/f"
	track file "$FILES/a/real/f"
	ln -s real "$FILES/a/link"
	real=$(realpath "$FILES/a/real")
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	run -2 --separate-stderr env LD_PRELOAD="$shim" ipc-rm --trace "fifo:$FILES/a/link/f"
	[[ "$stderr" == *"openat2("*") = -1 ENOSYS"* ]]
	[[ "$stderr" == *'openat('*', "link", O_PATH|O_DIRECTORY|O_NOFOLLOW) = -1 ENOTDIR'* ]]
	[[ "$stderr" == *"ipc-rm: fifo:$FILES/a/link/f: a directory in the path is a symbolic link; not removed (use fifo:$real/f)" ]]
	[ -p "$FILES/a/real/f" ]
	cd "$FILES"
	run -0 env LD_PRELOAD="$shim" ipc-rm -v "fifo:a/real/f"
	assert_output "removed fifo:a/real/f"
	[ ! -e "$FILES/a/real/f" ]
	rm "$FILES/a/link"
}

@test "--trace escapes names: a name with ESC and a newline writes no control byte to the terminal" {
	local name="$T-"$'\e[31m\nx'
	: >"/dev/shm/$name"
	run -0 --separate-stderr ipc-rm --trace "posix-shm:/$name"
	[ ! -e "/dev/shm/$name" ]
	assert_equal "$(printf '%s' "$stderr" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')" 0
	[[ "$stderr" == *"shm_unlink(\"/$T-\\x1b[31m\\x0ax\") = 0"* ]]
}

@test "a set of several semaphores with a process waiting on its third is refused (exit 7) and kept" {
	local sem
	sem=$(mk_sysv sem 3)
	python3 -c '
import ctypes, sys
class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
op = Sembuf(2, -1, 0)
ctypes.CDLL(None).semop(int(sys.argv[1]), ctypes.byref(op), 1)' "$sem" 3>&- &
	echo "$!" >>"$HOLDERS"
	timeout 10 bash -c "until ipcs -s -i $sem | awk '\$1 == \"2\" && \$3 > 0 { f = 1 } END { exit !f }'; do sleep 0.02; done"
	run -7 --separate-stderr ipc-rm "sysv-sem:id:$sem"
	assert_equal "$stderr" "ipc-rm: sysv-sem:id:$sem: in use (use --force)"
	sysv_exists s "$sem"
	run -7 ipc-rm -s "$sem"
	sysv_exists s "$sem"
	run -0 ipc-rm --force -s "$sem"
	run ! sysv_exists s "$sem"
}

@test "as an unprivileged user: an object whose holders cannot be seen is refused (exit 7), saying why" {
	mk_posix_shm "/$T-own"
	chown nobody "/dev/shm/$T-own"
	hold posix-shm-hold "/$T-own"
	run -7 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups ipc-rm "posix-shm:/$T-own"
	assert_regex "$stderr" "^ipc-rm: posix-shm:/$T-own: state unknown: cannot read the open files of [0-9]+ process(es)? \\(root can\\); use --force$"
	posix_exists posix-shm "/$T-own"
	run -7 setpriv --reuid nobody --regid nogroup --clear-groups ipc-rm --all -t posix-shm --name "/$T-own"
	posix_exists posix-shm "/$T-own"
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-rm --force "posix-shm:/$T-own"
	run ! posix_exists posix-shm "/$T-own"
}

@test "--all --path: a missing directory is one warning and exit 3; nested roots remove each FIFO once" {
	mkdir "$FILES/sub"
	mk_fifo "$FILES/sub/x.fifo"
	run -3 --separate-stderr ipc-rm -n --all -t fifo --path "$FILES/none" --path "$FILES"
	assert_output "would remove fifo:$FILES/sub/x.fifo"
	assert_equal "$stderr" "ipc-rm: --path $FILES/none: no such directory"
	run -0 --separate-stderr ipc-rm -v --all -t fifo --path "$FILES" --path "$FILES/sub"
	assert_output "removed fifo:$FILES/sub/x.fifo"
	assert_equal "$stderr" ""
	[ ! -e "$FILES/sub/x.fifo" ]
}

@test "--trace escapes a FIFO's name once, through the path resolver and the unlink" {
	local f="$FILES/$T-"$'\e'"x"
	mkfifo "$f"
	run -0 --separate-stderr ipc-rm --trace "fifo:$f"
	[ ! -e "$f" ]
	[[ "$stderr" == *"unlinkat("*", \"$T-\\x1bx\", 0) = 0"* ]]
	[[ "$stderr" != *'\x5cx'* ]]
}
