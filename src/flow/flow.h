/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_FLOW_H
#define _ALG_FLOW_H

#include "core/conn.h"
#include "core/netns.h"

#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <net/dst.h>

/*
 * The established-flow fast path (net.alg_conntrack.fastpath=1): a
 * forwarded TCP or UDP connection, once established, is looked up at the
 * ingress of the device its packets come in by, translated and sent with
 * the route its packets took through the normal path, skipping routing and
 * every later hook (nf_flow_table's software fast path, for alg's tracker).
 * Anything unusual goes back to the normal path.
 */

/* One direction of an offloaded connection. */
struct alg_flow_way {
	struct rhash_head node;
	struct alg_tuple tuple;		/* key: as its packets come in */
	int iif;			/* the device they must come in by */
	struct dst_entry __rcu *dst;	/* their route out, once seen */
};

struct alg_flow {
	struct alg_flow_way way[ALG_DIR_MAX];
	struct alg_conn *ct;		/* holds a reference */
	struct list_head list;		/* fn->flows, under fn->lock */
	struct rcu_head rcu;
};

static inline struct alg_flow *alg_flow_of(const struct alg_flow_way *w)
{
	return container_of(w, struct alg_flow, way[w->tuple.dir]);
}

/* A device whose ingress hook looks packets up. */
struct alg_flow_dev {
	struct list_head list;		/* fn->devs: RTNL, RCU readers */
	struct nf_hook_ops ops;
	int ifindex;
	struct rcu_head rcu;
};

#define ALG_FLOW_DEV_WANT	8

/* The fast path's state in a namespace (alg_net->flow). */
struct alg_flow_net {
	struct alg_net *an;
	struct rhashtable table;
	spinlock_t lock;		/* flows, want; taken with BHs off */
	struct list_head flows;
	int want[ALG_FLOW_DEV_WANT];	/* ifindexes waiting for a hook */
	struct list_head devs;
	struct work_struct dev_work;
	struct delayed_work gc_work;
	struct mutex enable_lock;	/* switching on and off */
	bool recording;			/* new flows allowed: under lock */
};

/* Table of offloaded flows (flow_table.c). */
struct alg_flow_way *alg_flow_find(struct alg_flow_net *fn,
				   const struct alg_tuple *t);
int alg_flow_offload(struct alg_flow_net *fn, struct alg_conn *ct);
void alg_flow_way_set_route(struct alg_flow_way *w, struct dst_entry *dst,
			    int iif);
void alg_flow_flush(struct alg_flow_net *fn);
void alg_flow_gc_start(struct alg_flow_net *fn);
void alg_flow_gc_stop(struct alg_flow_net *fn);
int alg_flow_table_init(struct alg_flow_net *fn);
void alg_flow_table_uninit(struct alg_flow_net *fn);

/* Ingress hooks of devices (flow_dev.c). */
bool alg_flow_dev_hooked(struct alg_flow_net *fn, int ifindex);
void alg_flow_dev_want(struct alg_flow_net *fn, int ifindex);
void alg_flow_dev_unhook_all(struct alg_flow_net *fn);
void alg_flow_dev_net_init(struct alg_flow_net *fn);
int alg_flow_dev_init(void);
void alg_flow_dev_uninit(void);

/* The packet path (flow_ip.c). */
unsigned int alg_flow_ingress(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state);
int alg_flow_record_register(struct net *net);
void alg_flow_record_unregister(struct net *net);

/* Switching it on and off (flow.c). */
int alg_flow_net_set(struct alg_net *an, bool on);
int alg_flow_netns_init(void);
void alg_flow_netns_uninit(void);

#endif /* _ALG_FLOW_H */
