// SPDX-License-Identifier: GPL-2.0
/*
 * Where alg_conntrack sits in the IPv4 netfilter hooks. The priorities are
 * netfilter's own, so that rules of iptables/nftables see packets in the same
 * state as they would with nf_conntrack + nf_nat. NAT's own hooks (-100 and
 * 100) are src/nat's.
 */

#include "core/hooks.h"
#include "core/track.h"
#include "core/helper.h"

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>

static unsigned int alg_hook_defrag(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	return alg_track_defrag(skb, state);
}

static unsigned int alg_hook_conntrack_in(void *priv, struct sk_buff *skb,
					  const struct nf_hook_state *state)
{
	return alg_track_in(skb, state);
}

static unsigned int alg_hook_helper(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	return alg_helper_hook(skb, state);
}

static unsigned int alg_hook_confirm(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	return alg_track_confirm(skb);
}

#define ALG_HOOK(fn, num, prio)				\
	{ .hook = (fn), .pf = NFPROTO_IPV4, .hooknum = (num), .priority = (prio) }

static const struct nf_hook_ops alg_hook_ops[] = {
	ALG_HOOK(alg_hook_defrag, NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK_DEFRAG),
	ALG_HOOK(alg_hook_defrag, NF_INET_LOCAL_OUT, NF_IP_PRI_CONNTRACK_DEFRAG),
	ALG_HOOK(alg_hook_conntrack_in, NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK),
	ALG_HOOK(alg_hook_conntrack_in, NF_INET_LOCAL_OUT, NF_IP_PRI_CONNTRACK),
	ALG_HOOK(alg_hook_helper, NF_INET_POST_ROUTING, NF_IP_PRI_CONNTRACK_HELPER),
	ALG_HOOK(alg_hook_helper, NF_INET_LOCAL_IN, NF_IP_PRI_CONNTRACK_HELPER),
	ALG_HOOK(alg_hook_confirm, NF_INET_POST_ROUTING, NF_IP_PRI_CONNTRACK_CONFIRM),
	ALG_HOOK(alg_hook_confirm, NF_INET_LOCAL_IN, NF_IP_PRI_CONNTRACK_CONFIRM),
};

int alg_hooks_net_init(struct net *net)
{
	return nf_register_net_hooks(net, alg_hook_ops, ARRAY_SIZE(alg_hook_ops));
}

void alg_hooks_net_uninit(struct net *net)
{
	nf_unregister_net_hooks(net, alg_hook_ops, ARRAY_SIZE(alg_hook_ops));
}
