/*
 * sigsend SIG PID: the least a signal sender can do, kill(2) once: the limit
 * for ipc-sig send. SIG and PID are decimal.
 */
#include <signal.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	if (argc != 3)
		return 2;
	return kill((pid_t)atoi(argv[2]), atoi(argv[1])) == 0 ? 0 : 1;
}
