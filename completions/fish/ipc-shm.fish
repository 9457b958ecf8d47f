# fish completion for ipc-shm (ipckit)
set -l cmds create info rm resize write read dump attach push pull

function __ipc_shm_segments
    ipc-ls -t shm -o REF --raw --noheadings 2>/dev/null | string replace -r '^posix-shm:' ''
end

complete -c ipc-shm -f
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a create -d 'make a segment'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a info -d 'what the kernel knows'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a rm -d 'remove segments'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a resize -d 'change the size (POSIX)'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a write -d 'write bytes into it'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a read -d 'bytes to stdout'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a dump -d 'hexdump -C layout'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a attach -d 'map it and hold it'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a push -d 'stdin into the ring'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $cmds" -a pull -d 'the ring to stdout'
complete -c ipc-shm -n "__fish_seen_subcommand_from $cmds" -a '(__ipc_shm_segments)'
complete -c ipc-shm -l trace -d 'print each system call'
complete -c ipc-shm -s h -l help -d 'help'
complete -c ipc-shm -s V -l version -d 'version'
complete -c ipc-shm -n '__fish_seen_subcommand_from create' -s s -l size -x -d 'size of the segment'
complete -c ipc-shm -n '__fish_seen_subcommand_from create' -l mode -x -d 'permissions: 644 or u=rw,g=r'
complete -c ipc-shm -n '__fish_seen_subcommand_from create' -l exist-ok -d 'an existing segment is fine'
complete -c ipc-shm -n '__fish_seen_subcommand_from info' -s J -l json -d 'JSON'
complete -c ipc-shm -n '__fish_seen_subcommand_from write read dump' -s o -l offset -x -d 'start at this byte'
complete -c ipc-shm -n '__fish_seen_subcommand_from read dump' -s n -l length -x -d 'this many bytes'
complete -c ipc-shm -n '__fish_seen_subcommand_from write' -l grow -d 'POSIX: grow to fit'
complete -c ipc-shm -n '__fish_seen_subcommand_from attach' -s d -l duration -x -d 'hold it this long'
complete -c ipc-shm -n '__fish_seen_subcommand_from attach' -l read-only -d 'map it read-only'
complete -c ipc-shm -n '__fish_seen_subcommand_from push pull' -s t -l timeout -x -d 'wait at most'
