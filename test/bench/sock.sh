# shellcheck shell=bash
# shellcheck disable=SC2154  # work, cpu, holders and the helpers are the bench's
# make bench, ipc-sock's part (sourced by test/bench/run, whose helpers it uses):
#  - SOCK_SIZE (1 GiB) from a file in tmpfs through one connection to
#    /dev/null, over a unix stream socket and over TCP loopback: ipc-sock
#    listen | connect against socat -u (its defaults otherwise: a transfer with
#    socat's default two-way mode is cut 0.5 s after the server's stdin ends),
#    nc (netcat-openbsd: -d on the server, -N on the client) and a minimal
#    splice loop (sockbench.c). Each time runs from the client's start to the
#    server's end; rows are bytes per second (higher is better).
#  - serve: connections per second, each running /bin/true, made one after
#    another by sockbench conns, against socat UNIX-LISTEN,fork EXEC and a
#    minimal accept + posix_spawn loop.
# Unlike the queue rows, the two ends may run on every CPU the bench may use,
# as a transfer between two programs does: on one CPU, tools with small
# buffers spend the time switching between the two ends.
SOCK_SIZE=${SOCK_SIZE:-1G}
SOCK_ROUNDS=${SOCK_ROUNDS:-1}   # a 1 GiB transfer is long enough to time once; more: slower bench
SOCK_CONNS=${SOCK_CONNS:-300}
taskset -pc "$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)" $$ >/dev/null 2>&1 || true

head -c "$SOCK_SIZE" /dev/zero >"$work/sock.in"
sock_bytes=$(stat -c %s "$work/sock.in")
sock_port=7400

sock_ready() { # unix:PATH | tcp:PORT: until it listens
	local i
	for ((i = 0; i < 2000; i++)); do
		case $1 in
		unix:*) awk -v p="${1#unix:}" '$NF == p { f = 1 } END { exit !f }' /proc/net/unix && return 0 ;;
		tcp:*) ss -Hltn "sport = :${1#tcp:}" | grep -q . && return 0 ;;
		esac
		sleep 0.005
	done
	echo "bench: $1 never listened" >&2
	exit 1
}

# sock_xfer TOOL KIND: bytes per second through one connection.
sock_xfer() {
	local tool=$1 kind=$2 path=$work/x.sock port srv t0 t1 server client ready
	sock_port=$((sock_port + 1))
	port=$sock_port
	rm -f "$path"
	if [ "$kind" = unix ]; then
		ready=unix:$path
		case $tool in
		ipc) server=(ipc-sock listen "unix:$path") client=(ipc-sock connect "unix:$path") ;;
		socat) server=(socat -u "UNIX-LISTEN:$path" STDOUT) client=(socat -u STDIN "UNIX-CONNECT:$path") ;;
		nc) server=(nc -d -lU "$path") client=(nc -N -U "$path") ;;
		c) server=(sockbench recv "unix:$path") client=(sockbench send "unix:$path") ;;
		esac
	else
		ready=tcp:$port
		case $tool in
		ipc) server=(ipc-sock listen "tcp:127.0.0.1:$port") client=(ipc-sock connect "tcp:127.0.0.1:$port") ;;
		socat) server=(socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" STDOUT)
			client=(socat -u STDIN "TCP:127.0.0.1:$port") ;;
		nc) server=(nc -d -l 127.0.0.1 "$port") client=(nc -N 127.0.0.1 "$port") ;;
		c) server=(sockbench recv "tcp:$port") client=(sockbench send "tcp:$port") ;;
		esac
	fi
	"${server[@]}" </dev/null >/dev/null &
	srv=$!
	holders+=("$srv")
	sock_ready "$ready"
	t0=$EPOCHREALTIME
	"${client[@]}" <"$work/sock.in" >/dev/null
	wait "$srv"
	t1=$EPOCHREALTIME
	holders=()
	rm -f "$path"
	awk -v n="$sock_bytes" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

sock_rate() { awk -v v="$1" 'BEGIN { printf "%.0f/s", v }'; }
gbs() { awk -v v="$1" 'BEGIN { printf "%.2f GB/s", v / 1e9 }'; }

sock_case() { # KIND LABEL GOAL_SOCAT GOAL_NC
	local kind=$1 r i t tools=(ipc socat nc c)
	for t in "${tools[@]}"; do : >"$work/sx.$t"; done
	for ((r = 0; r < SOCK_ROUNDS; r++)); do
		for ((i = 0; i < 4; i++)); do
			t=${tools[(r + i) % 4]}
			sock_xfer "$t" "$kind" >>"$work/sx.$t"
		done
	done
	local ipc socat nc c
	ipc=$(median <"$work/sx.ipc") socat=$(median <"$work/sx.socat")
	nc=$(median <"$work/sx.nc") c=$(median <"$work/sx.c")
	compare "$2" "$ipc" "$(gbs "$ipc")" "socat -u (defaults)" "$socat" "$(gbs "$socat")" "$3"
	compare "" "$ipc" "" "nc -N / nc -d -l (netcat-openbsd)" "$nc" "$(gbs "$nc")" "$4"
	compare "" "$ipc" "" "minimal splice loop (the limit)" "$c" "$(gbs "$c")"
}

sock_case unix "ipc-sock listen|connect, $SOCK_SIZE, unix stream" ">= 2.5x" ">= 1.35x"
sock_case tcp "ipc-sock listen|connect, $SOCK_SIZE, TCP loopback" ">= 2.0x" ">= 1.4x"
rm -f "$work/sock.in"

# sock_conns TOOL: connections per second through a server running /bin/true for each.
sock_conns() {
	local path=$work/c.sock srv rate
	rm -f "$path"
	case $1 in
	ipc) ipc-sock serve "unix:$path" -- /bin/true & ;;
	socat) socat "UNIX-LISTEN:$path,fork" EXEC:/bin/true & ;;
	c) sockbench serve "unix:$path" /bin/true & ;;
	esac
	srv=$!
	holders+=("$srv")
	sock_ready "unix:$path"
	sockbench conns "unix:$path" 20 >/dev/null   # warm-up
	rate=$(sockbench conns "unix:$path" "$SOCK_CONNS")
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	holders=()
	rm -f "$path"
	echo "$rate"
}

for t in ipc socat c; do : >"$work/sc.$t"; done
for ((r = 0; r < SOCK_ROUNDS; r++)); do
	for ((i = 0; i < 3; i++)); do
		t=$(echo ipc socat c | cut -d' ' -f$(( (r + i) % 3 + 1 )))
		sock_conns "$t" >>"$work/sc.$t"
	done
done
sc_ipc=$(median <"$work/sc.ipc") sc_socat=$(median <"$work/sc.socat") sc_c=$(median <"$work/sc.c")
compare "ipc-sock serve unix:PATH -- /bin/true: conns/s" "$sc_ipc" "$(sock_rate "$sc_ipc")" \
	"socat UNIX-LISTEN:PATH,fork EXEC:/bin/true" "$sc_socat" "$(sock_rate "$sc_socat")" ">= 1.0x"
compare "" "$sc_ipc" "" "accept + posix_spawn loop (the limit)" "$sc_c" "$(sock_rate "$sc_c")"
taskset -pc "$cpu" $$ >/dev/null   # back on the bench's one CPU
