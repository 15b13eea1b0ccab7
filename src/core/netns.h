/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NETNS_H
#define _ALG_NETNS_H

#include "alg_conntrack/tcp_state.h"

#include <linux/siphash.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

struct alg_nat_net;
struct alg_expect_net;
struct alg_flow_net;

/* Per-CPU counters, the columns of /proc/net/stat/alg_conntrack. */
struct alg_stat {
	unsigned int found;
	unsigned int invalid;
	unsigned int insert;
	unsigned int insert_failed;
	unsigned int drop;
	unsigned int early_drop;
	unsigned int search_restart;
	unsigned int clash_resolve;
	unsigned int chaintoolong;
	unsigned int icmp_error;
	unsigned int expect_new;
	unsigned int expect_create;
	unsigned int expect_delete;
	unsigned int ftp_bad_cmd;
	unsigned int ftp_third_party;
	unsigned int offload;		/* connections given to the fast path */
	unsigned int fastpath;		/* packets it forwarded */
};

/*
 * New connections wait on the unconfirmed list of the CPU that made them;
 * killed ones wait on a dying list until the last packet lets go. Per CPU so
 * the packet path never takes a lock shared by all CPUs.
 */
struct alg_pcpu {
	spinlock_t lock;	/* both lists; taken with BHs off */
	struct hlist_nulls_head unconfirmed;
	struct hlist_nulls_head dying;
};

/* Sysctl-tunable settings, all ints so proc_dointvec_minmax can check them. */
struct alg_net_cfg {
	int max;
	int enable;
	int tcp_be_liberal;
	int tcp_loose;
	int tcp_max_retrans;
	int log_invalid;
	int checksum;
	int tcp_timeouts[ALG_TCP_TIMEOUT_MAX];
	int udp_timeout;
	int udp_timeout_stream;
	int icmp_timeout;
	int generic_timeout;
	int expect_max;
	int helper_auto;
	int fastpath;
};

/* Everything alg_conntrack keeps per network namespace. */
struct alg_net {
	struct net *net;
	struct hlist_nulls_head *hash;
	unsigned int buckets;
	siphash_key_t hash_key;
	atomic_t count;
	struct alg_pcpu __percpu *pcpu;
	struct alg_stat __percpu *stat;
	struct delayed_work gc_work;
	unsigned int gc_next;
	bool exiting;
	struct alg_net_cfg cfg;
	struct ctl_table_header *sysctl;
	struct alg_nat_net *nat;	/* owned by src/nat */
	struct alg_expect_net *expect;	/* owned by src/helpers */
	struct alg_flow_net *flow;	/* owned by src/flow */
};

extern unsigned int alg_net_id;

static inline struct alg_net *alg_net(const struct net *net)
{
	return net_generic(net, alg_net_id);
}

#define ALG_STAT_INC(an, field)		this_cpu_inc((an)->stat->field)
#define ALG_STAT_ADD(an, field, n)	this_cpu_add((an)->stat->field, n)

int alg_netns_init(void);
void alg_netns_uninit(void);

#endif /* _ALG_NETNS_H */
