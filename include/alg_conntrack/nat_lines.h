/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the writes to /proc/net/alg_nat become lines: pure, so the unit
 * tests and the fuzzer can drive it. The writer (src/ui/proc_nat.c) feeds
 * each write's bytes; every complete line goes to a callback; at the end
 * of a write, alg_nat_lines_end() ends the partial line there too (outside
 * *nat .. COMMIT always, inside only a bare "COMMIT"), and outside a
 * transaction nothing carries over to the next write.
 */
#ifndef _ALG_NAT_LINES_H
#define _ALG_NAT_LINES_H

#include "alg_conntrack/nat_rule.h"

struct alg_nat_lines {
	size_t len;
	bool overlong;		/* past ALG_NAT_LINE_MAX: skipping to '\n' */
	char line[ALG_NAT_LINE_MAX];
};

/*
 * A complete line (without its '\n'), or line NULL for one that grew past
 * ALG_NAT_LINE_MAX (reported once; the rest of it is skipped). A non-zero
 * return stops the feed and is its result.
 */
typedef int (*alg_nat_line_fn)(void *arg, const char *line, size_t len);

int alg_nat_lines_feed(struct alg_nat_lines *l, const char *p, size_t n,
		       alg_nat_line_fn fn, void *arg);
/*
 * The write ends. *in_txn is the caller's transaction state, which the
 * callback may change (a COMMIT): read before the tail, and again after.
 * fn NULL: the write failed part way, its tail is not read.
 */
int alg_nat_lines_end(struct alg_nat_lines *l, const bool *in_txn,
		      alg_nat_line_fn fn, void *arg);

#endif /* _ALG_NAT_LINES_H */
