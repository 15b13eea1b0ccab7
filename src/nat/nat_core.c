// SPDX-License-Identifier: GPL-2.0
/*
 * NAT bindings: chosen once per connection, on its first packet, from the
 * rules; every later packet is rewritten from the connection's tuples.
 *
 * A binding changes the REPLY tuple: SNAT its destination, DNAT its source.
 * It must stay unique, so that replies find their way back to exactly one
 * connection; the conntrack table itself is the record of what is taken.
 */

#include "nat/nat.h"
#include "nat/nat_rules.h"
#include "alg_conntrack/nat_port.h"
#include "core/table.h"
#include "core/helper.h"

#include <linux/icmp.h>
#include <linux/inetdevice.h>
#include <linux/netfilter_ipv4.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <net/ip.h>
#include <net/route.h>

#define ALG_NAT_LOCKS	64

/*
 * SNAT'd connections by original source, of all namespaces in one table
 * (as nf_nat's): its nodes live in the connections, which may outlive
 * their namespace's NAT state during teardown, never the module.
 */
static struct hlist_head *alg_nat_bysource __read_mostly;
static unsigned int alg_nat_bysource_size __read_mostly;
static spinlock_t alg_nat_locks[ALG_NAT_LOCKS];
static u32 alg_nat_seed __read_mostly;

static __be16 *alg_nat_keyp(struct alg_tuple *t, enum alg_nat_manip m)
{
	/* An ICMP query has one id for both directions, kept in sport. */
	if (t->proto == IPPROTO_ICMP || m == ALG_NAT_MANIP_SRC)
		return &t->sport;
	return &t->dport;
}

static bool alg_nat_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_ICMP;
}

/* Is t, as an ORIGINAL tuple, already answered to by another connection? */
static bool alg_nat_used(struct alg_net *an, const struct alg_tuple *t,
			 const struct alg_conn *ct)
{
	struct alg_tuple reply;

	alg_tuple_invert(&reply, t);
	return alg_table_tuple_taken(an, &reply, ct);
}

static unsigned int alg_nat_bysource_bucket(const struct net *net,
					    const struct alg_tuple *t)
{
	return jhash_3words((__force u32)t->saddr,
			    (__force u32)t->sport << 16 | t->proto,
			    net_hash_mix(net), alg_nat_seed) % alg_nat_bysource_size;
}

/*
 * The lock follows from the bucket, not from the hash: the table may have
 * any size, and a bucket must always be guarded by the same one lock.
 */
static spinlock_t *alg_nat_bysource_lock(unsigned int bucket)
{
	return &alg_nat_locks[bucket % ALG_NAT_LOCKS];
}

static bool alg_nat_in_range(const struct alg_tuple *t, enum alg_nat_manip m,
			     const struct alg_nat_range *r)
{
	__be32 a = m == ALG_NAT_MANIP_SRC ? t->saddr : t->daddr;
	u16 p = ntohs(m == ALG_NAT_MANIP_SRC || t->proto == IPPROTO_ICMP ?
		      t->sport : t->dport);

	if (ntohl(a) < ntohl(r->addr_lo) || ntohl(a) > ntohl(r->addr_hi))
		return false;
	return !r->ports || !alg_nat_has_ports(t->proto) ||
	       (p >= r->port_lo && p <= r->port_hi);
}

/*
 * The same source (address, port, protocol) already has an SNAT mapping:
 * reuse it, so one socket keeps one public address and port whatever it
 * talks to (endpoint-independent mapping, as nf_nat does).
 */
static bool alg_nat_bysource_find(struct alg_net *an, struct alg_tuple *res,
				  const struct alg_tuple *orig,
				  const struct alg_nat_range *r,
				  const struct alg_conn *self)
{
	unsigned int b = alg_nat_bysource_bucket(an->net, orig);
	struct alg_conn *ct;
	bool found = false;

	spin_lock_bh(alg_nat_bysource_lock(b));
	hlist_for_each_entry(ct, &alg_nat_bysource[b], nat_bysource) {
		const struct alg_tuple *o = alg_conn_tuple(ct, ALG_DIR_ORIGINAL);
		const struct alg_tuple *rp = alg_conn_tuple(ct, ALG_DIR_REPLY);

		if (o->saddr != orig->saddr || o->sport != orig->sport ||
		    o->proto != orig->proto || !net_eq(alg_conn_net(ct), an->net))
			continue;
		*res = *orig;
		res->saddr = rp->daddr;
		res->sport = rp->dport;
		if (orig->proto == IPPROTO_ICMP)
			res->sport = rp->sport;
		if (alg_nat_in_range(res, ALG_NAT_MANIP_SRC, r) &&
		    !alg_nat_used(an, res, self)) {
			found = true;
			break;
		}
	}
	spin_unlock_bh(alg_nat_bysource_lock(b));
	return found;
}

struct alg_nat_port_ctx {
	struct alg_net *an;
	struct alg_tuple *t;
	enum alg_nat_manip m;
	const struct alg_conn *ct;
};

static bool alg_nat_port_in_use(u16 port, void *arg)
{
	struct alg_nat_port_ctx *c = arg;

	*alg_nat_keyp(c->t, c->m) = htons(port);
	return alg_nat_used(c->an, c->t, c->ct);
}

/* nf_nat's convention: keep privileged source ports privileged. */
static void alg_nat_default_ports(u16 port, u16 *lo, u16 *hi)
{
	if (port < 512) {
		*lo = 1;
		*hi = 511;
	} else if (port < 1024) {
		*lo = 600;
		*hi = 1023;
	} else {
		*lo = 1024;
		*hi = 65535;
	}
}

static int alg_nat_unique(struct alg_net *an, struct alg_tuple *t,
			  const struct alg_tuple *orig,
			  const struct alg_nat_range *r, struct alg_conn *ct,
			  enum alg_nat_manip m)
{
	struct alg_nat_port_ctx ctx = { an, t, m, ct };
	u16 lo, hi, wanted, port;
	u32 h;

	if (m == ALG_NAT_MANIP_SRC && !r->random) {
		if (alg_nat_in_range(orig, m, r)) {
			if (!alg_nat_used(an, orig, ct)) {
				*t = *orig;
				return 0;
			}
		} else if (alg_nat_bysource_find(an, t, orig, r, ct)) {
			return 0;
		}
	}

	*t = *orig;
	/*
	 * One inside host keeps one public address; DNAT spreads by both
	 * ends unless --persistent asks to keep a client on one server.
	 */
	h = m == ALG_NAT_MANIP_SRC || r->persistent ? (__force u32)orig->saddr :
	    jhash_2words((__force u32)orig->saddr, (__force u32)orig->daddr, 0);
	if (m == ALG_NAT_MANIP_SRC)
		t->saddr = alg_nat_addr_pick(r->addr_lo, r->addr_hi, h);
	else
		t->daddr = alg_nat_addr_pick(r->addr_lo, r->addr_hi, h);

	if (!alg_nat_has_ports(t->proto))
		return 0;
	wanted = ntohs(*alg_nat_keyp(t, m));
	if (!r->random && alg_nat_in_range(t, m, r) && !alg_nat_used(an, t, ct))
		return 0;
	/* DNAT without ports keeps the port; the clash stays a clash. */
	if (!r->ports && t->proto != IPPROTO_ICMP && m == ALG_NAT_MANIP_DST)
		return 0;
	if (r->ports) {
		lo = r->port_lo;
		hi = r->port_hi;
	} else if (t->proto == IPPROTO_ICMP) {
		lo = 0;
		hi = 65535;
	} else {
		alg_nat_default_ports(wanted, &lo, &hi);
	}
	if (alg_nat_port_pick(lo, hi, wanted, r->random,
			      r->random ? get_random_u32() :
			      jhash_2words(h, (__force u32)orig->daddr, alg_nat_seed),
			      alg_nat_port_in_use, &ctx, &port))
		return -ENOSPC;
	*alg_nat_keyp(t, m) = htons(port);
	return 0;
}

/*
 * Bind ct (not yet confirmed) on side m into range. NULL range: a null
 * binding, so the connection is marked done and never looked at again.
 */
int alg_nat_setup(struct alg_conn *ct, const struct alg_nat_range *range,
		  enum alg_nat_manip m)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));
	struct alg_tuple cur, t, reply;
	int ret;

	if (WARN_ON_ONCE(alg_conn_confirmed(ct)))
		return -EINVAL;
	if (range) {
		/* What the original direction looks like after earlier NAT. */
		alg_tuple_invert(&cur, alg_conn_tuple(ct, ALG_DIR_REPLY));
		ret = alg_nat_unique(an, &t, &cur, range, ct, m);
		if (ret)
			return ret;
		if (!alg_tuple_equal(&t, &cur)) {
			alg_tuple_invert(&reply, &t);
			ct->th[ALG_DIR_REPLY].tuple = reply;
			ct->th[ALG_DIR_REPLY].tuple.dir = ALG_DIR_REPLY;
			set_bit(m == ALG_NAT_MANIP_SRC ? ALG_CONN_SRC_NAT :
				ALG_CONN_DST_NAT, &ct->status);
			/* A DNAT to a helper's port gets the helper, as in netfilter. */
			alg_helper_auto(an, ct);
		}
	}
	if (m == ALG_NAT_MANIP_SRC && test_bit(ALG_CONN_SRC_NAT, &ct->status)) {
		unsigned int b = alg_nat_bysource_bucket(an->net,
					alg_conn_tuple(ct, ALG_DIR_ORIGINAL));

		spin_lock_bh(alg_nat_bysource_lock(b));
		hlist_add_head(&ct->nat_bysource, &alg_nat_bysource[b]);
		spin_unlock_bh(alg_nat_bysource_lock(b));
	}
	set_bit(m == ALG_NAT_MANIP_SRC ? ALG_CONN_NAT_DONE_SRC :
		ALG_CONN_NAT_DONE_DST, &ct->status);
	return 0;
}

/* The connection is freed: forget its mapping. */
static void alg_nat_conn_destroy(struct alg_conn *ct)
{
	unsigned int b;

	if (hlist_unhashed(&ct->nat_bysource))
		return;
	b = alg_nat_bysource_bucket(alg_conn_net(ct),
				    alg_conn_tuple(ct, ALG_DIR_ORIGINAL));
	spin_lock_bh(alg_nat_bysource_lock(b));
	hlist_del(&ct->nat_bysource);
	spin_unlock_bh(alg_nat_bysource_lock(b));
}

/* The address a local interface answers with, for MASQUERADE and REDIRECT. */
static __be32 alg_nat_dev_addr(const struct net_device *dev, __be32 dst)
{
	if (!dev)
		return 0;
	return inet_select_addr(dev, dst, RT_SCOPE_UNIVERSE);
}

/* Turn the matching rule's target into a range for this packet. */
static bool alg_nat_rule_range(const struct alg_nat_rule *rule,
			       const struct sk_buff *skb,
			       const struct nf_hook_state *state,
			       struct alg_nat_range *r)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be32 a;

	memset(r, 0, sizeof(*r));
	r->ports = rule->tflags & ALG_NAT_T_PORTS;
	r->random = rule->tflags & (ALG_NAT_T_RANDOM | ALG_NAT_T_RANDOM_FULLY);
	r->persistent = rule->tflags & ALG_NAT_T_PERSISTENT;
	r->port_lo = rule->to_port_lo;
	r->port_hi = rule->to_port_hi;
	switch (rule->target) {
	case ALG_NAT_TGT_SNAT:
	case ALG_NAT_TGT_DNAT:
		r->addr_lo = rule->to_addr_lo;
		r->addr_hi = rule->to_addr_hi ? rule->to_addr_hi : rule->to_addr_lo;
		if (!r->addr_lo) {
			/* Only ports given: keep the address. */
			a = rule->target == ALG_NAT_TGT_SNAT ? iph->saddr : iph->daddr;
			r->addr_lo = a;
			r->addr_hi = a;
		}
		return true;
	case ALG_NAT_TGT_MASQUERADE:
		a = alg_nat_dev_addr(state->out, iph->daddr);
		break;
	case ALG_NAT_TGT_REDIRECT:
		a = state->hook == NF_INET_LOCAL_OUT ? htonl(INADDR_LOOPBACK) :
		    alg_nat_dev_addr(state->in, iph->saddr);
		break;
	default:
		return false;
	}
	if (!a)
		return false;
	r->addr_lo = a;
	r->addr_hi = a;
	return true;
}

static unsigned int alg_nat_first_packet(struct alg_conn *ct,
					 struct sk_buff *skb,
					 const struct nf_hook_state *state,
					 enum alg_nat_manip m)
{
	struct alg_net *an = alg_net(state->net);
	const struct alg_nat_rule *rule;
	struct alg_nat_range r;
	bool bind = false;

	rcu_read_lock();
	/* "-j CT --helper NAME": what iptables does in the raw table. */
	rule = m == ALG_NAT_MANIP_DST && !ct->master ?
	       alg_nat_rules_eval(an, skb, state, true) : NULL;
	if (rule) {
		const struct alg_helper *h = alg_helper_find_name(rule->helper);

		if (h)
			alg_helper_attach(ct, h);
	}
	rule = alg_nat_rules_eval(an, skb, state, false);
	if (rule) {
		bind = rule->target != ALG_NAT_TGT_ACCEPT;
		if (bind && !alg_nat_rule_range(rule, skb, state, &r)) {
			rcu_read_unlock();
			/* MASQUERADE on an interface without an address. */
			return NF_DROP;
		}
		if (rule->target == ALG_NAT_TGT_MASQUERADE)
			set_bit(ALG_CONN_MASQ, &ct->status);
	}
	rcu_read_unlock();
	if (!bind) {
		/*
		 * A null binding must not clash either, as in nf_nat: the
		 * gateway's own connection from a port that a masqueraded
		 * one already uses gets another port.
		 */
		const struct alg_tuple *rt = alg_conn_tuple(ct, ALG_DIR_REPLY);

		memset(&r, 0, sizeof(r));
		r.addr_lo = m == ALG_NAT_MANIP_SRC ? rt->daddr : rt->saddr;
		r.addr_hi = r.addr_lo;
	}
	if (alg_nat_setup(ct, &r, m)) {
		net_info_ratelimited("NAT: no free tuple in range for %pI4 -> %pI4\n",
				     &ip_hdr(skb)->saddr, &ip_hdr(skb)->daddr);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

static bool alg_icmp_is_error_pkt(const struct sk_buff *skb)
{
	const struct icmphdr *ih;
	struct icmphdr _ih;

	if (ip_hdr(skb)->protocol != IPPROTO_ICMP)
		return false;
	ih = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_ih), &_ih);
	return ih && alg_icmp_type_is_error(ih->type);
}

unsigned int alg_nat_hook(struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	enum alg_nat_manip m = alg_nat_hook_manip(state->hook);
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	int dir, bit, ret;
	__be32 daddr;

	if (!ct)
		return NF_ACCEPT;
	if ((ctinfo == IP_CT_RELATED || ctinfo == IP_CT_RELATED_REPLY) &&
	    alg_icmp_is_error_pkt(skb))
		return alg_nat_icmp_error(skb, ct, ctinfo, state->hook) ?
		       NF_ACCEPT : NF_DROP;
	if ((ctinfo == IP_CT_NEW || ctinfo == IP_CT_RELATED) &&
	    !alg_nat_done(ct, m)) {
		ret = alg_nat_first_packet(ct, skb, state, m);
		if (ret != NF_ACCEPT)
			return ret;
	}

	dir = CTINFO2DIR(ctinfo);
	bit = m == ALG_NAT_MANIP_SRC ? ALG_CONN_SRC_NAT : ALG_CONN_DST_NAT;
	if (dir == ALG_DIR_REPLY)
		bit = bit == ALG_CONN_SRC_NAT ? ALG_CONN_DST_NAT : ALG_CONN_SRC_NAT;
	if (!test_bit(bit, &ct->status))
		return NF_ACCEPT;

	daddr = ip_hdr(skb)->daddr;
	{
		struct alg_tuple target;

		alg_tuple_invert(&target, alg_conn_tuple(ct, !dir));
		if (!alg_nat_manip_pkt(skb, 0, &target, m))
			return NF_DROP;
	}
	if (m == ALG_NAT_MANIP_DST && ip_hdr(skb)->daddr != daddr) {
		/* The route was for the old destination. */
		if (state->hook == NF_INET_LOCAL_OUT) {
			if (ip_route_me_harder(state->net, state->sk, skb, RTN_UNSPEC))
				return NF_DROP;
		} else {
			skb_dst_drop(skb);
		}
	}
	return NF_ACCEPT;
}

/* PRE_ROUTING and LOCAL_OUT rewrite destinations, POST_ROUTING and LOCAL_IN sources. */
static unsigned int alg_nat_hook_fn(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	return alg_nat_hook(skb, state);
}

#define ALG_NAT_HOOK(num, prio) \
	{ .hook = alg_nat_hook_fn, .pf = NFPROTO_IPV4, .hooknum = (num), .priority = (prio) }

static const struct nf_hook_ops alg_nat_hook_ops[] = {
	ALG_NAT_HOOK(NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST),
	ALG_NAT_HOOK(NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST),
	ALG_NAT_HOOK(NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC),
	ALG_NAT_HOOK(NF_INET_LOCAL_IN, NF_IP_PRI_NAT_SRC),
};

/* A namespace's NAT: its rules, then its hooks; torn down the other way. */
static int __net_init alg_nat_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	struct alg_nat_net *nn;
	int ret;

	nn = kzalloc(sizeof(*nn), GFP_KERNEL);
	if (!nn)
		return -ENOMEM;
	an->nat = nn;
	alg_nat_rules_net_init(an);
	ret = nf_register_net_hooks(net, alg_nat_hook_ops,
				    ARRAY_SIZE(alg_nat_hook_ops));
	if (ret < 0) {
		alg_nat_rules_net_uninit(an);
		an->nat = NULL;
		kfree(nn);
	}
	return ret;
}

static void __net_exit alg_nat_net_exit(struct net *net)
{
	struct alg_net *an = alg_net(net);

	nf_unregister_net_hooks(net, alg_nat_hook_ops,
				ARRAY_SIZE(alg_nat_hook_ops));
	alg_nat_rules_net_uninit(an);
	kfree(an->nat);
	an->nat = NULL;
}

static struct pernet_operations alg_nat_net_ops = {
	.init = alg_nat_net_init,
	.exit = alg_nat_net_exit,
};

/* After the core's: a namespace's NAT comes up after its table, goes first. */
int alg_nat_netns_init(void)
{
	return register_pernet_subsys(&alg_nat_net_ops);
}

void alg_nat_netns_uninit(void)
{
	unregister_pernet_subsys(&alg_nat_net_ops);
}

int alg_nat_init(void)
{
	unsigned int i;

	alg_nat_bysource_size = alg_table_hashsize;
	alg_nat_bysource = kvmalloc_array(alg_nat_bysource_size,
					  sizeof(*alg_nat_bysource), GFP_KERNEL);
	if (!alg_nat_bysource)
		return -ENOMEM;
	for (i = 0; i < alg_nat_bysource_size; i++)
		INIT_HLIST_HEAD(&alg_nat_bysource[i]);
	for (i = 0; i < ALG_NAT_LOCKS; i++)
		spin_lock_init(&alg_nat_locks[i]);
	alg_nat_seed = get_random_u32();
	alg_conn_nat_destroy_set(alg_nat_conn_destroy);
	return 0;
}

/* Every connection is freed by now (the core's namespaces are gone). */
void alg_nat_uninit(void)
{
	alg_conn_nat_destroy_set(NULL);
	kvfree(alg_nat_bysource);
}
