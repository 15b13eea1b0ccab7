// SPDX-License-Identifier: GPL-2.0
/*
 * A packet's connection as the firewall matches see it (nft ct, xtables
 * state, conntrack, connmark, helper). The tracker is IPv4 only: a packet
 * of another family (an inet table, ip6tables) is "untracked", not
 * "invalid", since nothing here judged it.
 */

#include "ui/ct.h"
#include "core/helper.h"

#include <linux/netfilter.h>

/* An inet (or bridge, netdev) table sees IPv6 too, which is not tracked. */
static bool alg_ct_ipv4(const struct sk_buff *skb, u8 pf)
{
	return pf == NFPROTO_IPV4 || skb->protocol == htons(ETH_P_IP);
}

struct alg_conn *alg_ct_view_skb(struct alg_ct_view *v,
				 const struct sk_buff *skb, u8 pf)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);

	memset(v, 0, sizeof(*v));
	v->ctinfo = ctinfo;
	if (!ct) {
		if (!alg_ct_ipv4(skb, pf))
			v->ctinfo = IP_CT_UNTRACKED;
		return NULL;
	}
	v->tuple[ALG_DIR_ORIGINAL] = alg_conn_tuple(ct, ALG_DIR_ORIGINAL);
	v->tuple[ALG_DIR_REPLY] = alg_conn_tuple(ct, ALG_DIR_REPLY);
	v->status = READ_ONCE(ct->status) & ALG_CONN_IPS_MASK;
	v->expires = alg_conn_left(ct) / HZ;
	return ct;
}

/* netfilter's "helper" of a connection is the one that expected it. */
const char *alg_ct_master_helper(const struct alg_conn *ct)
{
	const struct alg_helper *h;

	if (!ct->master)
		return NULL;
	h = alg_conn_helper(ct->master);
	return h ? h->name : NULL;
}
