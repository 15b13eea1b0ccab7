// SPDX-License-Identifier: GPL-2.0
/*
 * The NAT rule set of a namespace. A change builds a new set and publishes
 * it with one pointer swap, so a packet sees either the old or the new set,
 * never a half-edited one. Rules are looked at once per connection.
 */

#include "nat/nat_rules.h"
#include "nat/nat.h"
#include "core/helper.h"

#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/ip.h>

/*
 * What the pure parser cannot know: a CT rule's helper must exist, for the
 * protocol the rule matches (xt_CT refuses the same at insertion).
 */
int alg_nat_rule_check(const struct alg_nat_rule *r, const char **why)
{
	const struct alg_helper *h;

	if (r->target != ALG_NAT_TGT_CT)
		return 0;
	h = alg_helper_find_name(r->helper);
	if (!h) {
		*why = "no such helper";
		return -ENOENT;
	}
	if (h->proto != r->proto) {
		*why = "the helper is not for this protocol";
		return -EINVAL;
	}
	return 0;
}

struct alg_nat_table *alg_nat_table_alloc(unsigned int n)
{
	struct alg_nat_table *t;

	return kvzalloc(struct_size(t, e, n), GFP_KERNEL);
}

static void alg_nat_table_reindex(struct alg_nat_table *t)
{
	unsigned int c, i = 0;

	for (c = 0; c < ALG_NAT_NCHAINS; c++) {
		t->start[c] = i;
		while (i < t->n && t->e[i].rule.chain == c)
			i++;
	}
	t->start[ALG_NAT_NCHAINS] = i;
}

/*
 * A copy of old without entries [del, del + ndel) and with r inserted at
 * index ins (ins is an index into the result); counters carried over.
 */
static struct alg_nat_table *alg_nat_table_edit(const struct alg_nat_table *old,
						unsigned int del,
						unsigned int ndel,
						unsigned int ins,
						const struct alg_nat_rule *r)
{
	unsigned int n = (old ? old->n : 0) - ndel + (r ? 1 : 0), i, j = 0;
	struct alg_nat_table *t = alg_nat_table_alloc(n);

	if (!t)
		return NULL;
	for (i = 0; old && i < old->n; i++) {
		if (i >= del && i < del + ndel)
			continue;
		if (r && j == ins)
			j++;
		t->e[j].rule = old->e[i].rule;
		atomic64_set(&t->e[j].packets, atomic64_read(&old->e[i].packets));
		atomic64_set(&t->e[j].bytes, atomic64_read(&old->e[i].bytes));
		j++;
	}
	if (r)
		t->e[ins].rule = *r;
	t->n = n;
	alg_nat_table_reindex(t);
	return t;
}

/* Publish t as the live rule set; the caller holds an->nat->lock. */
void alg_nat_rules_replace(struct alg_net *an, struct alg_nat_table *t)
{
	struct alg_nat_table *old;

	old = rcu_replace_pointer(an->nat->table, t,
				  lockdep_is_held(&an->nat->lock));
	/*
	 * kvfree_rcu, not call_rcu: the callback would be module code that
	 * may run after rmmod has freed it.
	 */
	if (old)
		kvfree_rcu(old, rcu);
}

/*
 * Apply one command to rule set old (NULL: empty), giving a new set in *out
 * and leaving old alone. Used on the live set and on a pending COMMIT set.
 */
int alg_nat_table_apply(const struct alg_nat_table *old, int cmd,
			const struct alg_nat_rule *r, u32 pos,
			struct alg_nat_table **out, const char **why)
{
	unsigned int first, count, i;
	struct alg_nat_table *t;

	if (cmd == ALG_NAT_CMD_FLUSH && r->chain == ALG_NAT_CHAIN_ALL) {
		first = 0;
		count = old ? old->n : 0;
	} else {
		first = old ? old->start[r->chain] : 0;
		count = old ? old->start[r->chain + 1] - first : 0;
	}
	switch (cmd) {
	case ALG_NAT_CMD_APPEND:
	case ALG_NAT_CMD_INSERT:
		if (old && old->n >= ALG_NAT_RULES_MAX) {
			*why = "too many rules";
			return -ENOSPC;
		}
		if (cmd == ALG_NAT_CMD_APPEND)
			pos = count + 1;
		if (pos < 1 || pos > count + 1) {
			*why = "rule number out of range";
			return -EINVAL;
		}
		t = alg_nat_table_edit(old, 0, 0, first + pos - 1, r);
		break;
	case ALG_NAT_CMD_DELETE_NUM:
		if (pos < 1 || pos > count) {
			*why = "rule number out of range";
			return -EINVAL;
		}
		t = alg_nat_table_edit(old, first + pos - 1, 1, 0, NULL);
		break;
	case ALG_NAT_CMD_DELETE_SPEC:
		for (i = 0; i < count; i++)
			if (alg_nat_rule_equal(&old->e[first + i].rule, r))
				break;
		if (i == count) {
			*why = "no such rule in that chain";
			return -ENOENT;
		}
		t = alg_nat_table_edit(old, first + i, 1, 0, NULL);
		break;
	case ALG_NAT_CMD_FLUSH:
		t = alg_nat_table_edit(old, first, count, 0, NULL);
		break;
	default:
		*why = "not a rule command";
		return -EINVAL;
	}
	if (!t) {
		*why = "out of memory";
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

int alg_nat_rules_edit(struct alg_net *an, int cmd, const struct alg_nat_rule *r,
		       u32 pos, const char **why)
{
	struct alg_nat_net *nn = an->nat;
	struct alg_nat_table *old, *t;
	int ret;

	mutex_lock(&nn->lock);
	old = rcu_dereference_protected(nn->table, lockdep_is_held(&nn->lock));
	ret = alg_nat_table_apply(old, cmd, r, pos, &t, why);
	if (!ret)
		alg_nat_rules_replace(an, t);
	mutex_unlock(&nn->lock);
	return ret;
}

static enum alg_nat_chain alg_nat_hook_chain(unsigned int hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return ALG_NAT_CHAIN_PREROUTING;
	case NF_INET_LOCAL_OUT:
		return ALG_NAT_CHAIN_OUTPUT;
	case NF_INET_LOCAL_IN:
		return ALG_NAT_CHAIN_INPUT;
	default:
		return ALG_NAT_CHAIN_POSTROUTING;
	}
}

bool alg_nat_rules_eval(struct alg_net *an, const struct sk_buff *skb,
			const struct nf_hook_state *state, bool ct_rules,
			struct alg_nat_rule *out)
{
	enum alg_nat_chain c = alg_nat_hook_chain(state->hook);
	const struct iphdr *iph = ip_hdr(skb);
	struct alg_nat_table *t;
	u16 sport = 0, dport = 0;
	bool found = false;
	unsigned int i;

	if (iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) {
		__be16 _p[2];
		const __be16 *p = skb_header_pointer(skb, ip_hdrlen(skb),
						     sizeof(_p), _p);

		if (p) {
			sport = ntohs(p[0]);
			dport = ntohs(p[1]);
		}
	}
	rcu_read_lock();
	t = rcu_dereference(an->nat->table);
	for (i = t ? t->start[c] : 0; t && i < t->start[c + 1]; i++) {
		struct alg_nat_entry *e = &t->e[i];
		bool is_ct = e->rule.target == ALG_NAT_TGT_CT;

		if (is_ct != ct_rules)
			continue;
		if (!alg_nat_rule_match(&e->rule, iph->saddr, iph->daddr,
					iph->protocol, sport, dport,
					state->in ? state->in->name : NULL,
					state->out ? state->out->name : NULL))
			continue;
		atomic64_inc(&e->packets);
		atomic64_add(skb->len, &e->bytes);
		*out = e->rule;
		found = true;
		break;
	}
	rcu_read_unlock();
	return found;
}

/* iptables-save -c format, which /proc/net/alg_nat also accepts back. */
void alg_nat_rules_show(struct alg_net *an, struct seq_file *s)
{
	const struct alg_nat_table *t;
	char buf[ALG_NAT_LINE_MAX + 64];
	unsigned int i;

	seq_puts(s, "*nat\n");
	rcu_read_lock();
	t = rcu_dereference(an->nat->table);
	for (i = 0; t && i < t->n; i++) {
		alg_nat_rule_format(&t->e[i].rule, buf, sizeof(buf));
		seq_printf(s, "[%llu:%llu] %s\n",
			   (unsigned long long)atomic64_read(&t->e[i].packets),
			   (unsigned long long)atomic64_read(&t->e[i].bytes), buf);
	}
	rcu_read_unlock();
	seq_puts(s, "COMMIT\n");
}

void alg_nat_rules_net_init(struct alg_net *an)
{
	mutex_init(&an->nat->lock);
	RCU_INIT_POINTER(an->nat->table, NULL);
}

void alg_nat_rules_net_uninit(struct alg_net *an)
{
	/* No packet can see it any more: the hooks are gone. */
	kvfree(rcu_dereference_protected(an->nat->table, 1));
}
