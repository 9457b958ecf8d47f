# fish completion for ipc-fifo (ipckit)
set -l cmds create write read info rm

complete -c ipc-fifo -n "not __fish_seen_subcommand_from $cmds" -f -a create -d 'make FIFOs'
complete -c ipc-fifo -n "not __fish_seen_subcommand_from $cmds" -f -a write -d 'write lines'
complete -c ipc-fifo -n "not __fish_seen_subcommand_from $cmds" -f -a read -d 'read lines'
complete -c ipc-fifo -n "not __fish_seen_subcommand_from $cmds" -f -a info -d 'who has it open, bytes queued'
complete -c ipc-fifo -n "not __fish_seen_subcommand_from $cmds" -f -a rm -d 'remove FIFOs'
complete -c ipc-fifo -l trace -d 'print each system call'
complete -c ipc-fifo -s h -l help -d 'help'
complete -c ipc-fifo -s V -l version -d 'version'
complete -c ipc-fifo -n '__fish_seen_subcommand_from create' -s m -l mode -x -d 'permissions: 644 or u=rw,g=r'
complete -c ipc-fifo -n '__fish_seen_subcommand_from create' -l exist-ok -d 'an existing FIFO is fine'
complete -c ipc-fifo -n '__fish_seen_subcommand_from write read' -s t -l timeout -x -d 'wait at most'
complete -c ipc-fifo -n '__fish_seen_subcommand_from write read' -s 0 -l null -d 'NUL-ended records'
complete -c ipc-fifo -n '__fish_seen_subcommand_from write read' -l raw -d 'bytes as they are'
complete -c ipc-fifo -n '__fish_seen_subcommand_from read' -s n -l count -x -d 'how many lines'
complete -c ipc-fifo -n '__fish_seen_subcommand_from read' -s f -l follow -d 'keep reading as writers come and go'
complete -c ipc-fifo -n '__fish_seen_subcommand_from info' -s J -l json -d 'JSON'
