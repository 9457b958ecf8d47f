# fish completion for ipc-mq (ipckit)
set -l cmds create send recv info rm notify

function __ipc_mq_queues
    ipc-ls -t mq -o REF --raw --noheadings 2>/dev/null | string replace -r '^posix-mq:' ''
end

complete -c ipc-mq -f
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a create -d 'make a queue'
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a send -d 'send messages'
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a recv -d 'receive messages'
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a info -d 'what the kernel knows'
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a rm -d 'remove queues'
complete -c ipc-mq -n "not __fish_seen_subcommand_from $cmds" -a notify -d 'run a command on arrival'
complete -c ipc-mq -n "__fish_seen_subcommand_from $cmds" -a '(__ipc_mq_queues)'
complete -c ipc-mq -l trace -d 'print each system call'
complete -c ipc-mq -s h -l help -d 'help'
complete -c ipc-mq -s V -l version -d 'version'
complete -c ipc-mq -n '__fish_seen_subcommand_from create' -l maxmsg -x -d 'capacity in messages'
complete -c ipc-mq -n '__fish_seen_subcommand_from create' -l msgsize -x -d 'largest message'
complete -c ipc-mq -n '__fish_seen_subcommand_from create' -l max-bytes -x -d 'System V msg_qbytes'
complete -c ipc-mq -n '__fish_seen_subcommand_from create' -l mode -x -d 'permissions: 644 or u=rw,g=r'
complete -c ipc-mq -n '__fish_seen_subcommand_from create' -l exist-ok -d 'an existing queue is fine'
complete -c ipc-mq -n '__fish_seen_subcommand_from send' -l priority -x -d 'POSIX priority'
complete -c ipc-mq -n '__fish_seen_subcommand_from send recv' -l type -x -d 'System V type'
complete -c ipc-mq -n '__fish_seen_subcommand_from send recv notify' -s t -l timeout -x -d 'wait at most'
complete -c ipc-mq -n '__fish_seen_subcommand_from send recv' -s 0 -l null -d 'NUL-separated'
complete -c ipc-mq -n '__fish_seen_subcommand_from send' -l whole -d 'all of stdin is one message'
complete -c ipc-mq -n '__fish_seen_subcommand_from recv notify' -s n -l count -x -d 'how many'
complete -c ipc-mq -n '__fish_seen_subcommand_from recv' -s f -l follow -d 'keep receiving'
complete -c ipc-mq -n '__fish_seen_subcommand_from recv' -l raw -d 'exactly one message, no delimiter'
complete -c ipc-mq -n '__fish_seen_subcommand_from recv info' -s J -l json -d 'JSON'
complete -c ipc-mq -n '__fish_seen_subcommand_from recv' -s v -l verbose -d 'priority or type on stderr'
