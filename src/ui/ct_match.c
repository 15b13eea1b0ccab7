// SPDX-License-Identifier: GPL-2.0
/*
 * xt_conntrack's semantics over alg's connections; see ct_match.h. Every
 * test follows the kernel's xt_conntrack (the reference the selftests run
 * beside this one), including its inversions: a flag with its invert bit
 * set matches when the test fails.
 */

#include "alg_conntrack/ct_match.h"

__be16 alg_ct_tuple_src_all(const struct alg_tuple *t)
{
	return t->sport;
}

/* nf_conntrack keeps an ICMP tuple's type and code where ports go. */
__be16 alg_ct_tuple_dst_all(const struct alg_tuple *t)
{
	if (t->proto == ALG_PROTO_ICMP)
		return cpu_to_be16((u16)t->icmp_type << 8 | t->icmp_code);
	return t->dport;
}

static bool alg_ct_addr_in(__be32 addr, const union nf_inet_addr *want,
			   const union nf_inet_addr *mask)
{
	return ((addr ^ want->ip) & mask->ip) == 0;
}

/* The test for flag fails (so the rule does not match)? */
static bool alg_ct_fails(const struct xt_conntrack_mtinfo3 *info, u16 flag,
			 bool ok)
{
	return (info->match_flags & flag) &&
	       (ok ^ !(info->invert_flags & flag));
}

static bool alg_ct_port_fails(const struct xt_conntrack_mtinfo3 *info,
			      bool ranges, u16 flag, __be16 port, u16 lo,
			      u16 hi)
{
	if (!ranges)
		return alg_ct_fails(info, flag, port == (__force __be16)lo);
	/* Revision 3: a host-order range, inverted by the invert bit. */
	return (info->match_flags & flag) &&
	       !((be16_to_cpu(port) >= lo && be16_to_cpu(port) <= hi) ^
		 !!(info->invert_flags & flag));
}

bool alg_ct_conntrack_match(const struct xt_conntrack_mtinfo3 *info,
			    bool ranges, const struct alg_ct_view *v)
{
	const struct alg_tuple *o = v->tuple[ALG_DIR_ORIGINAL];
	const struct alg_tuple *r = v->tuple[ALG_DIR_REPLY];
	u32 statebit;

	if (o)
		statebit = XT_CONNTRACK_STATE_BIT(v->ctinfo);
	else if (v->ctinfo == IP_CT_UNTRACKED)
		statebit = XT_CONNTRACK_STATE_UNTRACKED;
	else
		statebit = XT_CONNTRACK_STATE_INVALID;
	if (info->match_flags & XT_CONNTRACK_STATE) {
		if (o && (v->status & IPS_SRC_NAT))
			statebit |= XT_CONNTRACK_STATE_SNAT;
		if (o && (v->status & IPS_DST_NAT))
			statebit |= XT_CONNTRACK_STATE_DNAT;
		if (!!(info->state_mask & statebit) ^
		    !(info->invert_flags & XT_CONNTRACK_STATE))
			return false;
	}
	if (!o)
		return info->match_flags & XT_CONNTRACK_STATE;
	if (alg_ct_fails(info, XT_CONNTRACK_DIRECTION,
			 CTINFO2DIR(v->ctinfo) == IP_CT_DIR_ORIGINAL))
		return false;
	if (alg_ct_fails(info, XT_CONNTRACK_ORIGSRC,
			 alg_ct_addr_in(o->saddr, &info->origsrc_addr,
					&info->origsrc_mask)) ||
	    alg_ct_fails(info, XT_CONNTRACK_ORIGDST,
			 alg_ct_addr_in(o->daddr, &info->origdst_addr,
					&info->origdst_mask)) ||
	    alg_ct_fails(info, XT_CONNTRACK_REPLSRC,
			 alg_ct_addr_in(r->saddr, &info->replsrc_addr,
					&info->replsrc_mask)) ||
	    alg_ct_fails(info, XT_CONNTRACK_REPLDST,
			 alg_ct_addr_in(r->daddr, &info->repldst_addr,
					&info->repldst_mask)))
		return false;
	if (alg_ct_fails(info, XT_CONNTRACK_PROTO, o->proto == info->l4proto))
		return false;
	if (alg_ct_port_fails(info, ranges, XT_CONNTRACK_ORIGSRC_PORT,
			      alg_ct_tuple_src_all(o), info->origsrc_port,
			      info->origsrc_port_high) ||
	    alg_ct_port_fails(info, ranges, XT_CONNTRACK_ORIGDST_PORT,
			      alg_ct_tuple_dst_all(o), info->origdst_port,
			      info->origdst_port_high) ||
	    alg_ct_port_fails(info, ranges, XT_CONNTRACK_REPLSRC_PORT,
			      alg_ct_tuple_src_all(r), info->replsrc_port,
			      info->replsrc_port_high) ||
	    alg_ct_port_fails(info, ranges, XT_CONNTRACK_REPLDST_PORT,
			      alg_ct_tuple_dst_all(r), info->repldst_port,
			      info->repldst_port_high))
		return false;
	if (alg_ct_fails(info, XT_CONNTRACK_STATUS,
			 !!(info->status_mask & v->status)))
		return false;
	if (alg_ct_fails(info, XT_CONNTRACK_EXPIRES,
			 v->expires >= info->expires_min &&
			 v->expires <= info->expires_max))
		return false;
	return true;
}

/* Everything up to the masks has the same layout in all three. */
#define ALG_CT_COMMON_LEN offsetof(struct xt_conntrack_mtinfo1, state_mask)

void alg_ct_conntrack_v1to3(struct xt_conntrack_mtinfo3 *dst,
			    const struct xt_conntrack_mtinfo1 *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, ALG_CT_COMMON_LEN);
	dst->state_mask = src->state_mask;
	dst->status_mask = src->status_mask;
}

void alg_ct_conntrack_v2to3(struct xt_conntrack_mtinfo3 *dst,
			    const struct xt_conntrack_mtinfo2 *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, sizeof(*src));
}

static u32 alg_ct_shift(const struct xt_connmark_tginfo2 *info, u32 v)
{
	if (info->shift_bits >= 32)
		return 0;
	return info->shift_dir == D_SHIFT_RIGHT ? v >> info->shift_bits :
						  v << info->shift_bits;
}

void alg_ct_connmark(const struct xt_connmark_tginfo2 *info, u32 *ctmark,
		     u32 *skbmark)
{
	switch (info->mode) {
	case XT_CONNMARK_SET:
		*ctmark = alg_ct_shift(info, (*ctmark & ~info->ctmask) ^
					     info->ctmark);
		break;
	case XT_CONNMARK_SAVE:
		*ctmark = (*ctmark & ~info->ctmask) ^
			  alg_ct_shift(info, *skbmark & info->nfmask);
		break;
	case XT_CONNMARK_RESTORE:
		*skbmark = (*skbmark & ~info->nfmask) ^
			   alg_ct_shift(info, *ctmark & info->ctmask);
		break;
	}
}
