// SPDX-License-Identifier: GPL-2.0
/*
 * Protocols without a tracker of their own (GRE, ESP, SCTP, ...) are
 * tracked by addresses alone, with one timeout, as nf_conntrack does.
 */

#include "proto/proto.h"

#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/udp.h>

static bool alg_generic_tuple(const struct sk_buff *skb, unsigned int dataoff,
			      struct alg_tuple *t)
{
	return true;
}

static bool alg_generic_new(struct alg_net *an, struct alg_conn *ct,
			    const struct sk_buff *skb, unsigned int dataoff)
{
	return true;
}

static enum alg_proto_verdict
alg_generic_packet(struct alg_net *an, struct alg_conn *ct,
		   const struct sk_buff *skb, unsigned int dataoff,
		   enum ip_conntrack_info ctinfo)
{
	alg_conn_refresh(ct, an->cfg.generic_timeout * HZ);
	return ALG_PROTO_OK;
}

const struct alg_proto alg_proto_generic = {
	.proto = 0,
	.name = "unknown",
	.tuple = alg_generic_tuple,
	.new = alg_generic_new,
	.packet = alg_generic_packet,
};

/*
 * A corrupt TCP, UDP or ICMP packet must not move a connection's state (a
 * forged RST closing it, a SYN opening an entry): the end host drops it,
 * so the tracker must not believe it either (nf_conntrack_checksum).
 */
bool alg_proto_checksum_bad(struct sk_buff *skb, unsigned int hook,
			    unsigned int dataoff, u8 proto)
{
	const struct udphdr *uh;
	struct udphdr _uh;

	switch (proto) {
	case ALG_PROTO_UDP:
		uh = skb_header_pointer(skb, dataoff, sizeof(_uh), &_uh);
		/* Zero: the sender computed none (RFC 768). */
		if (!uh || !uh->check)
			return false;
		fallthrough;
	case ALG_PROTO_TCP:
	case ALG_PROTO_ICMP:
		return nf_checksum(skb, hook, dataoff, proto, NFPROTO_IPV4);
	default:
		return false;
	}
}

bool alg_proto_ports_tuple(const struct sk_buff *skb, unsigned int dataoff,
			   struct alg_tuple *t)
{
	__be16 _ports[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, dataoff, sizeof(_ports), _ports);
	if (!ports)
		return false;
	t->sport = ports[0];
	t->dport = ports[1];
	return true;
}

void alg_proto_log_invalid(struct alg_net *an, const struct sk_buff *skb,
			   const char *proto, const char *why)
{
	const struct iphdr *iph = ip_hdr(skb);

	ALG_STAT_INC(an, invalid);
	if (READ_ONCE(an->cfg.log_invalid))
		net_info_ratelimited("invalid %s packet %pI4 -> %pI4: %s\n",
				     proto, &iph->saddr, &iph->daddr, why);
}
