// SPDX-License-Identifier: GPL-2.0
/* The /proc/net/alg_nat writer's line assembly (src/ui/nat_lines.c). */
#include "unit.h"

#include "../../src/ui/nat_lines.c"

struct got {
	char text[4096];
	size_t used;
	unsigned int nlong;
};

static int got_line(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	if (!line) {
		g->nlong++;
		return 0;
	}
	memcpy(g->text + g->used, line, len);
	g->used += len;
	g->text[g->used++] = '|';
	g->text[g->used] = 0;
	return 0;
}

/* One write as the writer ends it; in_txn as the caller tracks it. */
static void write1(struct alg_nat_lines *l, struct got *g, const char *s,
		   bool in_txn)
{
	alg_nat_lines_feed(l, s, strlen(s), got_line, g);
	alg_nat_lines_end(l, &in_txn, got_line, g);
}

UNIT_TEST(no_newline_ends_the_line_outside_a_transaction)
{
	struct alg_nat_lines l = { 0 };
	struct got g = { 0 };

	write1(&l, &g, "-A POSTROUTING -j ACCEPT", false);
	UNIT_STREQ(g.text, "-A POSTROUTING -j ACCEPT|");
	write1(&l, &g, "-A POSTRO", false);
	write1(&l, &g, "UTING -j ACCEPT\n", false);
	UNIT_STREQ(g.text, "-A POSTROUTING -j ACCEPT|-A POSTRO|UTING -j ACCEPT|");
	/* a write that failed part way: its tail is dropped, not read */
	alg_nat_lines_feed(&l, "-F", 2, got_line, &g);
	alg_nat_lines_end(&l, &(bool){ false }, NULL, NULL);
	UNIT_EQ(l.len, 0);
	UNIT_STREQ(g.text, "-A POSTROUTING -j ACCEPT|-A POSTRO|UTING -j ACCEPT|");
}

UNIT_TEST(inside_a_transaction_lines_span_writes)
{
	struct alg_nat_lines l = { 0 };
	struct got g = { 0 };

	write1(&l, &g, "-A POSTRO", true);
	UNIT_STREQ(g.text, "");
	write1(&l, &g, "UTING -j ACCEPT\nCOMM", true);
	UNIT_STREQ(g.text, "-A POSTROUTING -j ACCEPT|");
	write1(&l, &g, "IT", true);
	UNIT_STREQ(g.text, "-A POSTROUTING -j ACCEPT|COMMIT|");
}

UNIT_TEST(an_overlong_line_is_reported_once_and_skipped)
{
	struct alg_nat_lines l = { 0 };
	struct got g = { 0 };
	char big[ALG_NAT_LINE_MAX + 50];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	write1(&l, &g, big, true);
	UNIT_EQ(g.nlong, 1);
	write1(&l, &g, "yyy\n-F\n", true);
	UNIT_EQ(g.nlong, 1);
	UNIT_STREQ(g.text, "-F|");
	/* exactly ALG_NAT_LINE_MAX is still a line */
	big[ALG_NAT_LINE_MAX] = 0;
	write1(&l, &g, big, false);
	UNIT_EQ(g.nlong, 1);
	UNIT_EQ(g.used, 3 + ALG_NAT_LINE_MAX + 1);
}

int main(void)
{
	return unit_run();
}
