/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT rules in a subset of iptables syntax, one per line, as written to and
 * read back from /proc/net/alg_nat. Parsing, printing and matching are pure
 * so the unit tests can drive them; the rule lists live elsewhere.
 *
 * Byte order: addresses are __be32 (network order) so they compare directly
 * with packet headers; ports are u16 in host order, inclusive ranges.
 */
#ifndef _ALG_NAT_RULE_H
#define _ALG_NAT_RULE_H

#include "alg_conntrack/compat.h"
#include "alg_conntrack/tuple.h"	/* ALG_PROTO_*, one definition */

#define ALG_NAT_LINE_MAX	1024	/* longest line, without its '\n' */
#define ALG_NAT_IFNAMSIZ	16	/* as IFNAMSIZ, NUL included */
#define ALG_NAT_HELPER_NAMSIZ	16	/* as NF_CT_HELPER_NAME_LEN */
#define ALG_NAT_POS_MAX		65535	/* highest rule number -I/-D take */
#define ALG_NAT_COMMENT_SIZE	256	/* as XT_MAX_COMMENT_LEN, NUL included */
#define ALG_NAT_MPORTS		15	/* as XT_MULTI_PORTS: a range takes two */

enum alg_nat_cmd {
	ALG_NAT_CMD_NONE,	/* empty line or '#' comment */
	ALG_NAT_CMD_APPEND,	/* -A CHAIN spec */
	ALG_NAT_CMD_INSERT,	/* -I CHAIN [N] spec, *pos = N (default 1) */
	ALG_NAT_CMD_DELETE_NUM,	/* -D CHAIN N, *pos = N */
	ALG_NAT_CMD_DELETE_SPEC,	/* -D CHAIN spec */
	ALG_NAT_CMD_FLUSH,	/* -F [CHAIN]; no chain: ALG_NAT_CHAIN_ALL */
	ALG_NAT_CMD_BEGIN,	/* *nat */
	ALG_NAT_CMD_COMMIT,	/* COMMIT */
	ALG_NAT_CMD_POLICY,	/* :CHAIN ACCEPT [p:b] of iptables-save */
};

enum alg_nat_chain {
	ALG_NAT_CHAIN_PREROUTING,	/* DNAT REDIRECT ACCEPT CT */
	ALG_NAT_CHAIN_INPUT,		/* SNAT MASQUERADE ACCEPT */
	ALG_NAT_CHAIN_OUTPUT,		/* DNAT REDIRECT ACCEPT CT */
	ALG_NAT_CHAIN_POSTROUTING,	/* SNAT MASQUERADE ACCEPT */
	ALG_NAT_NCHAINS,
	ALG_NAT_CHAIN_ALL = ALG_NAT_NCHAINS,
};

enum alg_nat_target {
	ALG_NAT_TGT_NONE,
	ALG_NAT_TGT_ACCEPT,
	ALG_NAT_TGT_SNAT,
	ALG_NAT_TGT_MASQUERADE,
	ALG_NAT_TGT_DNAT,
	ALG_NAT_TGT_REDIRECT,
	ALG_NAT_TGT_CT,
	ALG_NAT_NTARGETS,
};

/* Matches present in ->match; the same bits in ->inv mean "! " was given. */
#define ALG_NAT_M_SRC		0x01
#define ALG_NAT_M_DST		0x02
#define ALG_NAT_M_IN		0x04
#define ALG_NAT_M_OUT		0x08
#define ALG_NAT_M_PROTO		0x10	/* never set for -p all */
#define ALG_NAT_M_SPORT		0x20
#define ALG_NAT_M_DPORT		0x40
#define ALG_NAT_M_MPORT		0x80	/* -m multiport --sports/--dports */

/* ->tflags */
#define ALG_NAT_T_PORTS		0x01	/* to_port_lo/hi were given */
#define ALG_NAT_T_RANDOM	0x02	/* --random */
#define ALG_NAT_T_RANDOM_FULLY	0x04	/* --random-fully */
#define ALG_NAT_T_PERSISTENT	0x08	/* --persistent */

/*
 * One -m multiport match: up to ALG_NAT_MPORTS ports, where a range lo:hi
 * takes two of them as in xt_multiport. n counts entries, not ports.
 */
struct alg_nat_mports {
	u8 n;
	bool src;			/* --sports, else --dports */
	u16 lo[ALG_NAT_MPORTS];
	u16 hi[ALG_NAT_MPORTS];
};

/*
 * Every field not used by a rule is zero, so rules are printable and
 * comparable without knowing which options were written.
 */
struct alg_nat_rule {
	enum alg_nat_chain chain;
	enum alg_nat_target target;
	u8 match;
	u8 inv;
	u8 proto;
	u8 tflags;
	__be32 src, src_mask;		/* src is stored already masked */
	__be32 dst, dst_mask;
	u16 sport_lo, sport_hi;
	u16 dport_lo, dport_hi;
	char in_if[ALG_NAT_IFNAMSIZ];	/* a trailing '+' matches a prefix */
	char out_if[ALG_NAT_IFNAMSIZ];
	__be32 to_addr_lo, to_addr_hi;	/* SNAT --to-source, DNAT --to-dest */
	u16 to_port_lo, to_port_hi;	/* with ALG_NAT_T_PORTS */
	char helper[ALG_NAT_HELPER_NAMSIZ];	/* CT --helper */
	struct alg_nat_mports mports;	/* with ALG_NAT_M_MPORT */
	char comment[ALG_NAT_COMMENT_SIZE];	/* -m comment, kept as given */
};

/*
 * Parse one line (not necessarily NUL-terminated; one trailing "\n" or
 * "\r\n" is ignored). Returns an enum alg_nat_cmd, with *r filled for
 * APPEND, INSERT and DELETE_SPEC (r->chain also for DELETE_NUM and FLUSH)
 * and *pos set for INSERT and DELETE_NUM (else 0). On error returns -EINVAL,
 * zeroes *r and points *why at a short static reason. @pos and @why may be
 * NULL.
 *
 * Options may come in any order, target options before -j too. "!" may
 * precede -s -d -i -o -p --sport --dport --sports --dports. "-p all" (or 0)
 * is stored as no protocol match. Port 0 is refused everywhere, in matches
 * too. What iptables-save adds is taken as it writes it: "-m tcp" (or udp,
 * icmp) naming the -p protocol, "-m multiport", "-m comment --comment" with
 * iptables' quoting, and ":CHAIN ACCEPT [p:b]" lines (POLICY, r->chain
 * set); a policy other than ACCEPT or a user-defined chain is refused.
 */
int alg_nat_rule_parse(const char *line, size_t len, struct alg_nat_rule *r,
		       u32 *pos, const char **why);

/*
 * Print @r as "-A CHAIN spec" in a canonical option order, which parses
 * back into an equal rule. Like snprintf: returns the length the whole text
 * needs and NUL-terminates whatever fits in @size.
 */
int alg_nat_rule_format(const struct alg_nat_rule *r, char *buf, size_t size);

/* Same chain, matches and target: what -D CHAIN spec looks for. */
bool alg_nat_rule_equal(const struct alg_nat_rule *a,
			const struct alg_nat_rule *b);

/*
 * Whether a packet matches the rule's match part (the target is not looked
 * at). Ports in host order, only looked at for TCP/UDP rules; a NULL
 * interface name means "no interface", which only a negated -i/-o matches.
 */
bool alg_nat_rule_match(const struct alg_nat_rule *r, __be32 saddr,
			__be32 daddr, u8 proto, u16 sport, u16 dport,
			const char *in_ifname, const char *out_ifname);

const char *alg_nat_chain_name(enum alg_nat_chain chain);
const char *alg_nat_target_name(enum alg_nat_target target);

#endif /* _ALG_NAT_RULE_H */
