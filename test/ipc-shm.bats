#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# shellcheck disable=SC2016  # the sh -c and bash -c scripts expand their own $1 $2
# ipc-shm: POSIX and System V segments, and the push/pull ring. The peers on the
# other end are python3 (multiprocessing.shared_memory, ctypes shmat), ipcmk,
# ipcs, hexdump and the files in /dev/shm themselves.

load helpers

# The ipc-shm process started under PID (through the shim's timeout).
tool_pid() { # PID
	local p
	for p in $(descendants "$1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = ipc-shm ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Bytes of a System V segment, read by python through shmat.
sysv_bytes() { # ID LENGTH
	python3 - "$1" "$2" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
p = libc.shmat(int(sys.argv[1]), None, 0o10000)   # SHM_RDONLY
if p in (None, ctypes.c_void_p(-1).value):
    sys.exit("shmat failed")
sys.stdout.buffer.write(ctypes.string_at(p, int(sys.argv[2])))
PY
}

nattch() { ipcs -m | awk -v id="$1" '$2 == id { print $6 }'; }
nattch_is() { [ "$(nattch "$1")" = "$2" ]; }

# Waits for a background job; its status in $status (bats' run cannot wait for it).
reap() { # PID
	status=0
	wait "$1" || status=$?
}

@test "create: a POSIX segment of exactly the size and mode asked, whatever the umask" {
	umask 077
	run -0 ipc-shm create --size 10000 --mode 0644 "/$T-c"
	track posix-shm "/$T-c"
	[ "$(stat -c '%a %s' "/dev/shm/$T-c")" = "644 10000" ]
	[ "$(od -An -tx1 "/dev/shm/$T-c" | tr -d ' \n*' | tr -d 0)" = "" ]
	run -4 --separate-stderr ipc-shm create -s 4K "/$T-c"
	assert_equal "$stderr" "ipc-shm: create /$T-c: segment exists (use --exist-ok)"
	run -0 ipc-shm create --exist-ok -s 10000 "/$T-c"
	run -4 --separate-stderr ipc-shm create --exist-ok -s 4K "/$T-c"
	assert_equal "$stderr" "ipc-shm: create /$T-c: exists with --size 10000, not 4096; nothing changed"
	run -4 --separate-stderr ipc-shm create --exist-ok -s 10000 --mode 600 "/$T-c"
	assert_equal "$stderr" "ipc-shm: create /$T-c: exists with --mode 0644, not 0600; nothing changed"
}

@test "create: a System V segment by key and by ftok prints its REF; ipcs agrees" {
	local id
	run -0 ipc-shm create -s 8K --mode 640 "key:0x${TKEY}01"
	id=${output#sysv-shm:id:}
	track sysv-shm "$id"
	assert_equal "$(sysv_key m "$id")" "0x${TKEY}01"
	run -0 bash -c "ipcs -m -i $id"
	assert_output --partial "bytes=8192"
	assert_output --partial "mode=0640"
	run -4 ipc-shm create -s 8K "key:0x${TKEY}01"
	touch "$FILES/anchor"
	run -0 ipc-shm create -s 4K "ftok:$FILES/anchor:9"
	id=${output#sysv-shm:id:}
	track sysv-shm "$id"
	run -0 python3 -c 'import sys, ctypes; print("0x%08x" % (ctypes.CDLL(None).ftok(sys.argv[1].encode(), 9) & 0xffffffff))' "$FILES/anchor"
	assert_equal "$(sysv_key m "$id")" "$output"
	run -2 --separate-stderr ipc-shm create -s 4K id:5
	assert_equal "$stderr" "ipc-shm: id:5: a new System V segment is named by key: or ftok:, the kernel picks the id"
}

@test "write and read: arguments and stdin, at offsets, binary bytes unchanged" {
	mk_posix_shm "/$T-w" 8192
	run -0 ipc-shm write "/$T-w" "hello"
	run -0 ipc-shm write -o 5 "/$T-w" ", world"
	run -0 ipc-shm read -n 12 "/$T-w"
	assert_output "hello, world"
	run -0 ipc-shm read -o 7 -n 5 "/$T-w"
	assert_output "world"
	head -c 4000 /dev/urandom >"$FILES/blob"
	printf '\0\377\376 not utf8 \300\0' >>"$FILES/blob"
	ipc-shm write --offset 100 "/$T-w" <"$FILES/blob"
	ipc-shm read -o 100 -n "$(stat -c %s "$FILES/blob")" "/$T-w" >"$FILES/out"
	cmp "$FILES/blob" "$FILES/out"
	cmp -n 4000 -i 100:0 "/dev/shm/$T-w" "$FILES/blob"
	ipc-shm read "/$T-w" >"$FILES/all"
	cmp "$FILES/all" "/dev/shm/$T-w"
}

@test "write: data passing the end is refused before anything is written, both sizes named" {
	mk_posix_shm "/$T-e" 16
	run -0 ipc-shm write "/$T-e" "0123456789abcdef"
	cp "/dev/shm/$T-e" "$FILES/before"
	run -2 --separate-stderr ipc-shm write -o 10 "/$T-e" "toolongdata"
	assert_equal "$stderr" "ipc-shm: write /$T-e: 11 bytes at offset 10 pass the end of the segment (16 bytes); nothing written"
	run -2 --separate-stderr ipc-shm write -o 17 "/$T-e" "x"
	assert_equal "$stderr" "ipc-shm: write /$T-e: offset 17 is past the end of the segment (16 bytes)"
	# From stdin: no more is read than fits, and a byte: an endless producer ends.
	run -2 --separate-stderr bash -c "yes | ipc-shm write -o 4 /$T-e"
	assert_equal "$stderr" "ipc-shm: write /$T-e: stdin is more than the 12 bytes from offset 4 to the end of the segment (16 bytes); nothing written"
	cmp "$FILES/before" "/dev/shm/$T-e"
	[ "$(stat -c %s "/dev/shm/$T-e")" = 16 ]
}

@test "write --grow makes a POSIX segment larger to fit; System V keeps its size" {
	mk_posix_shm "/$T-g" 4
	run -0 ipc-shm write --grow -o 2 "/$T-g" "grown"
	[ "$(stat -c %s "/dev/shm/$T-g")" = 7 ]
	run -0 ipc-shm read -o 2 "/$T-g"
	assert_output "grown"
	local id
	id=$(mk_sysv shm 4096)
	run -2 --separate-stderr ipc-shm write --grow "id:$id" x
	assert_equal "$stderr" "ipc-shm: write --grow is for POSIX segments: a System V segment keeps its size" ||
		assert_equal "$stderr" "ipc-shm: write id:$id: --grow is for POSIX segments: a System V segment keeps its size"
}

@test "write --grow reads no more of an endless stdin than /dev/shm holds: exit 2, nothing written" {
	in_private_ns || skip "resizes /dev/shm: only in the test namespace"
	mk_posix_shm "/$T-e" 4
	mount -o remount,size=1M /dev/shm
	# A memory limit makes a regression fail fast; AddressSanitizer's shadow memory cannot live under one.
	local limit="ulimit -v 1000000;"
	[ -z "${ASAN_OPTIONS:-}" ] || limit=""
	run -2 --separate-stderr bash -c "$limit"' timeout 20 ipc-shm write --grow "$1" </dev/zero' _ "/$T-e"
	mount -o remount,size=50% /dev/shm
	assert_equal "$stderr" "ipc-shm: write /$T-e: stdin is more than the 1048576 bytes from offset 0 to the size of /dev/shm; nothing written"
	[ "$(stat -c %s "/dev/shm/$T-e")" = 4 ]
}

@test "write to a sparse segment when /dev/shm is full: exit 1 saying so, nothing written (not SIGBUS halfway)" {
	in_private_ns || skip "resizes /dev/shm: only in the test namespace"
	mk_posix_shm "/$T-a" 4
	mk_posix_shm "/$T-b" 4
	ipc-shm resize "/$T-a" 600K
	ipc-shm resize "/$T-b" 600K
	mount -o remount,size=1M /dev/shm
	run -0 bash -c 'head -c 600K /dev/zero | tr "\0" a | ipc-shm write "$1"' _ "/$T-a"
	run -1 --separate-stderr bash -c 'head -c 600K /dev/zero | tr "\0" b | ipc-shm write "$1"' _ "/$T-b"
	local used write_err=$stderr
	used=$(df -k --output=used /dev/shm | tail -1)
	run -1 --separate-stderr timeout 20 ipc-shm pull -t 0 "/$T-b"
	mount -o remount,size=50% /dev/shm
	assert_equal "$stderr" "ipc-shm: pull /$T-b: /dev/shm is full: no room for the ring (614400 bytes)"
	assert_equal "$write_err" "ipc-shm: write /$T-b: /dev/shm is full: no room for 614400 bytes; nothing written"
	[ "$used" -lt 1000 ] || fail "pages were written: $used K used"
}

@test "resize: a POSIX segment grows with zeros and shrinks; System V cannot" {
	mk_posix_shm "/$T-r" 4096
	ipc-shm write "/$T-r" abcdef
	run -0 ipc-shm resize "/$T-r" 3
	[ "$(stat -c %s "/dev/shm/$T-r")" = 3 ]
	run -0 ipc-shm resize "/$T-r" 1M
	[ "$(stat -c %s "/dev/shm/$T-r")" = 1048576 ]
	run -0 bash -c "ipc-shm read -n 4 /$T-r | od -An -c | tr -s ' '"
	assert_output ' a b c \0'
	local id
	id=$(mk_sysv shm 4096)
	run -2 --separate-stderr ipc-shm resize "id:$id" 8K
	assert_equal "$stderr" "ipc-shm: resize id:$id: a System V segment keeps the size it was made with; make a new one (create) and copy (read | write)"
}

@test "dump: byte for byte what hexdump -C prints, with squeezed lines, partial lines and offsets" {
	mk_posix_shm "/$T-d" 1000
	head -c 37 /dev/urandom | ipc-shm write "/$T-d"
	printf 'Hello\tworld\n\x7f\x80 bytes: \001\002\003 end' | ipc-shm write -o 300 "/$T-d"
	head -c 64 /dev/zero | tr '\0' A | ipc-shm write -o 500 "/$T-d"
	diff <(hexdump -C "/dev/shm/$T-d") <(ipc-shm dump "/$T-d")
	diff <(hexdump -C -s 16 -n 37 "/dev/shm/$T-d") <(ipc-shm dump -o 16 -n 37 "/$T-d")
	diff <(hexdump -C -s 290 -n 300 "/dev/shm/$T-d") <(ipc-shm dump -o 290 -n 300 "/$T-d")
	diff <(hexdump -C -s 999 "/dev/shm/$T-d") <(ipc-shm dump -o 999 "/$T-d")
	diff <(hexdump -C -s 1000 "/dev/shm/$T-d") <(ipc-shm dump -o 1000 "/$T-d")
	run -0 ipc-shm dump -n 0 "/$T-d"
	assert_output ""
	# A System V segment, against hexdump of the same bytes.
	local id
	id=$(mk_sysv shm 100)
	head -c 100 /dev/urandom >"$FILES/sv"
	ipc-shm write "id:$id" <"$FILES/sv"
	diff <(hexdump -C "$FILES/sv") <(ipc-shm dump "id:$id")
}

@test "sizes, offsets and lengths take hex after 0x, as dump prints offsets; no unit after hex" {
	run -0 ipc-shm create --size 0x1000 "/$T-x"
	track posix-shm "/$T-x"
	assert_equal "$(stat -c %s "/dev/shm/$T-x")" 4096
	printf 'hello' | ipc-shm write --offset 0x10 "/$T-x"
	diff <(hexdump -C -s 16 -n 5 "/dev/shm/$T-x") <(ipc-shm dump --offset 0x10 --length 0x5 "/$T-x")
	run -0 ipc-shm read -o 0X10 -n 0x5 "/$T-x"
	assert_output hello
	for bad in 0x 0x1K 0x1g 0x-1 0x10000000000000000; do
		run -2 --separate-stderr ipc-shm read -o "$bad" "/$T-x"
		assert_equal "$stderr" "ipc-shm: invalid size '$bad' for --offset (0 to 18446744073709551615 bytes; like 4096, 4K, 1M)"
	done
}

@test "bad input: size 0, beyond the limits, offset past the end, wrapping ranges: exit 2, nothing made" {
	run -2 --separate-stderr ipc-shm create -s 0 "/$T-b"
	assert_equal "$stderr" "ipc-shm: invalid size '0' for --size (1 to 9223372036854775807 bytes; like 4096, 4K, 1M)"
	run -2 --separate-stderr ipc-shm create "/$T-b"
	assert_equal "$stderr" "ipc-shm: create needs --size"
	run -2 ipc-shm create -s 4K "/$T-b/x"
	run -2 ipc-shm create -s 4K "$T-b"
	run -2 ipc-shm create -s 12Q "/$T-b"
	run -2 --separate-stderr ipc-shm create -s 100T "/$T-b"
	assert_output ""
	[[ $stderr == "ipc-shm: create /$T-b: 109951162777600 bytes is more than the size of /dev/shm ("* ]]
	[ ! -e "/dev/shm/$T-b" ]
	if in_private_ns; then
		local old
		old=$(cat /proc/sys/kernel/shmmax)
		echo 1048576 >/proc/sys/kernel/shmmax
		run -2 --separate-stderr ipc-shm create -s 2M "key:0x${TKEY}02"
		echo "$old" >/proc/sys/kernel/shmmax
		assert_equal "$stderr" "ipc-shm: create key:0x${TKEY}02: 2097152 bytes is more than kernel.shmmax (1048576 bytes)"
		if ipcs -m | grep -q "0x${TKEY}02"; then fail "a segment was made"; fi
	fi
	mk_posix_shm "/$T-b" 64
	run -2 --separate-stderr ipc-shm read -o 65 "/$T-b"
	assert_equal "$stderr" "ipc-shm: read /$T-b: offset 65 is past the end of the segment (64 bytes)"
	run -2 --separate-stderr ipc-shm read -o 16 -n 18446744073709551600 "/$T-b"
	assert_equal "$stderr" "ipc-shm: read /$T-b: 18446744073709551600 bytes at offset 16 pass the end of the segment (64 bytes)"
	run -2 ipc-shm dump -o 18446744073709551600 -n 32 "/$T-b"
	# the largest value the range names is a value, not "invalid"
	run -2 --separate-stderr ipc-shm read -n 18446744073709551615 "/$T-b"
	assert_equal "$stderr" "ipc-shm: read /$T-b: 18446744073709551615 bytes at offset 0 pass the end of the segment (64 bytes)"
	run -2 --separate-stderr ipc-shm read -o 18446744073709551616 "/$T-b"
	assert_equal "$stderr" "ipc-shm: invalid size '18446744073709551616' for --offset (0 to 18446744073709551615 bytes; like 4096, 4K, 1M)"
	run -2 ipc-shm dump -o 60 -n 5 "/$T-b"
	run -2 ipc-shm read -o 1x "/$T-b"
	run -2 ipc-shm read "/$T-b" extra
	run -2 ipc-shm read posix-mq:/x
	run -2 ipc-shm resize "/$T-b" 0
	run -2 ipc-shm frob "/$T-b"
}

@test "not found is 3, existing is 4, someone else's segment is 5 (POSIX and System V)" {
	run -3 --separate-stderr ipc-shm read "/$T-none"
	assert_equal "$stderr" "ipc-shm: read /$T-none: no such segment"
	run -3 ipc-shm read "key:0x${TKEY}7f"
	run -3 ipc-shm info id:2147483000
	run -3 ipc-shm rm "/$T-none"
	run -3 ipc-shm push "/$T-none"
	mk_posix_shm "/$T-p" 4096
	local id
	id=$(mk_sysv shm 4096)
	for cmd in read dump write push pull attach rm; do
		run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-shm "$cmd" "/$T-p" </dev/null
	done
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-shm resize "/$T-p" 8K
	run -5 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups ipc-shm read "id:$id"
	assert_equal "$stderr" "ipc-shm: read id:$id: Permission denied"
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-shm write "id:$id" x
	run -5 setpriv --reuid=65534 --regid=65534 --clear-groups ipc-shm rm "id:$id"
	sysv_exists m "$id"
	[ -e "/dev/shm/$T-p" ]
}

@test "info: size, mode, owner, nattch, cpid/lpid, times, and the pids that map it; --json" {
	local id
	id=$(mk_sysv shm 8192)
	hold sysv-shm-attach "$id"
	run -0 ipc-shm info "id:$id"
	assert_line --regexp "^size +8192$"
	assert_line --regexp "^nattch +1$"
	assert_line --regexp "^mode +0600$"
	assert_line --regexp "^users +$HOLDER/python3$"
	assert_line --regexp "^lpid +$HOLDER$"
	run -0 ipc-shm info --json "id:$id"
	run -0 jq -r '[.kind, .size, .nattch, .lpid, .users, (.attach | type)] | @tsv' <<<"$output"
	assert_output "$(printf 'sysv-shm\t8192\t1\t%s\t%s/python3\tnumber' "$HOLDER" "$HOLDER")"
	mk_posix_shm "/$T-i" 100
	hold posix-shm-hold "/$T-i"
	run -0 ipc-shm info -J "/$T-i"
	run -0 jq -r '[.name, .size, .nusers, .users] | @tsv' <<<"$output"
	assert_output "$(printf '/%s\t100\t1\t%s/python3' "$T-i" "$HOLDER")"
}

@test "info and ipc-ls -i print one field table" {
	mk_posix_shm "/$T-f" 4096
	diff <(ipc-shm info "/$T-f") <(ipc-ls -i "posix-shm:/$T-f")
	local id
	id=$(mk_sysv shm 4096)
	diff <(ipc-shm info --json "id:$id") <(ipc-ls --json -i "sysv-shm:id:$id")
}

@test "attach holds the segment: nattch and ipc-ls USERS show it until SIGTERM" {
	local id pid tool
	id=$(mk_sysv shm 4096)
	[ "$(nattch "$id")" = 0 ]
	ipc-shm attach "id:$id" >"$FILES/said" &
	pid=$!
	echo "$pid" >>"$HOLDERS"
	wait_for "nattch 1" nattch_is "$id" 1
	tool=$(tool_pid "$pid")
	run -0 ipc-ls -i "sysv-shm:id:$id"
	assert_line --regexp "^users +$tool/ipc-shm$"
	run -0 cat "$FILES/said"
	assert_output "pid $tool attached id:$id (4096 bytes)"
	kill -TERM "$tool"
	reap "$pid"
	assert_equal "$status" 143
	[ "$(nattch "$id")" = 0 ]
	# With --duration it lets go by itself, and exits 0.
	run -0 ipc-shm attach --read-only -d 200ms "id:$id"
	[ "$(nattch "$id")" = 0 ]
}

@test "rm: several segments, each failure on its own line, the first failure's status" {
	mk_posix_shm "/$T-1" 64
	local id
	id=$(mk_sysv shm 64)
	run -3 --separate-stderr ipc-shm rm "/$T-1" "/$T-none" "id:$id" "bad"
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "${stderr_lines[0]}" "ipc-shm: rm /$T-none: no such segment"
	[ ! -e "/dev/shm/$T-1" ]
	run -1 sysv_exists m "$id"
}

@test "python's multiprocessing.shared_memory and ipc-shm read each other's bytes" {
	python3 - "$T-py" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=256)
resource_tracker.unregister(m._name, "shared_memory")
m.buf[:12] = b"from python\0"
PY
	track posix-shm "/$T-py"
	run -0 ipc-shm read -n 11 "/$T-py"
	assert_output "from python"
	ipc-shm write -o 100 "/$T-py" "from ipc-shm"
	run -0 python3 - "$T-py" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(name=sys.argv[1])
resource_tracker.unregister(m._name, "shared_memory")
print(bytes(m.buf[100:112]).decode(), m.size)
PY
	assert_output "from ipc-shm 256"
}

@test "ipcmk -M segments: ipc-shm writes, python's shmat reads, and back" {
	local id
	id=$(mk_sysv shm 4096)
	run -0 ipc-shm write -o 8 "id:$id" "to python"
	run -0 bash -c "$(declare -f sysv_bytes); sysv_bytes $id 17 | tr '\\0' ."
	assert_output "........to python"
	run -0 ipc-shm read -o 8 -n 9 "sysv-shm:id:$id"
	assert_output "to python"
}

@test "--trace shows shm_open, ftruncate, mmap and shmget, shmat, shmdt, shmctl" {
	run -0 --separate-stderr ipc-shm --trace create -s 4K "/$T-t"
	track posix-shm "/$T-t"
	[[ $stderr == "shm_open(\"/$T-t\", O_RDWR|O_CREAT|O_EXCL, 0600) = "* ]]
	[[ $stderr == *"ftruncate("*", 4096) = 0"* ]]
	run -0 --separate-stderr ipc-shm --trace write "/$T-t" hi
	[[ $stderr == *"mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, "*") = "* ]]
	[[ $stderr == *"munmap("*", 4096) = 0"* ]]
	run -0 --separate-stderr ipc-shm --trace create -s 4K "key:0x${TKEY}03"
	track sysv-shm "${output#sysv-shm:id:}"
	[[ $stderr == "shmget(0x${TKEY}03, 4096, IPC_CREAT|IPC_EXCL|0600) = "* ]]
	run -0 --separate-stderr env IPC_TRACE=1 ipc-shm read -n 1 "key:0x${TKEY}03"
	[[ $stderr == *"shmctl("*", IPC_STAT, {shm_segsz=4096, shm_nattch=0}) = 0"* ]]
	[[ $stderr == *"shmat("*", NULL, SHM_RDONLY) = "* ]]
	[[ $stderr == *"shmdt(0x"*") = 0"* ]]
}

@test "names: up to NAME_MAX work; control bytes are escaped in every message" {
	local long
	long="/$T-$(printf 'n%.0s' $(seq 1 $((255 - ${#T} - 1))))"
	run -0 ipc-shm create -s 64 "$long"
	track posix-shm "$long"
	run -0 ipc-shm write "$long" ok
	run -2 ipc-shm create -s 64 "${long}x"
	run -3 --separate-stderr ipc-shm read $'/'"$T"$'-\e[31mred\n'
	assert_equal "$stderr" "ipc-shm: read /$T-\\x1b[31mred\\x0a: no such segment"
}

@test "stdout to a full disk is an error (exit 1), not silence" {
	mk_posix_shm "/$T-full" 64
	run -1 bash -c "ipc-shm read /$T-full >/dev/full"
	run -1 bash -c "ipc-shm dump /$T-full >/dev/full"
	run -1 bash -c "ipc-shm info /$T-full >/dev/full"
}

@test "hostile /dev/shm: a FIFO named like a segment does not hang; an empty segment; truncation while dumping" {
	mkfifo -m 0600 "/dev/shm/$T-fifo"
	track posix-shm "/$T-fifo"
	run -1 --separate-stderr timeout 10 ipc-shm read "/$T-fifo"
	assert_equal "$stderr" "ipc-shm: read /$T-fifo: not a shared memory segment (a file of another type)"
	run -1 timeout 10 ipc-shm push "/$T-fifo"
	: >"/dev/shm/$T-empty"
	track posix-shm "/$T-empty"
	run -0 ipc-shm read "/$T-empty"
	assert_output ""
	run -0 ipc-shm dump "/$T-empty"
	assert_output ""
	ipc-shm create -s 4M "/$T-trunc"
	track posix-shm "/$T-trunc"
	head -c 4M /dev/urandom | ipc-shm write "/$T-trunc"
	run -1 --separate-stderr bash -c "ipc-shm dump /$T-trunc | { head -c 100 >/dev/null; truncate -s 0 /dev/shm/$T-trunc; cat >/dev/null; }; exit \${PIPESTATUS[0]}"
	assert_equal "$stderr" "ipc-shm: dump /$T-trunc: the segment was truncated while in use, or /dev/shm is full"
}

# ---- push and pull ----

@test "push | pull: bytes in equal bytes out, the end of stdin ends pull (POSIX and System V)" {
	head -c 3000000 /dev/urandom >"$FILES/in"
	ipc-shm create -s 256K "/$T-ring"
	track posix-shm "/$T-ring"
	timeout 20 ipc-shm pull "/$T-ring" >"$FILES/out" &
	local pid=$!
	timeout 20 ipc-shm push "/$T-ring" <"$FILES/in"
	wait "$pid"
	cmp "$FILES/in" "$FILES/out"
	# The same segment serves the next stream, this time through pipelines.
	run -0 bash -c "seq 100000 | ipc-shm push /$T-ring & ipc-shm pull /$T-ring | tail -n 1; wait"
	assert_output "100000"
	local ref
	ref=$(ipc-shm create -s 64K "key:0x${TKEY}04")
	track sysv-shm "${ref#sysv-shm:id:}"
	run -0 bash -c "ipc-shm pull $ref | cmp - $FILES/in & ipc-shm push $ref <$FILES/in; wait \$!"
}

@test "push may finish before pull starts; an empty stream is an empty stream" {
	ipc-shm create -s 64K "/$T-later"
	track posix-shm "/$T-later"
	run -0 bash -c "echo 'pushed first' | ipc-shm push /$T-later"
	run -0 ipc-shm pull "/$T-later"
	assert_output "pushed first"
	ipc-shm push "/$T-later" </dev/null
	run -0 ipc-shm pull -t 5s "/$T-later"
	assert_output ""
	# Nothing pushed since: pull waits, for -t at most.
	run -6 --separate-stderr ipc-shm pull -t 200ms "/$T-later"
	assert_equal "$stderr" "ipc-shm: pull /$T-later: timed out waiting for push, after 0 bytes"
}

@test "a second push or pull while one runs is refused with exit 7, and the stream is intact" {
	ipc-shm create -s 64K "/$T-two"
	track posix-shm "/$T-two"
	mk_fifo "$FILES/feed"
	ipc-shm push "/$T-two" <"$FILES/feed" &
	local push=$!
	echo "$push" >>"$HOLDERS"
	exec {feed}>"$FILES/feed"
	printf 'first ' >&"$feed"
	ipc-shm pull "/$T-two" >"$FILES/out" {feed}>&- &
	local pull=$!
	echo "$pull" >>"$HOLDERS"
	wait_for "first bytes through" grep -q first "$FILES/out"
	run -7 --separate-stderr bash -c "echo intruder | ipc-shm push /$T-two" {feed}>&-
	assert_equal "$stderr" "ipc-shm: push /$T-two: another push (pid $(tool_pid "$push")) has this end of the ring"
	run -7 ipc-shm pull -t 1s "/$T-two" {feed}>&-
	printf 'second' >&"$feed"
	exec {feed}>&-
	reap "$push"
	assert_equal "$status" 0
	reap "$pull"
	assert_equal "$status" 0
	run -0 cat "$FILES/out"
	assert_output "first second"
}

@test "a killed pull ends push with an error in bounded time, and the other way round" {
	ipc-shm create -s 64K "/$T-kill"
	track posix-shm "/$T-kill"
	# A consumer that stops reading: its pull blocks in write, then push fills the ring.
	mk_fifo "$FILES/slow"
	ipc-shm pull "/$T-kill" >"$FILES/slow" &
	local pull=$!
	echo "$pull" >>"$HOLDERS"
	exec {slow}<"$FILES/slow"
	head -c 10000000 /dev/zero | ipc-shm push "/$T-kill" 2>"$FILES/push.err" {slow}<&- &
	local push=$!
	echo "$push" >>"$HOLDERS"
	wait_blocked "$push" ipc-shm
	wait_blocked "$pull" ipc-shm
	kill -KILL "$(tool_pid "$pull")"
	local t0=$SECONDS
	reap "$push"
	assert_equal "$status" 1
	[ $((SECONDS - t0)) -le 3 ]
	exec {slow}<&-
	run -0 cat "$FILES/push.err"
	assert_output --regexp "^ipc-shm: push /$T-kill: pull \(pid [0-9]+\) went away mid-stream, after [0-9]+ bytes$"
	reap "$pull"

	# A producer killed mid-stream: pull says so instead of waiting for ever.
	mk_fifo "$FILES/feed"
	ipc-shm push "/$T-kill" <"$FILES/feed" &
	push=$!
	echo "$push" >>"$HOLDERS"
	exec {feed}>"$FILES/feed"
	printf 'abc' >&"$feed"
	ipc-shm pull "/$T-kill" >"$FILES/got" 2>"$FILES/pull.err" {feed}>&- &
	pull=$!
	echo "$pull" >>"$HOLDERS"
	wait_for "abc through the ring" grep -q abc "$FILES/got"
	kill -KILL "$(tool_pid "$push")"
	t0=$SECONDS
	reap "$pull"
	assert_equal "$status" 1
	[ $((SECONDS - t0)) -le 3 ]
	exec {feed}>&-
	run -0 cat "$FILES/pull.err"
	assert_output --regexp "^ipc-shm: pull /$T-kill: push \(pid [0-9]+\) went away mid-stream, after 3 bytes$"
	reap "$push"
	# The ring is usable again: the broken stream is dropped.
	run -0 bash -c "echo again | ipc-shm push /$T-kill & ipc-shm pull /$T-kill; wait"
	assert_output "again"
}

@test "SIGTERM ends a waiting pull at once; push -t 0 on a full ring does not wait" {
	ipc-shm create -s 16K "/$T-sig"
	track posix-shm "/$T-sig"
	ipc-shm pull "/$T-sig" &
	local pull=$!
	echo "$pull" >>"$HOLDERS"
	wait_blocked "$pull" ipc-shm
	kill -TERM "$(tool_pid "$pull")"
	reap "$pull"
	assert_equal "$status" 143
	head -c 100000 /dev/zero >"$FILES/z"
	run -6 --separate-stderr ipc-shm push -t 0 "/$T-sig" <"$FILES/z"
	[[ $stderr == "ipc-shm: push /$T-sig: timed out waiting for pull, after "*" bytes" ]]
}

@test "a segment removed while pull waits ends it with exit 3; a segment too small is exit 2" {
	ipc-shm create -s 16K "/$T-gone"
	track posix-shm "/$T-gone"
	ipc-shm pull "/$T-gone" 2>"$FILES/err" &
	local pull=$!
	echo "$pull" >>"$HOLDERS"
	wait_blocked "$pull" ipc-shm
	ipc-shm rm "/$T-gone"
	reap "$pull"
	assert_equal "$status" 3
	run -0 cat "$FILES/err"
	assert_output "ipc-shm: pull /$T-gone: the segment was removed, after 0 bytes"
	ipc-shm create -s 8K "/$T-small"
	track posix-shm "/$T-small"
	run -2 --separate-stderr ipc-shm push "/$T-small" </dev/null
	assert_equal "$stderr" "ipc-shm: push /$T-small: the segment (8192 bytes) is too small for a ring (at least 16384)"
}

@test "pull notices a System V ring removed (IPC_RMID) while it waits" {
	local ref
	ref=$(ipc-shm create -s 64K "key:0x${TKEY}05")
	track sysv-shm "${ref#sysv-shm:id:}"
	ipc-shm pull "$ref" 2>"$FILES/err" &
	local pull=$!
	echo "$pull" >>"$HOLDERS"
	wait_blocked "$pull" ipc-shm
	ipcrm -m "${ref#sysv-shm:id:}"
	reap "$pull"
	assert_equal "$status" 3
}

# ---- completions ----

@test "bash: ipc-shm completes subcommands, their options and live segment names" {
	run -0 complete_line ipc-shm pu
	assert_output "$(printf 'push\npull')"
	run -0 complete_line ipc-shm dump --le
	assert_output "--length"
	mk_posix_shm "/$T-cs"
	run -0 complete_line ipc-shm read "/$T-c"
	assert_output "/$T-cs"
}

@test "zsh and fish name the short forms ipc-shm's --help leaves out" {
	for opt in -s -o -n -d -t -J; do
		grep -q -- "${opt}" "$TEST_DIR/../completions/zsh/_ipc-shm" || fail "zsh lacks $opt"
		case $opt in
		--*) grep -q -- "-l ${opt#--}" "$TEST_DIR/../completions/fish/ipc-shm.fish" || fail "fish lacks $opt" ;;
		*) grep -q -- "-s ${opt#-}" "$TEST_DIR/../completions/fish/ipc-shm.fish" || fail "fish lacks $opt" ;;
		esac
	done
}

@test "create: a System V segment whose REF cannot be written (/dev/full) is removed again" {
	run -1 --separate-stderr timeout 10 bash -c "ipc-shm create --size 4K key:0x${TKEY}31 >/dev/full"
	assert_equal "$stderr" "ipc-shm: create key:0x${TKEY}31: writing its REF: No space left on device"
	[ -z "$(ipcs -m | awk -v k="0x${TKEY}31" '$1 == k')" ] || fail "the segment was left behind"
	run -3 ipc-shm info "key:0x${TKEY}31"
}

@test "a file size limit (ulimit -f) fails create, resize and write --grow cleanly: exit 1, nothing left half made" {
	# stderr through a pipe: the limit applies to files, and the message must get out
	run -0 timeout 20 bash -c 'ulimit -f 1; ipc-shm create --size 1M "$1" 2>&1 | cat; echo "status ${PIPESTATUS[0]}"' _ "/$T-f"
	assert_output "$(printf 'ipc-shm: create /%s-f: File too large\nstatus 1' "$T")"
	[ ! -e "/dev/shm/$T-f" ] || { track posix-shm "/$T-f"; fail "an empty segment was left behind"; }
	mk_posix_shm "/$T-g" 10
	run -0 timeout 20 bash -c 'ulimit -f 1; ipc-shm resize "$1" 1M 2>&1 | cat; echo "status ${PIPESTATUS[0]}"' _ "/$T-g"
	assert_line "status 1"
	run -0 timeout 20 bash -c 'ulimit -f 1; ipc-shm write --grow -o 1M "$1" x 2>&1 | cat; echo "status ${PIPESTATUS[0]}"' _ "/$T-g"
	assert_line "status 1"
	[ "$(stat -c %s "/dev/shm/$T-g")" = 10 ]
}
