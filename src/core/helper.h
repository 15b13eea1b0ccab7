/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_HELPER_H
#define _ALG_HELPER_H

#include "core/conn.h"
#include "core/ext.h"
#include "core/netns.h"

#include <linux/netfilter.h>

#define ALG_HELPER_PORTS_MAX	8
#define ALG_HELPER_NAME_MAX	16

/* An application-layer helper: reads a protocol's control connection. */
struct alg_helper {
	char name[ALG_HELPER_NAME_MAX];
	u8 proto;
	unsigned int nports;
	__be16 ports[ALG_HELPER_PORTS_MAX];	/* server ports */
	unsigned int data_size;			/* per-connection state */
	unsigned int max_expected;		/* per master */
	unsigned int expect_timeout;		/* seconds */
	int (*help)(struct sk_buff *skb, unsigned int protoff,
		    struct alg_conn *ct, enum ip_conntrack_info ctinfo);
	/*
	 * NAT's part, which the NAT side fills at its init and clears at its
	 * exit (netfilter's nf_nat_ftp_hook), so that the helper need not
	 * know NAT. Of the helper's own type (struct alg_ftp_nat for "ftp");
	 * NULL without it. Read under RCU (the packet path).
	 */
	const void __rcu *nat;
	/*
	 * What a packet carries from a "-j CT --helper" rule to the tracker
	 * (alg_helper_request). The registry holds one reference, so the
	 * packet's put never reaches the destroy hook.
	 */
	struct nf_conntrack request __aligned(8);
	struct list_head list;
};

static inline const struct alg_helper *alg_conn_helper(const struct alg_conn *ct)
{
	return ct->ext ? ct->ext->helper : NULL;
}

static inline void *alg_conn_help_data(struct alg_conn *ct)
{
	return ct->ext->help;
}

int alg_helper_register(struct alg_helper *h);
void alg_helper_unregister(struct alg_helper *h);
const struct alg_helper *alg_helper_find_name(const char *name);
int alg_helper_attach(struct alg_conn *ct, const struct alg_helper *h);
void alg_helper_auto(struct alg_net *an, struct alg_conn *ct);
void alg_helper_request(struct sk_buff *skb, const struct alg_helper *h);

/*
 * The tracker takes the request off the packet: the helper, or NULL.
 * Inline: every packet the tracker sees asks.
 */
static inline const struct alg_helper *
alg_helper_requested(struct sk_buff *skb)
{
	unsigned long nfct = skb_get_nfct(skb);
	struct nf_conntrack *req;

	if (likely((nfct & NFCT_INFOMASK) != ALG_CT_HELPER_REQUEST))
		return NULL;
	req = (struct nf_conntrack *)(nfct & NFCT_PTRMASK);
	nf_reset_ct(skb);
	return container_of(req, struct alg_helper, request);
}

unsigned int alg_helper_hook(struct sk_buff *skb,
			     const struct nf_hook_state *state);

#endif /* _ALG_HELPER_H */
