// SPDX-License-Identifier: GPL-2.0
/*
 * Rewriting addresses and ports in place, with incremental checksum
 * updates that stay right for CHECKSUM_PARTIAL (locally made and GSO
 * packets carry only the pseudo-header sum) and keep a UDP checksum of
 * zero (none) as zero.
 */

#include "nat/nat.h"

#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

/*
 * The layer-4 part. Inside an ICMP error only the first 8 bytes of the
 * quoted header may be there: then the ports change but not the checksum.
 */
static bool alg_nat_manip_l4(struct sk_buff *skb, unsigned int hdroff,
			     u8 proto, __be32 oldip, __be32 newip,
			     const struct alg_tuple *target,
			     enum alg_nat_manip m)
{
	__be16 *portp, newport;
	__sum16 *check = NULL;
	bool full;

	switch (proto) {
	case IPPROTO_TCP:
		full = skb->len >= hdroff + sizeof(struct tcphdr);
		if (skb_ensure_writable(skb, hdroff + (full ? sizeof(struct tcphdr) : 8)))
			return false;
		portp = m == ALG_NAT_MANIP_SRC ?
			&((struct tcphdr *)(skb->data + hdroff))->source :
			&((struct tcphdr *)(skb->data + hdroff))->dest;
		if (full)
			check = &((struct tcphdr *)(skb->data + hdroff))->check;
		newport = m == ALG_NAT_MANIP_SRC ? target->sport : target->dport;
		break;
	case IPPROTO_UDP: {
		struct udphdr *uh;

		if (skb_ensure_writable(skb, hdroff + sizeof(*uh)))
			return false;
		uh = (struct udphdr *)(skb->data + hdroff);
		portp = m == ALG_NAT_MANIP_SRC ? &uh->source : &uh->dest;
		newport = m == ALG_NAT_MANIP_SRC ? target->sport : target->dport;
		if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL)
			check = &uh->check;
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih;

		if (skb_ensure_writable(skb, hdroff + sizeof(*ih)))
			return false;
		ih = (struct icmphdr *)(skb->data + hdroff);
		/* Only queries carry an id; errors are translated elsewhere. */
		if (ih->type != ICMP_ECHO && ih->type != ICMP_ECHOREPLY &&
		    ih->type != ICMP_TIMESTAMP && ih->type != ICMP_TIMESTAMPREPLY &&
		    ih->type != ICMP_INFO_REQUEST && ih->type != ICMP_INFO_REPLY &&
		    ih->type != ICMP_ADDRESS && ih->type != ICMP_ADDRESSREPLY)
			return true;
		inet_proto_csum_replace2(&ih->checksum, skb, ih->un.echo.id,
					 target->sport, false);
		ih->un.echo.id = target->sport;
		return true;
	}
	default:
		return true;
	}
	if (check) {
		inet_proto_csum_replace4(check, skb, oldip, newip, true);
		inet_proto_csum_replace2(check, skb, *portp, newport, false);
		if (proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	*portp = newport;
	return true;
}

/* Make the packet at iphoff look like target, on the side m says. */
bool alg_nat_manip_pkt(struct sk_buff *skb, unsigned int iphoff,
		       const struct alg_tuple *target, enum alg_nat_manip m)
{
	struct iphdr *iph;
	__be32 oldip, newip;
	unsigned int hdroff;

	if (skb_ensure_writable(skb, iphoff + sizeof(*iph)))
		return false;
	iph = (void *)skb->data + iphoff;
	hdroff = iphoff + iph->ihl * 4;
	oldip = m == ALG_NAT_MANIP_SRC ? iph->saddr : iph->daddr;
	newip = m == ALG_NAT_MANIP_SRC ? target->saddr : target->daddr;

	/* A non-first fragment (only ever quoted in an ICMP error) has no ports. */
	if (!(iph->frag_off & htons(IP_OFFSET)) &&
	    !alg_nat_manip_l4(skb, hdroff, iph->protocol, oldip, newip,
			      target, m))
		return false;
	iph = (void *)skb->data + iphoff;
	csum_replace4(&iph->check, oldip, newip);
	if (m == ALG_NAT_MANIP_SRC)
		iph->saddr = newip;
	else
		iph->daddr = newip;
	return true;
}

/*
 * An ICMP error about a translated connection: the quoted packet is
 * translated the opposite way to the outer header, so that traceroute and
 * path MTU discovery see the addresses they sent to. Returns 1 if the packet
 * may go on, 0 to drop it.
 */
int alg_nat_icmp_error(struct sk_buff *skb, struct alg_conn *ct,
		       enum ip_conntrack_info ctinfo, unsigned int hooknum)
{
	enum alg_nat_manip m = alg_nat_hook_manip(hooknum);
	int dir = CTINFO2DIR(ctinfo);
	unsigned int hdrlen = ip_hdrlen(skb);
	struct alg_tuple target;
	struct icmphdr *ih, _ih;
	int bit;

	/* Nothing to translate: it passes untouched, as through nf_nat. */
	if (!alg_conn_translated(ct))
		return 1;
	ih = skb_header_pointer(skb, hdrlen, sizeof(_ih), &_ih);
	/* A redirect for a translated connection would point a host at a
	 * route that bypasses the translation.
	 */
	if (!ih || ih->type == ICMP_REDIRECT)
		return 0;
	bit = m == ALG_NAT_MANIP_SRC ? ALG_CONN_SRC_NAT : ALG_CONN_DST_NAT;
	if (dir == ALG_DIR_REPLY)
		bit = bit == ALG_CONN_SRC_NAT ? ALG_CONN_DST_NAT : ALG_CONN_SRC_NAT;
	if (!test_bit(bit, &ct->status))
		return 1;
	/* Rewriting recomputes the checksum: a bad one must not be made good. */
	if (skb_ensure_writable(skb, hdrlen + sizeof(*ih) + sizeof(struct iphdr)))
		return 0;
	if (nf_checksum(skb, hooknum, hdrlen, IPPROTO_ICMP, NFPROTO_IPV4))
		return 0;

	if (!alg_nat_manip_pkt(skb, hdrlen + sizeof(*ih),
			       alg_conn_tuple(ct, !dir),
			       m == ALG_NAT_MANIP_SRC ? ALG_NAT_MANIP_DST :
							ALG_NAT_MANIP_SRC))
		return 0;
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		ih = (void *)skb->data + hdrlen;
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, hdrlen,
						      skb->len - hdrlen, 0));
	}
	/* The outer header, as for any packet of ct; an error has no id. */
	alg_tuple_invert(&target, alg_conn_tuple(ct, !dir));
	return alg_nat_manip_pkt(skb, 0, &target, m);
}
