/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_RULES_H
#define _ALG_NAT_RULES_H

#include "alg_conntrack/nat_rule.h"
#include "core/netns.h"

#include <linux/netfilter.h>
#include <linux/seq_file.h>

#define ALG_NAT_RULES_MAX	65536

struct alg_nat_entry {
	struct alg_nat_rule rule;
	atomic64_t packets;
	atomic64_t bytes;
};

/* A whole rule set, replaced as one under RCU so a packet sees one set. */
struct alg_nat_table {
	struct rcu_head rcu;
	unsigned int n;
	unsigned int cap;				/* room in e[] */
	unsigned int start[ALG_NAT_NCHAINS + 1];	/* per chain, in order */
	struct alg_nat_entry e[];
};

int alg_nat_rule_check(const struct alg_nat_rule *r, const char **why);
struct alg_nat_table *alg_nat_table_alloc(unsigned int cap);
int alg_nat_rules_edit(struct alg_net *an, int cmd, const struct alg_nat_rule *r,
		       u32 pos, const char **why);
void alg_nat_rules_replace(struct alg_net *an, struct alg_nat_table *t);
int alg_nat_table_change(struct alg_nat_table **tp, int cmd,
			 const struct alg_nat_rule *r, u32 pos, const char **why);
int alg_nat_rules_show(struct alg_net *an, struct seq_file *s);

/*
 * First rule of the hook's chain that matches the packet, counted, or NULL.
 * The CT rules (helper assignment) and the NAT rules are two separate
 * passes, as iptables' raw and nat tables are. The caller is inside
 * rcu_read_lock(); the rule is valid until it leaves.
 */
const struct alg_nat_rule *alg_nat_rules_eval(struct alg_net *an,
					      const struct sk_buff *skb,
					      const struct nf_hook_state *state,
					      bool ct_rules);

void alg_nat_rules_net_init(struct alg_net *an);
void alg_nat_rules_net_uninit(struct alg_net *an);

#endif /* _ALG_NAT_RULES_H */
