/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the firewall's connection matches see of a packet: nft's ct
 * expression, xtables' state and conntrack matches. Pure logic over a view
 * of the connection, so that it is unit-tested in userspace against the
 * uapi layouts iptables and nft write; src/ui/ct_match.c builds the view.
 */
#ifndef _ALG_CT_MATCH_H
#define _ALG_CT_MATCH_H

#include "alg_conntrack/compat.h"
#include "alg_conntrack/tuple.h"

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_connmark.h>

/* A packet's connection as the matches see it; tuple[0] NULL: none. */
struct alg_ct_view {
	const struct alg_tuple *tuple[ALG_DIR_MAX];
	u32 status;		/* IPS_* bits */
	u32 expires;		/* seconds left */
	u8 ctinfo;		/* enum ip_conntrack_info; IP_CT_UNTRACKED */
};

static inline bool alg_ct_view_tracked(const struct alg_ct_view *v)
{
	return v->tuple[ALG_DIR_ORIGINAL];
}

/* nft "ct state" and xt_state: NF_CT_STATE_* (== XT_STATE_*) bits. */
static inline u32 alg_ct_state_bits(const struct alg_ct_view *v)
{
	if (alg_ct_view_tracked(v))
		return NF_CT_STATE_BIT(v->ctinfo);
	if (v->ctinfo == IP_CT_UNTRACKED)
		return NF_CT_STATE_UNTRACKED_BIT;
	return NF_CT_STATE_INVALID_BIT;
}

/* The nf_conntrack_tuple "all" of a side: ports, or ICMP id / type+code. */
__be16 alg_ct_tuple_src_all(const struct alg_tuple *t);
__be16 alg_ct_tuple_dst_all(const struct alg_tuple *t);

/*
 * xt_conntrack: does the packet match info? Revisions 1 and 2 are first
 * widened to the layout of 3 (alg_ct_conntrack_v1to3 / _v2to3); ranges
 * says whether the ports are revision 3's host-order ranges or the older
 * single network-order ports.
 */
bool alg_ct_conntrack_match(const struct xt_conntrack_mtinfo3 *info,
			    bool ranges, const struct alg_ct_view *v);
void alg_ct_conntrack_v1to3(struct xt_conntrack_mtinfo3 *dst,
			    const struct xt_conntrack_mtinfo1 *src);
void alg_ct_conntrack_v2to3(struct xt_conntrack_mtinfo3 *dst,
			    const struct xt_conntrack_mtinfo2 *src);

/* CONNMARK (revision 2; 1 is 2 without a shift): the new marks. */
void alg_ct_connmark(const struct xt_connmark_tginfo2 *info, u32 *ctmark,
		     u32 *skbmark);

#endif /* _ALG_CT_MATCH_H */
