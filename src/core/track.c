// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path of the tracker: reassemble, find or create the
 * connection, run its protocol tracker, attach it to the skb; confirm new
 * connections once their first packet has survived the whole hook chain.
 */

#include "core/track.h"
#include "core/conn.h"
#include "core/netns.h"
#include "core/table.h"
#include "proto/proto.h"
#include "core/expect.h"
#include "core/helper.h"
#include "core/seqadj.h"
#include "core/event.h"

#include <linux/icmp.h>
#include <linux/ip.h>
#include <net/ip.h>

unsigned int alg_track_defrag(struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct alg_net *an = alg_net(state->net);
	enum ip_defrag_users user;
	int err;

	/*
	 * Looped back packets are whole and already tracked; untracked ones
	 * (nft notrack, -j CT --notrack) carry IP_CT_UNTRACKED and no pointer.
	 */
	if (skb_get_nfct(skb) || !READ_ONCE(an->cfg.enable))
		return NF_ACCEPT;
	if (!ip_is_fragment(ip_hdr(skb)))
		return NF_ACCEPT;
	user = state->hook == NF_INET_PRE_ROUTING ? IP_DEFRAG_CONNTRACK_IN :
						    IP_DEFRAG_CONNTRACK_OUT;
	local_bh_disable();
	err = ip_defrag(state->net, skb, user);
	local_bh_enable();
	if (err)
		return NF_STOLEN;	/* kept until the datagram is whole */
	/* Forwarding re-fragments it to the size the fragments had. */
	skb->ignore_df = 1;
	return NF_ACCEPT;
}

static bool alg_track_tuple(const struct sk_buff *skb, unsigned int nhoff,
			    struct alg_tuple *t, unsigned int *dataoff)
{
	const struct iphdr *iph;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5)
		return false;
	memset(t, 0, sizeof(*t));
	t->saddr = iph->saddr;
	t->daddr = iph->daddr;
	t->proto = iph->protocol;
	*dataoff = nhoff + iph->ihl * 4;
	/* A non-first fragment has no layer-4 header to read. */
	if (iph->frag_off & htons(IP_OFFSET))
		return false;
	return alg_proto_find(t->proto)->tuple(skb, *dataoff, t);
}

/*
 * An ICMP error belongs to the connection of the packet it quotes. The quoted
 * packet travelled the other way, so its inverted tuple is the key. Returns
 * the verdict; *handled false if the packet is not an ICMP error.
 */
static unsigned int alg_track_icmp_error(struct alg_net *an,
					 struct sk_buff *skb,
					 unsigned int dataoff, bool *handled)
{
	struct alg_tuple inner, key;
	enum ip_conntrack_info ctinfo;
	struct alg_tuple_hash *h;
	unsigned int inoff;
	const struct icmphdr *ih;
	struct icmphdr _ih;

	*handled = false;
	ih = skb_header_pointer(skb, dataoff, sizeof(_ih), &_ih);
	if (!ih || !alg_icmp_type_is_error(ih->type))
		return NF_ACCEPT;
	*handled = true;
	if (!alg_track_tuple(skb, dataoff + sizeof(*ih), &inner, &inoff) ||
	    !alg_tuple_invert(&key, &inner)) {
		ALG_STAT_INC(an, icmp_error);
		return NF_ACCEPT;
	}
	h = alg_table_find(an, &key);
	if (!h) {
		ALG_STAT_INC(an, icmp_error);
		return NF_ACCEPT;
	}
	ctinfo = h->tuple.dir == ALG_DIR_REPLY ? IP_CT_RELATED_REPLY :
						 IP_CT_RELATED;
	alg_skb_set_conn(skb, alg_th_conn(h), ctinfo);
	return NF_ACCEPT;
}

/* First packet of a flow: a new, unconfirmed connection, or NULL. */
static struct alg_conn *alg_track_new(struct alg_net *an, struct sk_buff *skb,
				      unsigned int dataoff,
				      const struct alg_tuple *t,
				      const struct alg_proto *p,
				      const struct alg_helper *req)
{
	struct alg_expect *exp;
	struct alg_tuple reply;
	struct alg_conn *ct;

	if (!alg_tuple_invert(&reply, t))
		return NULL;
	ct = alg_conn_alloc(an->net, t, &reply, GFP_ATOMIC);
	if (IS_ERR(ct))
		return ct;
	if (!p->new(an, ct, skb, dataoff)) {
		alg_conn_put(ct);
		return NULL;
	}
	exp = alg_expect_take(an, t);
	if (exp) {
		/* Announced by a helper: related to its master, NATed alike. */
		alg_conn_get(exp->master);
		ct->master = exp->master;
		/* As nf_conntrack: CONNMARK-routed FTP data follows its master. */
		ct->mark = READ_ONCE(exp->master->mark);
		set_bit(ALG_CONN_EXPECTED, &ct->status);
		if (exp->expectfn && exp->expectfn(ct, exp)) {
			alg_expect_put(exp);
			alg_conn_put(ct);
			return ERR_PTR(-EBUSY);
		}
		alg_expect_put(exp);
	} else if (req) {
		alg_helper_attach(ct, req);
	} else {
		alg_helper_auto(an, ct);
	}
	alg_table_add_unconfirmed(an, ct);
	return ct;
}

unsigned int alg_track_in(struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct alg_net *an = alg_net(state->net);
	enum ip_conntrack_info ctinfo;
	const struct alg_proto *p;
	struct alg_tuple_hash *h;
	unsigned int dataoff;
	struct alg_conn *ct;
	struct alg_tuple t;
	enum alg_proto_verdict verdict;
	const struct alg_helper *req;
	bool reopened = false;
	unsigned long old_status;
	u8 old_state;

	/* A raw-table request lasts until here, whatever comes of the packet. */
	req = alg_helper_requested(skb);
	if (skb_get_nfct(skb) || !READ_ONCE(an->cfg.enable))
		return NF_ACCEPT;
	if (!alg_track_tuple(skb, skb_network_offset(skb), &t, &dataoff)) {
		ALG_STAT_INC(an, invalid);
		return NF_ACCEPT;
	}
	p = alg_proto_find(t.proto);
	/* What the local stack sends has its checksums still to be filled. */
	if (state->hook == NF_INET_PRE_ROUTING && READ_ONCE(an->cfg.checksum) &&
	    alg_proto_checksum_bad(skb, state->hook, dataoff, t.proto)) {
		alg_proto_log_invalid(an, skb, p->name, "bad checksum");
		return NF_ACCEPT;
	}
	if (t.proto == ALG_PROTO_ICMP) {
		bool handled;
		unsigned int verdict;

		verdict = alg_track_icmp_error(an, skb, dataoff, &handled);
		if (handled)
			return verdict;
	}
again:
	h = alg_table_find(an, &t);
	if (h) {
		ct = alg_th_conn(h);
		if (h->tuple.dir == ALG_DIR_REPLY)
			ctinfo = IP_CT_ESTABLISHED_REPLY;
		else if (test_bit(ALG_CONN_SEEN_REPLY, &ct->status))
			ctinfo = IP_CT_ESTABLISHED;
		else if (test_bit(ALG_CONN_EXPECTED, &ct->status))
			ctinfo = IP_CT_RELATED;	/* until answered, as netfilter */
		else
			ctinfo = IP_CT_NEW;
	} else {
		ct = alg_track_new(an, skb, dataoff, &t, p, req);
		if (IS_ERR(ct)) {
			ALG_STAT_INC(an, drop);
			return NF_DROP;
		}
		if (!ct) {
			alg_proto_log_invalid(an, skb, p->name, "cannot start a connection");
			return NF_ACCEPT;
		}
		ctinfo = test_bit(ALG_CONN_EXPECTED, &ct->status) ?
			 IP_CT_RELATED : IP_CT_NEW;
	}

	/* Unlocked reads: an event at most one packet late is fine. */
	old_status = READ_ONCE(ct->status);
	old_state = READ_ONCE(ct->proto.tcp.state);
	verdict = p->packet(an, ct, skb, dataoff, ctinfo);
	if (verdict == ALG_PROTO_REOPEN && !reopened) {
		alg_conn_put(ct);
		reopened = true;
		goto again;
	}
	if (verdict != ALG_PROTO_OK) {
		/* Invalid: passes untracked (filter with iptables if wanted). */
		alg_conn_put(ct);
		return NF_ACCEPT;
	}
	if (ctinfo == IP_CT_ESTABLISHED_REPLY &&
	    !test_bit(ALG_CONN_SEEN_REPLY, &ct->status))
		set_bit(ALG_CONN_SEEN_REPLY, &ct->status);
	/* Before confirmation the NEW event carries all of it. */
	if (alg_conn_confirmed(ct) &&
	    (((old_status ^ READ_ONCE(ct->status)) & ALG_EVENT_STATUS) ||
	     (t.proto == ALG_PROTO_TCP &&
	      old_state != READ_ONCE(ct->proto.tcp.state))))
		alg_event_conn(ct, ALG_EVENT_UPDATE);
	alg_skb_set_conn(skb, ct, ctinfo);
	return NF_ACCEPT;
}

/*
 * Two CPUs raced on the first packets of one flow and the other one won
 * (typical for UDP DNS sent from two threads): continue with the winner if
 * it is the same flow in both directions, as netfilter's clash resolution.
 */
static bool alg_track_clash_resolve(struct alg_net *an, struct sk_buff *skb,
				    struct alg_conn *loser,
				    enum ip_conntrack_info ctinfo)
{
	struct alg_tuple_hash *h;
	struct alg_conn *winner;

	h = alg_table_find(an, alg_conn_tuple(loser, ALG_DIR_ORIGINAL));
	if (!h)
		return false;
	winner = alg_th_conn(h);
	if (h->tuple.dir != ALG_DIR_ORIGINAL ||
	    !alg_tuple_equal(alg_conn_tuple(winner, ALG_DIR_REPLY),
			     alg_conn_tuple(loser, ALG_DIR_REPLY))) {
		alg_conn_put(winner);
		return false;
	}
	alg_skb_set_conn(skb, winner, ctinfo);
	alg_conn_put(loser);
	ALG_STAT_INC(an, clash_resolve);
	return true;
}

unsigned int alg_track_confirm(struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	struct alg_net *an;
	int ret;

	if (!ct)
		return NF_ACCEPT;
	an = alg_net(alg_conn_net(ct));
	/* Loopback packets were shifted when they left already. */
	if (test_bit(ALG_CONN_SEQ_ADJUST, &ct->status) && skb->pkt_type != PACKET_LOOPBACK &&
	    !alg_seqadj_packet(skb, ct, ctinfo)) {
		ALG_STAT_INC(an, drop);
		return NF_DROP;
	}
	if (alg_conn_confirmed(ct) || CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return NF_ACCEPT;
	ret = alg_table_confirm(an, ct);
	if (likely(!ret)) {
		alg_event_conn(ct, ALG_EVENT_NEW);
		return NF_ACCEPT;
	}
	if (ret == -EEXIST && alg_track_clash_resolve(an, skb, ct, ctinfo))
		return NF_ACCEPT;
	ALG_STAT_INC(an, insert_failed);
	ALG_STAT_INC(an, drop);
	return NF_DROP;
}
