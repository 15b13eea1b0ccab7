/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP test harness for the userspace unit tests of the pure-logic
 * parts. Each test_*.c includes the .c files it tests directly, so a test
 * needs no build rule of its own.
 *
 *	UNIT_TEST(name) { UNIT_CHECK(expr); UNIT_EQ(a, b); }
 *	int main(void) { return unit_run(); }
 *
 * Output: one TAP line per test, then "N passed, N failed".
 */
#ifndef _ALG_UNIT_H
#define _ALG_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

#define UNIT_MAX_CASES 512
static struct unit_case unit_cases[UNIT_MAX_CASES];
static int unit_ncases;
static int unit_failed_now;

#define UNIT_TEST(n)							\
	static void unit_fn_##n(void);					\
	__attribute__((constructor)) static void unit_reg_##n(void)	\
	{								\
		if (unit_ncases < UNIT_MAX_CASES)			\
			unit_cases[unit_ncases++] =			\
				(struct unit_case){ #n, unit_fn_##n };	\
	}								\
	static void unit_fn_##n(void)

#define UNIT_CHECK(expr)						\
	do {								\
		if (!(expr)) {						\
			printf("#   %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #expr);		\
			unit_failed_now = 1;				\
		}							\
	} while (0)

#define UNIT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			printf("#   %s:%d: %s == %lld, expected %s == %lld\n", \
			       __FILE__, __LINE__, #a, _a, #b, _b);	\
			unit_failed_now = 1;				\
		}							\
	} while (0)

#define UNIT_STREQ(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (strcmp(_a, _b)) {					\
			printf("#   %s:%d: \"%s\" != \"%s\"\n",		\
			       __FILE__, __LINE__, _a, _b);		\
			unit_failed_now = 1;				\
		}							\
	} while (0)

static inline int unit_run(void)
{
	int i, pass = 0, fail = 0;

	printf("TAP version 13\n1..%d\n", unit_ncases);
	for (i = 0; i < unit_ncases; i++) {
		unit_failed_now = 0;
		unit_cases[i].fn();
		if (unit_failed_now)
			fail++;
		else
			pass++;
		printf("%s %d - %s\n", unit_failed_now ? "not ok" : "ok",
		       i + 1, unit_cases[i].name);
	}
	printf("# %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}

#endif /* _ALG_UNIT_H */
