/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NETNS_H
#define _ALG_NETNS_H

#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* Everything alg_conntrack keeps per network namespace. */
struct alg_net {
	struct net *net;
};

extern unsigned int alg_net_id;

static inline struct alg_net *alg_net(const struct net *net)
{
	return net_generic(net, alg_net_id);
}

int alg_netns_init(void);
void alg_netns_uninit(void);

#endif /* _ALG_NETNS_H */
