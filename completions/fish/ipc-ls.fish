# fish completion for ipc-ls (ipckit)
set -l kinds posix-mq posix-shm posix-sem sysv-msg sysv-shm sysv-sem fifo unix posix sysv mq shm sem all
set -l columns KIND REF NAME KEY ID OWNER GROUP UID GID COWNER CGROUP PERMS MODE SIZE MSGS MAXMSG MSGSIZE NATTCH NSEMS VALUE TYPE CONNS CPID LPID LSPID LRPID NOTIFYPID CTIME MTIME ATTACH DETACH SEND RECV OTIME USERS NUSERS STATE INFO

complete -c ipc-ls -f
complete -c ipc-ls -s t -l kind -x -a "$kinds" -d 'only these kinds'
complete -c ipc-ls -s u -l user -x -a '(__fish_complete_users)' -d 'only objects owned by USER'
complete -c ipc-ls -l orphans -d 'only orphans'
complete -c ipc-ls -l older-than -x -d 'only objects older than DURATION'
complete -c ipc-ls -l name -x -d 'only objects whose NAME matches GLOB'
complete -c ipc-ls -l path -x -a '(__fish_complete_directories)' -d 'where to look for FIFOs and sockets'
complete -c ipc-ls -s o -l output -x -a "$columns" -d 'columns to print'
complete -c ipc-ls -l sort -x -a "$columns" -d 'sort by a column'
complete -c ipc-ls -s i -l info -x -a '(ipc-ls -o REF --raw --noheadings 2>/dev/null)' -d 'every field of one object'
complete -c ipc-ls -s l -l limits -d 'kernel limits and use'
complete -c ipc-ls -s J -l json -d 'one JSON document'
complete -c ipc-ls -s r -l raw -d 'raw output'
complete -c ipc-ls -s n -l noheadings -d 'no header line'
complete -c ipc-ls -s b -l bytes -d 'exact sizes and times'
complete -c ipc-ls -l trace -d 'print each IPC system call'
complete -c ipc-ls -s h -l help -d 'help'
complete -c ipc-ls -s V -l version -d 'version'
