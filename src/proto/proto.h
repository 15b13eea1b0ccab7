/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_PROTO_H
#define _ALG_PROTO_H

#include "core/conn.h"
#include "core/netns.h"

#include <linux/seq_file.h>

/* What a protocol tracker makes of a packet of a connection. */
enum alg_proto_verdict {
	ALG_PROTO_OK,		/* part of it: state and timeout moved on */
	ALG_PROTO_INVALID,	/* not part of it: passes untracked */
	ALG_PROTO_REOPEN,	/* a new connection on a finished one's tuple */
};

/* What each layer-4 protocol contributes to tracking. */
struct alg_proto {
	u8 proto;
	const char *name;
	/* Fill the layer-4 part of t from the packet; false if malformed. */
	bool (*tuple)(const struct sk_buff *skb, unsigned int dataoff,
		      struct alg_tuple *t);
	/* First packet of a connection: false refuses to track it. */
	bool (*new)(struct alg_net *an, struct alg_conn *ct,
		    const struct sk_buff *skb, unsigned int dataoff);
	/* Every packet: state and timeout. */
	enum alg_proto_verdict (*packet)(struct alg_net *an, struct alg_conn *ct,
					 const struct sk_buff *skb,
					 unsigned int dataoff,
					 enum ip_conntrack_info ctinfo);
	/*
	 * May a fast path take the connection's packets now? It still runs
	 * packet() (or packet_quiet()) on each, which keeps the timeout.
	 */
	bool (*offloadable)(const struct alg_conn *ct);
	/*
	 * packet() for a fast path, where it may be left out if packet()
	 * has nothing to check: an invalid packet is neither counted nor
	 * logged, as it goes on to the normal path, which does both.
	 */
	enum alg_proto_verdict (*packet_quiet)(struct alg_net *an,
					       struct alg_conn *ct,
					       const struct sk_buff *skb,
					       unsigned int dataoff,
					       enum ip_conntrack_info ctinfo);
	/* Protocol state for /proc/net/alg_conntrack, e.g. "ESTABLISHED ". */
	void (*show)(struct seq_file *s, const struct alg_conn *ct);
};

extern const struct alg_proto alg_proto_tcp;
extern const struct alg_proto alg_proto_udp;
extern const struct alg_proto alg_proto_icmp;
extern const struct alg_proto alg_proto_generic;

static inline const struct alg_proto *alg_proto_find(u8 proto)
{
	switch (proto) {
	case ALG_PROTO_TCP:
		return &alg_proto_tcp;
	case ALG_PROTO_UDP:
		return &alg_proto_udp;
	case ALG_PROTO_ICMP:
		return &alg_proto_icmp;
	default:
		return &alg_proto_generic;
	}
}

bool alg_proto_checksum_bad(struct sk_buff *skb, unsigned int hook,
			    unsigned int dataoff, u8 proto);

/* Tracked ports live at the start of the TCP and UDP headers alike. */
bool alg_proto_ports_tuple(const struct sk_buff *skb, unsigned int dataoff,
			   struct alg_tuple *t);

void alg_proto_log_invalid(struct alg_net *an, const struct sk_buff *skb,
			   const char *proto, const char *why);

#endif /* _ALG_PROTO_H */
