# fish completion for ipc-sock (ipckit)
set -l cmds listen connect wait send recv serve echo send-fd recv-fd

function __ipc_sock_addrs
    printf '%s\n' unix: tcp: udp:
    ipc-ls -t unix -o REF --raw --noheadings 2>/dev/null
end

complete -c ipc-sock -f
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a listen -d 'accept a connection, bridge it with stdin/stdout'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a connect -d 'connect, bridge with stdin/stdout'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a wait -d 'until the address accepts a connection'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a send -d 'send one message'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a recv -d 'receive messages'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a serve -d 'run a command per connection'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a echo -d 'a built-in echo server'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a send-fd -d 'pass a descriptor (SCM_RIGHTS)'
complete -c ipc-sock -n "not __fish_seen_subcommand_from $cmds" -a recv-fd -d 'receive a descriptor'
complete -c ipc-sock -n "__fish_seen_subcommand_from $cmds" -a '(__ipc_sock_addrs)'
complete -c ipc-sock -l trace -d 'print each system call'
complete -c ipc-sock -s h -l help -d 'help'
complete -c ipc-sock -s V -l version -d 'version'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen connect wait send recv echo' -l dgram -d 'unix datagram socket'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen connect wait send recv serve echo' -l seqpacket -d 'unix sequenced-packet socket'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen connect wait send recv send-fd recv-fd' -s t -l timeout -x -d 'wait at most; idle limit'
complete -c ipc-sock -n '__fish_seen_subcommand_from connect send send-fd' -l wait -x -d 'retry until the server is up'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen recv serve echo recv-fd' -s m -l mode -x -d 'socket file permissions'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen' -s k -l keep -d 'one connection after another'
complete -c ipc-sock -n '__fish_seen_subcommand_from listen connect' -l creds -d 'show the peer on stderr'
complete -c ipc-sock -n '__fish_seen_subcommand_from recv' -s n -l count -x -d 'how many'
complete -c ipc-sock -n '__fish_seen_subcommand_from recv' -s 0 -l null -d 'NUL after each message'
complete -c ipc-sock -n '__fish_seen_subcommand_from recv' -l raw -d 'no delimiter'
complete -c ipc-sock -n '__fish_seen_subcommand_from serve' -l max-clients -x -d 'at most N at once'
