#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# ipc-ls: objects are made by independent programs (ipcmk, python3, mkfifo);
# what ipc-ls says is checked against them and against lsipc.

load helpers

@test "lists one object of every kind, made by independent programs" {
	local shm msg sem
	shm=$(mk_sysv shm 8192)
	msg=$(mk_sysv msg)
	sem=$(mk_sysv sem 2)
	mk_posix_shm "/$T-shm" 1000
	mk_posix_mq "/$T-mq"
	mk_posix_sem "/$T-sem" 3
	mk_fifo "$FILES/f.fifo"
	hold unix-listen "$FILES/s.sock"
	track file "$FILES/s.sock"
	wait_listening "$FILES/s.sock"
	hold unix-listen "@$T-abs"
	wait_listening "@$T-abs"

	run -0 ipc-ls --raw --noheadings -o KIND,REF --path "$FILES"
	assert_line "sysv-shm sysv-shm:id:$shm"
	assert_line "sysv-msg sysv-msg:id:$msg"
	assert_line "sysv-sem sysv-sem:id:$sem"
	assert_line "posix-shm posix-shm:/$T-shm"
	assert_line "posix-mq posix-mq:/$T-mq"
	assert_line "posix-sem posix-sem:/$T-sem"
	assert_line "fifo fifo:$FILES/f.fifo"
	assert_line "unix unix:$FILES/s.sock"
	assert_line "unix unix:@$T-abs"
}

@test "System V rows agree field by field with lsipc --json" {
	local shm msg sem
	shm=$(mk_sysv shm 12288)
	msg=$(mk_sysv msg)
	sem=$(mk_sysv sem 4)
	run -0 ipc-ls -t sysv --json
	echo "$output" >"$BATS_TEST_TMPDIR/ours.json"
	lsipc --json --bytes -m >"$BATS_TEST_TMPDIR/m.json"
	lsipc --json --bytes -q >"$BATS_TEST_TMPDIR/q.json"
	lsipc --json --bytes -s >"$BATS_TEST_TMPDIR/s.json"
	run -0 python3 - "$BATS_TEST_TMPDIR" "$shm" "$msg" "$sem" <<'PY'
import json, sys
d = sys.argv[1]
made = {int(i) for i in sys.argv[2:]}    # on the host there may be others'
ours = {o["ref"]: o for o in json.load(open(d + "/ours.json"))["ipc"]}
fields = {
    "m": ("sharedmemory", "sysv-shm", ["key", "id", "perms", "owner", "size", "nattch", "cpid", "lpid"]),
    "q": ("messages", "sysv-msg", ["key", "id", "perms", "owner", "usedbytes", "msgs", "lspid", "lrpid"]),
    "s": ("semaphores", "sysv-sem", ["key", "id", "perms", "owner", "nsems"]),
}
ours_key = {"usedbytes": "size"}
checked = 0
for f, (top, kind, keys) in fields.items():
    for row in json.load(open(f"{d}/{f}.json"))[top]:
        if int(row["id"]) not in made:
            continue
        o = ours[f"{kind}:id:{row['id']}"]
        for k in keys:
            theirs, mine = str(row[k]).rstrip("B"), str(o[ours_key.get(k, k)])
            assert theirs == mine, f"{kind} {row['id']} {k}: lsipc {theirs} ipc-ls {mine}"
            checked += 1
print("checked", checked)
PY
	assert_output "checked 21"
}

@test "USERS and STATE: a process mapping POSIX shm, attached to System V shm, holding a FIFO" {
	local shm
	mk_posix_shm "/$T-map"
	hold posix-shm-hold "/$T-map"
	local p1=$HOLDER
	shm=$(mk_sysv shm 4096)
	hold sysv-shm-attach "$shm"
	local p2=$HOLDER
	mk_fifo "$FILES/held.fifo"
	hold fifo-hold "$FILES/held.fifo"
	local p3=$HOLDER

	run -0 ipc-ls --raw -n -o REF,STATE,NUSERS,USERS --path "$FILES"
	assert_line "posix-shm:/$T-map in-use 1 $p1/python3"
	assert_line "sysv-shm:id:$shm in-use 1 $p2/python3"
	assert_line "fifo:$FILES/held.fifo in-use 1 $p3/python3"
	run -0 ipc-ls -i "sysv-shm:id:$shm" --json
	assert_output --partial '"nattch": 1'
}

@test "STATE orphan: creator gone and nobody attached; --orphans selects only those" {
	local gone
	gone=$(mk_sysv shm 4096)         # ipcmk has exited: creator gone
	mk_posix_shm "/$T-lone"
	mk_posix_shm "/$T-used"
	hold posix-shm-hold "/$T-used"
	run -0 ipc-ls --orphans --raw -n -o REF,STATE -t shm
	assert_line "sysv-shm:id:$gone orphan"
	assert_line "posix-shm:/$T-lone orphan"
	refute_line --partial "$T-used"
}

@test "a stale socket file, left by a server that died, is an orphan unix object" {
	peer unix-stale "$FILES/dead.sock"
	track file "$FILES/dead.sock"
	run -0 ipc-ls -t unix --path "$FILES" --raw -n -o REF,STATE,INFO
	assert_line "unix:$FILES/dead.sock orphan stale:\x20no\x20socket\x20bound"
}

@test "filters: kind families, user, name glob, older-than" {
	local msg
	msg=$(mk_sysv msg)
	mk_posix_mq "/$T-a"
	mk_posix_shm "/$T-b"
	run -0 ipc-ls -t mq --raw -n -o REF
	assert_line "sysv-msg:id:$msg"
	assert_line "posix-mq:/$T-a"
	refute_line "posix-shm:/$T-b"
	run -0 ipc-ls -t posix --name "/$T-*" --raw -n -o REF
	assert_output "$(printf 'posix-mq:/%s-a\nposix-shm:/%s-b' "$T" "$T")"
	local other=nobody      # a user who owns none of them
	[ "$(id -un)" != nobody ] || other=root
	run -0 ipc-ls -u "$other" -t posix --name "/$T-*" --raw -n -o REF
	assert_output ""
	run -0 ipc-ls -u "$(id -un)" -t posix-shm --raw -n -o REF
	assert_line "posix-shm:/$T-b"
	run -0 ipc-ls --older-than 1h -t posix --name "/$T-*" --raw -n -o REF
	assert_output ""
	run -0 ipc-ls --older-than 0s -t posix --name "/$T-b" --raw -n -o REF
	assert_output "posix-shm:/$T-b"
}

@test "-i shows every field and each semaphore of a System V set, also in JSON" {
	local sem
	sem=$(mk_sysv sem 3)
	peer sysv-sem-setall "$sem" 5 0 7
	run -0 ipc-ls -i "sysv-sem:id:$sem"
	assert_line --regexp "^nsems +3$"
	assert_line --regexp "^0 +5 +0 +0 +[0-9]+$"
	assert_line --regexp "^2 +7 +0 +0 +[0-9]+$"
	run -0 ipc-ls -i "sysv-sem:id:$sem" --json
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nsems"], [s["value"] for s in d["semaphores"]])' <<<"$output"
	assert_output "3 [5, 0, 7]"
}

@test "POSIX queue and semaphore counters: messages queued, semaphore value" {
	mk_posix_mq "/$T-q" 8 100
	peer mq-send "/$T-q" one two three
	mk_posix_sem "/$T-s" 4
	run -0 ipc-ls -t posix --raw -n -o REF,MSGS,MAXMSG,MSGSIZE,VALUE
	assert_line "posix-mq:/$T-q 3 8 100 "
	assert_line "posix-sem:/$T-s    4"
}

@test "-l shows the kernel limits and current use" {
	mk_sysv msg >/dev/null
	run -0 ipc-ls -l --json
	local queues=1   # on the host, every queue there is (others' may come and go)
	in_private_ns || queues=$(($(wc -l </proc/sysvipc/msg) - 1))
	run -0 python3 -c '
import json, sys
rows = {r["resource"]: r for r in json.load(sys.stdin)["limits"]}
print(rows["MSGMNI"]["limit"], rows["MSGMNI"]["used"], rows["MQ_MSG_MAX"]["limit"])' <<<"$output"
	assert_output "$(cat /proc/sys/kernel/msgmni) $queues $(cat /proc/sys/fs/mqueue/msg_max)"
}

@test "output modes: JSON keys are lower-case columns with exact numbers; -o, --sort, --bytes" {
	mk_posix_shm "/$T-big" 1048576
	mk_posix_shm "/$T-small" 10
	run -0 ipc-ls -t posix-shm --json -o REF,SIZE
	assert_output --partial "\"ref\": \"posix-shm:/$T-big\""
	assert_output --partial '"size": 1048576'
	run -0 ipc-ls -t posix-shm --name "/$T-*" -o REF,SIZE --sort SIZE -n
	assert_line --index 0 --regexp "posix-shm:/$T-small +10B"
	assert_line --index 1 --regexp "posix-shm:/$T-big +1M"
	run -0 ipc-ls -t posix-shm --name "/$T-*" -o SIZE --bytes -n --sort size
	assert_output "$(printf '     10\n1048576')"
}

@test "without /dev/mqueue: one warning naming the mount command, the rest listed, exit 0" {
	[ -n "${IPCKIT_NS:-}" ] || skip "needs the private namespace"
	mk_posix_shm "/$T-x"
	run -0 --separate-stderr unshare --mount sh -c 'while umount /dev/mqueue 2>/dev/null; do :; done; ipc-ls -t posix --raw -n -o REF'
	assert_output "posix-shm:/$T-x"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"mount -t mqueue none /dev/mqueue"* ]]
}

@test "without /proc/sysvipc: System V objects read through *ctl STAT give the same rows" {
	[ -n "${IPCKIT_NS:-}" ] || skip "needs the private namespace"
	mk_sysv shm 4096 >/dev/null
	mk_sysv sem 2 >/dev/null
	mk_sysv msg >/dev/null
	run -0 ipc-ls -t sysv --raw -n -o REF,KEY,PERMS,SIZE,NSEMS,MSGS
	local want=$output
	run -0 unshare --mount sh -c 'mount -t tmpfs none /proc/sysvipc && ipc-ls -t sysv --raw -n -o REF,KEY,PERMS,SIZE,NSEMS,MSGS'
	assert_output "$want"
	[ "$(echo "$output" | wc -l)" -eq 3 ]
}

@test "/dev/shm with a directory and a zero-byte sem.bogus: listed, not crashed on" {
	mkdir "/dev/shm/$T-dir"
	: >"/dev/shm/sem.$T-bogus"
	track posix-shm "/sem.$T-bogus"
	run -0 ipc-ls -t posix --raw -n -o REF,INFO
	assert_line "posix-sem:/$T-bogus malformed"
	refute_output --partial "$T-dir"
	rmdir "/dev/shm/$T-dir"
}

@test "objects the user may not read are listed with what can be seen" {
	mk_posix_mq "/$T-root"
	local msg
	msg=$(mk_sysv msg)
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-ls --raw -n -o REF,OWNER,PERMS,MSGS
	assert_line "posix-mq:/$T-root root rw------- "
	assert_line "sysv-msg:id:$msg root rw------- 0"
}

@test "bad input: unknown kind, bad duration, unknown column, bad or missing -i REF" {
	run -2 --separate-stderr ipc-ls -t sysv-bogus
	assert_equal "$stderr" "ipc-ls: unknown kind 'sysv-bogus' for --kind (kinds: posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix; families: posix sysv mq shm sem)"
	run -2 --separate-stderr ipc-ls --older-than 5x
	assert_equal "$stderr" "ipc-ls: invalid duration '5x' for --older-than (like 250ms, 2s, 1.5m, 1h)"
	run -2 --separate-stderr ipc-ls -o KIND,NOPE
	assert_equal "$stderr" "ipc-ls: unknown column 'NOPE' (see ipc-ls --help)"
	run -2 --separate-stderr ipc-ls -i posix-mq:jobs
	assert_equal "$stderr" "ipc-ls: posix-mq:jobs: name must start with a slash, like /jobs"
	run -2 --separate-stderr ipc-ls -i sysv-shm:id:-1
	assert_equal "$stderr" "ipc-ls: sysv-shm:id:-1: id is out of range (0 to 2147483647)"
	run -3 --separate-stderr ipc-ls -i "posix-shm:/$T-none"
	assert_equal "$stderr" "ipc-ls: posix-shm:/$T-none: no such object"
	run -2 ipc-ls extra
}

@test "a write error on stdout is caught: ipc-ls >/dev/full exits 1" {
	mk_posix_shm "/$T-w"
	run -1 --separate-stderr sh -c 'ipc-ls -t shm >/dev/full'   # -t: no warning where /dev/mqueue is missing
	assert_equal "$stderr" "ipc-ls: write error: No space left on device"
}

@test "--trace and IPC_TRACE=1 show the system calls on stderr" {
	local msg
	msg=$(mk_sysv msg)
	mk_posix_mq "/$T-t"
	run -0 --separate-stderr ipc-ls --trace -t sysv-msg,posix-mq -n
	[[ "$stderr" =~ 'open("/proc/sysvipc/msg", O_RDONLY) = '[0-9]+ ]]
	[[ "$stderr" == *"mq_open(\"/$T-t\", O_RDONLY|O_NONBLOCK) = "* ]]
	[[ "$stderr" == *"mq_getattr("*"mq_maxmsg=4, mq_msgsize=64, mq_curmsgs=0}) = 0"* ]]
	run -0 --separate-stderr env IPC_TRACE=1 ipc-ls -i "sysv-msg:id:$msg"
	[[ "$stderr" =~ 'open("/proc/sysvipc/msg", O_RDONLY) = '[0-9]+ ]]
}

# A process blocked in semop(-1) on semaphore NUM of set ID, waited for through ipcs.
sem_waiter() { # ID NUM
	python3 -c '
import ctypes, sys
class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
op = Sembuf(int(sys.argv[2]), -1, 0)
ctypes.CDLL(None, use_errno=True).semop(int(sys.argv[1]), ctypes.byref(op), 1)' "$1" "$2" 3>&- &
	echo "$!" >>"$HOLDERS"
	timeout 10 bash -c "until ipcs -s -i $1 | awk '\$1 == \"$2\" && \$3 > 0 { f = 1 } END { exit !f }'; do sleep 0.02; done" ||
		fail "no process waits on semaphore $2 of set $1"
}

@test "a set of several semaphores: a waiter on any one makes it in-use, a live last operator idle" {
	local sem other
	sem=$(mk_sysv sem 3)
	sem_waiter "$sem" 2
	other=$(mk_sysv sem 3)
	python3 -c '
import ctypes, sys, time
class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
op = Sembuf(1, 1, 0)
ctypes.CDLL(None).semop(int(sys.argv[1]), ctypes.byref(op), 1)
print("ready", flush=True)
time.sleep(3600)' "$other" >"$BATS_TEST_TMPDIR/op" 3>&- &
	echo "$!" >>"$HOLDERS"
	local operator=$!
	timeout 10 bash -c "until grep -q ready '$BATS_TEST_TMPDIR/op'; do sleep 0.02; done"
	run -0 ipc-ls -t sysv-sem --raw -n -o REF,STATE
	assert_line "sysv-sem:id:$sem in-use"
	assert_line "sysv-sem:id:$other idle"
	run -0 ipc-ls -t sysv-sem --orphans --raw -n -o REF
	assert_output ""
	run -0 ipc-ls -t sysv-sem --raw -n -o REF,LPID --name "$(sysv_key s "$other")"
	assert_output "sysv-sem:id:$other $operator"
}

@test "as an unprivileged user, an object held by another user's process is 'unknown', not orphan" {
	mk_posix_shm "/$T-held"
	chown nobody "/dev/shm/$T-held"
	hold posix-shm-hold "/$T-held"
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-ls -t posix-shm --raw -n -o REF,STATE
	assert_line "posix-shm:/$T-held unknown"
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-ls -t posix-shm --orphans --raw -n -o REF
	[[ "$output" != *"$T-held"* ]]
	run -0 ipc-ls -t posix-shm --raw -n -o REF,STATE
	assert_line "posix-shm:/$T-held in-use"
}

@test "USERS shows the process attached to the System V segment with id 0" {
	[ -n "${IPCKIT_NS:-}" ] || skip "needs root: the segment is made in a fresh IPC namespace"
	# shellcheck disable=SC2016  # expanded by the inner shell
	run -0 timeout 20 unshare --ipc bash -c '
		id=$(ipcmk -M 4096 -p 0600 | awk "{ print \$NF }")
		[ "$id" = 0 ] || { echo "the first segment got id $id"; exit 1; }
		python3 "$1" sysv-shm-attach 0 >"$2" 3>&- &
		until grep -q ready "$2"; do sleep 0.02; done
		echo "holder $!"
		ipc-ls -t sysv-shm --raw -n -o REF,NATTCH,USERS
		kill $!' _ "$PEER" "$BATS_TEST_TMPDIR/ready"
	local pid
	pid=$(awk '$1 == "holder" { print $2 }' <<<"$output")
	assert_line "sysv-shm:id:0 1 $pid/python3"
}

@test "--trace prints the descriptor open returned, and *_STAT when that is the call made" {
	mk_sysv msg >/dev/null
	local want
	want=$(bash -c 'exec 5</dev/null 6</dev/null 7</dev/null; python3 -c "import os; print(os.open(\"/dev/null\", 0))"')
	run -0 --separate-stderr bash -c 'exec 5</dev/null 6</dev/null 7</dev/null; ipc-ls --trace -t sysv-msg -n'
	[[ "$stderr" == *"open(\"/proc/sysvipc/msg\", O_RDONLY) = $want"* ]]
	[ -n "${IPCKIT_NS:-}" ] || skip "needs root: the queues are made in a fresh IPC namespace"
	# Index 0 empty, index 1 used: MSG_STAT_ANY fails on 0, then MSG_STAT is tried and traced as such.
	# shellcheck disable=SC2016  # expanded by the inner shell
	run -0 --separate-stderr timeout 20 unshare --ipc --mount sh -c 'mount -t tmpfs none /proc/sysvipc &&
		a=$(ipcmk -Q | awk "{ print \$NF }") && ipcmk -Q >/dev/null && ipcrm -q "$a" &&
		ipc-ls --trace -t sysv-msg -n -o REF'
	assert_regex "$stderr" 'msgctl\(0, MSG_STAT_ANY, \{\.\.\.\}\) = -1 EINVAL'
	assert_regex "$stderr" 'msgctl\(0, MSG_STAT, \{\.\.\.\}\) = -1 EINVAL'
	assert_regex "$stderr" 'msgctl\(1, MSG_STAT_ANY, \{\.\.\.\}\) = [0-9]+'
}

@test "--path: a missing directory, a file or a symlink is one warning and exit 3 or 2; the rest is listed" {
	mk_fifo "$FILES/a.fifo"
	: >"$FILES/file"
	ln -s "$FILES" "$FILES/link"
	run -3 --separate-stderr ipc-ls -t fifo --path "$FILES/none" --path "$FILES" --raw -n -o REF
	assert_output "fifo:$FILES/a.fifo"
	assert_equal "$stderr" "ipc-ls: --path $FILES/none: no such directory"
	run -2 --separate-stderr ipc-ls -t fifo --path "$FILES/file" --path "$FILES" --raw -n -o REF
	assert_output "fifo:$FILES/a.fifo"
	assert_equal "$stderr" "ipc-ls: --path $FILES/file: not a directory"
	run -2 --separate-stderr ipc-ls -t fifo --path "$FILES/link" --raw -n -o REF
	assert_output ""
	assert_regex "$stderr" "^ipc-ls: --path $FILES/link: is a symbolic link"
	run -3 --separate-stderr ipc-ls -t fifo --path "$FILES/new$(printf '\033')[2J" --raw -n -o REF
	assert_equal "$stderr" "ipc-ls: --path $FILES/new\\x1b[2J: no such directory"
	rm "$FILES/link"
}

@test "--path: nested roots list each object once" {
	mkdir "$FILES/sub"
	mk_fifo "$FILES/sub/b.fifo"
	run -0 ipc-ls -t fifo --path "$FILES" --path "$FILES/sub" --raw -n -o REF
	assert_output "fifo:$FILES/sub/b.fifo"
	run -0 ipc-ls -t fifo --path "$FILES/sub" --path "$FILES/" --raw -n -o REF
	assert_output "fifo:$FILES/sub/b.fifo"
}

@test "without --path: FIFOs processes hold are listed wherever they are; unopened ones are not looked for" {
	mkdir "$FILES/d"
	mk_fifo "$FILES/d/held.fifo"
	mk_fifo "$FILES/lone.fifo"
	hold fifo-hold "$FILES/d/held.fifo"
	run -0 ipc-ls -t fifo --raw -n -o REF,STATE,USERS
	assert_line "fifo:$FILES/d/held.fifo in-use $HOLDER/python3"
	refute_line --partial "lone.fifo"
	run -0 ipc-ls -t fifo --path "$FILES" --raw -n -o REF,STATE
	assert_line "fifo:$FILES/lone.fifo orphan"
	assert_line "fifo:$FILES/d/held.fifo in-use"
}

@test "only USERS, NUSERS, STATE and --orphans read /proc" {
	mk_posix_shm "/$T-p"
	run -0 --separate-stderr ipc-ls --trace -o REF,SIZE
	[[ "$stderr" != *'open("/proc", '* ]]
	run -0 --separate-stderr ipc-ls --trace -t sysv -o KIND,REF,SIZE
	[[ "$stderr" != *'open("/proc", '* ]]
	for o in "-o REF,STATE" "-o REF,USERS" "-o REF,NUSERS" "--orphans -o REF"; do
		# shellcheck disable=SC2086  # $o is two words on purpose
		run -0 --separate-stderr ipc-ls --trace $o
		[[ "$stderr" == *'open("/proc", '* ]]
	done
}

@test "only VALUE, LPID, INFO, STATE and --orphans read each semaphore of a System V set" {
	local id
	id=$(mk_sysv sem 3)
	run -0 --separate-stderr ipc-ls --trace -t sysv-sem -o KIND,REF,OWNER,PERMS,SIZE
	assert_line --regexp "^sysv-sem +sysv-sem:id:$id +$(id -un) +rw------- *\$"
	[[ "$stderr" == *"semget"* || "$stderr" == *"/proc/sysvipc/sem"* ]]
	[[ "$stderr" != *"GETVAL"* && "$stderr" != *"GETNCNT"* ]]
	for o in "-o REF,VALUE" "-o REF,LPID" "-o REF,INFO" "-o REF,STATE" "--orphans -o REF" "--sort VALUE -o REF"; do
		# shellcheck disable=SC2086  # $o is two words on purpose
		run -0 --separate-stderr ipc-ls --trace -t sysv-sem $o
		[[ "$stderr" == *"semctl($id, 2, GETNCNT)"* ]]
	done
	run -0 --separate-stderr ipc-ls --trace -t sysv-sem
	[[ "$stderr" == *"semctl($id, 2, GETNCNT)"* ]]
}

@test "-i: the fields of the object's kind only, lower-case keys as in --json; unreadable ones say so" {
	local shm sem
	shm=$(mk_sysv shm 4096)
	run -0 ipc-ls -i "sysv-shm:id:$shm"
	assert_line --regexp "^nattch +0$"
	assert_line --regexp "^size +4096$"
	refute_line --regexp "^(msgs|maxmsg|nsems|name|mtime) "
	mk_posix_shm "/$T-d" 10
	run -0 ipc-ls -i "posix-shm:/$T-d" --json
	run -0 python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))' <<<"$output"
	assert_output "kind ref name owner group uid gid perms mode size ctime mtime users nusers state"
	sem=$(mk_sysv sem 2)
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-ls -i "sysv-sem:id:$sem"
	assert_line --regexp "^nsems +2$"
	assert_line --regexp "^semaphores +not readable: permission denied$"
	run -0 setpriv --reuid nobody --regid nogroup --clear-groups ipc-ls -i "sysv-sem:id:$sem" --json
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nsems"], d["semaphores"])' <<<"$output"
	assert_output "2 None"
}

@test "a socket path holding a newline and a forged /proc/net/unix row is one row, escaped" {
	local path="$FILES/a"$'\n'"0: 2 0 10000 1 1 4242 @$T-forged"
	local raw json orphans
	[ "${#path}" -lt 108 ] || skip "the scratch directory's path is too long for a socket name"
	hold unix-listen "$path"
	run -0 ipc-ls --raw -n -o REF,INFO,STATE -t unix --path "$FILES"
	raw=$output
	run -0 ipc-ls --json -o REF,STATE -t unix --path "$FILES"
	json=$output
	run -0 ipc-ls --raw -n -o REF -t unix --orphans --path "$FILES"
	orphans=$output
	rm -f "$path"   # before any assertion: a name with a newline cannot be tracked
	assert_equal "$(grep -cF "$T-forged" <<<"$raw")" 1
	assert_equal "$(grep -cF "$FILES" <<<"$raw")" 1
	[[ "$raw" == *"unix:$FILES/a\x0a0:"*"4242"*"@$T-forged stream,"*"listening in-use"* ]]
	run -0 python3 -c '
import json, sys
rows = [r for r in json.loads(sys.argv[1])["ipc"] if sys.argv[2] in r["ref"] or "forged" in r["ref"]]
print(len(rows), repr(rows[0]["ref"]), rows[0]["state"])' "$json" "$FILES"
	assert_output "1 'unix:$FILES/a\\\\x0a0: 2 0 10000 1 1 4242 @$T-forged' in-use"
	assert_equal "$(grep -cF "$FILES" <<<"$orphans")" 0
}

@test "a listener's accepted connections are counted in CONNS, not listed; a bound client is its own row" {
	local out="$BATS_TEST_TMPDIR/conns.out"
	python3 -c '
import socket, sys, time
d = sys.argv[1]
srv = socket.socket(socket.AF_UNIX); srv.bind(d + "/srv.sock"); srv.listen()
keep = []
for i in range(3):
    c = socket.socket(socket.AF_UNIX)
    if i == 0:
        c.bind(d + "/client.sock")   # a named client: listed on its own
    c.connect(d + "/srv.sock"); keep += [c, srv.accept()[0]]
print("ready", flush=True)
time.sleep(3600)' "$FILES" >"$out" 3>&- &
	echo $! >>"$HOLDERS"
	track file "$FILES/srv.sock"
	track file "$FILES/client.sock"
	wait_for "the server and its clients" grep -q ready "$out"
	run -0 ipc-ls --raw -n -o REF,CONNS,STATE -t unix --path "$FILES"
	assert_line "unix:$FILES/srv.sock 3 in-use"
	assert_line "unix:$FILES/client.sock  in-use"
	[ "$(grep -c "$FILES" <<<"$output")" -eq 2 ]
}

@test "--sort with nothing to list prints nothing and exits 0 (no qsort on an empty list)" {
	run -0 --separate-stderr ipc-ls -t shm --name "/$T-none" -o REF,SIZE --sort SIZE -n
	assert_output ""
	assert_equal "$stderr" ""
}

@test "listing a POSIX queue sets its atime and ctime (BUGS), never its mtime; --older-than goes by MTIME" {
	mk_posix_mq "/$T-old"
	local f=/dev/mqueue/$T-old before
	touch -d '2 hours ago' "$f"        # atime and mtime back; ctime is now
	before=$(stat -c '%X %Y' "$f")
	run -0 ipc-ls --older-than 1h -t posix-mq --name "/$T-*" --raw -n -o REF
	assert_output "posix-mq:/$T-old"
	run -0 ipc-ls -i "posix-mq:/$T-old"
	run -0 ipc-ls --older-than 1h -t posix-mq --name "/$T-*" --raw -n -o REF
	assert_output "posix-mq:/$T-old"
	# the status read moved atime (and ctime) to now; mtime stays the queue's own
	assert_equal "$(stat -c %Y "$f")" "${before#* }"
	[ "$(stat -c %X "$f")" -gt "${before% *}" ]
	# opening the queue and mq_getattr change no time
	touch -d '2 hours ago' "$f"
	before=$(stat -c '%X %Y %Z' "$f")
	run -0 python3 -c '
import ctypes, os, sys
rt = ctypes.CDLL("librt.so.1", use_errno=True)
q = rt.mq_open(sys.argv[1].encode(), os.O_RDONLY | os.O_NONBLOCK)
attr = (ctypes.c_long * 8)()
sys.exit(q < 0 or rt.mq_getattr(q, attr) != 0)' "/$T-old"
	assert_equal "$(stat -c '%X %Y %Z' "$f")" "$before"
}

@test "-i says what a REF names instead, in ipc-rm's words: wrong type, symlinked directory, missing ftok file" {
	local real
	echo data >"$FILES/regular"
	mkdir "$FILES/real"
	mk_fifo "$FILES/real/f"
	ln -s real "$FILES/link"
	real=$(realpath "$FILES/real")
	run -2 --separate-stderr ipc-ls -i "fifo:$FILES/regular"
	assert_equal "$stderr" "ipc-ls: fifo:$FILES/regular: is not a FIFO"
	run -2 --separate-stderr ipc-ls -i "unix:$FILES/real"
	assert_equal "$stderr" "ipc-ls: unix:$FILES/real: is a directory, not a unix socket"
	run -2 --separate-stderr ipc-ls -i "fifo:$FILES/link/f"
	assert_equal "$stderr" "ipc-ls: fifo:$FILES/link/f: a directory in the path is a symbolic link (use fifo:$real/f)"
	run -0 ipc-ls -i "fifo:$real/f"
	run -3 --separate-stderr ipc-ls -i "sysv-shm:ftok:$FILES/none"
	assert_equal "$stderr" "ipc-ls: sysv-shm:ftok:$FILES/none: $FILES/none: No such file or directory"
	run -2 --separate-stderr ipc-ls -i "/$T-x"
	assert_equal "$stderr" "ipc-ls: /$T-x: give the kind, like posix-mq:NAME, posix-shm:NAME, posix-sem:NAME"
	rm "$FILES/link" "$FILES/regular"
}

@test "USERS: a command with a newline inside is shown whole and escaped, not cut at the newline" {
	mk_posix_shm "/$T-nl"
	local out="$BATS_TEST_TMPDIR/py.out"
	python3 - "/dev/shm/$T-nl" >"$out" 3>&- <<'PY' &
import ctypes, mmap, os, sys, time
ctypes.CDLL(None).prctl(15, b"sshd\nevil")
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 4096)
print("ready", flush=True)
time.sleep(30)
PY
	local pid=$!
	echo "$pid" >>"$HOLDERS"
	wait_for "python to map the segment" grep -q ready "$out"
	run -0 ipc-ls --raw -n -o REF,USERS -t posix-shm --name "/$T-nl"
	kill "$pid"
	assert_output "posix-shm:/$T-nl $pid/sshd\\x0aevil"
}
