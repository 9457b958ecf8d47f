# fish completion for ipc-sem (ipckit)
set -l cmds create wait trywait post get set info rm run

function __ipc_sem_refs
    ipc-ls -t sem -o REF --raw --noheadings 2>/dev/null | string replace -r '^posix-sem:' ''
end

complete -c ipc-sem -f
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a create -d 'make a semaphore'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a wait -d 'take a unit (P)'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a trywait -d 'take a unit if there is one'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a post -d 'give units back (V)'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a get -d 'print the value'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a set -d 'set the value (System V)'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a info -d 'what the kernel knows'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a rm -d 'remove semaphores'
complete -c ipc-sem -n "not __fish_seen_subcommand_from $cmds" -a run -d 'run a command holding a unit'
complete -c ipc-sem -n "__fish_seen_subcommand_from $cmds" -a '(__ipc_sem_refs)'
complete -c ipc-sem -l trace -d 'print each system call'
complete -c ipc-sem -s h -l help -d 'help'
complete -c ipc-sem -s V -l version -d 'version'
complete -c ipc-sem -n '__fish_seen_subcommand_from create' -l value -x -d 'starting value'
complete -c ipc-sem -n '__fish_seen_subcommand_from create' -l nsems -x -d 'System V: semaphores in the set'
complete -c ipc-sem -n '__fish_seen_subcommand_from create' -s m -l mode -x -d 'permissions: 644 or u=rw,g=r'
complete -c ipc-sem -n '__fish_seen_subcommand_from create' -l exist-ok -d 'an existing semaphore is fine'
complete -c ipc-sem -n '__fish_seen_subcommand_from wait run' -s t -l timeout -x -d 'wait at most'
complete -c ipc-sem -n '__fish_seen_subcommand_from wait trywait post get set run' -s i -l index -x -d 'semaphore of a System V set'
complete -c ipc-sem -n '__fish_seen_subcommand_from post' -s n -l count -x -d 'units to give back'
complete -c ipc-sem -n '__fish_seen_subcommand_from get info' -s J -l json -d 'JSON'
