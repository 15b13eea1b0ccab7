// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the parsers that read untrusted text: the FTP
 * control stream (both directions) and /proc/net/alg_nat rule lines.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *		-I../../include -o /tmp/fuzz fuzz_ftp_parse.c
 *	/tmp/fuzz -max_total_time=30
 *
 * Besides memory safety it checks properties, trapping on any violation:
 * the lines cut from a stream do not depend on how it was segmented; each
 * match's span lies in its line and, rewritten with alg_ftp_format(), parses
 * back to the same kind, place, address and port; a parsed rule prints as
 * text that parses back to an equal rule and prints the same again; a
 * picked port is in range and free, found within the documented bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/helpers/ftp_parse.c"
#include "../../src/nat/nat_rule_parse.c"
#include "../../src/nat/nat_port.c"

#include "fuzz.h"

/* Every line a feed produced, as length-prefixed records. */
struct lines {
	char rec[1 << 17];
	size_t used;
	unsigned int n;
	const char *seg;	/* the segment being fed */
	size_t seg_len;
};

static struct lines whole, split;

static void check_match(const char *s, size_t len, bool from_client)
{
	static char out[1 << 17];
	struct alg_ftp_match m, m2;
	struct alg_ftp_addr a;
	char rep[64];
	size_t tail;
	int ret, n;

	ret = alg_ftp_parse_line(s, len, from_client, &m);
	CHECK(ret == 0 || ret == 1 || ret == -EINVAL || ret == -EAFNOSUPPORT);
	if (ret != 1) {
		CHECK(m.kind == ALG_FTP_NONE);
		return;
	}
	CHECK(m.kind != ALG_FTP_NONE && m.port && m.len);
	CHECK(m.off <= len && m.len <= len - m.off);
	CHECK(m.kind != ALG_FTP_EPSV229 || !m.addr);
	CHECK(from_client == (m.kind == ALG_FTP_PORT ||
			      m.kind == ALG_FTP_EPRT));

	n = alg_ftp_format(m.kind, m.addr, m.port, rep, sizeof(rep));
	CHECK(n > 0 && (size_t)n < sizeof(rep) && strlen(rep) == (size_t)n);
	if (m.kind == ALG_FTP_PORT || m.kind == ALG_FTP_PASV227)
		ret = alg_ftp_parse_port(rep, n, &a);
	else if (m.kind == ALG_FTP_EPRT)
		ret = alg_ftp_parse_eprt(rep, n, &a);
	else
		ret = alg_ftp_parse_epsv(rep, n, &a);
	CHECK(!ret && a.len == n && a.port == m.port && a.addr == m.addr);

	/* what NAT does: put the new text over the span, parse again */
	if (len + sizeof(rep) > sizeof(out))
		return;
	tail = len - m.off - m.len;
	memcpy(out, s, m.off);
	memcpy(out + m.off, rep, n);
	memcpy(out + m.off + n, s + m.off + m.len, tail);
	ret = alg_ftp_parse_line(out, m.off + n + tail, from_client, &m2);
	CHECK(ret == 1 && m2.kind == m.kind && m2.off == m.off &&
	      m2.len == (u32)n && m2.port == m.port && m2.addr == m.addr);
}

static void on_line(const struct alg_ftp_line *l, void *arg)
{
	struct lines *g = arg;

	CHECK(l->len <= ALG_FTP_LINE_MAX);
	CHECK(l->in_segment == !l->head);
	CHECK(l->off <= g->seg_len);
	if (l->in_segment) {
		CHECK(l->s == g->seg + l->off);
		CHECK(l->len <= g->seg_len - l->off);
	} else if (l->len > l->head) {
		/* the part of the line in this segment is the segment's */
		CHECK(l->len - l->head <= g->seg_len - l->off);
		CHECK(!memcmp(l->s + l->head, g->seg + l->off,
			      l->len - l->head));
	}
	CHECK(!memchr(l->s, '\n', l->len));
	g->n++;
	if (g->used + sizeof(size_t) + l->len <= sizeof(g->rec)) {
		memcpy(g->rec + g->used, &l->len, sizeof(size_t));
		memcpy(g->rec + g->used + sizeof(size_t), l->s, l->len);
		g->used += sizeof(size_t) + l->len;
	}
	check_match(l->s, l->len, true);
	check_match(l->s, l->len, false);
}

static unsigned int feed(struct alg_ftp_line_state *st, struct lines *g,
			 const char *s, size_t len)
{
	g->seg = s;
	g->seg_len = len;
	return alg_ftp_lines_feed(st, s, len, on_line, g);
}

static void fuzz_ftp(const char *data, size_t size)
{
	struct alg_ftp_line_state a = { 0 }, b = { 0 };
	u32 x = 2166136261U;
	size_t pos = 0, n, i;
	unsigned int lines = 0;

	whole.used = 0;
	whole.n = 0;
	split.used = 0;
	split.n = 0;
	CHECK(feed(&a, &whole, data, size) == whole.n);

	/* split points from a hash of the data, so runs repeat */
	for (i = 0; i < size && i < 16; i++)
		x = (x ^ (u8)data[i]) * 16777619U;
	while (pos < size) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x % 8 ? 1 + x % 37 : 0;	/* empty segments too */
		if (n > size - pos)
			n = size - pos;
		lines += feed(&b, &split, data + pos, n);
		pos += n;
	}
	CHECK(lines == split.n);
	CHECK(whole.n == split.n && whole.used == split.used);
	CHECK(!memcmp(whole.rec, split.rec, whole.used));
	CHECK(a.len == b.len && a.overlong == b.overlong);
	CHECK(!memcmp(a.buf, b.buf, a.len));
	CHECK(a.len <= ALG_FTP_LINE_MAX && (!a.overlong || !a.len));
	CHECK(alg_ftp_lines_pending_cmd(&a, true) ==
	      alg_ftp_lines_pending_cmd(&b, true));

	/* the raw input as one line, whatever its length */
	check_match(data, size, true);
	check_match(data, size, false);
}

static void fuzz_rule(const char *data, size_t size)
{
	static char out[2048], again[2048];
	struct alg_nat_rule r, r2;
	const char *why = NULL;
	u32 pos = 0;
	int ret, n;

	ret = alg_nat_rule_parse(data, size, &r, &pos, &why);
	CHECK(ret == -EINVAL || (ret >= ALG_NAT_CMD_NONE &&
				 ret <= ALG_NAT_CMD_POLICY));
	if (ret < 0) {
		CHECK(why && *why);
		return;
	}
	CHECK(size <= ALG_NAT_LINE_MAX + 2);
	if (ret == ALG_NAT_CMD_INSERT || ret == ALG_NAT_CMD_DELETE_NUM)
		CHECK(pos >= 1 && pos <= ALG_NAT_POS_MAX);
	else
		CHECK(pos == 0);
	if (ret != ALG_NAT_CMD_APPEND && ret != ALG_NAT_CMD_INSERT &&
	    ret != ALG_NAT_CMD_DELETE_SPEC)
		return;
	CHECK(r.chain < ALG_NAT_NCHAINS && r.target != ALG_NAT_TGT_NONE);
	CHECK(r.in_if[ALG_NAT_IFNAMSIZ - 1] == '\0');
	CHECK(r.out_if[ALG_NAT_IFNAMSIZ - 1] == '\0');
	CHECK(r.helper[ALG_NAT_HELPER_NAMSIZ - 1] == '\0');
	CHECK((r.src & ~r.src_mask) == 0 && (r.dst & ~r.dst_mask) == 0);

	n = alg_nat_rule_format(&r, out, sizeof(out));
	CHECK(n > 0 && (size_t)n < sizeof(out) && strlen(out) == (size_t)n);
	why = NULL;
	ret = alg_nat_rule_parse(out, n, &r2, &pos, &why);
	CHECK(ret == ALG_NAT_CMD_APPEND);
	CHECK(alg_nat_rule_equal(&r, &r2));
	CHECK(alg_nat_rule_format(&r2, again, sizeof(again)) == n);
	CHECK(!strcmp(out, again));
	/* truncated output is a prefix, as snprintf's */
	CHECK(alg_nat_rule_format(&r, again, 7) == n);
	CHECK(!strncmp(out, again, 6) && again[6] == '\0');

	alg_nat_rule_match(&r, r.src, r.dst, r.proto, r.sport_lo, r.dport_hi,
			   r.in_if, r.out_if);
	alg_nat_rule_match(&r, 0, 0, 0, 0, 0, NULL, NULL);
}

struct used {
	u32 salt;
	u32 calls;
	u8 density;
};

static bool in_use(u16 port, void *arg)
{
	struct used *u = arg;
	u32 h = (port ^ u->salt) * 2654435761U;

	u->calls++;
	return (h >> 24) < u->density;
}

static void fuzz_port(const u8 *d, size_t size)
{
	struct used u;
	u16 lo, hi, wanted, out = 0;
	u32 seed;
	bool rnd;
	int ret;

	if (size < 12)
		return;
	lo = d[0] | d[1] << 8;
	hi = d[2] | d[3] << 8;
	wanted = d[4] | d[5] << 8;
	seed = d[6] | d[7] << 8 | d[8] << 16 | (u32)d[9] << 24;
	rnd = d[10] & 1;
	u.density = d[11];
	u.salt = seed * 31;
	u.calls = 0;
	ret = alg_nat_port_pick(lo, hi, wanted, rnd, seed, in_use, &u, &out);
	if (lo > hi) {
		CHECK(ret == -EINVAL && !u.calls);
		return;
	}
	CHECK(ret == 0 || ret == -ENOSPC);
	CHECK(u.calls <= 1 + ALG_NAT_PORT_MAX_TRIES);
	if (!ret) {
		CHECK(out >= lo && out <= hi);
		CHECK(!in_use(out, &u));
		if (!rnd && wanted >= lo && wanted <= hi && !in_use(wanted, &u))
			CHECK(out == wanted);
	} else if ((u32)hi - lo < ALG_NAT_PORT_SCAN_ALL) {
		u32 p;

		for (p = lo; p <= hi; p++)
			CHECK(in_use(p, &u));
	}
	CHECK(alg_nat_addr_pick(htonl(lo), htonl(hi), seed) ==
	      alg_nat_addr_pick(htonl(lo), htonl(hi), seed));
	if (lo <= hi) {
		u32 a = ntohl(alg_nat_addr_pick(htonl(lo), htonl(hi), seed));

		CHECK(a >= lo && a <= hi);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* the name is libFuzzer's */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_ftp((const char *)data, size);
	fuzz_rule((const char *)data, size);
	fuzz_port(data, size);
	return 0;
}
