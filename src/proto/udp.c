// SPDX-License-Identifier: GPL-2.0
/*
 * UDP: an unanswered flow keeps the short timeout; once answered and still
 * active a couple of seconds later it is a stream, gets the long timeout and
 * becomes ASSURED (safe from early drop), as in nf_conntrack.
 */

#include "proto/proto.h"

#include <linux/netfilter.h>
#include <linux/udp.h>

#define ALG_UDP_STREAM_AFTER	(2 * HZ)

static bool alg_udp_tuple(const struct sk_buff *skb, unsigned int dataoff,
			  struct alg_tuple *t)
{
	return alg_proto_ports_tuple(skb, dataoff, t);
}

static bool alg_udp_new(struct alg_net *an, struct alg_conn *ct,
			const struct sk_buff *skb, unsigned int dataoff)
{
	ct->proto.udp.stream_ts = alg_now() + ALG_UDP_STREAM_AFTER;
	return true;
}

static enum alg_proto_verdict
alg_udp_packet(struct alg_net *an, struct alg_conn *ct,
	       const struct sk_buff *skb, unsigned int dataoff,
	       enum ip_conntrack_info ctinfo)
{
	unsigned int udplen = skb->len - dataoff;
	const struct udphdr *uh;
	struct udphdr _uh;

	uh = skb_header_pointer(skb, dataoff, sizeof(_uh), &_uh);
	if (!uh || ntohs(uh->len) > udplen || ntohs(uh->len) < sizeof(*uh)) {
		alg_proto_log_invalid(an, skb, "udp", "truncated or bad length");
		return ALG_PROTO_INVALID;
	}
	if (!test_bit(ALG_CONN_SEEN_REPLY, &ct->status)) {
		alg_conn_refresh(ct, an->cfg.udp_timeout * HZ);
		return ALG_PROTO_OK;
	}
	if ((s32)(alg_now() - READ_ONCE(ct->proto.udp.stream_ts)) >= 0) {
		alg_conn_refresh(ct, an->cfg.udp_timeout_stream * HZ);
		if (!test_bit(ALG_CONN_ASSURED, &ct->status))
			set_bit(ALG_CONN_ASSURED, &ct->status);
	} else {
		alg_conn_refresh(ct, an->cfg.udp_timeout * HZ);
	}
	return ALG_PROTO_OK;
}

/* A stream: answered, and still going a while later. */
static bool alg_udp_offloadable(const struct alg_conn *ct)
{
	return test_bit(ALG_CONN_ASSURED, &ct->status);
}

const struct alg_proto alg_proto_udp = {
	.proto = ALG_PROTO_UDP,
	.name = "udp",
	.tuple = alg_udp_tuple,
	.new = alg_udp_new,
	.packet = alg_udp_packet,
	.offloadable = alg_udp_offloadable,
};
