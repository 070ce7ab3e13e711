/* SPDX-License-Identifier: MIT
 *
 * sh.c — the shell, and process 1.  It reads a line from the console, splits it into words, and runs
 * the program named by the first word the Unix way: fork() a child, the child exec()s the program from
 * the disk, the parent wait()s for it.  Built-ins: `exit [N]` / `poweroff` (the shell is init, so the
 * kernel powers off when it exits), `help`.  Ctrl-D on an empty line is the same as `exit`.
 *
 * `sh -c "COMMAND"` runs one command and exits with its status: that is how the kernel's
 * `autorun=PROG` option runs a program non-interactively.
 */
#include "user.h"

#define MAXWORDS 16

static int split(char *line, char **words)
{
	int n = 0;

	for (char *p = line; *p && n < MAXWORDS; ) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = 0;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	words[n] = 0;
	return n;
}

static int run(char *line)
{
	char *argv[MAXWORDS + 1];
	int status = 0;

	if (split(line, argv) == 0)
		return 0;
	if (!strcmp(argv[0], "exit") || !strcmp(argv[0], "poweroff"))
		exit(argv[1] ? atoi(argv[1]) : 0);
	if (!strcmp(argv[0], "help")) {
		printf("built-ins: help, exit [status], poweroff.  Programs on the disk: run `ls`.\n"
		       "Ctrl-C kills the running program; Ctrl-D (on an empty line) powers off.\n");
		return 0;
	}
	int pid = fork();
	if (pid < 0) {
		printf("sh: fork failed\n");
		return 1;
	}
	if (pid == 0) {
		exec(argv[0], argv);
		printf("sh: %s: no such program\n", argv[0]);
		exit(127);
	}
	int got;
	while ((got = wait(&status)) >= 0 && got != pid)
		;                       /* an orphan adopted by init: keep waiting for ours */
	if (status == -1)
		printf("sh: %s was killed\n", argv[0]);
	return status;
}

int main(int argc, char **argv)
{
	char line[128];

	if (argc >= 3 && !strcmp(argv[1], "-c"))
		return run(argv[2]);

	printf("revisor kernel shell: `ls` lists programs, `help` for more, `exit` or Ctrl-D powers off\n");
	for (;;) {
		printf("$ ");
		int n = read(line, sizeof line - 1);
		if (n <= 0) {
			printf("\n");
			return 0;
		}
		line[n] = 0;
		run(line);
	}
}
