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

struct alg_nat_table *alg_nat_table_alloc(unsigned int cap)
{
	struct alg_nat_table *t;

	t = kvzalloc(struct_size(t, e, cap), GFP_KERNEL);
	if (t)
		t->cap = cap;
	return t;
}

/* A private copy of the live set, with room for @extra more rules. */
static struct alg_nat_table *alg_nat_table_dup(const struct alg_nat_table *old,
					       unsigned int extra)
{
	unsigned int n = old ? old->n : 0, i;
	struct alg_nat_table *t = alg_nat_table_alloc(n + extra);

	if (!t || !old)
		return t;
	memcpy(t->start, old->start, sizeof(t->start));
	for (i = 0; i < n; i++) {
		/* packets still count on the old set: read them as such */
		t->e[i].rule = old->e[i].rule;
		atomic64_set(&t->e[i].packets, atomic64_read(&old->e[i].packets));
		atomic64_set(&t->e[i].bytes, atomic64_read(&old->e[i].bytes));
	}
	t->n = n;
	return t;
}

/*
 * Room for one more rule in a set nobody else sees. Growing by doubling
 * keeps a restore of N lines linear: each line is one append at its
 * chain's end, and iptables-save writes the chains in this set's order.
 */
static int alg_nat_table_reserve(struct alg_nat_table **tp)
{
	struct alg_nat_table *t = *tp, *nt;
	unsigned int cap;

	if (t->n < t->cap)
		return 0;
	if (t->n >= ALG_NAT_RULES_MAX)
		return -ENOSPC;
	cap = min_t(unsigned int, max(2 * t->cap, 16U), ALG_NAT_RULES_MAX);
	nt = alg_nat_table_alloc(cap);
	if (!nt)
		return -ENOMEM;
	memcpy(nt->start, t->start, sizeof(nt->start));
	memcpy(nt->e, t->e, t->n * sizeof(t->e[0]));
	nt->n = t->n;
	kvfree(t);
	*tp = nt;
	return 0;
}

/* @r at index @at of its chain's part; the later chains move up by one. */
static void alg_nat_table_insert(struct alg_nat_table *t, unsigned int at,
				 const struct alg_nat_rule *r)
{
	unsigned int c;

	memmove(&t->e[at + 1], &t->e[at], (t->n - at) * sizeof(t->e[0]));
	t->e[at].rule = *r;
	atomic64_set(&t->e[at].packets, 0);
	atomic64_set(&t->e[at].bytes, 0);
	t->n++;
	for (c = r->chain + 1; c <= ALG_NAT_NCHAINS; c++)
		t->start[c]++;
}

/* Entries [at, at + n), all of them inside @chain's part, go. */
static void alg_nat_table_remove(struct alg_nat_table *t, enum alg_nat_chain chain,
				 unsigned int at, unsigned int n)
{
	unsigned int c;

	memmove(&t->e[at], &t->e[at + n], (t->n - at - n) * sizeof(t->e[0]));
	t->n -= n;
	for (c = chain + 1; c <= ALG_NAT_NCHAINS; c++)
		t->start[c] -= n;
}

/* Publish t as the live rule set; the caller holds an->nat->lock. */
void alg_nat_rules_replace(struct alg_net *an, struct alg_nat_table *t)
{
	struct alg_nat_table *old;

	lockdep_assert_held(&an->nat->lock);
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
 * Apply one command to *tp, a set nobody else sees (a copy of the live set
 * or a pending COMMIT set), which may be reallocated to grow.
 */
int alg_nat_table_change(struct alg_nat_table **tp, int cmd,
			 const struct alg_nat_rule *r, u32 pos, const char **why)
{
	struct alg_nat_table *t = *tp;
	unsigned int first, count, i;
	int ret;

	if (cmd == ALG_NAT_CMD_FLUSH && r->chain == ALG_NAT_CHAIN_ALL) {
		t->n = 0;
		memset(t->start, 0, sizeof(t->start));
		return 0;
	}
	first = t->start[r->chain];
	count = t->start[r->chain + 1] - first;
	switch (cmd) {
	case ALG_NAT_CMD_APPEND:
	case ALG_NAT_CMD_INSERT:
		if (cmd == ALG_NAT_CMD_APPEND)
			pos = count + 1;
		if (pos < 1 || pos > count + 1) {
			*why = "rule number out of range";
			return -EINVAL;
		}
		ret = alg_nat_table_reserve(tp);
		if (ret) {
			*why = ret == -ENOSPC ? "too many rules" : "out of memory";
			return ret;
		}
		alg_nat_table_insert(*tp, first + pos - 1, r);
		return 0;
	case ALG_NAT_CMD_DELETE_NUM:
		if (pos < 1 || pos > count) {
			*why = "rule number out of range";
			return -EINVAL;
		}
		alg_nat_table_remove(t, r->chain, first + pos - 1, 1);
		return 0;
	case ALG_NAT_CMD_DELETE_SPEC:
		for (i = 0; i < count; i++)
			if (alg_nat_rule_equal(&t->e[first + i].rule, r))
				break;
		if (i == count) {
			*why = "no such rule in that chain";
			return -ENOENT;
		}
		alg_nat_table_remove(t, r->chain, first + i, 1);
		return 0;
	case ALG_NAT_CMD_FLUSH:
		alg_nat_table_remove(t, r->chain, first, count);
		return 0;
	}
	*why = "not a rule command";
	return -EINVAL;
}

int alg_nat_rules_edit(struct alg_net *an, int cmd, const struct alg_nat_rule *r,
		       u32 pos, const char **why)
{
	struct alg_nat_net *nn = an->nat;
	struct alg_nat_table *t;
	int ret = -ENOMEM;

	mutex_lock(&nn->lock);
	t = alg_nat_table_dup(rcu_dereference_protected(nn->table,
							lockdep_is_held(&nn->lock)),
			      1);
	if (!t) {
		*why = "out of memory";
		goto out;
	}
	ret = alg_nat_table_change(&t, cmd, r, pos, why);
	if (ret)
		kvfree(t);
	else
		alg_nat_rules_replace(an, t);
out:
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

const struct alg_nat_rule *alg_nat_rules_eval(struct alg_net *an,
					      const struct sk_buff *skb,
					      const struct nf_hook_state *state,
					      bool ct_rules)
{
	enum alg_nat_chain c = alg_nat_hook_chain(state->hook);
	const struct iphdr *iph = ip_hdr(skb);
	struct alg_nat_table *t;
	u16 sport = 0, dport = 0;
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
		return &e->rule;
	}
	return NULL;
}

/* iptables-save -c format, which /proc/net/alg_nat also accepts back. */
int alg_nat_rules_show(struct alg_net *an, struct seq_file *s)
{
	/* a rule can be ALG_NAT_LINE_MAX long: too much for the stack */
	size_t size = ALG_NAT_LINE_MAX + 1;
	const struct alg_nat_table *t;
	unsigned int c, i;
	char *buf;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	seq_puts(s, "*nat\n");
	for (c = 0; c < ALG_NAT_NCHAINS; c++)
		seq_printf(s, ":%s ACCEPT [0:0]\n", alg_nat_chain_name(c));
	rcu_read_lock();
	t = rcu_dereference(an->nat->table);
	for (i = 0; t && i < t->n; i++) {
		alg_nat_rule_format(&t->e[i].rule, buf, size);
		seq_printf(s, "[%llu:%llu] %s\n",
			   (unsigned long long)atomic64_read(&t->e[i].packets),
			   (unsigned long long)atomic64_read(&t->e[i].bytes), buf);
	}
	rcu_read_unlock();
	seq_puts(s, "COMMIT\n");
	kfree(buf);
	return 0;
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
