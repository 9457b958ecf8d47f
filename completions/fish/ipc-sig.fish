# fish completion for ipc-sig (ipckit)
set -l cmds send wait list info status

function __ipc_sig_signals
    ipc-sig list -n 2>/dev/null | string replace -r '^ *\d+ +(\S+) +\S+ +(.*)$' '$1\t$2'
end

complete -c ipc-sig -f
complete -c ipc-sig -n "not __fish_seen_subcommand_from $cmds" -a send -d 'send a signal'
complete -c ipc-sig -n "not __fish_seen_subcommand_from $cmds" -a wait -d 'wait for signals, show who sent them'
complete -c ipc-sig -n "not __fish_seen_subcommand_from $cmds" -a list -d 'every signal'
complete -c ipc-sig -n "not __fish_seen_subcommand_from $cmds" -a info -d 'one signal'
complete -c ipc-sig -n "not __fish_seen_subcommand_from $cmds" -a status -d "a process's signal masks"
complete -c ipc-sig -n "__fish_seen_subcommand_from send wait info" -a '(__ipc_sig_signals)'
complete -c ipc-sig -n "__fish_seen_subcommand_from send status" -a '(__fish_complete_pids)'
complete -c ipc-sig -l trace -d 'print each system call'
complete -c ipc-sig -s h -l help -d 'help'
complete -c ipc-sig -s V -l version -d 'version'
complete -c ipc-sig -n '__fish_seen_subcommand_from send' -l value -x -d 'send with sigqueue, carrying this integer'
complete -c ipc-sig -n '__fish_seen_subcommand_from send wait' -s p -l pidfile -r -F -d 'PID file'
complete -c ipc-sig -n '__fish_seen_subcommand_from send' -s v -l verbose -d 'say what was sent to whom'
complete -c ipc-sig -n '__fish_seen_subcommand_from wait' -s n -l count -x -d 'how many signals (0: no limit)'
complete -c ipc-sig -n '__fish_seen_subcommand_from wait' -s t -l timeout -x -d 'wait at most'
complete -c ipc-sig -n '__fish_seen_subcommand_from wait list info status' -s J -l json -d 'JSON'
complete -c ipc-sig -n '__fish_seen_subcommand_from list' -s n -l noheadings -d 'no header line'
