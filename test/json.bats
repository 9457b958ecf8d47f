#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# Every JSON document is valid UTF-8 whatever bytes a name or a message holds,
# and reads back to those bytes: names and REFs in the \xHH form ipc-ls --raw
# prints and ipc-rm takes, message payloads as text or base64 ("encoding").
# Checked with python3's strict UTF-8 decoder (in the C locale json.load(sys.stdin)
# would accept any bytes through surrogateescape, so the bytes are decoded first).

load helpers

# Names made here can hold any byte: remove them before the shared leak check.
eval "helpers_$(declare -f teardown)"
teardown() {
	python3 - "$T" "$FILES" <<'PY'
import os, sys
t = os.fsencode(sys.argv[1])
for d in (b"/dev/shm", b"/dev/mqueue", os.fsencode(sys.argv[2])):
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if n.startswith(t) or d.endswith(os.fsencode(sys.argv[2])):
            try:
                os.unlink(os.path.join(d, n))
            except (IsADirectoryError, FileNotFoundError):
                pass
PY
	helpers_teardown
}

# Strict: the document must be UTF-8 and JSON.
json_ok() { python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))'; }

# Payloads: crafted invalid UTF-8 (overlong, surrogates, above U+10FFFF, F5 and up,
# truncated, lone bytes), valid text with control bytes, and random bytes.
make_payloads() { # DIR MAXLEN
	python3 - "$1" "$2" <<'PY'
import os, sys
d, maxlen = sys.argv[1], int(sys.argv[2])
crafted = [b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xe0\x9f\xbf", b"\xf0\x80\x80\xaf",
           b"\xf0\x8f\xbf\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\xbd\xed\xb8\x80",
           b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff",
           b"\xe2\x82", b"a\xe2\x82", b"\xf0\x9f\x98", b"\xc3", b"\x80", b"\xbf\xbf",
           "é€😀\U0010ffff".encode(), b"\x00\x01\x1f\x7f\n\r\t\"\\/", b"\xc2\x80\xc2\x9f",
           b"\\x41 \\u0041", b"", b"plain text"]
msgs = crafted + [os.urandom(n % maxlen + 1) for n in range(0, 200, 7)]
for i, m in enumerate(msgs):
    with open(f"{d}/{i:03d}", "wb") as f:
        f.write(m)
print(len(msgs))
PY
}

# Reads a recv --json document on stdin; compares each message with DIR/NNN.
check_messages() { # DIR
	python3 -c '
import base64, json, os, sys
d = sys.argv[1]
doc = json.loads(sys.stdin.buffer.read().decode("utf-8"))
files = sorted(os.listdir(d))
assert len(doc) == len(files), (len(doc), len(files))
for m, name in zip(doc, files):
    want = open(os.path.join(d, name), "rb").read()
    try:
        want.decode("utf-8")
        text = True
    except UnicodeDecodeError:
        text = False
    assert m["encoding"] == ("utf-8" if text else "base64"), (name, want, m)
    got = m["message"].encode("utf-8") if text else base64.b64decode(m["message"], validate=True)
    assert got == want, (name, want, got)
    assert m["size"] == len(want), (name, m)
print("ok", len(doc))' "$1"
}

@test "recv --json: any bytes give strict UTF-8 JSON that decodes back to the bytes sent (POSIX)" {
	local dir="$BATS_TEST_TMPDIR/msgs" docs="$BATS_TEST_TMPDIR/docs" n f
	mkdir "$dir" "$docs"
	n=$(make_payloads "$dir" 64)
	mk_posix_mq "/$T-q" 4 64
	for f in "$dir"/*; do   # one message, one document each
		timeout 10 ipc-mq send --whole "/$T-q" <"$f"
		timeout 10 ipc-mq recv --json "/$T-q" >"$docs/${f##*/}"
	done
	# Each document strict UTF-8 JSON holding one message; then all checked against their files.
	run -0 python3 -c '
import json, sys
out = []
for p in sorted(sys.argv[1:]):
    doc = json.loads(open(p, "rb").read().decode("utf-8"))
    assert len(doc) == 1, (p, len(doc))
    out += doc
print(json.dumps(out))' "$docs"/*
	run -0 check_messages "$dir" <<<"$output"
	assert_equal "$(find "$docs" -type f | wc -l)" "$n"
}

@test "recv --json: the same for a System V queue, many messages in one document" {
	local dir="$BATS_TEST_TMPDIR/msgs" id f
	mkdir "$dir"
	make_payloads "$dir" 200 >/dev/null
	id=$(mk_sysv msg)
	for f in "$dir"/*; do
		timeout 10 ipc-mq send --whole "id:$id" <"$f"
	done
	timeout 10 ipc-mq recv -n 0 --json "id:$id" >"$BATS_TEST_TMPDIR/doc"
	run -0 check_messages "$dir" <"$BATS_TEST_TMPDIR/doc"
	assert_output --regexp '^ok [0-9]+$'
}

# Names: random bytes (no NUL or slash) after our prefix, and crafted ones.
make_names() { # DIR KIND: creates the objects, prints nothing
	python3 - "$1" "$2" "$T" <<'PY'
import os, sys
d, kind, t = os.fsencode(sys.argv[1]), sys.argv[2], os.fsencode(sys.argv[3])
crafted = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5", b"\xe2\x82",
           b"\x1b[31mred", b"new\nline", b"tab\t", b"\\x41", b"\\\\x", b"\xc2\x9b", "é😀".encode(),
           b" space inside", b"\x7f", b'"quote"']
import random
random.seed(int.from_bytes(os.urandom(4), "big"))
names = crafted + [bytes(random.choice([b for b in range(1, 256) if b != 0x2f])
                         for _ in range(random.randint(1, 40))) for _ in range(40)]
for i, n in enumerate(names):
    name = t + b"-%02d-" % i + n + (b" " if i % 3 == 0 else b".")   # an edge space is \x20
    if kind == "posix-shm":
        os.close(os.open(b"/dev/shm/" + name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    else:
        os.mkfifo(d + b"/" + name, 0o600)
PY
}

# Reads an ipc-ls --json listing; every object of ours must unescape to a real name.
check_names() { # KIND DIR
	python3 -c '
import json, os, re, sys
kind, d = sys.argv[1], sys.argv[2]
t = os.fsencode(sys.argv[3])
doc = json.loads(sys.stdin.buffer.read().decode("utf-8"))
unesc = lambda s: re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode())
if kind == "posix-shm":
    real = {b"/" + n for n in os.listdir(b"/dev/shm") if n.startswith(t)}
else:
    real = {os.fsencode(d) + b"/" + n for n in os.listdir(os.fsencode(d))}
seen = set()
for o in doc["ipc"]:
    if o["kind"] != kind:
        continue
    name = unesc(o["name"])
    assert unesc(o["ref"]) == kind.encode() + b":" + name, o
    for ch in o["ref"]:
        assert ord(ch) >= 0x20 and not 0x7f <= ord(ch) < 0xa0, ("control character", o["ref"])
    if name in real:
        seen.add(name)
assert seen == real, (len(seen), len(real), real - seen)
print("ok", len(seen))' "$1" "$2" "$T"
}

@test "ipc-ls --json: /dev/shm and FIFO names of any bytes are valid UTF-8, in the \\xHH form" {
	make_names "$FILES" posix-shm
	make_names "$FILES" fifo
	ipc-ls -t posix-shm,fifo --path "$FILES" --json >"$BATS_TEST_TMPDIR/doc"
	run -0 json_ok <"$BATS_TEST_TMPDIR/doc"
	run -0 check_names posix-shm "$FILES" <"$BATS_TEST_TMPDIR/doc"
	assert_output "ok 56"
	run -0 check_names fifo "$FILES" <"$BATS_TEST_TMPDIR/doc"
	assert_output "ok 56"
}

@test "ipc-ls --json | refs | ipc-rm - removes exactly the objects listed, whatever their names" {
	make_names "$FILES" posix-shm
	make_names "$FILES" fifo
	mk_posix_shm "/other-$T"
	ipc-ls -t posix-shm,fifo --path "$FILES" --json >"$BATS_TEST_TMPDIR/doc"
	# what `jq -r '.ipc[].ref'` prints, for ours only
	python3 -c '
import json, sys
for o in json.loads(sys.stdin.buffer.read().decode("utf-8"))["ipc"]:
    if sys.argv[1] in o["ref"] and "other-" not in o["ref"]:
        print(o["ref"])' "$T" <"$BATS_TEST_TMPDIR/doc" >"$BATS_TEST_TMPDIR/refs"
	run -0 wc -l <"$BATS_TEST_TMPDIR/refs"
	assert_output 112
	run -0 ipc-rm - <"$BATS_TEST_TMPDIR/refs"
	run -0 find /dev/shm "$FILES" -name "$T-*"
	assert_output ""
	[ -e "/dev/shm/other-$T" ]
}

@test "info and -i --json: a queue whose name is not UTF-8 or holds control bytes" {
	local name
	name=$(printf '/%s-\xff\xc0\xaf\x1b[2J\\x41' "$T")
	peer mq-create "$name" 4 64
	printf 'x\xfey' | ipc-mq send --whole "$name"
	ipc-mq info --json "$name" >"$BATS_TEST_TMPDIR/a"
	ipc-ls -i "posix-mq:$name" --json >"$BATS_TEST_TMPDIR/b"
	for f in a b; do
		run -0 python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(d["name"], d["ref"], d["msgs"])' <"$BATS_TEST_TMPDIR/$f"
		assert_output "/$T-\\xff\\xc0\\xaf\\x1b[2J\\x5cx41 posix-mq:/$T-\\xff\\xc0\\xaf\\x1b[2J\\x5cx41 1"
	done
	# the text forms escape it too: no ESC byte reaches the terminal
	run -0 ipc-mq info "$name"
	assert_line --regexp "^name +/$T-\\\\xff\\\\xc0\\\\xaf\\\\x1b\\[2J\\\\x5cx41$"
	run -0 ipc-ls -i "posix-mq:$name"
	refute_output --partial $'\e'
	run -0 ipc-mq rm "$name"
}
