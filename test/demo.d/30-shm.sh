# shellcheck shell=bash
# The tour's shared memory part (sourced by test/demo): a segment written and
# dumped, a System V segment attached, and a stream through a ring.
# shellcheck disable=SC2154  # name and dir are the tour's

step "Shared memory with ipc-shm" \
	"A segment is memory that processes map at once. Write into it, read it back," \
	"and see the bytes as hexdump -C shows them."
run ipc-shm create --size 4K "/$name-shm"
run ipc-shm write "/$name-shm" "shared memory"
run ipc-shm dump --length 32 "/$name-shm"

step "A System V segment, held by a process" \
	"attach maps it and holds it: the attach count (nattch) says who has it mapped."
shm_ref=$(ipc-shm create --size 64K "ftok:$dir")
sysv_ids="$sysv_ids -m ${shm_ref#sysv-shm:id:}"   # the tour's cleanup removes it if we stop early
echo "    $shm_ref"
ipc-shm attach --duration 10s "$shm_ref" >"$dir/attach.out" &
shm_attach=$!
wait_line "$dir/attach.out" "pid $shm_attach attached $shm_ref (65536 bytes)"
run ipc-shm info "$shm_ref"
kill "$shm_attach" 2>/dev/null || true
wait "$shm_attach" 2>/dev/null || true
run ipc-shm rm "$shm_ref"
sysv_ids=${sysv_ids% -m *}

step "A stream through a ring in the segment: push | pull" \
	"Two counting semaphores live in the segment: free slots and filled slots." \
	"push waits for a free slot, fills it, posts a filled one; pull does the reverse."
run ipc-shm resize "/$name-shm" 1M
seq 100000 >"$dir/numbers"
ipc-shm push "/$name-shm" <"$dir/numbers" &
shm_push=$!
printf '\n$ ipc-shm pull /%s | tail -n 2\n' "$name-shm"
ipc-shm pull "/$name-shm" | tail -n 2
wait "$shm_push"
run ipc-shm rm "/$name-shm"
