#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# Every example in README.md and in the man pages runs as pasted.
#
# What is an example:
#   README.md     every code block (indented by four spaces, or fenced with ```).
#   man/*.scd     every fenced block (```, indented by a tab) in the EXAMPLES section.
# Each block runs as one bash script (set -e -o pipefail: every line must
# succeed) in a fresh scratch directory, with stdin from /dev/null, under
# timeout; it must exit 0 and leave no IPC object behind, so an example that
# makes an object removes it too (the blocks of a file run in order).
#
# A marker on the last non-blank line before a block says more about it:
#   README.md:  <!-- example: skip, REASON -->       man/*.scd:  ; example: skip, REASON
#               <!-- example: needs FIXTURE... -->               ; example: needs FIXTURE...
# (an HTML comment and an scdoc comment: neither shows in the rendered page).
# "skip" is for what is not a command to run (a command's output, make targets).
# "needs" makes the objects and files the example starts from, before it runs,
# and removes whatever of them the example left, after:
#   posix-mq:/NAME posix-shm:/NAME posix-sem:/NAME   made by python3 (test/peer.py)
#   sysv-msg:id:N sysv-shm:id:N sysv-sem:id:N        made by ipcmk with exactly that id
#                                                    (kernel.*_next_id; a set has 3 semaphores)
#   sysv-msg:key:K sysv-shm:key:K sysv-sem:key:K     made by python3 with that key (0x hex or decimal)
#   held:REF                                         REF as above, and a process holding it
#   file:NAME                                        4 KiB of random bytes in the scratch directory
#
# The examples act on every object there is, as a user's would: they run only
# in the suite's private namespaces.

load helpers

EXAMPLE_TIMEOUT=30        # each block
# shellcheck disable=SC2034  # read by bats
BATS_TEST_TIMEOUT=240     # each file's blocks, one after the other

# Writes each example of FILE into DIR: N.sh (the script), N.line (its first
# line's number), N.mark (the marker, or nothing). Prints how many.
extract_examples() { # FILE DIR
	python3 - "$1" "$2" <<'PY'
import os, re, sys
path, out = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
man = path.endswith(".scd")
blocks = []          # (first line number, marker, text)

def marker(i):       # the marker on the last non-blank line before line i
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return ""
    m = re.fullmatch(r"<!--\s*example:\s*(.*?)\s*-->" if not man else r";\s*example:\s*(.*?)\s*",
                     lines[j].strip() if not man else lines[j])
    return m.group(1) if m else ""

i, section = 0, ""
while i < len(lines):
    line = lines[i]
    if man and line.startswith("# "):
        section = line[2:].strip()
    fence = re.fullmatch(r"(\s*)```\w*", line)
    if fence and (not man or section == "EXAMPLES"):
        indent, j = fence.group(1), i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        text = [l[len(indent):] if l.startswith(indent) else l for l in lines[i + 1:j]]
        blocks.append((i + 2, marker(i), "\n".join(text)))
        i = j + 1
        continue
    if not man and line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
        j = i
        while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
            j += 1
        while not lines[j - 1].strip():
            j -= 1
        blocks.append((i + 1, marker(i), "\n".join(l[4:] for l in lines[i:j])))
        i = j
        continue
    i += 1

for n, (first, mark, text) in enumerate(blocks, 1):
    open(os.path.join(out, f"{n}.sh"), "w").write(text + "\n")
    open(os.path.join(out, f"{n}.line"), "w").write(f"{first}\n")
    open(os.path.join(out, f"{n}.mark"), "w").write(mark + "\n")
print(len(blocks))
PY
}

# Fixtures: make_fixture SPEC DIR makes it (files in DIR); unmake_fixture SPEC
# removes what the example left of it.
make_fixture() {
	local spec=$1 held="" kind rest id
	if [[ $spec == held:* ]]; then held=1 spec=${spec#held:}; fi
	kind=${spec%%:*} rest=${spec#*:}
	case "$kind:$rest" in
	file:*) head -c 4096 /dev/urandom >"$2/$rest" ;;
	posix-mq:/*) peer mq-create "$rest" ;;
	posix-shm:/*) peer posix-shm-create "$rest" 4096 ;;
	posix-sem:/*) peer sem-create "$rest" 1 ;;
	sysv-*:id:*)
		echo "${rest#id:}" >"/proc/sys/kernel/${kind#sysv-}_next_id"
		case $kind in
		sysv-msg) id=$(ipcmk -Q -p 0600) ;;
		sysv-shm) id=$(ipcmk -M 4096 -p 0600) ;;
		sysv-sem) id=$(ipcmk -S 3 -p 0600) ;;
		esac
		[ "${id##* }" = "${rest#id:}" ] || fail "fixture $spec: ipcmk said '$id'"
		;;
	sysv-*:key:*) mk_sysv_with_key "${kind#sysv-}" "${rest#key:}" >/dev/null ;;
	*) fail "unknown fixture '$1' (see the top of test/examples.bats)" ;;
	esac
	if [ -n "$held" ]; then
		case $kind in
		posix-mq) hold mq-hold "$rest" ;;
		posix-shm) hold posix-shm-hold "$rest" ;;
		posix-sem) hold sem-hold "$rest" ;;
		sysv-shm) hold sysv-shm-attach "$(sysv_fixture_id "$spec")" ;;
		*) fail "fixture $1: nothing to hold a $kind with" ;;
		esac
	fi
}

sysv_fixture_id() { # sysv-KIND:id:N or sysv-KIND:key:K: the id, if it exists
	local kind=${1%%:*} rest=${1#*:} letter
	letter=$(sysv_letter "$kind")
	case $rest in
	id:*) sysv_exists "$letter" "${rest#id:}" && echo "${rest#id:}" ;;
	key:*) ipcs "-$letter" | awk -v k="$(printf '0x%08x' "${rest#key:}")" '$1 == k { print $2 }' ;;
	esac
}

unmake_fixture() {
	local spec=${1#held:} kind rest id
	kind=${spec%%:*} rest=${spec#*:}
	case $kind in
	posix-mq) rm -f "/dev/mqueue$rest" ;;
	posix-shm) rm -f "/dev/shm$rest" ;;
	posix-sem) rm -f "/dev/shm/sem.${rest#/}" ;;
	sysv-*)
		id=$(sysv_fixture_id "$spec") || true
		[ -z "$id" ] || ipcrm "-$(sysv_letter "$kind")" "$id"
		;;
	esac
}

# Runs every example of FILE; fails listing each one that failed, with its
# line, its output and what it left behind.
run_examples() { # FILE
	local file=$TEST_DIR/../$1 dir=$BATS_TEST_TMPDIR/examples/${1//\//-} count n mark spec st
	local failures="" left scratch
	mkdir -p "$dir"
	count=$(extract_examples "$file" "$dir") || fail "could not read the examples of $1"
	EXAMPLES_FOUND=$count
	for ((n = 1; n <= count; n++)); do
		mark=$(cat "$dir/$n.mark")
		local where
		where="$1:$(cat "$dir/$n.line")"
		if [[ $mark == skip* ]]; then
			mark=${mark#skip}
			echo "# $where: not run: ${mark#, }" >&3
			continue
		fi
		scratch=$dir/scratch.$n
		mkdir "$scratch"
		local -a needs=()
		[[ $mark == needs* ]] && read -ra needs <<<"${mark#needs}"
		for spec in "${needs[@]}"; do
			make_fixture "$spec" "$scratch"
		done
		st=0
		(cd "$scratch" && timeout -k 5 "$EXAMPLE_TIMEOUT" bash -e -o pipefail "$dir/$n.sh") \
			</dev/null >"$dir/$n.out" 2>&1 || st=$?
		cleanup_tracked
		: >"$HOLDERS"
		: >"$TRACKED"
		for spec in "${needs[@]}"; do unmake_fixture "$spec"; done
		left=$(leftovers)
		if [ "$st" -ne 0 ] || [ -n "$left" ]; then
			failures+=$'\n'"== $where: exit $st"
			[ "$st" -ne 124 ] || failures+=" (timed out after ${EXAMPLE_TIMEOUT}s)"
			failures+=$'\n'"$(sed 's/^/   | /' "$dir/$n.sh")"$'\n'"-- output:"$'\n'"$(cat "$dir/$n.out")"
			if [ -n "$left" ]; then
				failures+=$'\n'"-- left behind:"$'\n'"$left"
				ipcrm -a 2>/dev/null
				find /dev/shm /dev/mqueue -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
				# shellcheck disable=SC2086
				find "$IPCKIT_SCRATCH" ${IPCKIT_FRESH_ROOTS:-} -xdev \( -type p -o -type s \) -delete 2>/dev/null
			fi
		fi
	done
	[ -z "$failures" ] || fail "examples that do not run as pasted:$failures"
}

setup() {
	common_setup
	in_private_ns || skip "the examples act on every object, as a user's would: they need the private namespace (run as root)"
}

@test "README.md: every example runs as pasted" {
	run_examples README.md
	[ "$EXAMPLES_FOUND" -ge 6 ] || fail "found only $EXAMPLES_FOUND examples in README.md"
}

@test "ipc-ls(1): every example runs as pasted" {
	run_examples man/ipc-ls.1.scd
	[ "$EXAMPLES_FOUND" -ge 4 ] || fail "found only $EXAMPLES_FOUND examples"
}

@test "ipc-rm(1): every example runs as pasted" {
	run_examples man/ipc-rm.1.scd
	[ "$EXAMPLES_FOUND" -ge 3 ] || fail "found only $EXAMPLES_FOUND examples"
}

@test "ipc-mq(1): every example runs as pasted" {
	run_examples man/ipc-mq.1.scd
	[ "$EXAMPLES_FOUND" -ge 5 ] || fail "found only $EXAMPLES_FOUND examples"
}

@test "every other man page: its examples run as pasted" {
	local page
	for page in "$TEST_DIR"/../man/*.scd; do
		case ${page##*/} in ipc-ls.1.scd | ipc-rm.1.scd | ipc-mq.1.scd) continue ;; esac
		run_examples "man/${page##*/}"
	done
}
