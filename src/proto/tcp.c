// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tracking: the packet side of src/proto/tcp_state.c. Header fields are
 * read here, the state table and window checks run there under ct->lock.
 */

#include "proto/proto.h"
#include "core/seqadj.h"

#include <linux/netfilter.h>
#include <net/tcp.h>

static bool alg_tcp_tuple(const struct sk_buff *skb, unsigned int dataoff,
			  struct alg_tuple *t)
{
	return alg_proto_ports_tuple(skb, dataoff, t);
}

/* Read the header and options of a segment; NULL reason means usable. */
static const char *alg_tcp_seg_read(const struct sk_buff *skb,
				    unsigned int dataoff,
				    struct alg_tcp_seg *seg)
{
	u8 _opt[MAX_TCP_OPTION_SPACE];
	const struct tcphdr *th;
	struct tcphdr _th;
	unsigned int hlen;
	const u8 *opt;

	th = skb_header_pointer(skb, dataoff, sizeof(_th), &_th);
	if (!th)
		return "truncated header";
	hlen = th->doff * 4;
	if (hlen < sizeof(*th) || hlen > skb->len - dataoff)
		return "bad header length";
	memset(seg, 0, sizeof(*seg));
	seg->seq = ntohl(th->seq);
	seg->ack = ntohl(th->ack_seq);
	seg->win = ntohs(th->window);
	seg->flags = tcp_flag_byte(th);
	seg->end = alg_tcp_seg_end(seg->seq, skb->len - dataoff - hlen,
				   seg->flags);
	if (!alg_tcp_flags_valid(seg->flags))
		return "invalid flag combination";
	opt = skb_header_pointer(skb, dataoff + sizeof(*th),
				 hlen - sizeof(*th), _opt);
	if (!opt)
		return "truncated options";
	alg_tcp_options_parse(opt, hlen - sizeof(*th), seg);
	return NULL;
}

static bool alg_tcp_new(struct alg_net *an, struct alg_conn *ct,
			const struct sk_buff *skb, unsigned int dataoff)
{
	struct alg_conn_tcp *tcp = &ct->proto.tcp;
	struct alg_tcp_seg seg;
	enum alg_tcp_state state;

	if (alg_tcp_seg_read(skb, dataoff, &seg))
		return false;
	state = alg_tcp_conn_init(&tcp->dir[0], &tcp->dir[1], &seg);
	if (state == ALG_TCP_INVALID)
		return false;
	/* Picking up a connection mid-stream is what tcp_loose allows. */
	if (state != ALG_TCP_SYN_SENT && !READ_ONCE(an->cfg.tcp_loose))
		return false;
	tcp->state = ALG_TCP_NONE;
	tcp->last_index = ALG_TCP_SEG_NONE;
	return true;
}

static unsigned int alg_tcp_timeout(struct alg_net *an,
				    const struct alg_conn *ct, int dir)
{
	const struct alg_conn_tcp *tcp = &ct->proto.tcp;
	unsigned int t = an->cfg.tcp_timeouts[tcp->state];
	unsigned int unack = an->cfg.tcp_timeouts[ALG_TCP_TIMEOUT_UNACK];

	if (tcp->retrans >= an->cfg.tcp_max_retrans)
		t = min_t(unsigned int, t,
			  an->cfg.tcp_timeouts[ALG_TCP_TIMEOUT_RETRANS]);
	else if ((tcp->dir[0].flags | tcp->dir[1].flags) & ALG_TCP_FLAG_DATA_UNACK)
		t = min(t, unack);
	/*
	 * Picked up mid-stream and never answered: a flood of lone ACKs must
	 * not hold the table for days (nf_conntrack caps these the same way).
	 */
	else if (tcp->state == ALG_TCP_ESTABLISHED && dir == ALG_DIR_ORIGINAL &&
		 !test_bit(ALG_CONN_SEEN_REPLY, &ct->status))
		t = min(t, unack);
	return t * HZ;
}

/* Same segment as the last one in this direction: a retransmission. */
static void alg_tcp_note_segment(struct alg_conn_tcp *tcp, int dir,
				 const struct alg_tcp_seg *seg,
				 enum alg_tcp_seg_class class)
{
	if (tcp->last_dir == dir && tcp->last_seq == seg->seq &&
	    tcp->last_ack == seg->ack && tcp->last_end == seg->end &&
	    tcp->last_win == seg->win && tcp->last_index == class) {
		if (tcp->retrans < U8_MAX)
			tcp->retrans++;
		return;
	}
	tcp->last_dir = dir;
	tcp->last_seq = seg->seq;
	tcp->last_ack = seg->ack;
	tcp->last_end = seg->end;
	tcp->last_win = seg->win;
	tcp->last_index = class;
	tcp->retrans = 0;
}

/* packet(), but an invalid segment is only described in *why. */
static enum alg_proto_verdict
alg_tcp_packet_unlogged(struct alg_net *an, struct alg_conn *ct,
			const struct sk_buff *skb, unsigned int dataoff,
			enum ip_conntrack_info ctinfo, const char **why)
{
	struct alg_conn_tcp *tcp = &ct->proto.tcp;
	int dir = CTINFO2DIR(ctinfo);
	enum alg_tcp_state old, new;
	enum alg_tcp_seg_class class;
	struct alg_tcp_seg seg;

	*why = alg_tcp_seg_read(skb, dataoff, &seg);
	if (*why)
		return ALG_PROTO_INVALID;
	class = alg_tcp_seg_classify(seg.flags);

	spin_lock_bh(&ct->lock);
	if (test_bit(ALG_CONN_SEQ_ADJUST, &ct->status)) {
		/* The peer acknowledges the stream NAT resized; undo that. */
		s32 off = alg_seqadj_offset(ct, !dir, seg.ack - 1);

		seg.ack -= off;
		seg.sack_highest -= off;
	}
	old = tcp->state;
	new = alg_tcp_state_next(old, dir, seg.flags);
	switch (new) {
	case ALG_TCP_REOPEN:
		/*
		 * A SYN on a finished connection is a new one (RFC 1122
		 * 4.2.2.13) only if the old one was really closed, by FIN
		 * from either side or by RST; otherwise ignore it.
		 */
		if (((tcp->dir[0].flags | tcp->dir[1].flags) &
		     ALG_TCP_FLAG_CLOSE_INIT) ||
		    (tcp->last_dir == dir && tcp->last_index == ALG_TCP_SEG_RST)) {
			spin_unlock_bh(&ct->lock);
			alg_conn_kill(ct);
			return ALG_PROTO_REOPEN;
		}
		fallthrough;
	case ALG_TCP_IGNORE:
		alg_tcp_note_segment(tcp, dir, &seg, class);
		spin_unlock_bh(&ct->lock);
		return ALG_PROTO_OK;
	case ALG_TCP_INVALID:
		spin_unlock_bh(&ct->lock);
		*why = "invalid state transition";
		return ALG_PROTO_INVALID;
	case ALG_TCP_CLOSE:
		/* A RST below what the peer already acknowledged is forged. */
		if (class == ALG_TCP_SEG_RST &&
		    (tcp->dir[!dir].flags & ALG_TCP_FLAG_MAXACK_SET) &&
		    alg_seq_before(seg.seq, tcp->dir[!dir].td_maxack)) {
			spin_unlock_bh(&ct->lock);
			*why = "RST below acknowledged data";
			return ALG_PROTO_INVALID;
		}
		break;
	default:
		break;
	}
	if (!alg_tcp_in_window(&tcp->dir[dir], &tcp->dir[!dir], dir, old, &seg,
			       READ_ONCE(an->cfg.tcp_be_liberal), why)) {
		spin_unlock_bh(&ct->lock);
		return ALG_PROTO_INVALID;
	}
	alg_tcp_note_segment(tcp, dir, &seg, class);
	tcp->state = new;
	if (old != new && new == ALG_TCP_FIN_WAIT)
		tcp->dir[dir].flags |= ALG_TCP_FLAG_CLOSE_INIT;
	alg_conn_refresh(ct, alg_tcp_timeout(an, ct, dir));
	spin_unlock_bh(&ct->lock);

	/* Answered and through the handshake: safe from early drop. */
	if (new == ALG_TCP_ESTABLISHED &&
	    (old == ALG_TCP_SYN_RECV || old == ALG_TCP_ESTABLISHED) &&
	    test_bit(ALG_CONN_SEEN_REPLY, &ct->status) &&
	    !test_bit(ALG_CONN_ASSURED, &ct->status))
		set_bit(ALG_CONN_ASSURED, &ct->status);
	return ALG_PROTO_OK;
}

static enum alg_proto_verdict
alg_tcp_packet(struct alg_net *an, struct alg_conn *ct,
	       const struct sk_buff *skb, unsigned int dataoff,
	       enum ip_conntrack_info ctinfo)
{
	enum alg_proto_verdict v;
	const char *why = NULL;

	v = alg_tcp_packet_unlogged(an, ct, skb, dataoff, ctinfo, &why);
	if (v == ALG_PROTO_INVALID)
		alg_proto_log_invalid(an, skb, "tcp", why);
	return v;
}

/* For a fast path: what it finds invalid goes the normal way, counted there. */
static enum alg_proto_verdict
alg_tcp_packet_quiet(struct alg_net *an, struct alg_conn *ct,
		     const struct sk_buff *skb, unsigned int dataoff,
		     enum ip_conntrack_info ctinfo)
{
	const char *why;

	return alg_tcp_packet_unlogged(an, ct, skb, dataoff, ctinfo, &why);
}

/* Only in the middle of the stream: opening and closing are tracked. */
static bool alg_tcp_offloadable(const struct alg_conn *ct)
{
	return READ_ONCE(ct->proto.tcp.state) == ALG_TCP_ESTABLISHED &&
	       test_bit(ALG_CONN_ASSURED, &ct->status);
}

static void alg_tcp_show(struct seq_file *s, const struct alg_conn *ct)
{
	seq_printf(s, "%s ", alg_tcp_state_name(READ_ONCE(ct->proto.tcp.state)));
}

const struct alg_proto alg_proto_tcp = {
	.proto = ALG_PROTO_TCP,
	.name = "tcp",
	.tuple = alg_tcp_tuple,
	.new = alg_tcp_new,
	.packet = alg_tcp_packet,
	.offloadable = alg_tcp_offloadable,
	.packet_quiet = alg_tcp_packet_quiet,
	.show = alg_tcp_show,
};
