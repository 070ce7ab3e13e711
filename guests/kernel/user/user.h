/* SPDX-License-Identifier: MIT
 *
 * user.h — what a user program can call: the system calls (one function each, see ulib.c and
 * ../syscall.h for the numbers) and a few C library functions.  A program defines
 * `int main(int argc, char **argv)`; ulib.c's _start calls it and passes its result to exit().
 */
#ifndef USER_H
#define USER_H

#include "../fs.h"

typedef unsigned int uint32_t;
typedef unsigned int size_t;

/* system calls */
int write(const void *buf, int n);
int read(void *buf, int n);
int getpid(void);
int fork(void);
int exec(const char *name, char *const *argv);
void exit(int status) __attribute__((noreturn));
int wait(int *status);
int sleep(int ms);
int yield(void);
int uptime(void);
void *shmap(void);
int dirent(int i, struct dirent *de);
int fread(const char *name, int off, void *buf, int n);
int fwrite(const char *name, int off, const void *buf, int n);
int kill(int pid);

/* library */
int printf(const char *fmt, ...);
int snprintf(char *buf, int n, const char *fmt, ...);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int atoi(const char *s);

#endif
