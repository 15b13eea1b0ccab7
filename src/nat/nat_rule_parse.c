// SPDX-License-Identifier: GPL-2.0
/*
 * The iptables subset of /proc/net/alg_nat: parse one line, print a rule
 * back, compare and match rules. Lines come from userspace, so everything
 * is bounded by the line length and every byte is checked before use.
 */
#include "alg_conntrack/nat_rule.h"

#ifndef __KERNEL__
#include <stdarg.h>
#include <stdio.h>
#ifndef __printf
/* the kernel build checks the formats; userspace needs only the name */
#define __printf(a, b)
#endif
#endif

#define ALG_NAT_TBIT(t)	(1U << (t))

static const char *const alg_nat_chain_names[ALG_NAT_NCHAINS] = {
	[ALG_NAT_CHAIN_PREROUTING]	= "PREROUTING",
	[ALG_NAT_CHAIN_INPUT]		= "INPUT",
	[ALG_NAT_CHAIN_OUTPUT]		= "OUTPUT",
	[ALG_NAT_CHAIN_POSTROUTING]	= "POSTROUTING",
};

static const char *const alg_nat_target_names[ALG_NAT_NTARGETS] = {
	[ALG_NAT_TGT_NONE]		= "",
	[ALG_NAT_TGT_ACCEPT]		= "ACCEPT",
	[ALG_NAT_TGT_SNAT]		= "SNAT",
	[ALG_NAT_TGT_MASQUERADE]	= "MASQUERADE",
	[ALG_NAT_TGT_DNAT]		= "DNAT",
	[ALG_NAT_TGT_REDIRECT]		= "REDIRECT",
	[ALG_NAT_TGT_CT]		= "CT",
};

/* Source NAT only makes sense after routing, destination NAT before it. */
#define ALG_NAT_TGTS_DST (ALG_NAT_TBIT(ALG_NAT_TGT_DNAT) |		\
			  ALG_NAT_TBIT(ALG_NAT_TGT_REDIRECT) |		\
			  ALG_NAT_TBIT(ALG_NAT_TGT_ACCEPT) |		\
			  ALG_NAT_TBIT(ALG_NAT_TGT_CT))
#define ALG_NAT_TGTS_SRC (ALG_NAT_TBIT(ALG_NAT_TGT_SNAT) |		\
			  ALG_NAT_TBIT(ALG_NAT_TGT_MASQUERADE) |	\
			  ALG_NAT_TBIT(ALG_NAT_TGT_ACCEPT))

/*
 * MASQUERADE takes the out interface's address: INPUT has none, so (as in
 * iptables) it is refused there rather than dropping what it matches.
 */
static const u32 alg_nat_chain_targets[ALG_NAT_NCHAINS] = {
	[ALG_NAT_CHAIN_PREROUTING]	= ALG_NAT_TGTS_DST,
	[ALG_NAT_CHAIN_INPUT]		= ALG_NAT_TGTS_SRC &
					  ~ALG_NAT_TBIT(ALG_NAT_TGT_MASQUERADE),
	[ALG_NAT_CHAIN_OUTPUT]		= ALG_NAT_TGTS_DST,
	[ALG_NAT_CHAIN_POSTROUTING]	= ALG_NAT_TGTS_SRC,
};

enum alg_nat_opt_id {
	ALG_NAT_OPT_SRC,
	ALG_NAT_OPT_DST,
	ALG_NAT_OPT_IN,
	ALG_NAT_OPT_OUT,
	ALG_NAT_OPT_PROTO,
	ALG_NAT_OPT_SPORT,
	ALG_NAT_OPT_DPORT,
	ALG_NAT_OPT_JUMP,
	ALG_NAT_OPT_TO_SRC,
	ALG_NAT_OPT_TO_DST,
	ALG_NAT_OPT_TO_PORTS,
	ALG_NAT_OPT_RANDOM,
	ALG_NAT_OPT_HELPER,
	ALG_NAT_OPT_MATCH,
	ALG_NAT_OPT_SPORTS,
	ALG_NAT_OPT_DPORTS,
	ALG_NAT_OPT_PORTS,
	ALG_NAT_OPT_COMMENT,
	ALG_NAT_OPT_RANDOM_FULLY,
	ALG_NAT_OPT_PERSISTENT,
};

/* The -m modules iptables-save writes for what this parser can hold. */
enum alg_nat_mod {
	ALG_NAT_MOD_TCP,
	ALG_NAT_MOD_UDP,
	ALG_NAT_MOD_ICMP,
	ALG_NAT_MOD_MULTIPORT,
	ALG_NAT_MOD_COMMENT,
	ALG_NAT_NMODS,
};

static const char *const alg_nat_mod_names[ALG_NAT_NMODS] = {
	[ALG_NAT_MOD_TCP]	= "tcp",
	[ALG_NAT_MOD_UDP]	= "udp",
	[ALG_NAT_MOD_ICMP]	= "icmp",
	[ALG_NAT_MOD_MULTIPORT]	= "multiport",
	[ALG_NAT_MOD_COMMENT]	= "comment",
};

struct alg_nat_opt {
	const char *name;
	const char *alias;
	enum alg_nat_opt_id id;
	bool negatable;
	bool has_arg;
};

static const struct alg_nat_opt alg_nat_opts[] = {
	{ "-s", "--source", ALG_NAT_OPT_SRC, true, true },
	{ "-d", "--destination", ALG_NAT_OPT_DST, true, true },
	{ "-i", "--in-interface", ALG_NAT_OPT_IN, true, true },
	{ "-o", "--out-interface", ALG_NAT_OPT_OUT, true, true },
	{ "-p", "--protocol", ALG_NAT_OPT_PROTO, true, true },
	{ "--sport", "--source-port", ALG_NAT_OPT_SPORT, true, true },
	{ "--dport", "--destination-port", ALG_NAT_OPT_DPORT, true, true },
	{ "-j", "--jump", ALG_NAT_OPT_JUMP, false, true },
	{ "--to-source", NULL, ALG_NAT_OPT_TO_SRC, false, true },
	{ "--to-destination", NULL, ALG_NAT_OPT_TO_DST, false, true },
	{ "--to-ports", NULL, ALG_NAT_OPT_TO_PORTS, false, true },
	{ "--random", NULL, ALG_NAT_OPT_RANDOM, false, false },
	{ "--helper", NULL, ALG_NAT_OPT_HELPER, false, true },
	{ "-m", "--match", ALG_NAT_OPT_MATCH, false, true },
	{ "--sports", "--source-ports", ALG_NAT_OPT_SPORTS, true, true },
	{ "--dports", "--destination-ports", ALG_NAT_OPT_DPORTS, true, true },
	{ "--ports", NULL, ALG_NAT_OPT_PORTS, true, true },
	{ "--comment", NULL, ALG_NAT_OPT_COMMENT, false, true },
	{ "--random-fully", NULL, ALG_NAT_OPT_RANDOM_FULLY, false, false },
	{ "--persistent", NULL, ALG_NAT_OPT_PERSISTENT, false, false },
};

/* Parser state: a cursor over the line plus what the error was. */
struct alg_nat_pctx {
	const char *p;
	const char *end;
	const char *why;
	u32 seen;	/* ALG_NAT_TBIT(enum alg_nat_opt_id) */
	u32 mods;	/* ALG_NAT_TBIT(enum alg_nat_mod) */
};

/*
 * A token points into the caller's line, which need not be terminated.
 * Double quotes group as in iptables-restore (a space inside them does not
 * end the token, a backslash there escapes the next byte); only --comment
 * takes such a value, which alg_nat_parse_comment() unquotes.
 */
struct alg_nat_tok {
	const char *s;
	size_t len;
	bool quoted;
};

const char *alg_nat_chain_name(enum alg_nat_chain chain)
{
	if ((unsigned int)chain >= ALG_NAT_NCHAINS)
		return "?";
	return alg_nat_chain_names[chain];
}

const char *alg_nat_target_name(enum alg_nat_target target)
{
	if ((unsigned int)target >= ALG_NAT_NTARGETS)
		return "?";
	return alg_nat_target_names[target];
}

static int alg_nat_fail(struct alg_nat_pctx *c, const char *why)
{
	c->why = why;
	return -EINVAL;
}

static bool alg_nat_is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool alg_nat_tok_next(struct alg_nat_pctx *c, struct alg_nat_tok *t)
{
	bool in_quote = false;

	while (c->p < c->end && alg_nat_is_space(*c->p))
		c->p++;
	if (c->p == c->end)
		return false;
	t->s = c->p;
	t->quoted = false;
	for (; c->p < c->end; c->p++) {
		if (!in_quote && alg_nat_is_space(*c->p))
			break;
		if (*c->p == '"') {
			in_quote = !in_quote;
			t->quoted = true;
		} else if (in_quote && *c->p == '\\' && c->p + 1 < c->end) {
			c->p++;
		}
	}
	t->len = c->p - t->s;
	return true;
}

static bool alg_nat_tok_is(const struct alg_nat_tok *t, const char *word)
{
	return word && t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

static char alg_nat_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static bool alg_nat_tok_icase(const struct alg_nat_tok *t, const char *word)
{
	size_t i;

	if (t->len != strlen(word))
		return false;
	for (i = 0; i < t->len; i++)
		if (alg_nat_lower(t->s[i]) != word[i])
			return false;
	return true;
}

static bool alg_nat_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Digits only, no sign, no spaces; @max must stay well below U32_MAX / 10
 * so the running value cannot wrap before it is compared. Returns -ERANGE
 * for well-formed numbers above @max so callers can say which it was.
 */
static int alg_nat_parse_u32(const char *s, size_t len, u32 max, u32 *out)
{
	u32 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!alg_nat_is_digit(s[i]))
			return -EINVAL;
	for (i = 0; i < len; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Dotted quad only: no hostnames, no short forms such as "10.1". */
static int alg_nat_parse_ip(const char *s, size_t len, __be32 *out)
{
	size_t i = 0, start;
	u32 v = 0, part;
	int n;

	for (n = 0; n < 4; n++) {
		start = i;
		while (i < len && s[i] != '.')
			i++;
		if (alg_nat_parse_u32(s + start, i - start, 255, &part))
			return -EINVAL;
		v = v << 8 | part;
		if (n < 3) {
			if (i == len)
				return -EINVAL;
			i++;
		}
	}
	if (i != len)
		return -EINVAL;
	*out = cpu_to_be32(v);
	return 0;
}

static __be32 alg_nat_prefix_mask(u32 plen)
{
	return plen ? cpu_to_be32(~0U << (32 - plen)) : 0;
}

/* addr[/prefix] or addr[/dotted-mask]; the address is stored masked. */
static int alg_nat_parse_net(struct alg_nat_pctx *c, const struct alg_nat_tok *t,
			     __be32 *addr, __be32 *mask)
{
	const char *slash = memchr(t->s, '/', t->len);
	size_t alen = slash ? (size_t)(slash - t->s) : t->len;
	u32 plen;

	if (alg_nat_parse_ip(t->s, alen, addr))
		return alg_nat_fail(c, "bad address");
	*mask = alg_nat_prefix_mask(32);
	if (slash) {
		const char *m = slash + 1;
		size_t mlen = t->len - alen - 1;

		if (memchr(m, '.', mlen)) {
			if (alg_nat_parse_ip(m, mlen, mask))
				return alg_nat_fail(c, "bad mask");
		} else {
			if (alg_nat_parse_u32(m, mlen, 32, &plen))
				return alg_nat_fail(c, "bad mask");
			*mask = alg_nat_prefix_mask(plen);
		}
	}
	*addr &= *mask;
	return 0;
}

static int alg_nat_parse_port(struct alg_nat_pctx *c, const char *s,
			      size_t len, u16 *port)
{
	u32 v;
	int err = alg_nat_parse_u32(s, len, 65535, &v);

	if (err == -ERANGE)
		return alg_nat_fail(c, "port out of range");
	if (err)
		return alg_nat_fail(c, "bad port");
	if (!v)
		return alg_nat_fail(c, "port 0 not allowed");
	*port = v;
	return 0;
}

/* p or p<sep>q: ':' in matches, '-' in targets, as iptables has it. */
static int alg_nat_parse_ports(struct alg_nat_pctx *c, const char *s,
			       size_t len, char sep, u16 *lo, u16 *hi)
{
	const char *mid = memchr(s, sep, len);
	size_t l1 = mid ? (size_t)(mid - s) : len;
	int err;

	err = alg_nat_parse_port(c, s, l1, lo);
	if (err)
		return err;
	*hi = *lo;
	if (mid) {
		err = alg_nat_parse_port(c, mid + 1, len - l1 - 1, hi);
		if (err)
			return err;
	}
	if (*lo > *hi)
		return alg_nat_fail(c, "port range reversed");
	return 0;
}

/* a[-b][:p[-q]] of --to-source and --to-destination */
static int alg_nat_parse_to(struct alg_nat_pctx *c, const struct alg_nat_tok *t,
			    struct alg_nat_rule *r)
{
	const char *colon = memchr(t->s, ':', t->len);
	size_t alen = colon ? (size_t)(colon - t->s) : t->len;
	const char *dash = memchr(t->s, '-', alen);
	size_t l1 = dash ? (size_t)(dash - t->s) : alen;

	if (alg_nat_parse_ip(t->s, l1, &r->to_addr_lo))
		return alg_nat_fail(c, "bad address");
	r->to_addr_hi = r->to_addr_lo;
	if (dash && alg_nat_parse_ip(dash + 1, alen - l1 - 1, &r->to_addr_hi))
		return alg_nat_fail(c, "bad address");
	if (be32_to_cpu(r->to_addr_lo) > be32_to_cpu(r->to_addr_hi))
		return alg_nat_fail(c, "address range reversed");
	if (!colon)
		return 0;
	r->tflags |= ALG_NAT_T_PORTS;
	return alg_nat_parse_ports(c, colon + 1, t->len - alen - 1, '-',
				   &r->to_port_lo, &r->to_port_hi);
}

/* As the kernel's dev_valid_name(): no '/', ':' or white space, not . or .. */
static int alg_nat_parse_ifname(struct alg_nat_pctx *c,
				const struct alg_nat_tok *t, char *name)
{
	if (!t->len || t->len >= ALG_NAT_IFNAMSIZ ||
	    alg_nat_tok_is(t, ".") || alg_nat_tok_is(t, "..") ||
	    memchr(t->s, '/', t->len) || memchr(t->s, ':', t->len))
		return alg_nat_fail(c, "bad interface name");
	memcpy(name, t->s, t->len);
	name[t->len] = '\0';
	return 0;
}

static int alg_nat_parse_proto(struct alg_nat_pctx *c,
			       const struct alg_nat_tok *t, bool neg,
			       struct alg_nat_rule *r)
{
	u32 v;

	if (alg_nat_tok_icase(t, "tcp"))
		v = ALG_PROTO_TCP;
	else if (alg_nat_tok_icase(t, "udp"))
		v = ALG_PROTO_UDP;
	else if (alg_nat_tok_icase(t, "icmp"))
		v = ALG_PROTO_ICMP;
	else if (alg_nat_tok_icase(t, "all"))
		v = 0;
	else if (alg_nat_parse_u32(t->s, t->len, 255, &v))
		return alg_nat_fail(c, "unknown protocol");
	if (!v) {
		/* "all" is the same as no -p at all, so it is not stored */
		if (neg)
			return alg_nat_fail(c, "! -p all matches nothing");
		return 0;
	}
	r->match |= ALG_NAT_M_PROTO;
	r->proto = v;
	return 0;
}

static int alg_nat_parse_target(struct alg_nat_pctx *c,
				const struct alg_nat_tok *t,
				struct alg_nat_rule *r)
{
	int i;

	for (i = ALG_NAT_TGT_NONE + 1; i < ALG_NAT_NTARGETS; i++) {
		if (alg_nat_tok_is(t, alg_nat_target_names[i])) {
			r->target = i;
			return 0;
		}
	}
	return alg_nat_fail(c, "unknown target");
}

/* The kernel's helper names are short lower-case words such as "ftp". */
static int alg_nat_parse_helper(struct alg_nat_pctx *c,
				const struct alg_nat_tok *t, char *name)
{
	size_t i;

	if (!t->len || t->len >= ALG_NAT_HELPER_NAMSIZ)
		return alg_nat_fail(c, "bad helper name");
	for (i = 0; i < t->len; i++) {
		char ch = t->s[i];

		if (!(ch >= 'a' && ch <= 'z') && !alg_nat_is_digit(ch) &&
		    ch != '_' && ch != '-')
			return alg_nat_fail(c, "bad helper name");
	}
	memcpy(name, t->s, t->len);
	name[t->len] = '\0';
	return 0;
}

/* p[:q],... of --sports/--dports; a range takes two of the 15 places. */
static int alg_nat_parse_mports(struct alg_nat_pctx *c,
				const struct alg_nat_tok *t, bool src,
				struct alg_nat_mports *mp)
{
	const char *p = t->s, *end = t->s + t->len, *comma;
	unsigned int used = 0;
	int err;

	mp->src = src;
	while (p <= end) {
		comma = memchr(p, ',', end - p);
		if (!comma)
			comma = end;
		if (mp->n == ALG_NAT_MPORTS)
			return alg_nat_fail(c, "too many ports in a multiport list");
		err = alg_nat_parse_ports(c, p, comma - p, ':',
					  &mp->lo[mp->n], &mp->hi[mp->n]);
		if (err)
			return err;
		used += mp->lo[mp->n] == mp->hi[mp->n] ? 1 : 2;
		if (used > ALG_NAT_MPORTS)
			return alg_nat_fail(c, "too many ports in a multiport list");
		mp->n++;
		p = comma + 1;
	}
	return 0;
}

/*
 * Unquote as iptables-restore does: '"' opens and closes, inside quotes a
 * backslash takes the next byte as it is, outside both are plain bytes.
 */
static int alg_nat_parse_comment(struct alg_nat_pctx *c,
				 const struct alg_nat_tok *t, char *out)
{
	bool in_quote = false;
	size_t i, n = 0;

	for (i = 0; i < t->len; i++) {
		char ch = t->s[i];

		if (ch == '"') {
			in_quote = !in_quote;
			continue;
		}
		if (in_quote && ch == '\\' && i + 1 < t->len)
			ch = t->s[++i];
		if (n == ALG_NAT_COMMENT_SIZE - 1)
			return alg_nat_fail(c, "comment longer than 255 characters");
		out[n++] = ch;
	}
	if (in_quote)
		return alg_nat_fail(c, "unterminated quote");
	/* no comment at all is stored as an empty one */
	if (!n)
		return alg_nat_fail(c, "empty --comment");
	out[n] = '\0';
	return 0;
}

static int alg_nat_parse_mod(struct alg_nat_pctx *c, const struct alg_nat_tok *t)
{
	int i;

	for (i = 0; i < ALG_NAT_NMODS; i++) {
		if (!alg_nat_tok_is(t, alg_nat_mod_names[i]))
			continue;
		if (c->mods & ALG_NAT_TBIT(i))
			return alg_nat_fail(c, "duplicate -m");
		c->mods |= ALG_NAT_TBIT(i);
		return 0;
	}
	return alg_nat_fail(c, "unsupported -m match (known: tcp udp icmp multiport comment)");
}

static int alg_nat_opt_apply(struct alg_nat_pctx *c, const struct alg_nat_opt *o,
			     const struct alg_nat_tok *v, bool neg,
			     struct alg_nat_rule *r)
{
	static const u8 bits[] = {
		[ALG_NAT_OPT_SRC]	= ALG_NAT_M_SRC,
		[ALG_NAT_OPT_DST]	= ALG_NAT_M_DST,
		[ALG_NAT_OPT_IN]	= ALG_NAT_M_IN,
		[ALG_NAT_OPT_OUT]	= ALG_NAT_M_OUT,
		[ALG_NAT_OPT_PROTO]	= ALG_NAT_M_PROTO,
		[ALG_NAT_OPT_SPORT]	= ALG_NAT_M_SPORT,
		[ALG_NAT_OPT_DPORT]	= ALG_NAT_M_DPORT,
		[ALG_NAT_OPT_SPORTS]	= ALG_NAT_M_MPORT,
		[ALG_NAT_OPT_DPORTS]	= ALG_NAT_M_MPORT,
	};
	u8 bit = (size_t)o->id < ARRAY_SIZE(bits) ? bits[o->id] : 0;

	if (v->quoted && o->id != ALG_NAT_OPT_COMMENT)
		return alg_nat_fail(c, "quotes are only taken in --comment");
	if (neg)
		r->inv |= bit;
	if (bit != ALG_NAT_M_PROTO)
		r->match |= bit;

	switch (o->id) {
	case ALG_NAT_OPT_SRC:
		return alg_nat_parse_net(c, v, &r->src, &r->src_mask);
	case ALG_NAT_OPT_DST:
		return alg_nat_parse_net(c, v, &r->dst, &r->dst_mask);
	case ALG_NAT_OPT_IN:
		return alg_nat_parse_ifname(c, v, r->in_if);
	case ALG_NAT_OPT_OUT:
		return alg_nat_parse_ifname(c, v, r->out_if);
	case ALG_NAT_OPT_PROTO:
		return alg_nat_parse_proto(c, v, neg, r);
	case ALG_NAT_OPT_SPORT:
		return alg_nat_parse_ports(c, v->s, v->len, ':',
					   &r->sport_lo, &r->sport_hi);
	case ALG_NAT_OPT_DPORT:
		return alg_nat_parse_ports(c, v->s, v->len, ':',
					   &r->dport_lo, &r->dport_hi);
	case ALG_NAT_OPT_JUMP:
		return alg_nat_parse_target(c, v, r);
	case ALG_NAT_OPT_TO_SRC:
	case ALG_NAT_OPT_TO_DST:
		return alg_nat_parse_to(c, v, r);
	case ALG_NAT_OPT_TO_PORTS:
		r->tflags |= ALG_NAT_T_PORTS;
		return alg_nat_parse_ports(c, v->s, v->len, '-',
					   &r->to_port_lo, &r->to_port_hi);
	case ALG_NAT_OPT_RANDOM:
		r->tflags |= ALG_NAT_T_RANDOM;
		return 0;
	case ALG_NAT_OPT_HELPER:
		return alg_nat_parse_helper(c, v, r->helper);
	case ALG_NAT_OPT_MATCH:
		return alg_nat_parse_mod(c, v);
	case ALG_NAT_OPT_SPORTS:
	case ALG_NAT_OPT_DPORTS:
		if (r->match & ALG_NAT_M_MPORT && r->mports.n)
			return alg_nat_fail(c, "one multiport match per rule");
		return alg_nat_parse_mports(c, v, o->id == ALG_NAT_OPT_SPORTS,
					    &r->mports);
	case ALG_NAT_OPT_PORTS:
		return alg_nat_fail(c, "multiport --ports (either direction) is not supported");
	case ALG_NAT_OPT_COMMENT:
		return alg_nat_parse_comment(c, v, r->comment);
	case ALG_NAT_OPT_RANDOM_FULLY:
		r->tflags |= ALG_NAT_T_RANDOM_FULLY;
		return 0;
	case ALG_NAT_OPT_PERSISTENT:
		r->tflags |= ALG_NAT_T_PERSISTENT;
		return 0;
	}
	return alg_nat_fail(c, "unknown option");
}

static bool alg_nat_ports_ok(const struct alg_nat_rule *r)
{
	return (r->match & ALG_NAT_M_PROTO) && !(r->inv & ALG_NAT_M_PROTO) &&
	       (r->proto == ALG_PROTO_TCP || r->proto == ALG_PROTO_UDP);
}

/* Whether option @id was given; only valid with target @tgt if so. */
static bool alg_nat_opt_misplaced(const struct alg_nat_pctx *c,
				  enum alg_nat_opt_id id, u32 tgts,
				  const struct alg_nat_rule *r)
{
	return (c->seen & ALG_NAT_TBIT(id)) &&
	       !(tgts & ALG_NAT_TBIT(r->target));
}

/* What -m brings: -m tcp names the -p protocol, the others their options. */
static int alg_nat_mods_check(struct alg_nat_pctx *c,
			      const struct alg_nat_rule *r)
{
	static const u8 protos[] = {
		[ALG_NAT_MOD_TCP]	= ALG_PROTO_TCP,
		[ALG_NAT_MOD_UDP]	= ALG_PROTO_UDP,
		[ALG_NAT_MOD_ICMP]	= ALG_PROTO_ICMP,
	};
	bool has_mports = c->seen & (ALG_NAT_TBIT(ALG_NAT_OPT_SPORTS) |
				     ALG_NAT_TBIT(ALG_NAT_OPT_DPORTS));
	bool has_mod_mports = c->mods & ALG_NAT_TBIT(ALG_NAT_MOD_MULTIPORT);
	bool has_comment = c->seen & ALG_NAT_TBIT(ALG_NAT_OPT_COMMENT);
	bool has_mod_comment = c->mods & ALG_NAT_TBIT(ALG_NAT_MOD_COMMENT);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!(c->mods & ALG_NAT_TBIT(i)))
			continue;
		if (!(r->match & ALG_NAT_M_PROTO) || (r->inv & ALG_NAT_M_PROTO) ||
		    r->proto != protos[i])
			return alg_nat_fail(c, "-m tcp/udp/icmp needs the same -p, not negated");
	}
	if (has_mports && !has_mod_mports)
		return alg_nat_fail(c, "--sports and --dports need -m multiport");
	if (has_mod_mports && !has_mports)
		return alg_nat_fail(c, "-m multiport needs --sports or --dports");
	if (has_mports && !alg_nat_ports_ok(r))
		return alg_nat_fail(c, "-m multiport needs -p tcp or udp");
	if (has_comment && !has_mod_comment)
		return alg_nat_fail(c, "--comment needs -m comment");
	if (has_mod_comment && !has_comment)
		return alg_nat_fail(c, "-m comment needs --comment");
	return 0;
}

/* Checks needing the whole rule, since options may come in any order. */
static int alg_nat_spec_check(struct alg_nat_pctx *c, struct alg_nat_rule *r)
{
	u32 nat = ALG_NAT_TBIT(ALG_NAT_TGT_SNAT) |
		  ALG_NAT_TBIT(ALG_NAT_TGT_MASQUERADE) |
		  ALG_NAT_TBIT(ALG_NAT_TGT_DNAT) |
		  ALG_NAT_TBIT(ALG_NAT_TGT_REDIRECT);
	u32 ports = ALG_NAT_TBIT(ALG_NAT_TGT_MASQUERADE) |
		    ALG_NAT_TBIT(ALG_NAT_TGT_REDIRECT);
	int err;

	if (r->target == ALG_NAT_TGT_NONE)
		return alg_nat_fail(c, "missing -j target");
	if (!(alg_nat_chain_targets[r->chain] & ALG_NAT_TBIT(r->target)))
		return alg_nat_fail(c, "target not allowed in this chain");
	/* as iptables: no input device yet in OUTPUT, none any more after */
	if ((r->match & ALG_NAT_M_IN) && (r->chain == ALG_NAT_CHAIN_OUTPUT ||
					  r->chain == ALG_NAT_CHAIN_POSTROUTING))
		return alg_nat_fail(c, "-i not allowed in this chain");
	if ((r->match & ALG_NAT_M_OUT) && (r->chain == ALG_NAT_CHAIN_INPUT ||
					   r->chain == ALG_NAT_CHAIN_PREROUTING))
		return alg_nat_fail(c, "-o not allowed in this chain");
	if ((r->match & ALG_NAT_M_SPORT) && !alg_nat_ports_ok(r))
		return alg_nat_fail(c, "option --sport needs -p tcp or udp");
	if ((r->match & ALG_NAT_M_DPORT) && !alg_nat_ports_ok(r))
		return alg_nat_fail(c, "option --dport needs -p tcp or udp");
	err = alg_nat_mods_check(c, r);
	if (err)
		return err;

	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_TO_SRC,
				  ALG_NAT_TBIT(ALG_NAT_TGT_SNAT), r))
		return alg_nat_fail(c, "--to-source needs -j SNAT");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_TO_DST,
				  ALG_NAT_TBIT(ALG_NAT_TGT_DNAT), r))
		return alg_nat_fail(c, "--to-destination needs -j DNAT");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_TO_PORTS, ports, r))
		return alg_nat_fail(c, "--to-ports needs -j MASQUERADE or REDIRECT");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_RANDOM, nat, r))
		return alg_nat_fail(c, "--random needs a NAT target");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_RANDOM_FULLY,
				  ALG_NAT_TBIT(ALG_NAT_TGT_SNAT) |
				  ALG_NAT_TBIT(ALG_NAT_TGT_MASQUERADE), r))
		return alg_nat_fail(c, "--random-fully needs -j SNAT or MASQUERADE");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_PERSISTENT,
				  ALG_NAT_TBIT(ALG_NAT_TGT_SNAT) |
				  ALG_NAT_TBIT(ALG_NAT_TGT_DNAT), r))
		return alg_nat_fail(c, "--persistent needs -j SNAT or DNAT");
	if (alg_nat_opt_misplaced(c, ALG_NAT_OPT_HELPER,
				  ALG_NAT_TBIT(ALG_NAT_TGT_CT), r))
		return alg_nat_fail(c, "--helper needs -j CT");

	if (r->target == ALG_NAT_TGT_SNAT &&
	    !(c->seen & ALG_NAT_TBIT(ALG_NAT_OPT_TO_SRC)))
		return alg_nat_fail(c, "missing --to-source");
	if (r->target == ALG_NAT_TGT_DNAT &&
	    !(c->seen & ALG_NAT_TBIT(ALG_NAT_OPT_TO_DST)))
		return alg_nat_fail(c, "missing --to-destination");
	if (r->target == ALG_NAT_TGT_CT &&
	    !(c->seen & ALG_NAT_TBIT(ALG_NAT_OPT_HELPER)))
		return alg_nat_fail(c, "missing --helper");
	/* A helper reads one protocol's payload; iptables' CT asks the same. */
	if (r->target == ALG_NAT_TGT_CT &&
	    (!(r->match & ALG_NAT_M_PROTO) || (r->inv & ALG_NAT_M_PROTO)))
		return alg_nat_fail(c, "--helper needs -p, not negated");
	if ((r->tflags & ALG_NAT_T_PORTS) && !alg_nat_ports_ok(r)) {
		if (r->target == ALG_NAT_TGT_SNAT)
			return alg_nat_fail(c, "ports in --to-source need -p tcp or udp");
		if (r->target == ALG_NAT_TGT_DNAT)
			return alg_nat_fail(c, "ports in --to-destination need -p tcp or udp");
		return alg_nat_fail(c, "option --to-ports needs -p tcp or udp");
	}
	return 0;
}

static const struct alg_nat_opt *alg_nat_opt_find(const struct alg_nat_tok *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alg_nat_opts); i++)
		if (alg_nat_tok_is(t, alg_nat_opts[i].name) ||
		    alg_nat_tok_is(t, alg_nat_opts[i].alias))
			return &alg_nat_opts[i];
	return NULL;
}

static int alg_nat_spec_parse(struct alg_nat_pctx *c, struct alg_nat_rule *r)
{
	const struct alg_nat_opt *o;
	struct alg_nat_tok t, v;
	bool neg;
	int err;

	while (alg_nat_tok_next(c, &t)) {
		neg = alg_nat_tok_is(&t, "!");
		if (neg && !alg_nat_tok_next(c, &t))
			return alg_nat_fail(c, "'!' without an option");
		o = alg_nat_opt_find(&t);
		if (!o)
			return alg_nat_fail(c, "unknown option");
		if (neg && !o->negatable)
			return alg_nat_fail(c, "option cannot be negated");
		/* -m may come again, for another module */
		if ((c->seen & ALG_NAT_TBIT(o->id)) && o->id != ALG_NAT_OPT_MATCH)
			return alg_nat_fail(c, "duplicate option");
		c->seen |= ALG_NAT_TBIT(o->id);
		v.s = NULL;
		v.len = 0;
		v.quoted = false;
		if (o->has_arg && !alg_nat_tok_next(c, &v))
			return alg_nat_fail(c, "missing option value");
		err = alg_nat_opt_apply(c, o, &v, neg, r);
		if (err)
			return err;
	}
	return alg_nat_spec_check(c, r);
}

static int alg_nat_chain_parse(struct alg_nat_pctx *c, struct alg_nat_rule *r)
{
	struct alg_nat_tok t;
	int i;

	if (!alg_nat_tok_next(c, &t))
		return alg_nat_fail(c, "missing chain");
	for (i = 0; i < ALG_NAT_NCHAINS; i++) {
		if (alg_nat_tok_is(&t, alg_nat_chain_names[i])) {
			r->chain = i;
			return 0;
		}
	}
	return alg_nat_fail(c, "unknown chain");
}

/* The rule number of -I and -D, if the next word is one. */
static int alg_nat_pos_parse(struct alg_nat_pctx *c, u32 *pos)
{
	const char *save = c->p;
	struct alg_nat_tok t;

	if (!alg_nat_tok_next(c, &t) || !alg_nat_is_digit(t.s[0])) {
		c->p = save;
		return 0;
	}
	if (alg_nat_parse_u32(t.s, t.len, ALG_NAT_POS_MAX, pos) || !*pos)
		return alg_nat_fail(c, "bad rule number");
	return 1;
}

static bool alg_nat_at_end(struct alg_nat_pctx *c)
{
	while (c->p < c->end && alg_nat_is_space(*c->p))
		c->p++;
	return c->p == c->end;
}

static int alg_nat_end(struct alg_nat_pctx *c, int cmd)
{
	struct alg_nat_tok t;

	if (alg_nat_tok_next(c, &t))
		return alg_nat_fail(c, "trailing garbage");
	return cmd;
}

/* "[packets:bytes]" as iptables-save -c writes it. */
static bool alg_nat_counters_ok(const struct alg_nat_tok *t)
{
	const char *colon;
	u32 dummy;

	if (t->len < 5 || t->s[0] != '[' || t->s[t->len - 1] != ']')
		return false;
	colon = memchr(t->s, ':', t->len);
	if (!colon)
		return false;
	/* 64-bit counters: only the digits are checked, not the value */
	return alg_nat_parse_u32(t->s + 1, colon - t->s - 1, 1, &dummy) != -EINVAL &&
	       alg_nat_parse_u32(colon + 1, t->s + t->len - colon - 2, 1,
				 &dummy) != -EINVAL;
}

/*
 * ":CHAIN POLICY [p:b]": a built-in chain's policy line. ACCEPT is what a
 * nat chain always does here; anything else could not be kept, so it is
 * refused rather than dropped.
 */
static int alg_nat_policy_parse(struct alg_nat_pctx *c,
				const struct alg_nat_tok *first,
				struct alg_nat_rule *r)
{
	struct alg_nat_tok name = { first->s + 1, first->len - 1, false };
	struct alg_nat_tok pol, cnt;
	int i;

	if (!alg_nat_tok_next(c, &pol))
		return alg_nat_fail(c, "missing chain policy");
	if (alg_nat_tok_is(&pol, "-"))
		return alg_nat_fail(c, "user-defined chains are not supported");
	for (i = 0; i < ALG_NAT_NCHAINS; i++)
		if (alg_nat_tok_is(&name, alg_nat_chain_names[i]))
			break;
	if (i == ALG_NAT_NCHAINS)
		return alg_nat_fail(c, "unknown chain");
	if (!alg_nat_tok_is(&pol, "ACCEPT"))
		return alg_nat_fail(c, "only policy ACCEPT is supported");
	if (alg_nat_tok_next(c, &cnt) && !alg_nat_counters_ok(&cnt))
		return alg_nat_fail(c, "bad chain counters");
	r->chain = i;
	return alg_nat_end(c, ALG_NAT_CMD_POLICY);
}

static int alg_nat_line_parse(struct alg_nat_pctx *c, const char *line,
			      size_t len, struct alg_nat_rule *r, u32 *pos)
{
	struct alg_nat_tok t;
	int err, cmd;
	size_t i;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > ALG_NAT_LINE_MAX)
		return alg_nat_fail(c, "line too long");
	/* bytes above 0x7f pass: a comment may be UTF-8 */
	for (i = 0; i < len; i++)
		if (((u8)line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f)
			return alg_nat_fail(c, "unexpected character");
	c->p = line;
	c->end = line + len;

	if (!alg_nat_tok_next(c, &t) || t.s[0] == '#')
		return ALG_NAT_CMD_NONE;
	if (alg_nat_tok_is(&t, "COMMIT"))
		return alg_nat_end(c, ALG_NAT_CMD_COMMIT);
	if (t.s[0] == ':')
		return alg_nat_policy_parse(c, &t, r);
	if (t.s[0] == '*') {
		if (!alg_nat_tok_is(&t, "*nat"))
			return alg_nat_fail(c, "unsupported table");
		return alg_nat_end(c, ALG_NAT_CMD_BEGIN);
	}
	if (alg_nat_tok_is(&t, "-F") || alg_nat_tok_is(&t, "--flush")) {
		r->chain = ALG_NAT_CHAIN_ALL;
		if (alg_nat_at_end(c))
			return ALG_NAT_CMD_FLUSH;
		err = alg_nat_chain_parse(c, r);
		return err ? err : alg_nat_end(c, ALG_NAT_CMD_FLUSH);
	}
	if (alg_nat_tok_is(&t, "-A") || alg_nat_tok_is(&t, "--append"))
		cmd = ALG_NAT_CMD_APPEND;
	else if (alg_nat_tok_is(&t, "-I") || alg_nat_tok_is(&t, "--insert"))
		cmd = ALG_NAT_CMD_INSERT;
	else if (alg_nat_tok_is(&t, "-D") || alg_nat_tok_is(&t, "--delete"))
		cmd = ALG_NAT_CMD_DELETE_SPEC;
	else
		return alg_nat_fail(c, "unknown command");

	err = alg_nat_chain_parse(c, r);
	if (err)
		return err;
	if (cmd != ALG_NAT_CMD_APPEND) {
		err = alg_nat_pos_parse(c, pos);
		if (err < 0)
			return err;
		if (err && cmd == ALG_NAT_CMD_DELETE_SPEC)
			return alg_nat_end(c, ALG_NAT_CMD_DELETE_NUM);
		if (!err && cmd == ALG_NAT_CMD_INSERT)
			*pos = 1;
	}
	if (alg_nat_at_end(c))
		return alg_nat_fail(c, "missing rule");
	err = alg_nat_spec_parse(c, r);
	return err ? err : cmd;
}

int alg_nat_rule_parse(const char *line, size_t len, struct alg_nat_rule *r,
		       u32 *pos, const char **why)
{
	struct alg_nat_pctx c = { .why = "bad rule" };
	u32 dummy;
	int ret;

	if (!pos)
		pos = &dummy;
	memset(r, 0, sizeof(*r));
	*pos = 0;
	ret = alg_nat_line_parse(&c, line, len, r, pos);
	if (ret < 0) {
		memset(r, 0, sizeof(*r));
		*pos = 0;
		if (why)
			*why = c.why;
	}
	return ret;
}

/* snprintf into a buffer that may already be full, keeping the total. */
struct alg_nat_out {
	char *buf;
	size_t size;
	size_t len;
};

static __printf(2, 3) void alg_nat_put(struct alg_nat_out *o,
				       const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

static void alg_nat_put_ip(struct alg_nat_out *o, __be32 addr)
{
	u32 a = be32_to_cpu(addr);

	alg_nat_put(o, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		    (a >> 8) & 0xff, a & 0xff);
}

/* /32 is left out, prefixes are short, other masks stay dotted. */
static void alg_nat_put_net(struct alg_nat_out *o, __be32 addr, __be32 mask)
{
	u32 m = be32_to_cpu(mask);
	u32 plen = 0;

	alg_nat_put_ip(o, addr);
	if (m == ~0U)
		return;
	while (plen < 32 && (m & (0x80000000U >> plen)))
		plen++;
	if (mask == alg_nat_prefix_mask(plen)) {
		alg_nat_put(o, "/%u", plen);
	} else {
		alg_nat_put(o, "/");
		alg_nat_put_ip(o, mask);
	}
}

static void alg_nat_put_opt(struct alg_nat_out *o, const struct alg_nat_rule *r,
			    u8 bit, const char *name)
{
	alg_nat_put(o, "%s %s ", r->inv & bit ? " !" : "", name);
}

static void alg_nat_put_ports(struct alg_nat_out *o, u16 lo, u16 hi, char sep)
{
	alg_nat_put(o, "%u", lo);
	if (hi != lo)
		alg_nat_put(o, "%c%u", sep, hi);
}

static void alg_nat_put_proto(struct alg_nat_out *o, u8 proto)
{
	if (proto == ALG_PROTO_TCP)
		alg_nat_put(o, "tcp");
	else if (proto == ALG_PROTO_UDP)
		alg_nat_put(o, "udp");
	else if (proto == ALG_PROTO_ICMP)
		alg_nat_put(o, "icmp");
	else
		alg_nat_put(o, "%u", proto);
}

static void alg_nat_put_to(struct alg_nat_out *o, const struct alg_nat_rule *r)
{
	alg_nat_put_ip(o, r->to_addr_lo);
	if (r->to_addr_hi != r->to_addr_lo) {
		alg_nat_put(o, "-");
		alg_nat_put_ip(o, r->to_addr_hi);
	}
	if (r->tflags & ALG_NAT_T_PORTS) {
		alg_nat_put(o, ":");
		alg_nat_put_ports(o, r->to_port_lo, r->to_port_hi, '-');
	}
}

static void alg_nat_put_mports(struct alg_nat_out *o,
			       const struct alg_nat_rule *r)
{
	const struct alg_nat_mports *mp = &r->mports;
	unsigned int i;

	alg_nat_put(o, " -m multiport");
	alg_nat_put_opt(o, r, ALG_NAT_M_MPORT, mp->src ? "--sports" : "--dports");
	for (i = 0; i < mp->n && i < ALG_NAT_MPORTS; i++) {
		if (i)
			alg_nat_put(o, ",");
		alg_nat_put_ports(o, mp->lo[i], mp->hi[i], ':');
	}
}

/* As iptables-save quotes it (xtables_save_string), so both read it back. */
static void alg_nat_put_comment(struct alg_nat_out *o, const char *s)
{
	size_t i, n = strnlen(s, ALG_NAT_COMMENT_SIZE - 1);
	bool bare = true;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !alg_nat_is_digit(ch) && ch != '_' && ch != '-')
			bare = false;
	}
	alg_nat_put(o, " -m comment --comment ");
	if (bare) {
		alg_nat_put(o, "%.*s", (int)n, s);
		return;
	}
	alg_nat_put(o, "\"");
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\' || s[i] == '\'')
			alg_nat_put(o, "\\");
		alg_nat_put(o, "%c", s[i]);
	}
	alg_nat_put(o, "\"");
}

int alg_nat_rule_format(const struct alg_nat_rule *r, char *buf, size_t size)
{
	struct alg_nat_out o = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	alg_nat_put(&o, "-A %s", alg_nat_chain_name(r->chain));
	if (r->match & ALG_NAT_M_SRC) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_SRC, "-s");
		alg_nat_put_net(&o, r->src, r->src_mask);
	}
	if (r->match & ALG_NAT_M_DST) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_DST, "-d");
		alg_nat_put_net(&o, r->dst, r->dst_mask);
	}
	if (r->match & ALG_NAT_M_IN) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_IN, "-i");
		alg_nat_put(&o, "%.*s", ALG_NAT_IFNAMSIZ, r->in_if);
	}
	if (r->match & ALG_NAT_M_OUT) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_OUT, "-o");
		alg_nat_put(&o, "%.*s", ALG_NAT_IFNAMSIZ, r->out_if);
	}
	if (r->match & ALG_NAT_M_PROTO) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_PROTO, "-p");
		alg_nat_put_proto(&o, r->proto);
	}
	if (r->match & ALG_NAT_M_SPORT) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_SPORT, "--sport");
		alg_nat_put_ports(&o, r->sport_lo, r->sport_hi, ':');
	}
	if (r->match & ALG_NAT_M_DPORT) {
		alg_nat_put_opt(&o, r, ALG_NAT_M_DPORT, "--dport");
		alg_nat_put_ports(&o, r->dport_lo, r->dport_hi, ':');
	}
	if (r->match & ALG_NAT_M_MPORT)
		alg_nat_put_mports(&o, r);
	if (r->comment[0])
		alg_nat_put_comment(&o, r->comment);
	alg_nat_put(&o, " -j %s", alg_nat_target_name(r->target));
	if (r->target == ALG_NAT_TGT_SNAT) {
		alg_nat_put(&o, " --to-source ");
		alg_nat_put_to(&o, r);
	} else if (r->target == ALG_NAT_TGT_DNAT) {
		alg_nat_put(&o, " --to-destination ");
		alg_nat_put_to(&o, r);
	} else if (r->tflags & ALG_NAT_T_PORTS) {
		alg_nat_put(&o, " --to-ports ");
		alg_nat_put_ports(&o, r->to_port_lo, r->to_port_hi, '-');
	}
	if (r->target == ALG_NAT_TGT_CT)
		alg_nat_put(&o, " --helper %.*s", ALG_NAT_HELPER_NAMSIZ,
			    r->helper);
	if (r->tflags & ALG_NAT_T_RANDOM)
		alg_nat_put(&o, " --random");
	if (r->tflags & ALG_NAT_T_RANDOM_FULLY)
		alg_nat_put(&o, " --random-fully");
	if (r->tflags & ALG_NAT_T_PERSISTENT)
		alg_nat_put(&o, " --persistent");
	return o.len;
}

static bool alg_nat_mports_equal(const struct alg_nat_mports *a,
				 const struct alg_nat_mports *b)
{
	unsigned int i;

	if (a->n != b->n || a->src != b->src)
		return false;
	for (i = 0; i < a->n && i < ALG_NAT_MPORTS; i++)
		if (a->lo[i] != b->lo[i] || a->hi[i] != b->hi[i])
			return false;
	return true;
}

bool alg_nat_rule_equal(const struct alg_nat_rule *a,
			const struct alg_nat_rule *b)
{
	return a->chain == b->chain && a->target == b->target &&
	       a->match == b->match && a->inv == b->inv &&
	       a->proto == b->proto && a->tflags == b->tflags &&
	       a->src == b->src && a->src_mask == b->src_mask &&
	       a->dst == b->dst && a->dst_mask == b->dst_mask &&
	       a->sport_lo == b->sport_lo && a->sport_hi == b->sport_hi &&
	       a->dport_lo == b->dport_lo && a->dport_hi == b->dport_hi &&
	       !strncmp(a->in_if, b->in_if, ALG_NAT_IFNAMSIZ) &&
	       !strncmp(a->out_if, b->out_if, ALG_NAT_IFNAMSIZ) &&
	       a->to_addr_lo == b->to_addr_lo &&
	       a->to_addr_hi == b->to_addr_hi &&
	       a->to_port_lo == b->to_port_lo &&
	       a->to_port_hi == b->to_port_hi &&
	       !strncmp(a->helper, b->helper, ALG_NAT_HELPER_NAMSIZ) &&
	       alg_nat_mports_equal(&a->mports, &b->mports) &&
	       !strncmp(a->comment, b->comment, ALG_NAT_COMMENT_SIZE);
}

static bool alg_nat_if_hit(const char *rule, const char *name)
{
	size_t n = strnlen(rule, ALG_NAT_IFNAMSIZ);

	if (!name)
		return false;
	if (n && rule[n - 1] == '+')
		return !strncmp(rule, name, n - 1);
	return !strncmp(rule, name, ALG_NAT_IFNAMSIZ);
}

static bool alg_nat_mports_hit(const struct alg_nat_mports *mp, u16 sport,
			       u16 dport)
{
	u16 port = mp->src ? sport : dport;
	unsigned int i;

	for (i = 0; i < mp->n && i < ALG_NAT_MPORTS; i++)
		if (port >= mp->lo[i] && port <= mp->hi[i])
			return true;
	return false;
}

/* True when match @bit is present and the packet fails it. */
static bool alg_nat_miss(const struct alg_nat_rule *r, u8 bit, bool hit)
{
	return (r->match & bit) && hit == !!(r->inv & bit);
}

bool alg_nat_rule_match(const struct alg_nat_rule *r, __be32 saddr,
			__be32 daddr, u8 proto, u16 sport, u16 dport,
			const char *in_ifname, const char *out_ifname)
{
	if (alg_nat_miss(r, ALG_NAT_M_SRC, (saddr & r->src_mask) == r->src) ||
	    alg_nat_miss(r, ALG_NAT_M_DST, (daddr & r->dst_mask) == r->dst) ||
	    alg_nat_miss(r, ALG_NAT_M_IN, alg_nat_if_hit(r->in_if, in_ifname)) ||
	    alg_nat_miss(r, ALG_NAT_M_OUT,
			 alg_nat_if_hit(r->out_if, out_ifname)) ||
	    alg_nat_miss(r, ALG_NAT_M_PROTO, proto == r->proto))
		return false;
	/* the parser only allows ports with a positive -p tcp or udp */
	if (alg_nat_miss(r, ALG_NAT_M_SPORT,
			 sport >= r->sport_lo && sport <= r->sport_hi) ||
	    alg_nat_miss(r, ALG_NAT_M_DPORT,
			 dport >= r->dport_lo && dport <= r->dport_hi) ||
	    alg_nat_miss(r, ALG_NAT_M_MPORT,
			 alg_nat_mports_hit(&r->mports, sport, dport)))
		return false;
	return true;
}
