/* An empty dynamically linked C program: the floor of any tool's start-up. */
int main(void)
{
	return 0;
}
