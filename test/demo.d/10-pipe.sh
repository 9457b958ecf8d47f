# shellcheck shell=bash
# The tour's part for ipc-pipe: sourced by test/demo (step, run, $name, $dir).

step "ipc-pipe: a pipeline's pipes, measured" \
	"Between two pipes the bytes move with splice(2): from one pipe's buffers to the" \
	"other's, never copied through the process. --stats says how much, how fast, how."
run bash -c 'head -c 256M /dev/zero | ipc-pipe --stats | wc -c'

step "Who is on the other side of my stdin?" \
	"info reads /proc: the pipe's inode, capacity and contents, and every process" \
	"holding it, with its end. Here the writer is sleep."
run bash -c 'sleep 1 | ipc-pipe info 0'

step "Two commands wired both ways: something | cannot write" \
	"connect makes two pipes: a script asks bc a question on one and reads the answer" \
	"on the other. --trace shows pipe2, fork, dup2 and execvp."
# shellcheck disable=SC2016  # the command line is for sh -c
run ipc-pipe --trace connect 'echo "2^64"; read -r answer; echo "bc says $answer" >&2' bc
