#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# The bash completions offer options, kinds, columns and the REFs that exist now.

load helpers

# The options a tool's --help names: in its usage lines, and at the head of
# its option lines ("  -t, --timeout DURATION   ..."); clusters like -fnvi
# are left out (their letters are named one by one too).
help_options() {
	"$1" --help | awk -v t="$1" '$1 == "usage:" || $1 == t { print; next }
		/^ +-/ { sub(/^ +/, ""); sub(/  .*/, ""); print }' |
		grep -oE -- '(^|[][ ,|])--?[a-zA-Z0-9][a-zA-Z0-9-]*' | grep -oE -- '--?[a-zA-Z0-9][a-zA-Z0-9-]*' |
		grep -vE '^-[^-].' | sort -u
}

# What fish offers for a command line, the candidates only.
fish_complete() { # TOOL LINE
	# shellcheck disable=SC2016  # $argv is fish's, expanded by fish
	fish -c 'source $argv[1]; complete -C $argv[2]' "$TEST_DIR/../completions/fish/$1.fish" "$2" | cut -f1
}

@test "bash: options, kinds after -t, columns after -o" {
	run -0 complete_line ipc-ls --or
	assert_output "--orphans"
	run -0 complete_line ipc-ls -t sysv-m
	assert_output "sysv-msg"
	run -0 complete_line ipc-ls -o KIND,NAT
	assert_output "KIND,NATTCH"
	run -0 complete_line ipc-rm --dr
	assert_output "--dry-run"
}

@test "bash: ipc-rm completes the live REFs that ipc-ls prints" {
	mk_posix_shm "/$T-live"
	run -0 complete_line ipc-rm "posix-shm:/$T-l"
	assert_output --partial "posix-shm:/$T-live"
}

@test "every tool: zsh and fish files parse and name every option its --help names" {
	local f t opt zf ff n=0
	for f in "$TEST_DIR"/../cmd/ipc-*.c; do
		t=$(basename "$f" .c)
		zf=$TEST_DIR/../completions/zsh/_$t
		ff=$TEST_DIR/../completions/fish/$t.fish
		zsh -n "$zf" || fail "zsh: $zf does not parse"
		fish -n "$ff" || fail "fish: $ff does not parse"
		for opt in $(help_options "$t"); do
			n=$((n + 1))
			grep -q -- "$opt" "$zf" || fail "zsh: $t lacks $opt"
			case $opt in
			--*) grep -q -- "-l ${opt#--}" "$ff" || fail "fish: $t lacks $opt" ;;
			*) grep -qE -- "-s ${opt#-}( |\$)" "$ff" || fail "fish: $t lacks $opt" ;;
			esac
		done
	done
	[ "$n" -gt 150 ] || fail "only $n options found in the tools' --help: the extraction broke"
}

@test "every tool: fish offers each subcommand its --help names, and -h, --help, -V, --version" {
	local f t sub out
	for f in "$TEST_DIR"/../cmd/ipc-*.c; do
		t=$(basename "$f" .c)
		out=$(fish_complete "$t" "$t ")
		for sub in $("$t" --help | awk -v t="$t" '$1 == t && $2 ~ /^[a-z]/ { print $2 }'); do
			grep -qx -- "$sub" <<<"$out" || fail "fish: $t does not offer $sub"
		done
		out=$(fish_complete "$t" "$t -")
		for opt in -h --help -V --version; do
			grep -qx -- "$opt" <<<"$out" || fail "fish: $t does not offer $opt"
		done
	done
	# And an option of a subcommand, after it.
	run -0 fish_complete ipc-mq "ipc-mq recv --fo"
	assert_output "--follow"
}

@test "bash: ipc-mq completes subcommands, their options and live queue names" {
	run -0 complete_line ipc-mq re
	assert_output "recv"
	run -0 complete_line ipc-mq recv --fo
	assert_output "--follow"
	mk_posix_mq "/$T-cq"
	run -0 complete_line ipc-mq send "/$T-c"
	assert_output "/$T-cq"
}

@test "every tool has bash, zsh and fish completions and a man page" {
	local t
	for f in "$TEST_DIR"/../cmd/ipc-*.c; do
		t=$(basename "$f" .c)
		[ -f "$TEST_DIR/../completions/bash/$t" ] || fail "no bash completion for $t"
		[ -f "$TEST_DIR/../completions/zsh/_$t" ] || fail "no zsh completion for $t"
		[ -f "$TEST_DIR/../completions/fish/$t.fish" ] || fail "no fish completion for $t"
		[ -f "$TEST_DIR/../man/$t.1.scd" ] || fail "no man page for $t"
	done
}
