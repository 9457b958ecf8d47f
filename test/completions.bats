#!/usr/bin/env bats
# shellcheck disable=SC2154  # $output, $stderr and $lines are set by bats' run
# The bash completions offer options, kinds, columns and the REFs that exist now.

load helpers

# Runs the completion function for a command line; prints the candidates.
complete_line() {
	bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		for f in "$1"/../completions/bash/ipc-*; do source "$f"; done
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
		"_${1//-/_}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TEST_DIR" "$@"
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

@test "zsh and fish files name every option the tools accept" {
	for t in ipc-ls ipc-rm; do
		for opt in $("$t" --help | grep -E '^ +-' | cut -c1-24 | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "${opt}" "$TEST_DIR/../completions/zsh/_$t" || fail "zsh $t lacks $opt"
			grep -q -- "-l ${opt#--}" "$TEST_DIR/../completions/fish/$t.fish" || fail "fish $t lacks $opt"
		done
	done
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

@test "zsh and fish name every ipc-mq option of every subcommand" {
	for opt in $(ipc-mq --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "${opt}" "$TEST_DIR/../completions/zsh/_ipc-mq" || fail "zsh lacks $opt"
		grep -q -- "-l ${opt#--}" "$TEST_DIR/../completions/fish/ipc-mq.fish" || fail "fish lacks $opt"
	done
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
