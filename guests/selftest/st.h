/* SPDX-License-Identifier: MIT
 *
 * st.h — what the selftest's check files share: the PASS/FAIL reporter and the trap expectation helper.
 */
#ifndef ST_H
#define ST_H

#include "../ring/ring.h"

void st_pass(const char *name, const char *note);
void st_fail(const char *name, const char *details);
/* CHECK(name, condition, printf-style details shown on failure) */
#define CHECK(name, cond, ...)                                          \
	do {                                                            \
		if (cond) {                                             \
			st_pass(name, 0);                               \
		} else {                                                \
			char b_[240];                                   \
			snprintf(b_, sizeof b_, __VA_ARGS__);           \
			st_fail(name, b_);                              \
		}                                                       \
	} while (0)
#define NO_ERR (-1)                 /* expect_trap: don't check the error code */
/* Run fn at cpl; expect exception want_vec (-1: none) with error code want_err at EIP want_eip (0: any). */
void expect_trap(const char *name, void (*fn)(void), int cpl, int want_vec, int want_err, void *want_eip);
const char *vecname(int vec);
extern int revisor;                 /* running on revisor: rdtsc counts retired instructions */
extern struct multiboot_info *mbi;

void st_exceptions(void);
void st_privilege(void);
void st_paging(void);
void st_insn(void);
void st_platform(void);

#endif
