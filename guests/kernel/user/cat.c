/* SPDX-License-Identifier: MIT
 * cat.c — print files from the disk, 512 bytes per fread system call. */
#include "user.h"

int main(int argc, char **argv)
{
	char buf[512];
	int status = 0;

	for (int i = 1; i < argc; i++) {
		int off = 0, n;
		while ((n = fread(argv[i], off, buf, sizeof buf)) > 0) {
			write(buf, n);
			off += n;
		}
		if (n < 0) {
			printf("cat: %s: no such file\n", argv[i]);
			status = 1;
		}
	}
	return status;
}
