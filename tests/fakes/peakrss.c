/*
 * peakrss.c - run a command and report its peak resident set size.
 *
 *   peakrss OUTFILE command [args...]
 *
 * Writes "<peak RSS in KiB>" to OUTFILE (from getrusage() of the child,
 * ru_maxrss) and exits with the command's exit status (128 + signal if
 * it was killed).  Tests and benchmarks use it to show that memory does
 * not grow with the input.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	pid_t		 pid;
	int		 st;
	FILE		*f;

	if (argc < 3) {
		fprintf(stderr, "usage: peakrss OUTFILE command [args...]\n");
		return 64;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 71;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("wait4");
		return 71;
	}
	f = fopen(argv[1], "w");
	if (f == NULL) {
		perror(argv[1]);
		return 71;
	}
	fprintf(f, "%ld\n", ru.ru_maxrss);
	fclose(f);
	if (WIFSIGNALED(st)) {
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}
