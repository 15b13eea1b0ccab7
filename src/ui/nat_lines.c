// SPDX-License-Identifier: GPL-2.0
/* Writes to /proc/net/alg_nat cut into lines; see nat_lines.h. */

#include "alg_conntrack/nat_lines.h"

int alg_nat_lines_feed(struct alg_nat_lines *l, const char *p, size_t n,
		       alg_nat_line_fn fn, void *arg)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (l->overlong)
				continue;
			if (l->len < ALG_NAT_LINE_MAX) {
				l->line[l->len++] = p[i];
				continue;
			}
			/* Refused now, the rest of it skipped up to its newline. */
			l->overlong = true;
			l->len = 0;
			ret = fn(arg, NULL, 0);
			if (ret)
				return ret;
			continue;
		}
		if (l->overlong) {
			l->overlong = false;
			continue;
		}
		ret = fn(arg, l->line, l->len);
		l->len = 0;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Outside a transaction a write ends its line, so that its error comes from
 * that write; inside, lines may be cut anywhere (nothing takes effect before
 * COMMIT), but a bare "COMMIT" at the very end needs no newline to end it.
 */
static bool alg_nat_lines_tail_ends(const struct alg_nat_lines *l, bool in_txn)
{
	if (!l->len)
		return false;
	return !in_txn || (l->len == 6 && !memcmp(l->line, "COMMIT", 6));
}

int alg_nat_lines_end(struct alg_nat_lines *l, const bool *in_txn,
		      alg_nat_line_fn fn, void *arg)
{
	int ret = 0;

	if (fn && alg_nat_lines_tail_ends(l, *in_txn)) {
		ret = fn(arg, l->line, l->len);
		l->len = 0;
	}
	if (!*in_txn) {
		l->len = 0;
		l->overlong = false;
	}
	return ret;
}
