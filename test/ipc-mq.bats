#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-mq: POSIX and System V queues. The peer on the other end is python3
# (ctypes on mq_send/mq_receive and on msgsnd/msgrcv), or ipcmk and ipcs.

load helpers

@test "create: a POSIX queue with --maxmsg and --msgsize, as the kernel reports it" {
	run -0 ipc-mq create --maxmsg 7 --msgsize 1K --mode 0640 "/$T-c"
	track posix-mq "/$T-c"
	run -0 peer mq-attr "/$T-c"
	assert_output "7 1024 0"
	[ "$(stat -c %a "/dev/mqueue/$T-c")" = 640 ]
	run -4 --separate-stderr ipc-mq create "/$T-c"
	assert_equal "$stderr" "ipc-mq: create /$T-c: queue exists (use --exist-ok)"
	run -0 ipc-mq create --exist-ok "/$T-c"
}

@test "create: a System V queue by key, with --max-bytes, prints its REF" {
	local id
	run -0 ipc-mq create --max-bytes 4096 key:0x7e570001
	id=${output#sysv-msg:id:}
	track sysv-msg "$id"
	assert_equal "$(sysv_key q "$id")" 0x7e570001
	run -0 bash -c "ipcs -q -i $id | grep -o 'qbytes=[0-9]*'"
	assert_output "qbytes=4096"
	run -4 ipc-mq create key:0x7e570001
	touch "$FILES/anchor"
	run -0 ipc-mq create "ftok:$FILES/anchor:7"
	id=${output#sysv-msg:id:}
	track sysv-msg "$id"
	run -0 python3 -c 'import sys, ctypes; print("0x%08x" % (ctypes.CDLL(None).ftok(sys.argv[1].encode(), 7) & 0xffffffff))' "$FILES/anchor"
	assert_equal "$(sysv_key q "$id")" "$output"
}

@test "send: each argument is a message; python receives them in priority order" {
	mk_posix_mq "/$T-s" 8 64
	run -0 ipc-mq send "/$T-s" first second
	run -0 ipc-mq send --priority 9 "/$T-s" urgent
	run -0 peer mq-recv "/$T-s" 3
	assert_output "$(printf '9:urgent\n0:first\n0:second')"
}

@test "recv: what python sends, POSIX and System V, with -v showing priority and type" {
	mk_posix_mq "/$T-r" 8 64
	peer mq-send-prio "/$T-r" 4 "from python"
	run -0 --separate-stderr ipc-mq recv -v "/$T-r"
	assert_output "from python"
	assert_equal "$stderr" "priority 4, 11 bytes"
	local id key
	id=$(mk_sysv msg)
	key=$(sysv_key q "$id")
	peer sysv-send "$key" 3 "typed three"
	run -0 --separate-stderr ipc-mq recv -v "id:$id"
	assert_output "typed three"
	assert_equal "$stderr" "type 3, 11 bytes"
}

@test "stdin lines are messages; -0 takes NUL-separated records; a 0-byte message is a message" {
	mk_posix_mq "/$T-l" 10 64
	printf 'one\n\nthree' | ipc-mq send "/$T-l"
	run -0 peer mq-attr "/$T-l"
	assert_output "10 64 3"
	ipc-mq recv -n 3 -0 "/$T-l" >"$FILES/nul"
	assert_equal "$(od -An -c "$FILES/nul" | tr -s ' ')" " o n e \0 \0 t h r e e \0"
	printf 'a\0b c\0' | ipc-mq send -0 "/$T-l"
	run -0 ipc-mq recv -n 0 "/$T-l"
	assert_output "$(printf 'a\nb c')"
}

@test "binary data round-trips unchanged (NUL, invalid UTF-8) through both kinds and python" {
	head -c 4000 /dev/urandom >"$FILES/blob"
	printf '\0\377\376 not utf8 \300\0' >>"$FILES/blob"
	mk_posix_mq "/$T-b" 4 8192
	ipc-mq send --whole "/$T-b" <"$FILES/blob"
	ipc-mq recv --raw "/$T-b" >"$FILES/out1"
	cmp "$FILES/blob" "$FILES/out1"
	ipc-mq send --whole "/$T-b" <"$FILES/blob"
	peer mq-recv "/$T-b" 1 "$FILES/out2"
	cmp "$FILES/blob" "$FILES/out2"
	peer mq-send-file "/$T-b" "$FILES/blob"
	ipc-mq recv --raw "/$T-b" >"$FILES/out3"
	cmp "$FILES/blob" "$FILES/out3"
	local id key
	id=$(mk_sysv msg)
	key=$(sysv_key q "$id")
	ipc-mq send --whole "id:$id" <"$FILES/blob"
	peer sysv-recv "$key" 1 "$FILES/out4"
	cmp "$FILES/blob" "$FILES/out4"
	peer sysv-send-file "$key" "$FILES/blob"
	ipc-mq recv --raw "key:$key" >"$FILES/out5"
	cmp "$FILES/blob" "$FILES/out5"
	: | ipc-mq send --whole "id:$id"
	run -0 ipc-mq recv --raw "id:$id"
	assert_output ""
}

@test "--json: message text with escapes, size and priority; bytes that are not UTF-8 are base64" {
	mk_posix_mq "/$T-j" 4 64
	ipc-mq send --priority 2 "/$T-j" 'say "hi"'
	printf 'a\377' | ipc-mq send --whole "/$T-j"
	run -0 ipc-mq recv -n 2 --json "/$T-j"
	run -0 python3 -c 'import json,sys; [print(m["message"], m["encoding"], m["size"], m["priority"]) for m in json.load(sys.stdin)]' <<<"$output"
	assert_output "$(printf 'say "hi" utf-8 8 2\nYf8= base64 2 0')"
}

@test "System V --type: exact type, then the lowest type up to -N" {
	local id
	id=$(mk_sysv msg)
	ipc-mq send --type 5 "id:$id" five
	ipc-mq send --type 2 "id:$id" two
	ipc-mq send --type 9 "id:$id" nine
	run -0 ipc-mq recv --type 9 "id:$id"
	assert_output nine
	run -0 ipc-mq recv --type -6 "id:$id"
	assert_output two
	run -0 ipc-mq recv "id:$id"
	assert_output five
}

@test "timeouts: -t 0 on an empty or full queue is exit 6 and changes nothing; -t waits that long" {
	mk_posix_mq "/$T-t" 1 16
	run -6 --separate-stderr ipc-mq recv -t 0 "/$T-t"
	assert_equal "$stderr" "ipc-mq: recv /$T-t: queue is empty"
	ipc-mq send "/$T-t" only
	run -6 --separate-stderr ipc-mq send -t 0 "/$T-t" more
	assert_equal "$stderr" "ipc-mq: send /$T-t: queue is full"
	run -6 timeout 5 ipc-mq send -t 300ms "/$T-t" more
	run -0 peer mq-attr "/$T-t"
	assert_output "1 16 1"
	local id
	id=$(mk_sysv msg)
	local t0=$SECONDS
	run -6 --separate-stderr timeout 5 ipc-mq recv -t 1s "id:$id"
	assert_equal "$stderr" "ipc-mq: recv id:$id: timed out"
	[ $((SECONDS - t0)) -lt 4 ]
}

@test "-n 0 drains what is there; -f follows until idle for --timeout" {
	mk_posix_mq "/$T-f" 10 32
	ipc-mq send "/$T-f" a b
	run -0 ipc-mq recv -n 0 "/$T-f"
	assert_output "$(printf 'a\nb')"
	run -0 ipc-mq recv -n 0 "/$T-f"
	assert_output ""
	(sleep 0.3; ipc-mq send "/$T-f" late) &
	run -0 timeout 10 ipc-mq recv -f -t 1s "/$T-f"
	assert_output "late"
	wait
}

@test "a message too long is refused before anything is sent, naming both sizes" {
	mk_posix_mq "/$T-big" 4 8
	run -2 --separate-stderr ipc-mq send "/$T-big" ok "much too long"
	assert_equal "$stderr" "ipc-mq: send /$T-big: message 2 is 13 bytes, longer than the queue takes (8, its msgsize); nothing sent"
	run -2 bash -c "printf 'ninebytes!' | ipc-mq send --whole /$T-big"
	run -0 peer mq-attr "/$T-big"
	assert_output "4 8 0"
	local id
	id=$(mk_sysv msg)
	head -c 9000 /dev/zero >"$FILES/9k"
	run -2 --separate-stderr ipc-mq send --whole "id:$id" <"$FILES/9k"
	assert_regex "$stderr" "stdin is 9000 bytes, longer than the queue takes \\(8192, kernel.msgmax or msg_qbytes\\); nothing sent"
	run -0 bash -c "ipcs -q | awk -v id=$id '\$2 == id { print \$6 }'"
	assert_output 0
}

@test "bad input: a clear one-line error and exit 2, nothing created" {
	local long
	long=$(printf 'q%.0s' {1..256})
	for args in "create jobs" "create /a/b" "create /$long" "send /$T-x --priority 32768 m" \
	            "send key:0x51 --type 0 m" "recv -n -1 /$T-x" "create --msgsize 0 /$T-x" \
	            "create --maxmsg 0 /$T-x" "recv /$T-x --type 1" "create id:5" "bogus /x" \
	            "send /$T-x --timeout 5x m" "create --max-bytes 4096 /$T-x" "recv --raw -n 2 /$T-x"; do
		# shellcheck disable=SC2086  # the words are the arguments
		run -2 --separate-stderr ipc-mq $args
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "ipc-mq $args: $stderr"
		assert_regex "$stderr" '^ipc-mq: '
	done
	[ ! -e "/dev/mqueue/$T-x" ]
	run -2 --separate-stderr ipc-mq create jobs
	assert_equal "$stderr" "ipc-mq: jobs: name must start with a slash, like /jobs"
	run -2 --separate-stderr ipc-mq send "/$T-x" --priority 32768 m
	assert_equal "$stderr" "ipc-mq: invalid value '32768' for --priority (a decimal number from 0 to 32767)"
}

@test "limits explain themselves: --maxmsg above fs.mqueue.msg_max says which limit and how to raise it" {
	local max
	max=$(cat /proc/sys/fs/mqueue/msg_max)
	run --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups \
		ipc-mq create --maxmsg $((max + 1)) "/$T-lim"
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "ipc-mq: create /$T-lim: --maxmsg $((max + 1)) is above fs.mqueue.msg_max ($max); raise it with: sysctl fs.mqueue.msg_max=$((max + 1))"
	[ ! -e "/dev/mqueue/$T-lim" ]
}

@test "not found is 3, someone else's queue is 5" {
	run -3 --separate-stderr ipc-mq recv -t 0 "/$T-none"
	assert_equal "$stderr" "ipc-mq: recv /$T-none: no such queue"
	run -3 ipc-mq info key:0x7e57dead
	run -3 ipc-mq rm "/$T-none"
	mk_posix_mq "/$T-root"
	run -5 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups ipc-mq send "/$T-root" hi
	assert_equal "$stderr" "ipc-mq: send /$T-root: Permission denied"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-mq rm "/$T-root"
	[ -e "/dev/mqueue/$T-root" ]
}

@test "info: POSIX attributes and System V counters, also as JSON" {
	mk_posix_mq "/$T-i" 6 128
	ipc-mq send "/$T-i" abc
	run -0 ipc-mq info --json "/$T-i"
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["maxmsg"], d["msgsize"], d["msgs"], d["size"], d["mode"], d["owner"])' <<<"$output"
	assert_output "6 128 1 3 0600 root"
	local id
	id=$(mk_sysv msg)
	ipc-mq send "id:$id" hello
	run -0 ipc-mq info "id:$id"
	assert_line --regexp "^msgs +1$"
	assert_line --regexp "^size +5$"
	assert_line --regexp "^qbytes +$(ipcs -q -i "$id" | awk '/qbytes/ { sub(/.*qbytes=/, ""); print $1 }')$"
	assert_line --regexp "^lspid +[0-9]+$"
}

@test "info works without /dev/mqueue mounted (through mq_getattr)" {
	[ -n "${IPCKIT_NS:-}" ] || skip "needs the private namespace"
	mk_posix_mq "/$T-u" 3 40
	run -0 unshare --mount sh -c "while umount /dev/mqueue 2>/dev/null; do :; done; ipc-mq info /$T-u"
	assert_line --regexp "^maxmsg +3$"
	assert_line --regexp "^msgsize +40$"
}

@test "rm: several queues, each failure on its own line, the first failure's status" {
	mk_posix_mq "/$T-a"
	local id
	id=$(mk_sysv msg)
	run -3 --separate-stderr ipc-mq rm "/$T-a" "/$T-missing" "id:$id"
	assert_equal "$stderr" "ipc-mq: rm /$T-missing: no such queue"
	[ ! -e "/dev/mqueue/$T-a" ]
	run ! sysv_exists q "$id"
}

@test "notify runs the command when a message arrives on the empty queue, and re-arms" {
	mk_posix_mq "/$T-n" 10 64
	# shellcheck disable=SC2016  # $IPC_MQ is for the command's shell
	timeout 20 ipc-mq notify -n 2 "/$T-n" -- sh -c 'ipc-mq recv -n 0 "$IPC_MQ" >>"$0"' "$FILES/got" &
	local pid=$!
	sleep 0.3
	peer mq-send-prio "/$T-n" 0 first
	timeout 5 bash -c "until grep -q first '$FILES/got' 2>/dev/null; do sleep 0.05; done"
	peer mq-send-prio "/$T-n" 0 second
	wait "$pid"
	assert_equal "$(cat "$FILES/got")" "$(printf 'first\nsecond')"
}

@test "a queue removed while a receiver waits gives a clear error" {
	mk_posix_mq "/$T-gone"
	timeout 10 ipc-mq recv "/$T-gone" 2>"$FILES/err" &
	local pid=$!
	sleep 0.3
	rm "/dev/mqueue/$T-gone"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	assert_equal "$(cat "$FILES/err")" "ipc-mq: recv /$T-gone: the queue was removed"
	local id
	id=$(mk_sysv msg)
	timeout 10 ipc-mq recv "id:$id" 2>"$FILES/err2" &
	pid=$!
	sleep 0.3
	ipcrm -q "$id"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	assert_equal "$(cat "$FILES/err2")" "ipc-mq: recv id:$id: the queue was removed"
}

@test "SIGPIPE on stdout ends quietly; SIGTERM ends a receiver between messages" {
	mk_posix_mq "/$T-p" 10 16
	ipc-mq send "/$T-p" 1 2 3 4 5
	run -0 --separate-stderr bash -c "ipc-mq recv -n 0 /$T-p | head -1"
	assert_output 1
	assert_equal "$stderr" ""
	timeout 10 ipc-mq recv -f "/$T-p" >/dev/null &
	local pid=$!
	sleep 0.3
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
}

@test "--trace shows the queue system calls" {
	mk_posix_mq "/$T-tr" 4 32
	run -0 --separate-stderr ipc-mq --trace send "/$T-tr" hi
	assert_regex "$stderr" "mq_open\\(\"/$T-tr\", O_WRONLY\\) = [0-9]+"
	assert_regex "$stderr" "mq_timedsend\\([0-9]+, \"hi\", 2, 0\\) = 0"
	run -0 --separate-stderr env IPC_TRACE=1 ipc-mq recv "/$T-tr"
	assert_regex "$stderr" "mq_timedreceive\\([0-9]+, buf, 32, \\[prio=0\\]\\) = 2"
}

@test "info and ipc-ls -i print one field table: the same keys and values, ipc-ls's column names" {
	mk_posix_mq "/$T-k" 3 50
	ipc-mq send "/$T-k" abc
	local id
	id=$(mk_sysv msg)
	ipc-mq send "id:$id" hello
	ipc-ls --json -t mq >"$BATS_TEST_TMPDIR/list"
	for ref in "posix-mq:/$T-k" "sysv-msg:id:$id"; do
		ipc-mq info --json "${ref#posix-mq:}" >"$BATS_TEST_TMPDIR/info"
		ipc-ls -i "$ref" --json >"$BATS_TEST_TMPDIR/detail"
		run -0 python3 - "$BATS_TEST_TMPDIR" "$ref" <<'PY'
import json, sys
d, ref = sys.argv[1], sys.argv[2]
info = json.load(open(d + "/info"))
detail = json.load(open(d + "/detail"))
row = [o for o in json.load(open(d + "/list"))["ipc"] if o["ref"] == ref][0]
# reading /dev/mqueue/NAME (QSIZE) sets the queue's ctime: it may move on between the two
drop = lambda d: {k: v for k, v in d.items() if k != "ctime"}
assert drop(info) == drop(detail), (info, detail)
extra = set(info) - set(row)
assert extra <= {"qbytes"}, extra
for k in info:
    if k in row and k not in ("ctime", "mtime", "send", "recv"):
        assert info[k] == row[k], (k, info[k], row[k])
print(info["kind"], info["msgs"], info["size"])
PY
		assert_output --regexp "^(posix-mq 1 3|sysv-msg 1 5)$"
	done
}

@test "info as a user who may not read the queue says which fields it could not read" {
	mk_posix_mq "/$T-priv" 3 50
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-mq info "/$T-priv"
	assert_line --regexp "^maxmsg +not readable: permission denied$"
	assert_line --regexp "^msgsize +not readable: permission denied$"
	assert_line --regexp "^msgs +not readable: permission denied$"
	assert_line --regexp "^owner +root$"
	assert_line --regexp "^mode +0600$"
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-mq info --json "/$T-priv"
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["maxmsg"], d["msgsize"], d["mode"])' <<<"$output"
	assert_output "None None 0600"
	local id
	id=$(mk_sysv msg)
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-mq info "id:$id"
	assert_line --regexp "^qbytes +not readable: permission denied$"
	assert_line --regexp "^msgs +0$"
}
