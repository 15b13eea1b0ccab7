// SPDX-License-Identifier: GPL-2.0
/*
 * Once the FTP NAT helper has changed the length of a payload, every later
 * sequence number in that direction, and every acknowledgment and SACK
 * edge coming back, is off by the accumulated difference. Each direction
 * remembers where the last change happened and the offsets before and
 * after it, so that retransmissions of data from before the change are
 * shifted by the old offset and later data by the new one.
 */

#include "core/seqadj.h"
#include "core/ext.h"
#include "alg_conntrack/tcp_state.h"

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>

/* The payload of a segment starting at seq changed size by off. */
void alg_seqadj_set(struct alg_conn *ct, enum ip_conntrack_info ctinfo,
		    u32 seq, s32 off)
{
	struct alg_seqadj *sa;

	if (!ct->ext || !off)
		return;
	sa = &ct->ext->seqadj[CTINFO2DIR(ctinfo)];
	spin_lock_bh(&ct->lock);
	if (sa->offset_before == sa->offset_after ||
	    alg_seq_before(sa->correction_pos, seq)) {
		sa->correction_pos = seq;
		sa->offset_before = sa->offset_after;
	}
	sa->offset_after += off;
	spin_unlock_bh(&ct->lock);
	if (!test_bit(ALG_CONN_SEQ_ADJUST, &ct->status))
		set_bit(ALG_CONN_SEQ_ADJUST, &ct->status);
}

/*
 * A whole adjustment as it stood elsewhere (conntrackd bringing the entry
 * from the gateway that made it). The caller made ct->ext.
 */
void alg_seqadj_load(struct alg_conn *ct, int dir, const struct alg_seqadj *sa)
{
	spin_lock_bh(&ct->lock);
	ct->ext->seqadj[dir] = *sa;
	spin_unlock_bh(&ct->lock);
	set_bit(ALG_CONN_SEQ_ADJUST, &ct->status);
}

static s32 alg_seqadj_shift(const struct alg_seqadj *sa, u32 seq)
{
	return alg_seq_after(seq, sa->correction_pos) ? sa->offset_after :
							 sa->offset_before;
}

/*
 * The shift of sequence number seq of direction dir (as its sender sent
 * it). Under ct->lock: alg_seqadj_set() changes the three fields together.
 */
s32 alg_seqadj_offset(struct alg_conn *ct, int dir, u32 seq)
{
	lockdep_assert_held(&ct->lock);
	if (!test_bit(ALG_CONN_SEQ_ADJUST, &ct->status) || !ct->ext)
		return 0;
	return alg_seqadj_shift(&ct->ext->seqadj[dir], seq);
}

/* An acknowledged number (in the receiver's shifted space) back to the
 * sender's own numbering.
 */
static u32 alg_seqadj_unshift(const struct alg_seqadj *sa, u32 v)
{
	if (alg_seq_after(v - sa->offset_before, sa->correction_pos))
		return v - sa->offset_after;
	return v - sa->offset_before;
}

static bool alg_seqadj_sack(struct sk_buff *skb, unsigned int protoff,
			    const struct alg_seqadj *other)
{
	unsigned int optoff = protoff + sizeof(struct tcphdr), optend, i;
	struct tcphdr *th = (void *)skb->data + protoff;
	u8 *opt;

	optend = protoff + th->doff * 4;
	if (skb_ensure_writable(skb, optend))
		return false;
	th = (void *)skb->data + protoff;
	opt = skb->data;
	while (optoff < optend) {
		u8 kind = opt[optoff], len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			optoff++;
			continue;
		}
		if (optoff + 1 >= optend)
			break;
		len = opt[optoff + 1];
		if (len < 2 || optoff + len > optend)
			break;
		if (kind == TCPOPT_SACK && len >= 2 + TCPOLEN_SACK_PERBLOCK &&
		    !((len - 2) % TCPOLEN_SACK_PERBLOCK)) {
			for (i = optoff + 2; i < optoff + len; i += 4) {
				__be32 *edge = (__be32 *)(opt + i), v;

				v = htonl(alg_seqadj_unshift(other, get_unaligned_be32(edge)));
				inet_proto_csum_replace4(&th->check, skb,
							 get_unaligned(edge), v, false);
				put_unaligned(v, edge);
			}
		}
		optoff += len;
	}
	return true;
}

/* Shift seq, ack and SACK of one packet; false if it could not be written. */
bool alg_seqadj_packet(struct sk_buff *skb, struct alg_conn *ct,
		       enum ip_conntrack_info ctinfo)
{
	unsigned int protoff = skb_network_offset(skb) + ip_hdrlen(skb);
	int dir = CTINFO2DIR(ctinfo);
	struct alg_seqadj mine, other;
	struct tcphdr *th;
	__be32 nseq, nack;

	if (ip_hdr(skb)->protocol != IPPROTO_TCP || !ct->ext)
		return true;
	if (skb_ensure_writable(skb, protoff + sizeof(*th)))
		return false;
	th = (void *)skb->data + protoff;
	/* One consistent copy of what alg_seqadj_set() writes under the lock. */
	spin_lock_bh(&ct->lock);
	mine = ct->ext->seqadj[dir];
	other = ct->ext->seqadj[!dir];
	spin_unlock_bh(&ct->lock);

	nseq = htonl(ntohl(th->seq) + alg_seqadj_shift(&mine, ntohl(th->seq)));
	nack = htonl(alg_seqadj_unshift(&other, ntohl(th->ack_seq)));
	inet_proto_csum_replace4(&th->check, skb, th->seq, nseq, false);
	inet_proto_csum_replace4(&th->check, skb, th->ack_seq, nack, false);
	th->seq = nseq;
	th->ack_seq = nack;
	if (th->doff * 4 > sizeof(*th))
		return alg_seqadj_sack(skb, protoff, &other);
	return true;
}
