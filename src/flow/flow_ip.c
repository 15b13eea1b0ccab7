// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path's two hooks. At the end of POST_ROUTING a forwarded packet
 * of an established connection offloads it and records the route it took;
 * at the ingress of the device it came in by, later packets of that
 * direction are translated and sent by that route, skipping the stack.
 * The tracker sees every packet either way. Whatever the ingress hook is
 * not sure the normal path would forward the same way goes there: it is
 * never wrong to return NF_ACCEPT.
 */

#include "flow/flow.h"
#include "core/helper.h"
#include "nat/nat.h"
#include "proto/proto.h"

#include <linux/ip.h>
#include <linux/netfilter_ipv4.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/route.h>

/* May ct's packets skip the tracker from now on? */
static bool alg_flow_offloadable(struct alg_conn *ct)
{
	const struct alg_proto *p = alg_proto_find(alg_conn_proto(ct));

	/* A helper must see its control connection; seqadj must shift it. */
	return p->offloadable && alg_conn_confirmed(ct) && !alg_conn_dying(ct) &&
	       !test_bit(ALG_CONN_SEQ_ADJUST, &ct->status) &&
	       !alg_conn_helper(ct) && p->offloadable(ct);
}

/* A route the ingress hook can send by: plain IPv4 unicast, no IPsec. */
static bool alg_flow_route_usable(const struct dst_entry *dst)
{
	const struct rtable *rt = container_of(dst, struct rtable, dst);

	return !dst_xfrm(dst) && rt->rt_type == RTN_UNICAST &&
	       rt->rt_gw_family != AF_INET6;
}

static unsigned int alg_flow_record(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct alg_net *an = alg_net(state->net);
	struct alg_flow_net *fn = READ_ONCE(an->flow);
	enum ip_conntrack_info ctinfo;
	struct dst_entry *dst = skb_dst(skb);
	struct alg_flow_way *w;
	struct alg_conn *ct;
	int dir;

	if (!fn || !(IPCB(skb)->flags & IPSKB_FORWARDED) || !dst ||
	    !skb->skb_iif || !alg_flow_route_usable(dst))
		return NF_ACCEPT;
	ct = alg_skb_conn(skb, &ctinfo);
	if (!ct || (ctinfo != IP_CT_ESTABLISHED &&
		    ctinfo != IP_CT_ESTABLISHED_REPLY))
		return NF_ACCEPT;
	if (!test_bit(ALG_CONN_OFFLOAD, &ct->status) &&
	    (!alg_flow_offloadable(ct) || alg_flow_offload(fn, ct)))
		return NF_ACCEPT;
	dir = CTINFO2DIR(ctinfo);
	w = alg_flow_find(fn, alg_conn_tuple(ct, dir));
	if (!w || alg_flow_of(w)->ct != ct)
		return NF_ACCEPT;
	if (rcu_access_pointer(w->dst) != dst || READ_ONCE(w->iif) != skb->skb_iif)
		alg_flow_way_set_route(w, dst, skb->skb_iif);
	if (!alg_flow_dev_hooked(fn, skb->skb_iif))
		alg_flow_dev_want(fn, skb->skb_iif);
	return NF_ACCEPT;
}

/* After every other POST_ROUTING hook but confirm: what they let through. */
static const struct nf_hook_ops alg_flow_record_ops = {
	.hook = alg_flow_record,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_POST_ROUTING,
	.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
};

int alg_flow_record_register(struct net *net)
{
	return nf_register_net_hook(net, &alg_flow_record_ops);
}

void alg_flow_record_unregister(struct net *net)
{
	nf_unregister_net_hook(net, &alg_flow_record_ops);
}

/* What ip_rcv() would refuse, and all that needs ip_forward()'s care. */
static bool alg_flow_ip_plain(const struct sk_buff *skb, const struct iphdr *iph)
{
	return iph->version == 4 && iph->ihl == 5 && iph->ttl > 1 &&
	       !ip_is_fragment(iph) && ntohs(iph->tot_len) == skb->len &&
	       !ip_fast_csum(iph, iph->ihl);
}

/*
 * Length of the layer-4 header the rewrite touches, or 0 for a packet the
 * tracker must see: TCP with any flag but ACK and PSH (the connection
 * opening, closing or resetting), or a malformed header.
 */
static unsigned int alg_flow_l4_plain(struct sk_buff *skb, u8 proto)
{
	unsigned int l4len = skb->len - sizeof(struct iphdr);
	const struct tcphdr *th;
	const struct udphdr *uh;

	switch (proto) {
	case IPPROTO_TCP:
		if (!pskb_may_pull(skb, sizeof(struct iphdr) + sizeof(*th)))
			return 0;
		th = (const struct tcphdr *)(skb->data + sizeof(struct iphdr));
		if ((tcp_flag_word(th) & (TCP_FLAG_CWR | TCP_FLAG_ECE |
					  TCP_FLAG_URG | TCP_FLAG_RST |
					  TCP_FLAG_SYN | TCP_FLAG_FIN)) ||
		    !th->ack || th->doff < 5 || th->doff * 4 > l4len)
			return 0;
		return sizeof(*th);
	case IPPROTO_UDP:
		if (!pskb_may_pull(skb, sizeof(struct iphdr) + sizeof(*uh)))
			return 0;
		uh = (const struct udphdr *)(skb->data + sizeof(struct iphdr));
		if (ntohs(uh->len) != l4len)
			return 0;
		return sizeof(*uh);
	default:
		return 0;
	}
}

static bool alg_flow_fits(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return true;
	return skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu);
}

/* Make the packet look as the other direction's tuple expects it. */
static bool alg_flow_translate(struct sk_buff *skb, const struct alg_tuple *in,
			       const struct alg_tuple *other)
{
	struct alg_tuple out;

	alg_tuple_invert(&out, other);
	if ((in->saddr != out.saddr || in->sport != out.sport) &&
	    !alg_nat_manip_pkt(skb, 0, &out, ALG_NAT_MANIP_SRC))
		return false;
	if ((in->daddr != out.daddr || in->dport != out.dport) &&
	    !alg_nat_manip_pkt(skb, 0, &out, ALG_NAT_MANIP_DST))
		return false;
	return true;
}

/* Send by the recorded route, as ip_forward() and ip_output() would. */
static void alg_flow_xmit(struct sk_buff *skb, struct dst_entry *dst)
{
	struct rtable *rt = container_of(dst, struct rtable, dst);
	struct iphdr *iph = ip_hdr(skb);
	__be32 nexthop;

	ip_decrease_ttl(iph);
	skb->priority = rt_tos2priority(iph->tos);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	IPCB(skb)->flags = IPSKB_FORWARDED;
	skb->dev = dst->dev;
	skb->protocol = htons(ETH_P_IP);
	nexthop = rt_nexthop(rt, iph->daddr);
	/* The device queue takes its own reference if it keeps the skb. */
	skb_dst_set_noref(skb, dst);
	neigh_xmit(NEIGH_ARP_TABLE, dst->dev, &nexthop, skb);
}

/* Ingress of a device that carries offloaded flows; under RCU. */
unsigned int alg_flow_ingress(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct alg_net *an = alg_net(state->net);
	struct alg_flow_net *fn = READ_ONCE(an->flow);
	const struct alg_proto *p;
	struct alg_flow_way *w;
	struct dst_entry *dst;
	struct alg_conn *ct;
	struct alg_tuple t;
	const struct iphdr *iph;
	unsigned int l4len;
	enum alg_proto_verdict (*track)(struct alg_net *an, struct alg_conn *ct,
					const struct sk_buff *skb,
					unsigned int dataoff,
					enum ip_conntrack_info ctinfo);
	enum ip_conntrack_info ctinfo;
	__be16 *ports;

	if (!fn || !READ_ONCE(an->cfg.fastpath) ||
	    skb->protocol != htons(ETH_P_IP) || skb->pkt_type != PACKET_HOST ||
	    skb_shared(skb) || skb_get_nfct(skb) ||
	    !pskb_may_pull(skb, sizeof(*iph)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (!alg_flow_ip_plain(skb, iph))
		return NF_ACCEPT;
	l4len = alg_flow_l4_plain(skb, iph->protocol);
	if (!l4len)
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	ports = (__be16 *)(skb->data + sizeof(*iph));
	memset(&t, 0, sizeof(t));
	t.saddr = iph->saddr;
	t.daddr = iph->daddr;
	t.sport = ports[0];
	t.dport = ports[1];
	t.proto = iph->protocol;

	w = alg_flow_find(fn, &t);
	if (!w || READ_ONCE(w->iif) != skb->dev->ifindex)
		return NF_ACCEPT;
	dst = rcu_dereference(w->dst);
	/* A route gone stale (changed, device down, MTU) must be looked up. */
	if (!dst || !dst_check(dst, 0) || !(dst->dev->flags & IFF_UP) ||
	    !alg_flow_fits(skb, dst_mtu(dst)))
		return NF_ACCEPT;
	ct = alg_flow_of(w)->ct;
	p = alg_proto_find(t.proto);
	if (!p->offloadable(ct) || alg_conn_dying(ct) ||
	    alg_conn_expired(ct) || !test_bit(ALG_CONN_OFFLOAD, &ct->status))
		return NF_ACCEPT;
	if (READ_ONCE(an->cfg.checksum) &&
	    alg_proto_checksum_bad(skb, NF_INET_PRE_ROUTING, sizeof(*iph), t.proto))
		return NF_ACCEPT;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev)) ||
	    skb_ensure_writable(skb, sizeof(*iph) + l4len))
		return NF_ACCEPT;
	/*
	 * The tracker still sees every packet (windows, timeout): one it
	 * finds invalid goes the normal way, where the firewall can drop
	 * it as it would without the fast path.
	 */
	track = p->packet_quiet ?: p->packet;
	ctinfo = w->tuple.dir == ALG_DIR_REPLY ? IP_CT_ESTABLISHED_REPLY :
						 IP_CT_ESTABLISHED;
	if (track(an, ct, skb, sizeof(*iph), ctinfo) != ALG_PROTO_OK)
		return NF_ACCEPT;
	ALG_STAT_INC(an, found);
	if (!alg_flow_translate(skb, &w->tuple, alg_conn_tuple(ct, !w->tuple.dir))) {
		/* Half rewritten: the normal path cannot have it either. */
		ALG_STAT_INC(an, drop);
		return NF_DROP;
	}
	ALG_STAT_INC(an, fastpath);
	alg_flow_xmit(skb, dst);
	return NF_STOLEN;
}
