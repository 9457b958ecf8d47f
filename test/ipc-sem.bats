#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# shellcheck disable=SC2016  # the sh -c and bash -c scripts expand their own $1 $2
# ipc-sem: POSIX named semaphores and System V sets. The peers on the other
# end are python3 (ctypes on sem_open/sem_timedwait/sem_post and on
# semop/semctl: test/sem-peer.py), ipcmk and ipcs.

load helpers

SEMPEER="$TEST_DIR/sem-peer.py"
speer() { timeout 20 python3 "$SEMPEER" "$@"; }

# The ipc-sem process started (through the timeout shim) under PID.
tool_pid() { # PID
	wait_for "ipc-sem under $1" tool_under "$1" >/dev/null
	tool_under "$1"
}
tool_under() {
	local p
	for p in $(descendants "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ipc-sem ] && { echo "$p"; return 0; }
	done
	return 1
}
value_is() { [ "$(ipc-sem get "$1")" = "$2" ]; }   # REF VALUE
sysv_value() { speer sysv-get "$1" "${2:-0}" | cut -d' ' -f1; }   # ID [INDEX]: from python

@test "create: a POSIX semaphore with --value and exactly the --mode asked, whatever the umask" {
	umask 077
	run -0 ipc-sem create --value 5 --mode 644 "/$T-c"
	track posix-sem "/$T-c"
	[ "$(stat -c %a "/dev/shm/sem.$T-c")" = 644 ]
	run -0 speer posix-get "/$T-c"
	assert_output 5
	run -4 --separate-stderr ipc-sem create "/$T-c"
	assert_equal "$stderr" "ipc-sem: create /$T-c: semaphore exists (use --exist-ok)"
	run -0 ipc-sem create --exist-ok --value 1 "/$T-c"
	run -0 ipc-sem get "/$T-c"
	assert_output 5   # an existing one is taken as it is
	run -4 --separate-stderr ipc-sem create --exist-ok --mode 600 "/$T-c"
	assert_equal "$stderr" "ipc-sem: create /$T-c: exists with --mode 0644, not 0600; nothing changed"
	umask 022
	run -0 ipc-sem create "/$T-d"
	track posix-sem "/$T-d"
	[ "$(stat -c %a "/dev/shm/sem.$T-d")" = 600 ]
	run -0 ipc-sem get "/$T-d"
	assert_output 0
}

@test "create: a System V set by key with --nsems and --value prints its REF; ftok: too" {
	local id
	run -0 ipc-sem create --nsems 3 --value 2 --mode 0640 key:0x7e5e0001
	id=${output#sysv-sem:id:}
	track sysv-sem "$id"
	assert_equal "$(sysv_key s "$id")" 0x7e5e0001
	run -0 bash -c "ipcs -s -i $id | grep -cE '^[0-9]+ +2 '"
	assert_output 3
	run -0 bash -c "ipcs -s | awk '\$2 == $id { print \$4, \$5 }'"
	assert_output "640 3"
	run -4 ipc-sem create key:0x7e5e0001
	run -0 ipc-sem create --exist-ok key:0x7e5e0001
	assert_output "sysv-sem:id:$id"
	run -4 --separate-stderr ipc-sem create --exist-ok --nsems 2 key:0x7e5e0001
	assert_equal "$stderr" "ipc-sem: create key:0x7e5e0001: exists with --nsems 3, not 2; nothing changed"
	run -4 --separate-stderr ipc-sem create --exist-ok --nsems 10 key:0x7e5e0001
	assert_equal "$stderr" "ipc-sem: create key:0x7e5e0001: exists with --nsems 3, not 10; nothing changed"
	run -2 --separate-stderr ipc-sem create "id:$id"
	assert_equal "$stderr" "ipc-sem: id:$id: a new System V set is named by key: or ftok:, the kernel picks the id"
	touch "$FILES/anchor"
	run -0 ipc-sem create "ftok:$FILES/anchor:7"
	id=${output#sysv-sem:id:}
	track sysv-sem "$id"
	run -0 python3 -c 'import sys, ctypes; print("0x%08x" % (ctypes.CDLL(None).ftok(sys.argv[1].encode(), 7) & 0xffffffff))' "$FILES/anchor"
	assert_equal "$(sysv_key s "$id")" "$output"
}

@test "wait, trywait, post -n and get move the value, as python sees it (POSIX and System V)" {
	local id
	mk_posix_sem "/$T-w" 2
	run -0 ipc-sem wait "/$T-w"
	run -0 ipc-sem trywait "/$T-w"
	run -0 speer posix-get "/$T-w"
	assert_output 0
	run -0 ipc-sem post -n 7 "/$T-w"
	run -0 speer posix-get "/$T-w"
	assert_output 7
	run -0 ipc-sem post "/$T-w"
	run -0 ipc-sem get "/$T-w"
	assert_output 8
	id=$(mk_sysv sem 2)
	run -0 ipc-sem post -i 1 -n 4 "id:$id"
	run -0 ipc-sem wait -i 1 "id:$id"
	assert_equal "$(sysv_value "$id" 1)" 3
	assert_equal "$(sysv_value "$id" 0)" 0
	run -0 ipc-sem get --index 1 "id:$id"
	assert_output 3
}

@test "timeouts: trywait and -t 0 on 0 are exit 6 at once; -t waits that long; nothing taken" {
	local id t0
	mk_posix_sem "/$T-t" 0
	run -6 --separate-stderr ipc-sem trywait "/$T-t"
	assert_equal "$stderr" "ipc-sem: trywait /$T-t: the value is 0 (would block)"
	run -6 ipc-sem wait -t 0 "/$T-t"
	t0=$EPOCHREALTIME
	run -6 --separate-stderr ipc-sem wait -t 300ms "/$T-t"
	assert_equal "$stderr" "ipc-sem: wait /$T-t: timed out"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 0.3 && b - a < 5) }'
	id=$(mk_sysv sem 1)
	run -6 ipc-sem trywait "id:$id"
	t0=$EPOCHREALTIME
	run -6 --separate-stderr ipc-sem wait -t 0.3 "id:$id"
	assert_equal "$stderr" "ipc-sem: wait id:$id: timed out"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 0.3 && b - a < 5) }'
	assert_equal "$(sysv_value "$id")" 0
	run -0 ipc-sem get "/$T-t"
	assert_output 0
}

@test "a waiter is woken by a post from another process, both ways with python, both kinds" {
	local id pid
	mk_posix_sem "/$T-x" 0
	# python waits in sem_timedwait; ipc-sem posts.
	speer posix-wait "/$T-x" 15 >"$FILES/py" &
	pid=$!
	wait_for "python waiting" grep -q waiting "$FILES/py"
	ipc-sem post "/$T-x"
	wait "$pid"
	grep -q took "$FILES/py"
	# ipc-sem waits; python posts.
	ipc-sem wait -t 15s "/$T-x" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	speer posix-post "/$T-x"
	wait "$pid"
	run -0 speer posix-get "/$T-x"
	assert_output 0
	id=$(mk_sysv sem 1)
	ipc-sem wait -t 15s "id:$id" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	run -0 speer sysv-get "$id"
	assert_output "0 1 0"    # value, ncnt (one waiter), zcnt
	ipc-sem post "id:$id"
	wait "$pid"
	speer sysv-wait "$id" 0 15 >"$FILES/py2" &
	pid=$!
	wait_for "python waiting" grep -q waiting "$FILES/py2"
	ipc-sem post "id:$id"
	wait "$pid"
	assert_equal "$(sysv_value "$id")" 0
}

@test "get --json: the value; System V adds semnum, ncnt, zcnt and the last pid" {
	local id pid
	mk_posix_sem "/$T-j" 4
	run -0 ipc-sem get --json "/$T-j"
	assert_equal "$(jq -c . <<<"$output")" "{\"ref\":\"posix-sem:/$T-j\",\"kind\":\"posix-sem\",\"value\":4}"
	id=$(mk_sysv sem 2)
	ipc-sem post -i 1 -n 2 "id:$id"
	ipc-sem wait -t 15s "id:$id" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	run -0 ipc-sem get -J "id:$id"
	assert_equal "$(jq -c '[.kind, .semnum, .value, .ncnt, .zcnt]' <<<"$output")" '["sysv-sem",0,0,1,0]'
	run -0 ipc-sem get -J -i 1 "id:$id"
	assert_equal "$(jq -r .ref <<<"$output")" "sysv-sem:id:$id"
	[ "$(jq .pid <<<"$output")" -gt 0 ]
	ipc-sem post "id:$id"
	wait "$pid"
}

@test "set: System V SETVAL per member; POSIX says why it cannot and what to do" {
	local id
	id=$(mk_sysv sem 3)
	run -0 ipc-sem set -i 2 "id:$id" 9
	assert_equal "$(sysv_value "$id" 2)" 9
	assert_equal "$(sysv_value "$id" 0)" 0
	run -0 ipc-sem set "id:$id" 32767
	assert_equal "$(sysv_value "$id" 0)" 32767
	mk_posix_sem "/$T-s" 1
	run -2 --separate-stderr ipc-sem set "/$T-s" 3
	assert_equal "$stderr" "ipc-sem: set /$T-s: a POSIX semaphore has no set operation, only wait and post; use 'ipc-sem post -n N' to raise it, or 'ipc-sem rm' and 'ipc-sem create --value N'"
	run -0 ipc-sem get "/$T-s"
	assert_output 1
}

@test "a value above the maximum is refused naming the limit, and nothing changes" {
	local id
	run -2 --separate-stderr ipc-sem create --value 2147483648 "/$T-o"
	assert_equal "$stderr" "ipc-sem: create /$T-o: 2147483648 is above SEM_VALUE_MAX (2147483647), the largest value a POSIX semaphore holds"
	posix_exists posix-sem "/$T-o" && fail "made it anyway"
	run -2 --separate-stderr ipc-sem create --value 32768 key:0x7e5e0002
	assert_equal "$stderr" "ipc-sem: create key:0x7e5e0002: 32768 is above SEMVMX (32767), the largest value a System V semaphore holds"
	run -2 ipc-sem create --value 99999999999999999999999 key:0x7e5e0002
	[ -z "$(sysv_key_id 0x7e5e0002)" ] || fail "made a set anyway"
	mk_posix_sem "/$T-o" 2147483640
	run -2 --separate-stderr ipc-sem post -n 8 "/$T-o"
	assert_equal "$stderr" "ipc-sem: post /$T-o: 8 more would pass SEM_VALUE_MAX (2147483647); nothing posted"
	run -0 ipc-sem post -n 7 "/$T-o"
	run -2 ipc-sem post "/$T-o"
	run -0 ipc-sem get "/$T-o"
	assert_output 2147483647
	id=$(mk_sysv sem 1)
	ipc-sem set "id:$id" 32760
	run -2 --separate-stderr ipc-sem post -n 8 "id:$id"
	assert_equal "$stderr" "ipc-sem: post id:$id: 8 more would pass SEMVMX (32767); nothing posted"
	assert_equal "$(sysv_value "$id")" 32760
	run -2 --separate-stderr ipc-sem set "id:$id" 32768
	assert_equal "$stderr" "ipc-sem: set id:$id: 32768 is above SEMVMX (32767), the largest value a System V semaphore holds"
	run -2 ipc-sem post -n 40000 "id:$id"
	assert_equal "$(sysv_value "$id")" 32760
}
sysv_key_id() { ipcs -s | awk -v k="$1" '$1 == k { print $2 }'; }

@test "--index: past the end of the set is exit 2 naming the range; not for POSIX" {
	local id
	id=$(mk_sysv sem 3)
	run -2 --separate-stderr ipc-sem get -i 3 "id:$id"
	assert_equal "$stderr" "ipc-sem: get id:$id: --index 3 is past the end of the set (3 semaphores: 0 to 2)"
	run -2 ipc-sem post -i 65535 "id:$id"
	run -2 ipc-sem post -i 65536 "id:$id"
	run -2 ipc-sem wait -t 0 -i -1 "id:$id"
	assert_equal "$(sysv_value "$id" 2)" 0
	mk_posix_sem "/$T-i" 1
	run -2 --separate-stderr ipc-sem wait -i 0 "/$T-i"
	assert_equal "$stderr" "ipc-sem: wait /$T-i: --index is for System V sets; a POSIX semaphore is one"
	run -2 --separate-stderr ipc-sem create --nsems 2 "/$T-n"
	assert_equal "$stderr" "ipc-sem: --nsems is for System V sets; a POSIX semaphore is one"
}

@test "numbers: decimal, 0x hex, a leading zero is not octal; modes are octal; bad ones are exit 2" {
	local id
	run -0 ipc-sem create --value 010 "/$T-d"
	track posix-sem "/$T-d"
	run -0 ipc-sem get "/$T-d"
	assert_output 10
	run -0 ipc-sem post -n 0x10 "/$T-d"
	run -0 ipc-sem get "/$T-d"
	assert_output 26
	run -2 --separate-stderr ipc-sem post -n 1e3 "/$T-d"
	assert_equal "$stderr" "ipc-sem: invalid value '1e3' for --count (a decimal number from 0 to 2147483647)"
	run -2 ipc-sem post -n -1 "/$T-d"
	run -2 ipc-sem post -n ' 1' "/$T-d"
	run -2 ipc-sem post -n 0 "/$T-d"
	run -2 ipc-sem create --value 1x "/$T-e"
	run -2 ipc-sem create --mode 0800 "/$T-e"
	run -2 ipc-sem wait -t 5x "/$T-d"
	posix_exists posix-sem "/$T-e" && fail "made /$T-e anyway"
	run -0 ipc-sem get "/$T-d"
	assert_output 26
	id=$(mk_sysv sem 12)
	run -0 ipc-sem set -i 010 "id:$id" 0x7
	assert_equal "$(sysv_value "$id" 10)" 7
	run -0 ipc-sem get -i 0xa "id:$id"
	assert_output 7
	run -0 ipc-sem create --mode 640 "/$T-m"
	track posix-sem "/$T-m"
	[ "$(stat -c %a "/dev/shm/sem.$T-m")" = 640 ]
}

@test "not found is 3, someone else's semaphore is 5, and nothing is changed" {
	local id
	run -3 --separate-stderr ipc-sem wait -t 0 "/$T-none"
	assert_equal "$stderr" "ipc-sem: wait /$T-none: no such semaphore"
	run -3 ipc-sem get key:0x7e5e00ff
	run -3 ipc-sem post id:999999
	run -3 ipc-sem run "/$T-none" -- true
	run -3 ipc-sem get "ftok:$FILES/nope"
	mk_posix_sem "/$T-root" 1
	run -5 --separate-stderr setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem wait "/$T-root"
	assert_equal "$stderr" "ipc-sem: wait /$T-root: Permission denied"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem post "/$T-root"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem rm "/$T-root"
	run -0 ipc-sem get "/$T-root"
	assert_output 1
	id=$(mk_sysv_key sem 03)
	ipc-sem post "id:$id"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem wait "key:0x${TKEY}03"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem post "id:$id"
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem set "id:$id" 5
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem run "id:$id" -- true
	run -5 setpriv --reuid nobody --regid nogroup --clear-groups ipc-sem rm "id:$id"
	assert_equal "$(sysv_value "$id")" 1
}

@test "a semaphore removed while ipc-sem waits ends it with exit 3 (System V at once, POSIX within a second or two)" {
	local id pid st t0
	id=$(mk_sysv sem 1)
	ipc-sem wait "id:$id" 2>"$FILES/err1" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	ipc-sem rm "id:$id"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 3
	assert_equal "$(cat "$FILES/err1")" "ipc-sem: wait id:$id: the semaphore was removed"
	mk_posix_sem "/$T-gone" 0
	ipc-sem wait -t 20s "/$T-gone" 2>"$FILES/err2" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	t0=$SECONDS
	ipc-sem rm "/$T-gone"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 3
	[ $((SECONDS - t0)) -le 3 ] || fail "took $((SECONDS - t0)) s to notice"
	assert_equal "$(cat "$FILES/err2")" "ipc-sem: wait /$T-gone: the semaphore was removed"
	# A new semaphore by the same name is not the one it waited on.
	mk_posix_sem "/$T-gone" 0
	ipc-sem wait "/$T-gone" 2>/dev/null &
	pid=$!
	wait_blocked "$pid" ipc-sem
	rm "/dev/shm/sem.$T-gone"
	mk_posix_sem "/$T-gone" 0
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 3
}

@test "SIGINT and SIGTERM end a wait at once, with or without -t, taking nothing" {
	local id pid st t0 sig
	id=$(mk_sysv sem 1)
	mk_posix_sem "/$T-sig" 0
	for ref in "id:$id" "/$T-sig"; do
		for t in "" "-t 30s"; do
			for sig in INT TERM; do
				# shellcheck disable=SC2086  # $t: an option and its value, or none
				timeout 40 env --default-signal=INT ipc-sem wait $t "$ref" &
				pid=$!
				wait_blocked "$pid" ipc-sem
				t0=$SECONDS
				kill "-$sig" "$(tool_pid "$pid")"
				st=0
				wait "$pid" || st=$?
				[ "$st" -eq $((128 + $(kill -l "$sig"))) ] || fail "wait $t $ref: status $st after SIG$sig"
				[ $((SECONDS - t0)) -lt 5 ] || fail "wait $t $ref took $((SECONDS - t0)) s to end"
			done
		done
	done
	assert_equal "$(sysv_value "$id")" 0
	ipc-sem post "/$T-sig"
	run -0 ipc-sem get "/$T-sig"
	assert_output 1
}

@test "run: the command's status is ours, the unit comes back however it ends" {
	local id
	mk_posix_sem "/$T-r" 1
	run -0 ipc-sem run "/$T-r" -- sh -c 'echo inside; ipc-sem get "$1"' sh "/$T-r"
	assert_output "$(printf 'inside\n0')"
	run -0 ipc-sem get "/$T-r"
	assert_output 1
	run -42 ipc-sem run "/$T-r" -- sh -c 'exit 42'
	run -143 ipc-sem run "/$T-r" -- sh -c 'kill -TERM $$'
	run -127 --separate-stderr ipc-sem run "/$T-r" -- "$T-no-such-command"
	assert_equal "$stderr" "ipc-sem: run /$T-r: $T-no-such-command: command not found"
	run -126 ipc-sem run "/$T-r" -- "$FILES"
	run -0 ipc-sem get "/$T-r"
	assert_output 1
	id=$(mk_sysv sem 2)
	ipc-sem post -i 1 "id:$id"
	run -3 ipc-sem run -i 1 "id:$id" -- sh -c 'exit 3'
	run -0 ipc-sem run -i 1 "id:$id" -- sh -c 'test "$(ipc-sem get -i 1 "$1")" = 0' sh "id:$id"
	assert_equal "$(sysv_value "$id" 1)" 1
	run -6 ipc-sem run -t 0 "id:$id" -- true
	run -6 ipc-sem run -t 200ms "/$T-r" -- ipc-sem run -t 0 "/$T-r" -- true
	run -2 --separate-stderr ipc-sem run "/$T-r"
	assert_equal "$stderr" "ipc-sem: run /$T-r: give the COMMAND to run after --"
	run -0 ipc-sem get "/$T-r"
	assert_output 1
}

@test "run: SIGTERM to ipc-sem is passed on to the command, and the unit comes back" {
	local pid st
	mk_posix_sem "/$T-term" 1
	ipc-sem run "/$T-term" -- sleep 30 &
	pid=$!
	wait_for "the unit taken" value_is "/$T-term" 0
	wait_for "sleep to start" pgrep -P "$(tool_pid "$pid")" sleep
	kill -TERM "$(tool_pid "$pid")"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 143
	run -0 ipc-sem get "/$T-term"
	assert_output 1
}

# Starts `ipc-sem run REF -- sleep 30`, waits until it holds the unit and sleep
# runs, then SIGKILLs ipc-sem (and ends the orphaned sleep).
kill_run_holder() { # REF
	local pid tool child
	ipc-sem run "$1" -- sleep 30 &
	pid=$!
	wait_for "the unit taken" value_is "$1" 0
	tool=$(tool_pid "$pid")
	wait_for "sleep to start" pgrep -P "$tool" sleep
	child=$(pgrep -P "$tool" sleep)
	kill -KILL "$tool"
	wait "$pid" || true
	kill "$child"
}

@test "run: SIGKILL of ipc-sem holding a System V unit gives the unit back (SEM_UNDO); POSIX loses it" {
	local id
	id=$(mk_sysv sem 1)
	ipc-sem post "id:$id"
	kill_run_holder "id:$id"
	assert_equal "$(sysv_value "$id")" 1
	# Another run gets it at once.
	run -0 ipc-sem run -t 0 "id:$id" -- true
	# POSIX has no undo: as ipc-sem(1) says, the unit is lost.
	mk_posix_sem "/$T-k" 1
	kill_run_holder "/$T-k"
	run -0 ipc-sem get "/$T-k"
	assert_output 0
}

# max_overlap LOG: the most holders at once, from "start"/"end" lines in the order written.
max_overlap() {
	awk '$1 == "start" { n++; if (n > max) max = n } $1 == "end" { n-- } END { print max + 0 }' "$1"
}

@test "40 background run jobs on a System V semaphore of value 3: never more than 3 at once, all complete" {
	local id ref i pids=()
	ref=$(ipc-sem create --value 3 "key:0x${TKEY}40")
	id=${ref#sysv-sem:id:}
	track sysv-sem "$id"
	: >"$FILES/log"
	for ((i = 0; i < 40; i++)); do
		ipc-sem run "$ref" -- sh -c 'echo "start $1" >>"$2"; sleep 0.05; echo "end $1" >>"$2"' sh "$i" "$FILES/log" &
		pids+=($!)
	done
	wait "${pids[@]}"   # not bats' own background watchdog
	assert_equal "$(grep -c '^start' "$FILES/log")" 40
	assert_equal "$(grep -c '^end' "$FILES/log")" 40
	assert_equal "$(max_overlap "$FILES/log")" 3
	assert_equal "$(sysv_value "$id")" 3
}

@test "40 background run jobs on a POSIX semaphore of value 3: never more than 3 at once, all complete" {
	local i pids=()
	mk_posix_sem "/$T-40" 3
	: >"$FILES/log"
	for ((i = 0; i < 40; i++)); do
		ipc-sem run "/$T-40" -- sh -c 'echo "start $1" >>"$2"; sleep 0.05; echo "end $1" >>"$2"' sh "$i" "$FILES/log" &
		pids+=($!)
	done
	wait "${pids[@]}"   # not bats' own background watchdog
	assert_equal "$(grep -c '^start' "$FILES/log")" 40
	assert_equal "$(grep -c '^end' "$FILES/log")" 40
	assert_equal "$(max_overlap "$FILES/log")" 3
	run -0 ipc-sem get "/$T-40"
	assert_output 3
}

@test "ipcmk -S sets are usable: post, wait, get, set, run by id and by key" {
	local id key
	id=$(mk_sysv sem 2)
	key=$(sysv_key s "$id")
	run -0 ipc-sem post -i 1 -n 3 "id:$id"
	run -0 ipc-sem wait -i 1 "key:$key"
	run -0 ipc-sem get -i 1 "sysv-sem:key:$key"
	assert_output 2
	run -0 ipc-sem set "id:$id" 1
	run -0 ipc-sem run "key:$key" -- true
	run -0 bash -c "ipcs -s -i $id | awk '/^0 /{ print \$2 } /^1 /{ print \$2 }'"
	assert_output "$(printf '1\n2')"
	run -0 ipc-sem rm "key:$key"
	sysv_exists s "$id" && fail "still there"
	true
}

@test "info: POSIX and System V fields, as JSON too" {
	local id
	mk_posix_sem "/$T-inf" 3
	run -0 ipc-sem info "/$T-inf"
	assert_line --regexp '^value +3$'
	run -0 ipc-sem info --json "/$T-inf"
	assert_equal "$(jq -c '[.kind, .value, .nsems]' <<<"$output")" '["posix-sem",3,1]'
	id=$(mk_sysv sem 2)
	ipc-sem set -i 1 "id:$id" 4
	run -0 ipc-sem info -J "id:$id"
	assert_equal "$(jq -c '[.kind, .nsems, .semaphores[1].value]' <<<"$output")" '["sysv-sem",2,4]'
	run -3 ipc-sem info "/$T-nothing"
}

@test "rm: several at once, each failure on its own line, the first failure's status" {
	local id
	mk_posix_sem "/$T-a" 1
	id=$(mk_sysv sem 1)
	run -3 --separate-stderr ipc-sem rm "/$T-missing" "/$T-a" "id:$id" "bad name"
	assert_equal "$stderr" "$(printf 'ipc-sem: rm /%s-missing: no such semaphore\nipc-sem: rm bad name: %s' "$T" "$(ipc-sem rm 'bad name' 2>&1 | sed 's/^ipc-sem: rm bad name: //')")"
	posix_exists posix-sem "/$T-a" && fail "/$T-a still there"
	sysv_exists s "$id" && fail "set $id still there"
	run -2 ipc-sem rm posix-shm:/x
	true
}

@test "names: up to 251 bytes work, 252 is exit 2; control bytes are escaped in messages" {
	local long
	long=/$(printf 'n%.0s' $(seq 251))
	run -0 ipc-sem create "$long"
	track posix-sem "$long"
	run -0 ipc-sem post "$long"
	run -0 ipc-sem get "$long"
	assert_output 1
	run -2 ipc-sem create "${long}x"
	run -3 --separate-stderr ipc-sem get $'/a\nb\e[31m'
	assert_equal "$stderr" 'ipc-sem: get /a\x0ab\x1b[31m: no such semaphore'
	run -0 ipc-sem create $'/'"$T"$'-\x01\xff'
	track posix-sem $'/'"$T"$'-\x01\xff'
	run -0 ipc-sem get --json $'/'"$T"$'-\x01\xff'
	# the REF as ipc-ls prints it: escaped, so jq -r puts no control byte on a terminal
	assert_equal "$(jq -r .ref <<<"$output")" "posix-sem:/$T-\\x01\\xff"
	run -0 ipc-sem info --json $'/'"$T"$'-\x01\xff'
	jq . <<<"$output" >/dev/null
}

@test "--trace shows the semaphore calls" {
	local id
	mk_posix_sem "/$T-tr" 1
	run -0 --separate-stderr ipc-sem --trace wait "/$T-tr"
	assert_equal "$stderr" "$(printf 'sem_open("/%s-tr", 0) = 0\nsem_trywait("/%s-tr") = 0\nsem_close("/%s-tr") = 0' "$T" "$T" "$T")"
	run -6 --separate-stderr ipc-sem --trace wait -t 10ms "/$T-tr"
	[[ $stderr == *'sem_clockwait("/'"$T"'-tr", CLOCK_MONOTONIC, {tv_sec='*'}) = -1 ETIMEDOUT'* ]] || fail "$stderr"
	id=$(mk_sysv sem 1)
	run -6 --separate-stderr ipc-sem --trace run -t 200ms "id:$id" -- true
	[[ $stderr == *"semtimedop($id, [{0, -1, SEM_UNDO}], 1, {tv_sec=0, tv_nsec=200000000}) = -1 EAGAIN"* ]] ||
		fail "no semtimedop line: $stderr"
	ipc-sem post "id:$id"
	run -0 --separate-stderr env IPC_TRACE=1 ipc-sem run "id:$id" -- true
	[[ $stderr == *"semtimedop($id, [{0, -1, SEM_UNDO}], 1, {tv_sec=1, tv_nsec=0}) = 0"* ]] || fail "$stderr"
	[[ $stderr == *"semop($id, [{0, +1, SEM_UNDO}], 1) = 0"* ]] || fail "$stderr"
}

@test "bash completes subcommands and live semaphores; zsh and fish name the long forms --help leaves out" {
	mk_posix_sem "/$T-comp" 1
	run -0 bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$1/../completions/bash/ipc-sem"
		COMP_WORDS=(ipc-sem tr); COMP_CWORD=1; _ipc_sem; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(ipc-sem post --co); COMP_CWORD=2; _ipc_sem; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(ipc-sem wait "/$2-co"); COMP_CWORD=2; _ipc_sem; printf "%s\n" "${COMPREPLY[@]}"' _ "$TEST_DIR" "$T"
	assert_output "$(printf 'trywait\n--count\n/%s-comp' "$T")"
	for opt in --timeout --index --count --json; do
		grep -q -- "${opt}" "$TEST_DIR/../completions/zsh/_ipc-sem" || fail "zsh lacks $opt"
		grep -q -- "-l ${opt#--}" "$TEST_DIR/../completions/fish/ipc-sem.fish" || fail "fish lacks $opt"
	done
}

@test "a short file under a semaphore's name in /dev/shm is refused, not a crash (SIGBUS)" {
	: >"/dev/shm/sem.$T-short"
	track posix-sem "/$T-short"
	run -1 --separate-stderr ipc-sem wait -t 0 "/$T-short"
	assert_equal "$stderr" "ipc-sem: wait /$T-short: not a semaphore: its file in /dev/shm is too short to be one"
	run -1 ipc-sem get "/$T-short"
	run -1 ipc-sem run "/$T-short" -- true
	run -1 ipc-sem create --exist-ok "/$T-short"
	run -0 ipc-sem rm "/$T-short"
}

@test "create: a System V set whose REF cannot be written (/dev/full) is removed again" {
	run -1 --separate-stderr bash -c "ipc-sem create key:0x${TKEY}21 >/dev/full"
	assert_equal "$stderr" "ipc-sem: create key:0x${TKEY}21: writing its REF: No space left on device"
	[ -z "$(sysv_key_id "0x${TKEY}21")" ] || fail "the set was left behind"
	run -3 ipc-sem get "key:0x${TKEY}21"
	mk_posix_sem "/$T-full" 2
	run -1 --separate-stderr bash -c "ipc-sem get '/$T-full' >/dev/full"
	assert_equal "$stderr" "ipc-sem: write error: No space left on device"
}

@test "a timeout too long to add to the clock waits for ever, not no time at all" {
	local pid
	mk_posix_sem "/$T-long" 0
	ipc-sem wait -t 2562047h "/$T-long" &
	pid=$!
	wait_blocked "$pid" ipc-sem
	kill -0 "$pid"
	ipc-sem post "/$T-long"
	wait "$pid"
	run -0 ipc-sem get "/$T-long"
	assert_output 0
}

@test "create under a file size limit (ulimit -f 0) fails with exit 1 and leaves no temporary file in /dev/shm" {
	local before after
	before=$(find /dev/shm -maxdepth 1 -name 'sem.*' | wc -l)
	run -0 timeout 20 bash -c 'ulimit -f 0; ipc-sem create "$1" 2>&1 | cat; echo "status ${PIPESTATUS[0]}"' _ "/$T-f"
	assert_output "$(printf 'ipc-sem: create /%s-f: File too large\nstatus 1' "$T")"
	after=$(find /dev/shm -maxdepth 1 -name 'sem.*' | wc -l)
	[ ! -e "/dev/shm/sem.$T-f" ] || { track posix-sem "/$T-f"; fail "made it anyway"; }
	assert_equal "$after" "$before"
}
