/* SPDX-License-Identifier: MIT
 * count.c — read the decimal number in the file `counter`, add one, write it back: a disk write
 * through the IDE driver.  Run revisor with -snapshot and the count never changes on the image. */
#include "user.h"

int main(int argc, char **argv)
{
	char buf[16];
	int n = fread("counter", 0, buf, 10);

	if (n != 10) {
		printf("count: cannot read the file `counter`\n");
		return 1;
	}
	buf[10] = 0;
	int runs = atoi(buf) + 1;
	snprintf(buf, sizeof buf, "%010d", runs);
	if (fwrite("counter", 0, buf, 10) != 10) {
		printf("count: cannot write the file `counter`\n");
		return 1;
	}
	printf("count: this disk has run `count` %d time%s\n", runs, runs == 1 ? "" : "s");
	return 0;
}
