/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_H
#define _ALG_NAT_H

#include "core/conn.h"
#include "core/netns.h"

#include <linux/mutex.h>
#include <linux/netfilter.h>

enum alg_nat_manip {
	ALG_NAT_MANIP_SRC,
	ALG_NAT_MANIP_DST,
};

/* NAT state of a namespace. */
struct alg_nat_net {
	struct alg_nat_table __rcu *table;
	struct mutex lock;		/* serialises rule set changes */
};

/* Where in its range a binding may put the connection. */
struct alg_nat_range {
	__be32 addr_lo, addr_hi;
	u16 port_lo, port_hi;	/* host order */
	bool ports;		/* port_lo/hi given, else "keep if free" */
	bool random;
	bool persistent;	/* the address by the source alone */
};

/* PRE_ROUTING and LOCAL_OUT rewrite destinations, the others sources. */
static inline enum alg_nat_manip alg_nat_hook_manip(unsigned int hooknum)
{
	return hooknum == NF_INET_PRE_ROUTING || hooknum == NF_INET_LOCAL_OUT ?
	       ALG_NAT_MANIP_DST : ALG_NAT_MANIP_SRC;
}

static inline bool alg_nat_done(const struct alg_conn *ct,
				enum alg_nat_manip m)
{
	return test_bit(m == ALG_NAT_MANIP_SRC ? ALG_CONN_NAT_DONE_SRC :
						 ALG_CONN_NAT_DONE_DST, &ct->status);
}

int alg_nat_setup(struct alg_conn *ct, const struct alg_nat_range *range,
		  enum alg_nat_manip m);
bool alg_nat_manip_pkt(struct sk_buff *skb, unsigned int iphoff,
		       const struct alg_tuple *target, enum alg_nat_manip m);
int alg_nat_icmp_error(struct sk_buff *skb, struct alg_conn *ct,
		       enum ip_conntrack_info ctinfo, unsigned int hooknum);
unsigned int alg_nat_hook(struct sk_buff *skb,
			  const struct nf_hook_state *state);

int alg_nat_masq_init(void);
void alg_nat_masq_uninit(void);
int alg_nat_netns_init(void);
void alg_nat_netns_uninit(void);
int alg_nat_init(void);
void alg_nat_uninit(void);

#endif /* _ALG_NAT_H */
