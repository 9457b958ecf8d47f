# shellcheck shell=bash
# The tour's part for ipc-sem (sourced by test/demo: step, run, $name, $dir, sysv_ids).
# shellcheck disable=SC2154  # name, dir and sysv_ids are the tour's

step "ipc-sem: a semaphore is a counter that never goes below 0" \
	"wait (P) takes a unit, waiting while there is none; post (V) gives one back." \
	"A POSIX named semaphore is a small file in /dev/shm; --trace shows the calls."
run ipc-sem create --value 2 "/$name-slots"
run ipc-sem --trace wait "/$name-slots"
run ipc-sem get "/$name-slots"
run ipc-sem post "/$name-slots"

step "ipc-sem run: at most 2 jobs at a time" \
	"Each job takes a unit, runs, and gives it back when it ends, however it ends." \
	"Five jobs of 0.2 s on 2 units run in 3 rounds: well under 1 s, never 0.2 s."
start=$EPOCHREALTIME
for job in 1 2 3 4 5; do
	ipc-sem run "/$name-slots" -- sh -c "sleep 0.2; echo \"    job $job done\"" &
done
wait
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "    all 5 in %.1f s\n", b - a }'
run ipc-sem rm "/$name-slots"

step "System V sets survive a killed holder" \
	"run takes a System V unit with SEM_UNDO: even kill -9 of ipc-sem gives it back."
sem_ref=$(ipc-sem create --value 1 "ftok:$dir:7")
sysv_ids+=" -s ${sem_ref#sysv-sem:id:}"
echo "    $sem_ref"
: >"$dir/holding"
ipc-sem run "$sem_ref" -- sh -c "echo started >'$dir/holding'; exec sleep 30" &
sem_holder=$!
disown "$sem_holder"   # no "Killed" notice from this shell
wait_line "$dir/holding" started
run ipc-sem get "$sem_ref"
sem_sleep=$(pgrep -P "$sem_holder" sleep || true)
run kill -KILL "$sem_holder"
for ((sem_i = 0; sem_i < 1000; sem_i++)); do   # the kernel gives the unit back as the process ends
	[ "$(ipc-sem get "$sem_ref")" = 0 ] || break
	sleep 0.02
done
[ -z "$sem_sleep" ] || kill "$sem_sleep" 2>/dev/null || true
run ipc-sem get "$sem_ref"
run ipc-sem rm "$sem_ref"
