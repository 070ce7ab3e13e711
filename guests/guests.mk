# guests.mk — building our guest kernels (included by the top-level Makefile).
guests:
