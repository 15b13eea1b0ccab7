/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_UI_CTNETLINK_H
#define _ALG_UI_CTNETLINK_H

#include "alg_conntrack/tuple.h"
#include "core/event.h"

#include <linux/netfilter/nfnetlink.h>

/* The kernel's attribute writer for src/ui/ctnl_msg.c. */
struct alg_nlw {
	struct sk_buff *skb;
};

/* Shared by the conntrack (ctnetlink.c, ctnetlink_new.c) and expect parts. */
u32 alg_ctnl_id(const void *obj, const struct alg_tuple *t);
int alg_ctnl_tuple_parse(const struct nlattr *attr, struct alg_tuple *t,
			 u32 need, struct netlink_ext_ack *extack);
struct alg_conn;
int alg_ctnl_master_find(struct net *net, const struct nlattr *attr,
			 struct alg_conn **master, struct netlink_ext_ack *extack);
int alg_ctnl_ct_lookup(const struct nfnl_info *info,
		       const struct nlattr * const cda[], struct alg_conn **ctp);
int alg_ctnl_ct_new(struct sk_buff *skb, const struct nfnl_info *info,
		    const struct nlattr * const cda[]);
void alg_ctnl_exp_event(struct alg_expect *exp, enum alg_event ev);
extern const struct nfnetlink_subsystem alg_ctnl_exp_subsys;

int alg_ctnetlink_init(void);
void alg_ctnetlink_uninit(void);

#endif /* _ALG_UI_CTNETLINK_H */
