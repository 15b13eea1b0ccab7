/* SPDX-License-Identifier: GPL-2.0 */
/* What the libFuzzer targets share: a property check that traps. */
#ifndef _ALG_FUZZ_H
#define _ALG_FUZZ_H

#define CHECK(x)				\
	do {					\
		if (!(x))			\
			__builtin_trap();	\
	} while (0)

#endif /* _ALG_FUZZ_H */
