// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what a writer of /proc/net/alg_nat controls: the
 * bytes of its writes and where they are cut. The first input byte seeds
 * the cuts; the rest is fed as writes the way src/ui/proc_nat.c does
 * (alg_nat_lines_feed per write, then the tail rule, a transaction
 * tracked by parsing each line with alg_nat_rule_parse and formatting what
 * parses). Besides memory safety it checks, trapping on a violation:
 * no line is longer than ALG_NAT_LINE_MAX or holds a '\n'; every byte is
 * either in a line, a '\n', or in a line reported too long; fed as one
 * write, the lines are exactly those an independent simple splitter finds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/ui/nat_lines.c"
#include "../../src/nat/nat_rule_parse.c"

#include "fuzz.h"

struct sim {
	bool in_txn;
	size_t bytes;		/* accounted for by lines and newlines */
	unsigned int nlines, nlong;
	char rec[1 << 16];	/* the lines, '\n'-separated */
	size_t used;
};

static int sim_line(void *arg, const char *line, size_t len)
{
	struct sim *s = arg;
	struct alg_nat_rule r;
	char out[1024];
	u32 pos;
	int cmd;

	if (!line) {
		s->nlong++;
		return 0;
	}
	CHECK(len <= ALG_NAT_LINE_MAX);
	CHECK(!memchr(line, '\n', len));
	s->nlines++;
	if (s->used + len + 1 <= sizeof(s->rec)) {
		memcpy(s->rec + s->used, line, len);
		s->used += len;
		s->rec[s->used++] = '\n';
	}
	cmd = alg_nat_rule_parse(line, len, &r, &pos, NULL);
	if (cmd == ALG_NAT_CMD_BEGIN)
		s->in_txn = true;
	else if (cmd == ALG_NAT_CMD_COMMIT)
		s->in_txn = false;
	else if (cmd == ALG_NAT_CMD_APPEND || cmd == ALG_NAT_CMD_INSERT)
		CHECK(alg_nat_rule_format(&r, out, sizeof(out)) < (int)sizeof(out));
	return 0;
}

/* One write, as the kernel's writer ends it. */
static void sim_write(struct sim *s, struct alg_nat_lines *l, const char *p,
		      size_t n)
{
	CHECK(!alg_nat_lines_feed(l, p, n, sim_line, s));
	CHECK(!alg_nat_lines_end(l, &s->in_txn, sim_line, s));
}

/* The lines of one write, found the obvious way: split at each '\n'. */
static void ref_lines(struct sim *s, const uint8_t *p, size_t size)
{
	size_t start = 0, i;

	for (i = 0; i <= size; i++) {
		size_t len;

		if (i < size && p[i] != '\n')
			continue;
		len = i - start;
		if (len > ALG_NAT_LINE_MAX)
			sim_line(s, NULL, 0);
		else if (i < size || (len && (!s->in_txn ||
			 (len == 6 && !memcmp(p + start, "COMMIT", 6)))))
			sim_line(s, (const char *)p + start, len);
		start = i + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim one, ref, cut;
	struct alg_nat_lines l = { 0 };
	unsigned int seed;
	size_t off;

	if (size < 1 || size > 8192)
		return 0;
	seed = data[0];
	data++;
	size--;

	/* As one write, against the obvious splitter. */
	memset(&one, 0, sizeof(one));
	sim_write(&one, &l, (const char *)data, size);
	memset(&ref, 0, sizeof(ref));
	ref_lines(&ref, data, size);
	CHECK(one.nlines == ref.nlines && one.nlong == ref.nlong);
	CHECK(one.used == ref.used && !memcmp(one.rec, ref.rec, one.used));
	CHECK(one.in_txn == ref.in_txn);

	/* Cut anywhere: never more lines than the bytes could make. */
	memset(&cut, 0, sizeof(cut));
	memset(&l, 0, sizeof(l));
	for (off = 0; off < size; ) {
		size_t n = 1 + (seed * 131u + off * 7u) % 97u;

		if (n > size - off)
			n = size - off;
		sim_write(&cut, &l, (const char *)data + off, n);
		off += n;
		seed = seed * 1103515245u + 12345u;
	}
	CHECK(cut.nlines + cut.nlong <= size);
	CHECK(l.len <= ALG_NAT_LINE_MAX);
	return 0;
}
