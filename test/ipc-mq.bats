#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-mq: POSIX and System V queues. The peer on the other end is python3
# (ctypes on mq_send/mq_receive and on msgsnd/msgrcv), or ipcmk and ipcs.

load helpers

@test "create: a POSIX queue with --maxmsg and --msgsize, as the kernel reports it" {
	require_mqueue_fs
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
	ipc-mq send "/$T-f" early
	timeout 20 ipc-mq recv -f -t 2s "/$T-f" >"$FILES/out" &
	local pid=$!
	wait_for "the follower to take the first message" grep -qx early "$FILES/out"
	ipc-mq send "/$T-f" late
	wait "$pid"
	assert_equal "$(cat "$FILES/out")" "$(printf 'early\nlate')"
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
	assert_regex "$stderr" "stdin is longer than the queue takes \\(8192, kernel.msgmax or msg_qbytes\\); nothing sent"
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
	assert_output "6 128 1 3 0600 $(id -un)"
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
	wait_for "notify to register" grep -Eq 'NOTIFY_PID:[1-9]' "/dev/mqueue/$T-n"
	peer mq-send-prio "/$T-n" 0 first
	wait_for "the command to take the first message" grep -q first "$FILES/got"
	peer mq-send-prio "/$T-n" 0 second
	wait "$pid"
	assert_equal "$(cat "$FILES/got")" "$(printf 'first\nsecond')"
}

@test "a queue removed while a receiver waits gives a clear error" {
	mk_posix_mq "/$T-gone"
	timeout 10 ipc-mq recv "/$T-gone" 2>"$FILES/err" &
	local pid=$!
	wait_blocked "$pid"
	rm "/dev/mqueue/$T-gone"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	assert_equal "$(cat "$FILES/err")" "ipc-mq: recv /$T-gone: the queue was removed"
	local id
	id=$(mk_sysv msg)
	timeout 10 ipc-mq recv "id:$id" 2>"$FILES/err2" &
	pid=$!
	wait_blocked "$pid"
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
	wait_blocked "$pid"
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
}

@test "--trace shows the queue system calls, with the timeout they were given" {
	mk_posix_mq "/$T-tr" 4 32
	run -0 --separate-stderr ipc-mq --trace send "/$T-tr" hi
	assert_regex "$stderr" "mq_open\\(\"/$T-tr\", O_WRONLY\\) = [0-9]+"
	assert_regex "$stderr" "mq_timedsend\\([0-9]+, \"hi\", 2, 0, NULL\\) = 0"
	run -0 --separate-stderr ipc-mq --trace send -t 0 "/$T-tr" hi
	assert_regex "$stderr" "mq_timedsend\\([0-9]+, \"hi\", 2, 0, \\{tv_sec=0, tv_nsec=0\\}\\) = 0"
	run -0 --separate-stderr env IPC_TRACE=1 ipc-mq recv "/$T-tr"
	assert_regex "$stderr" "mq_timedreceive\\([0-9]+, buf, 32, \\[prio=0\\], NULL\\) = 2"
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

@test "create: a System V queue whose msg_qbytes the kernel refuses is removed again, not left behind" {
	local mnb
	mnb=$(cat /proc/sys/kernel/msgmnb)
	run -1 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups \
		ipc-mq create --max-bytes $((mnb + 1)) key:0x7e570c01
	assert_regex "$stderr" "above kernel.msgmnb"
	run -0 bash -c "ipcs -q | awk '\$1 == \"0x7e570c01\"'"
	assert_output ""
}

@test "create --exist-ok: an existing queue will do only if each attribute given matches" {
	run -0 ipc-mq create --maxmsg 5 --msgsize 64 --mode 0640 "/$T-e"
	track posix-mq "/$T-e"
	run -0 ipc-mq create --exist-ok "/$T-e"
	run -0 ipc-mq create --exist-ok --maxmsg 5 --msgsize 64 --mode 0640 "/$T-e"
	run -4 --separate-stderr ipc-mq create --exist-ok --maxmsg 6 "/$T-e"
	assert_equal "$stderr" "ipc-mq: create /$T-e: the queue exists with --maxmsg 5, not 6; nothing changed"
	run -4 --separate-stderr ipc-mq create --exist-ok --msgsize 128 "/$T-e"
	assert_equal "$stderr" "ipc-mq: create /$T-e: the queue exists with --msgsize 64, not 128; nothing changed"
	run -4 --separate-stderr ipc-mq create --exist-ok --mode 0600 "/$T-e"
	assert_equal "$stderr" "ipc-mq: create /$T-e: the queue exists with --mode 0640, not 0600; nothing changed"
	run -0 peer mq-attr "/$T-e"
	assert_output "5 64 0"
	# The mode compared is the one asked for: the umask does not mask it.
	run -0 bash -c "umask 077 && ipc-mq create --mode 0666 /$T-u && ipc-mq create --exist-ok --mode 0666 /$T-u"
	track posix-mq "/$T-u"
	[ "$(stat -c %a "/dev/mqueue/$T-u")" = 666 ]
	local id
	run -0 ipc-mq create --max-bytes 4096 key:0x7e570e01
	id=${output#sysv-msg:id:}
	track sysv-msg "$id"
	run -0 ipc-mq create --exist-ok --max-bytes 4096 key:0x7e570e01
	assert_output "sysv-msg:id:$id"
	run -4 --separate-stderr ipc-mq create --exist-ok --max-bytes 8192 key:0x7e570e01
	assert_equal "$stderr" "ipc-mq: create key:0x7e570e01: the queue exists with --max-bytes 4096, not 8192; nothing changed"
	run -0 bash -c "ipcs -q -i $id | grep -o 'qbytes=[0-9]*'"
	assert_output "qbytes=4096"
}

@test "send --whole refuses oversize input having read no more than the queue takes, plus one byte" {
	mk_posix_mq "/$T-w" 4 16
	# What ipc-mq leaves unread stays in the pipe for wc.
	run -0 --separate-stderr timeout 20 bash -c "head -c 100M /dev/zero | { ipc-mq send --whole /$T-w; echo \"status \$?\" >&2; wc -c; }"
	assert_output "$((100 * 1024 * 1024 - 17))"
	assert_regex "$stderr" "stdin is longer than the queue takes \\(16, its msgsize\\); nothing sent"
	assert_regex "$stderr" "status 2"
	run -0 peer mq-attr "/$T-w"
	assert_output "4 16 0"
}

@test "a record too long in a stream says how many messages went before it" {
	mk_posix_mq "/$T-rl" 10 8
	run -2 --separate-stderr bash -c "printf 'a\nb\nc\nmuch too long\nd\n' | ipc-mq send /$T-rl"
	assert_equal "$stderr" "ipc-mq: send /$T-rl: record 4 is longer than the queue takes (8, its msgsize); 3 messages sent before it"
	run -0 peer mq-attr "/$T-rl"
	assert_output "10 8 3"
	run -2 --separate-stderr bash -c "printf 'much too long\n' | ipc-mq send /$T-rl"
	assert_equal "$stderr" "ipc-mq: send /$T-rl: record 1 is longer than the queue takes (8, its msgsize); nothing sent"
}

@test "lines of 8000 bytes stream through both kinds unchanged, across read blocks" {
	python3 -c 'import random; random.seed(7); a = "abcdefghijklmnopqrstuvwxyz0123456789"
for i in range(300): print("".join(random.choice(a) for _ in range(random.randint(7000, 8000))))' >"$FILES/lines"
	mk_posix_mq "/$T-8k" 10 8192
	timeout 30 ipc-mq recv -n 300 "/$T-8k" >"$FILES/got1" &
	local pid=$!
	timeout 30 ipc-mq send "/$T-8k" <"$FILES/lines"
	wait "$pid"
	cmp "$FILES/lines" "$FILES/got1"
	local id
	id=$(mk_sysv msg)
	timeout 30 ipc-mq recv -n 300 "id:$id" >"$FILES/got2" &
	pid=$!
	timeout 30 ipc-mq send --type 7 "id:$id" <"$FILES/lines"
	wait "$pid"
	cmp "$FILES/lines" "$FILES/got2"
	head -n 1 "$FILES/lines" | timeout 10 ipc-mq send --type 7 "id:$id"
	peer sysv-recv "$(sysv_key q "$id")" 1 "$FILES/got3" 7
	cmp <(head -n 1 "$FILES/lines" | tr -d '\n') "$FILES/got3"
}

@test "recv: -0, --raw and --json do not go together; option errors name the tool and subcommand" {
	mk_posix_mq "/$T-o"
	for args in "--raw --json" "-0 --json" "-0 --raw" "--json -0" "-J --raw"; do
		# shellcheck disable=SC2086  # the words are the options
		run -2 --separate-stderr timeout 10 ipc-mq recv $args "/$T-o"
		assert_equal "$stderr" "ipc-mq: recv: -0, --raw and --json do not go together: give one"
	done
	run -2 --separate-stderr ipc-mq send --bogus "/$T-o" m
	assert_regex "$stderr" "^ipc-mq: send: unknown option '--bogus'"
	run -2 --separate-stderr ipc-mq recv "/$T-o" -n
	assert_regex "$stderr" "^ipc-mq: recv: -n needs a value"
	run -0 peer mq-attr "/$T-o"
	assert_output "4 64 0"
}

# PID of the command `timeout` runs (its only child), once it has started.
child_of() { timeout 10 bash -c "until pgrep -P $1 >/dev/null; do sleep 0.02; done"; pgrep -P "$1"; }

@test "Ctrl-C ends a timed System V recv or send at once, not at the timeout" {
	local id pid t0 st
	id=$(mk_sysv msg)
	# SIGINT as from a terminal: a background job would otherwise ignore it.
	timeout 30 env --default-signal=INT ipc-mq --trace recv -t 20s "id:$id" 2>"$FILES/trace" &
	pid=$!
	timeout 10 bash -c "until grep -q msgrcv '$FILES/trace'; do sleep 0.02; done"
	t0=$SECONDS
	kill -INT "$(child_of "$pid")"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 130 ] || fail "recv ended with status $st, not 130 (SIGINT)"
	[ $((SECONDS - t0)) -lt 5 ] || fail "recv took $((SECONDS - t0)) s to end"
	head -c 8000 /dev/zero | ipc-mq send --whole "id:$id"
	head -c 8000 /dev/zero | ipc-mq send --whole "id:$id"   # 16000 of 16384 bytes: full
	head -c 8000 /dev/zero | timeout 30 env --default-signal=INT ipc-mq --trace send -t 20s --whole "id:$id" 2>"$FILES/trace2" &
	pid=$!
	timeout 10 bash -c "until grep -q msgsnd '$FILES/trace2'; do sleep 0.02; done"
	t0=$SECONDS
	kill -INT "$(child_of "$pid")"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 130 ] || fail "send ended with status $st, not 130 (SIGINT)"
	[ $((SECONDS - t0)) -lt 5 ] || fail "send took $((SECONDS - t0)) s to end"
}

@test "a POSIX sender waiting on a full queue notices the queue's removal" {
	mk_posix_mq "/$T-sg" 1 16
	ipc-mq send "/$T-sg" first
	timeout 10 ipc-mq send "/$T-sg" second 2>"$FILES/err" &
	local pid=$!
	timeout 10 bash -c "until grep -q ' S ' /proc/$(child_of "$pid")/stat; do sleep 0.02; done"
	rm "/dev/mqueue/$T-sg"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	assert_equal "$(cat "$FILES/err")" "ipc-mq: send /$T-sg: the queue was removed"
}

@test "notify: a command that takes nothing runs once, not for ever; -t ends the wait" {
	mk_posix_mq "/$T-nt" 10 64
	ipc-mq send "/$T-nt" left
	local t0=$SECONDS
	# shellcheck disable=SC2016  # $0 is the command's
	run -0 timeout 20 ipc-mq notify -t 1s "/$T-nt" -- sh -c 'echo run >>"$0"' "$FILES/runs"
	[ $((SECONDS - t0)) -lt 10 ]
	assert_equal "$(wc -l <"$FILES/runs")" 1
}

@test "notify: after a run that took nothing, the next message gets a run" {
	mk_posix_mq "/$T-na" 10 64
	ipc-mq send "/$T-na" left
	# shellcheck disable=SC2016  # $0 is the command's
	timeout 20 ipc-mq notify -n 2 "/$T-na" -- sh -c 'echo run >>"$0"' "$FILES/runs" &
	local pid=$!
	timeout 10 bash -c "until [ -s '$FILES/runs' ]; do sleep 0.02; done"
	ipc-mq send "/$T-na" another
	wait "$pid"
	assert_equal "$(wc -l <"$FILES/runs")" 2
}

@test "notify: SIGTERM ends it at once, waiting or while the command runs (passed on to it)" {
	mk_posix_mq "/$T-ns" 10 64
	ipc-mq send "/$T-ns" left
	# shellcheck disable=SC2016  # $0 is the command's
	timeout 30 ipc-mq notify "/$T-ns" -- sh -c 'echo run >>"$0"' "$FILES/runs" &
	local pid=$! st=0 t0
	timeout 10 bash -c "until [ -s '$FILES/runs' ]; do sleep 0.02; done"
	t0=$SECONDS
	kill -TERM "$(child_of "$pid")"
	wait "$pid" || st=$?
	[ "$st" -eq 143 ] || fail "notify ended with status $st, not 143 (SIGTERM)"
	[ $((SECONDS - t0)) -lt 5 ]
	assert_equal "$(wc -l <"$FILES/runs")" 1
	# shellcheck disable=SC2016  # $$ is the command's
	timeout 30 ipc-mq notify "/$T-ns" -- sh -c 'echo $$ >"$0"; exec sleep 60' "$FILES/cmd" &
	pid=$!
	timeout 10 bash -c "until [ -s '$FILES/cmd' ]; do sleep 0.02; done"
	t0=$SECONDS
	kill -TERM "$(child_of "$pid")"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ] || fail "notify ended with status $st, not 143 (SIGTERM)"
	[ $((SECONDS - t0)) -lt 5 ]
	run ! kill -0 "$(cat "$FILES/cmd")"
}

@test "notify: a command that cannot be run is 127 or 126, as in a shell" {
	mk_posix_mq "/$T-nx" 10 64
	ipc-mq send "/$T-nx" m
	run -127 --separate-stderr timeout 10 ipc-mq notify "/$T-nx" -- "no-such-cmd-$T"
	assert_equal "$stderr" "ipc-mq: notify /$T-nx: no-such-cmd-$T: command not found"
	printf 'echo hi\n' >"$FILES/noexec"
	run -126 --separate-stderr timeout 10 ipc-mq notify "/$T-nx" -- "$FILES/noexec"
	assert_regex "$stderr" "Permission denied$"
}

@test "create: a System V queue whose REF cannot be written (/dev/full) is removed again" {
	run -1 --separate-stderr timeout 10 bash -c "ipc-mq create key:0x${TKEY}31 >/dev/full"
	assert_equal "$stderr" "ipc-mq: create key:0x${TKEY}31: writing its REF: No space left on device"
	[ -z "$(ipcs -q | awk -v k="0x${TKEY}31" '$1 == k')" ] || fail "the queue was left behind"
	run -3 ipc-mq info "key:0x${TKEY}31"
}
