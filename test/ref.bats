#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# REFs, numbers, modes and long names, as every tool reads them; the objects'
# state is checked with ipcs, stat and the python peer.

load helpers

# A System V queue with key 0 (IPC_PRIVATE), made with msgget directly: prints its id.
mk_private_msg() {
	local id
	id=$(python3 -c 'import ctypes, sys
q = ctypes.CDLL(None, use_errno=True).msgget(0, 0o1600)
sys.exit("msgget failed") if q < 0 else print(q)') || return 1
	track sysv-msg "$id"
	echo "$id"
}

# The key ftok(3) derives from PATH and PROJ, as ipcs prints keys.
ftok_key() {
	python3 -c 'import ctypes, sys
k = ctypes.CDLL(None, use_errno=True).ftok(sys.argv[1].encode(), int(sys.argv[2]))
print("0x%08x" % (k & 0xffffffff))' "$1" "$2"
}

# How to run a script in a new IPC namespace of its own, where ids start at 0
# and the objects it makes go away with it; skips the test where there is none.
need_fresh_ipc() {
	if unshare --ipc true 2>/dev/null; then
		FRESH_IPC=(unshare --ipc)
	elif unshare --user --map-root-user --ipc true 2>/dev/null; then
		FRESH_IPC=(unshare --user --map-root-user --ipc)
	else
		skip "needs a new IPC namespace (unshare --ipc)"
	fi
}

@test "a missing ftok file removes nothing, not the IPC_PRIVATE queue: exit 3, naming the file" {
	local priv
	priv=$(mk_private_msg)
	run -3 --separate-stderr ipc-rm -v "sysv-msg:ftok:$FILES/missing"
	assert_equal "$stderr" "ipc-rm: sysv-msg:ftok:$FILES/missing: $FILES/missing: No such file or directory"
	assert_equal "$output" ""
	sysv_exists q "$priv"
	run -3 --separate-stderr ipc-ls -i "sysv-msg:ftok:$FILES/missing"
	assert_equal "$output" ""
	assert_equal "$stderr" "ipc-ls: sysv-msg:ftok:$FILES/missing: $FILES/missing: No such file or directory"
	run -3 --separate-stderr ipc-mq info "ftok:$FILES/missing"
	assert_equal "$output" ""
	run -3 ipc-mq rm "ftok:$FILES/missing"
	sysv_exists q "$priv"
}

@test "--name never selects an IPC_PRIVATE object, whatever the glob: it has no name" {
	local priv keyed
	priv=$(mk_private_msg)
	keyed=$(mk_sysv_key msg 01)
	for glob in '0x00000000' '0x0*' '*'; do
		run -0 ipc-ls -t sysv-msg -o REF -n --name "$glob"
		[[ $'\n'"$output"$'\n' != *$'\n'"sysv-msg:id:$priv"$'\n'* ]] || fail "--name $glob selected the IPC_PRIVATE queue"
	done
	run -0 ipc-ls -t sysv-msg -o REF -n --name '*'
	assert_line "sysv-msg:id:$keyed"
	run -0 ipc-rm --all -f -t sysv-msg --name "0x$TKEY*"
	run -1 sysv_exists q "$keyed"
	sysv_exists q "$priv"
	# Globs that match every key: only where every object is this test's own.
	if in_private_ns; then
		run -0 ipc-rm --all -f -t sysv-msg --name '0x00000000'
		run -0 ipc-rm --all -f -t sysv-msg --name '*'
		sysv_exists q "$priv"
	fi
}

@test "key:0 is refused: IPC_PRIVATE objects are named by id" {
	local priv
	priv=$(mk_private_msg)
	run -2 --separate-stderr ipc-rm sysv-msg:key:0
	assert_equal "$stderr" "ipc-rm: sysv-msg:key:0: key 0 is IPC_PRIVATE: such objects are named by id only (id:ID)"
	run -2 ipc-rm -Q 0x0
	run -2 ipc-ls -i sysv-msg:key:0
	run -2 ipc-mq info key:0
	sysv_exists q "$priv"
	run -0 ipc-ls -i "sysv-msg:id:$priv"
	assert_line --regexp '^key +0x00000000$'
	run -0 ipc-rm "sysv-msg:id:$priv"
	run ! sysv_exists q "$priv"
}

@test "a key REF is resolved by msgget/shmget/semget, shown by --trace, for every System V kind" {
	local msg shm sem key
	msg=$(mk_sysv msg)
	shm=$(mk_sysv shm 4096)
	sem=$(mk_sysv sem 2)
	key=$(sysv_key m "$shm")
	run -0 --separate-stderr ipc-ls --trace -i "sysv-shm:key:$key"
	assert_line --regexp "^id +$shm\$"
	[[ "$stderr" == *"shmget($key, 0, 0) = $shm"* ]]
	key=$(sysv_key s "$sem")
	run -0 --separate-stderr ipc-ls --trace -i "sysv-sem:key:$key"
	assert_line --regexp "^id +$sem\$"
	[[ "$stderr" == *"semget($key, 0, 0) = $sem"* ]]
	key=$(sysv_key q "$msg")
	run -0 --separate-stderr ipc-rm -v --trace "sysv-msg:key:$key"
	assert_line "removed sysv-msg:id:$msg"
	[[ "$stderr" == *"msgget($key, 0) = $msg"* ]]
	run ! sysv_exists q "$msg"
	run -3 --separate-stderr ipc-rm --trace "sysv-msg:key:$key"
	[[ "$stderr" == *"msgget($key, 0) = -1 ENOENT"* ]]
	run -3 --separate-stderr ipc-rm --trace "sysv-msg:id:$msg"
	[[ "$stderr" == *"msgctl($msg, IPC_STAT, {...}) = -1 EINVAL"* ]]
}

@test "id:010 is ten, not eight; id:0xa is ten too" {
	need_fresh_ipc
	# shellcheck disable=SC2016  # expanded by the inner shell
	run -0 "${FRESH_IPC[@]}" bash -c 'for i in $(seq 0 10); do ipcmk -Q -p 0600 >/dev/null || exit 9; done
		ipc-rm -v sysv-msg:id:010 && ipcs -q | awk "/^0x/ { print \$2 }" | tr "\n" " " && echo
		ipc-ls -i sysv-msg:id:0xa; echo "info $?"'
	assert_line "removed sysv-msg:id:10"
	assert_line "0 1 2 3 4 5 6 7 8 9 "
	assert_line "ipc-ls: sysv-msg:id:0xa: no such object"
	assert_line "info 3"
}

@test "ids and keys: signs, spaces, trailing bytes and overflow are usage errors" {
	local ref
	for ref in id:+1 id:-1 'id: 1' 'id:1 ' id:1x id:0x id:08a id:2147483648 id:99999999999999999999 \
	           key:-1 key:+5 key:0x100000000 key:1.5 key:; do
		run -2 --separate-stderr ipc-ls -i "sysv-msg:$ref"
		local shown="sysv-msg:$ref"; shown=${shown%\ }; [ "$shown" = "sysv-msg:$ref" ] || shown+="\\x20"
		[[ "$stderr" == "ipc-ls: $shown: "* ]]
	done
	run -2 --separate-stderr ipc-rm "sysv-shm:id:-1"
	assert_equal "$stderr" "ipc-rm: sysv-shm:id:-1: id is out of range (0 to 2147483647)"
	run -2 --separate-stderr ipc-rm -q +3
	assert_equal "$stderr" "ipc-rm: sysv-msg:id:+3: id must be a number, like id:32768"
}

@test "ipc-mq send --priority 010 sends priority 10; signs and octal-looking garbage are refused" {
	mk_posix_mq "/$T"
	run -0 ipc-mq send --priority 010 "/$T" ten
	run -0 ipc-mq send --priority 0x0b "/$T" eleven
	run -0 peer mq-recv "/$T" 2
	assert_equal "$output" $'11:eleven\n10:ten'
	for p in -1 +1 ' 1' 1x 32768 0x; do
		run -2 --separate-stderr ipc-mq send --priority "$p" "/$T" no
		assert_equal "$stderr" "ipc-mq: invalid value '${p/#\ /\\x20}' for --priority (a decimal number from 0 to 32767)"
	done
	run -0 peer mq-attr "/$T"
	assert_output "4 64 0"
}

@test "ipc-mq create --mode: 644 is 0644, u=rw,g=r is 0640, for both kinds" {
	require_mqueue_fs
	track posix-mq "/$T-a"
	track posix-mq "/$T-b"
	run -0 bash -c "umask 022 && ipc-mq create --mode 644 /$T-a && ipc-mq create --mode u=rw,g=r /$T-b"
	run -0 stat -c %a "/dev/mqueue/$T-a" "/dev/mqueue/$T-b"
	assert_equal "$output" $'644\n640'
	run -0 ipc-mq create --mode 0440 "$(printf 'key:0x7e%06x' $(($$ % 0xffffff)))"
	local id=${output#sysv-msg:id:}
	track sysv-msg "$id"
	run -0 bash -c "ipcs -q | awk -v id=$id '\$2 == id { print \$4 }'"
	assert_output 440
}

@test "ipc-mq create --mode 999, 1644, 0x1ff, u+s are usage errors naming the octal bounds; nothing is made" {
	local m
	for m in 999 1644 0x1ff 4755 u+s o+t '' ' 644' 644x u=rw,x; do
		run -2 --separate-stderr ipc-mq create --mode "$m" "/$T"
		assert_equal "$stderr" "ipc-mq: invalid mode '${m/#\ /\\x20}' for --mode (octal 0 to 0777, or like u=rw,g=r)"
		[ ! -e "/dev/mqueue/$T" ]
	done
}

@test "ftok:PATH:256 and ftok:PATH:abc are usage errors naming the project; ftok:/a:b:1 is the file a:b" {
	local f="$FILES/a:b" id key
	: >"$f"
	: >"$FILES/plain"
	run -2 --separate-stderr ipc-mq create "ftok:$FILES/plain:256"
	assert_equal "$stderr" "ipc-mq: ftok:$FILES/plain:256: ftok project '256' must be 1 to 255 (decimal or 0x); a path with a colon needs one, like ftok:/a:b:1"
	run -2 --separate-stderr ipc-rm "sysv-msg:ftok:$FILES/plain:abc"
	[[ "$stderr" == *"ftok project 'abc' must be 1 to 255"* ]]
	run -2 ipc-mq create "ftok:$FILES/plain:0"
	run -2 --separate-stderr ipc-mq create "ftok:$f"
	[[ "$stderr" == *"ftok project 'b' must be 1 to 255"* ]]
	key=$(ftok_key "$f" 1)
	run -0 ipcs -q
	refute_output --partial "$key"
	run -0 ipc-mq create "ftok:$f:1"
	id=${output#sysv-msg:id:}
	track sysv-msg "$id"
	assert_equal "$(sysv_key q "$id")" "$key"
	run -0 ipc-mq create "ftok:$FILES/plain:0x10"
	track sysv-msg "${output#sysv-msg:id:}"
	assert_equal "$(sysv_key q "${output#sysv-msg:id:}")" "$(ftok_key "$FILES/plain" 16)"
	run -0 ipc-rm -v "sysv-msg:ftok:$f:1" "sysv-msg:ftok:$FILES/plain:16"
	assert_line "removed sysv-msg:id:$id"
	run ! sysv_exists q "$id"
}

@test "an unknown kind is named as such, not taken for a bad name" {
	run -2 --separate-stderr ipc-rm bogus:/x
	assert_equal "$stderr" "ipc-rm: bogus:/x: unknown kind 'bogus' (kinds: posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix)"
	run -2 --separate-stderr ipc-ls -i POSIX-MQ:/x
	assert_equal "$stderr" "ipc-ls: POSIX-MQ:/x: unknown kind 'POSIX-MQ' (kinds: posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix)"
	run -2 --separate-stderr ipc-mq info Sysv-msg:id:1
	[[ "$stderr" == *"unknown kind 'Sysv-msg'"* ]]
	run -2 --separate-stderr ipc-rm posix-mq:jobs
	assert_equal "$stderr" "ipc-rm: posix-mq:jobs: name must start with a slash, like /jobs"
}

@test "a 255-byte queue name and a 251-byte semaphore name work in every command; one more byte is refused" {
	require_mqueue_fs
	local q s
	q=/$(printf 'q%.0s' $(seq 255))
	s=/$(printf 's%.0s' $(seq 251))
	track posix-mq "$q"
	run -0 ipc-mq create "$q"
	[ -e "/dev/mqueue$q" ]
	run -0 ipc-mq send --priority 3 "$q" hello
	run -0 --separate-stderr timeout 10 ipc-mq recv -v "$q"
	assert_output hello
	assert_equal "$stderr" "priority 3, 5 bytes"
	# an empty queue waits its whole timeout: the name still finds the queue
	run -6 --separate-stderr timeout 10 ipc-mq recv -t 1500ms "$q"
	assert_equal "$stderr" "ipc-mq: recv $q: timed out"
	run -0 ipc-mq info "$q"
	assert_line --regexp "^name +$q\$"
	mk_posix_sem "$s"
	run -0 ipc-ls -t posix -o REF --raw -n
	assert_line "posix-mq:$q"
	assert_line "posix-sem:$s"
	run -0 ipc-ls -i "posix-sem:$s"
	assert_line --regexp "^name +$s\$"
	run -0 ipc-rm -v "posix-sem:$s"
	assert_output "removed posix-sem:$s"
	run ! posix_exists posix-sem "$s"
	run -0 ipc-mq rm "$q"
	run ! posix_exists posix-mq "$q"
	run -2 --separate-stderr ipc-mq create "${q}x"
	assert_equal "$stderr" "ipc-mq: ${q}x: name is longer than 255 characters"
	run -2 --separate-stderr ipc-rm "posix-sem:${s}x"
	assert_equal "$stderr" "ipc-rm: posix-sem:${s}x: name is longer than 251 characters"
	run -2 ipc-ls -i "posix-mq:${q}x"
	[ ! -e "/dev/mqueue/${q}x" ]
}
