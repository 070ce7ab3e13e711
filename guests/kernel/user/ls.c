/* SPDX-License-Identifier: MIT
 * ls.c — list the files on the disk (the dirent system call returns the i-th directory entry). */
#include "user.h"

int main(int argc, char **argv)
{
	struct dirent de;

	for (int i = 0; dirent(i, &de) == 0; i++)
		printf("%s %d bytes, sector %d\n", de.name, de.size, de.start);
	return 0;
}
