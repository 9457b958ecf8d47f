# fish completion for ipc-pipe (ipckit)
set -l cmds info connect

complete -c ipc-pipe -f
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -a info -d 'what each descriptor is'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -a connect -d 'two commands wired both ways'
complete -c ipc-pipe -l trace -d 'print each system call'
complete -c ipc-pipe -s h -l help -d 'help'
complete -c ipc-pipe -s V -l version -d 'version'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -s s -l size -x -d 'capacity of the pipes'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -l progress -d 'bytes, rate and time on a terminal'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -l stats -d 'a summary line at the end'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -s l -l lines -d 'count lines'
complete -c ipc-pipe -n "not __fish_seen_subcommand_from $cmds" -s L -l rate-limit -x -d 'at most RATE a second'
complete -c ipc-pipe -n '__fish_seen_subcommand_from info' -s J -l json -d 'JSON'
complete -c ipc-pipe -n '__fish_seen_subcommand_from info' -a '0 1 2'
complete -c ipc-pipe -n '__fish_seen_subcommand_from connect' -s t -l timeout -x -d 'stop both after'
complete -c ipc-pipe -n '__fish_seen_subcommand_from connect' -a '(__fish_complete_command)'
