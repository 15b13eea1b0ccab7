// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP queries (echo, timestamp, ...) are connections keyed by their id.
 * ICMP errors are not connections: src/core/track.c relates them to the
 * connection of the packet they quote.
 */

#include "proto/proto.h"

#include <linux/icmp.h>
#include <linux/netfilter.h>

static bool alg_icmp_tuple(const struct sk_buff *skb, unsigned int dataoff,
			   struct alg_tuple *t)
{
	const struct icmphdr *ih;
	struct icmphdr _ih;

	ih = skb_header_pointer(skb, dataoff, sizeof(_ih), &_ih);
	if (!ih)
		return false;
	t->icmp_type = ih->type;
	t->icmp_code = ih->code;
	t->sport = ih->un.echo.id;
	t->dport = 0;
	return true;
}

static bool alg_icmp_new(struct alg_net *an, struct alg_conn *ct,
			 const struct sk_buff *skb, unsigned int dataoff)
{
	u8 type = ct->th[ALG_DIR_ORIGINAL].tuple.icmp_type;

	/* Only a request can open a connection, never its answer. */
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP ||
	       type == ICMP_INFO_REQUEST || type == ICMP_ADDRESS;
}

static enum alg_proto_verdict
alg_icmp_packet(struct alg_net *an, struct alg_conn *ct,
		const struct sk_buff *skb, unsigned int dataoff,
		enum ip_conntrack_info ctinfo)
{
	alg_conn_refresh(ct, an->cfg.icmp_timeout * HZ);
	return ALG_PROTO_OK;
}

const struct alg_proto alg_proto_icmp = {
	.proto = ALG_PROTO_ICMP,
	.name = "icmp",
	.tuple = alg_icmp_tuple,
	.new = alg_icmp_new,
	.packet = alg_icmp_packet,
};
