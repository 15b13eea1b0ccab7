// SPDX-License-Identifier: GPL-2.0
/*
 * FTP conntrack helper: reads the control connection in both directions
 * and expects the data connection that PORT/EPRT (client, active mode) or a
 * 227/229 reply (server, passive mode) announces.
 *
 * Unlike nf_conntrack_ftp it keeps per-direction line state, so a command
 * split over segments or several lines in one segment are understood; text
 * it cannot parse is counted and let through, never dropped. It only opens
 * the data connection towards the peer that announced it (no third-party
 * pinholes), never to a port below 1024, and never twice for the same
 * bytes: each direction's stream is read once, in order. Under NAT, a
 * retransmission of rewritten bytes is rewritten again the same way.
 */

#include "helpers/ftp.h"
#include "core/seqadj.h"

#include <linux/module.h>
#include <linux/tcp.h>
#include <net/ip.h>

/*
 * Announcements read per segment, and rewrites remembered per direction for
 * retransmissions: one limit, so that a retransmitted segment can always be
 * rewritten whole. Real clients send one and wait for the reply; more in
 * one segment are let through unread and counted (ftp_bad_cmd).
 */
#define ALG_FTP_ANNOUNCE_MAX	4
/*
 * Holding back an announcement split inside its address under NAT drops
 * segments until TCP resends the whole of it (Linux collapses the small
 * segments it has sent into its retransmission). Bounded by what a line
 * can hold: at most ALG_FTP_LINE_MAX segments (one per byte), none reaching
 * further than ALG_FTP_LINE_MAX bytes past the held line. And only while
 * it helps: the sender may not have written the rest yet, so a resent head
 * that brings no byte more than the last one did is held again, but after
 * ALG_FTP_HOLD_STALE of those in a row the sender is taken to be stuck
 * (its congestion window full of one-byte segments, it resends no more
 * until acknowledged) and the segment goes as it is rather than the
 * connection stalling, as it would behind nf_conntrack_ftp.
 */
#define ALG_FTP_HOLD_MAX	ALG_FTP_LINE_MAX
#define ALG_FTP_HOLD_STALE	3

static unsigned short alg_ftp_ports[ALG_HELPER_PORTS_MAX] = { 21 };
static unsigned int alg_ftp_nports = 1;
module_param_array_named(ports, alg_ftp_ports, ushort, &alg_ftp_nports, 0444);
MODULE_PARM_DESC(ports, "FTP server ports (default 21, up to 8)");

struct alg_ftp_conn {
	struct alg_ftp_line_state lines[ALG_DIR_MAX];
	u32 next_seq[ALG_DIR_MAX];
	bool seq_valid[ALG_DIR_MAX];
	u8 rw_next[ALG_DIR_MAX];
	u16 held[ALG_DIR_MAX];	/* segments dropped in a row, see help */
	u32 held_end[ALG_DIR_MAX];	/* how far the last held head reached */
	u8 held_stale[ALG_DIR_MAX];	/* held heads in a row that did not */
	struct alg_ftp_rewrite rw[ALG_DIR_MAX][ALG_FTP_ANNOUNCE_MAX];
};

struct alg_ftp_found {
	struct alg_ftp_match m;
	size_t seg_off;
	bool in_segment;
	struct alg_expect *exp;		/* made for it, referenced */
	struct alg_ftp_rewrite rw;
};

struct alg_ftp_scan {
	bool from_client;
	unsigned int n;
	unsigned int bad;
	unsigned int over;		/* past ALG_FTP_ANNOUNCE_MAX */
	struct alg_ftp_found found[ALG_FTP_ANNOUNCE_MAX];
};

static void alg_ftp_scan_line(const struct alg_ftp_line *line, void *arg)
{
	struct alg_ftp_scan *sc = arg;
	struct alg_ftp_match spare;
	struct alg_ftp_found *f;
	int ret;

	if (sc->n == ALG_FTP_ANNOUNCE_MAX) {
		if (alg_ftp_parse_line(line->s, line->len, sc->from_client,
				       &spare) > 0)
			sc->over++;
		return;
	}
	f = &sc->found[sc->n];
	ret = alg_ftp_parse_line(line->s, line->len, sc->from_client, &f->m);
	if (ret < 0)
		sc->bad++;
	if (ret <= 0)
		return;
	f->exp = NULL;
	f->rw.len = 0;
	f->in_segment = alg_ftp_line_span(line, f->m.off, f->m.len, &f->seg_off);
	sc->n++;
}

/* Act on one announcement; returns NF_ACCEPT or NF_DROP (NAT failed). */
static unsigned int alg_ftp_expect(struct sk_buff *skb, struct alg_conn *ct,
				   enum ip_conntrack_info ctinfo,
				   unsigned int dataoff,
				   struct alg_ftp_found *f, int *diff)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));
	int dir = CTINFO2DIR(ctinfo);
	const struct alg_tuple *mine = alg_conn_tuple(ct, dir);
	const struct alg_tuple *peer = alg_conn_tuple(ct, !dir);
	/* Only 229 names no address (the sender's own); 0.0.0.0 is no one. */
	__be32 addr = f->m.kind == ALG_FTP_EPSV229 ? mine->saddr : f->m.addr;
	struct alg_expect *exp;
	unsigned int verdict = NF_ACCEPT;

	/* The sender may only open a way to itself. */
	if (addr != mine->saddr) {
		ALG_STAT_INC(an, ftp_third_party);
		net_info_ratelimited("ftp: %pI4 announced %pI4:%u, not itself; ignored\n",
				     &mine->saddr, &addr, f->m.port);
		return NF_ACCEPT;
	}
	if (f->m.port < 1024) {
		ALG_STAT_INC(an, ftp_bad_cmd);
		net_info_ratelimited("ftp: %pI4 announced privileged port %u; ignored\n",
				     &addr, f->m.port);
		return NF_ACCEPT;
	}
	exp = alg_expect_alloc(ct);
	if (!exp)
		return NF_ACCEPT;
	exp->tuple.saddr = peer->saddr;
	exp->tuple.daddr = addr;
	exp->tuple.dport = htons(f->m.port);
	exp->tuple.proto = IPPROTO_TCP;
	exp->dir = !dir;

	if (alg_conn_translated(ct)) {
		const struct alg_ftp_nat *nat = rcu_dereference(alg_ftp_helper.nat);

		if (!nat)
			/* NAT went away under us: it cannot be rewritten. */
			verdict = NF_DROP;
		else if (f->in_segment)
			verdict = nat->announce(skb, ct, ctinfo, dataoff + f->seg_off,
						&f->m, exp, diff, &f->rw);
		else
			/* Its start already left untranslated; nothing to fix. */
			ALG_STAT_INC(an, ftp_bad_cmd);
	} else {
		alg_expect_insert(exp);
	}
	/* Kept until the segment's fate is known: a drop takes it back. */
	f->exp = exp;
	return verdict;
}

struct alg_ftp_redo {
	unsigned int n;
	u32 rel[ALG_FTP_ANNOUNCE_MAX];	/* payload offsets, descending */
	struct alg_ftp_rewrite rw[ALG_FTP_ANNOUNCE_MAX];
};

/*
 * Old bytes [seq, seq + old_len) seen again: collect (under ct->lock) what
 * was rewritten in them the first time. Only whole spans: a retransmission
 * cutting one cannot be fixed.
 */
static void alg_ftp_redo_find(const struct alg_ftp_conn *fc, int dir, u32 seq,
			      u32 old_len, struct alg_ftp_redo *rd)
{
	unsigned int i, j;

	for (i = 0; i < ALG_FTP_ANNOUNCE_MAX; i++) {
		const struct alg_ftp_rewrite *r = &fc->rw[dir][i];
		u32 at = r->seq - seq;

		if (!r->len || at >= old_len || r->len > old_len - at)
			continue;
		for (j = rd->n; j > 0 && rd->rel[j - 1] < at; j--) {
			rd->rel[j] = rd->rel[j - 1];
			rd->rw[j] = rd->rw[j - 1];
		}
		rd->rel[j] = at;
		rd->rw[j] = *r;
		rd->n++;
	}
}

/*
 * Rewrite them again, from the last back so that earlier offsets stay put.
 * The sequence adjustment already counts these changes: they lie before
 * its correction point.
 */
static unsigned int alg_ftp_redo_apply(struct sk_buff *skb,
				       unsigned int dataoff,
				       const struct alg_ftp_redo *rd)
{
	const struct alg_ftp_nat *nat;
	unsigned int i;

	if (!rd->n)
		return NF_ACCEPT;
	nat = rcu_dereference(alg_ftp_helper.nat);
	if (!nat)
		return NF_DROP;
	for (i = 0; i < rd->n; i++)
		if (!nat->redo(skb, dataoff + rd->rel[i], &rd->rw[i]))
			return NF_DROP;
	return NF_ACCEPT;
}

/* The segment goes out: remember its rewrites for a retransmission. */
static void alg_ftp_rewrites_keep(struct alg_conn *ct, struct alg_ftp_conn *fc,
				  int dir, u32 seq, struct alg_ftp_scan *sc)
{
	unsigned int i;

	spin_lock_bh(&ct->lock);
	for (i = 0; i < sc->n; i++) {
		struct alg_ftp_found *f = &sc->found[i];

		if (!f->rw.len)
			continue;
		f->rw.seq = seq + f->seg_off;
		fc->rw[dir][fc->rw_next[dir]] = f->rw;
		fc->rw_next[dir] = (fc->rw_next[dir] + 1) % ALG_FTP_ANNOUNCE_MAX;
	}
	spin_unlock_bh(&ct->lock);
}

/*
 * The segment is dropped after it was read (NAT could not rewrite it):
 * everything must be as if it had never been seen, so that its
 * retransmission is read, expected and rewritten as new. Unless another
 * segment was read since, which then decided.
 */
static void alg_ftp_unread(struct alg_conn *ct, struct alg_ftp_conn *fc,
			   int dir, u32 end, const struct alg_ftp_line_state *lines,
			   u32 next_seq, bool seq_valid, struct alg_ftp_scan *sc)
{
	unsigned int i;

	spin_lock_bh(&ct->lock);
	if (fc->seq_valid[dir] && fc->next_seq[dir] == end) {
		fc->lines[dir] = *lines;
		fc->next_seq[dir] = next_seq;
		fc->seq_valid[dir] = seq_valid;
	}
	spin_unlock_bh(&ct->lock);
	for (i = 0; i < sc->n; i++)
		if (sc->found[i].exp)
			alg_expect_remove(sc->found[i].exp);
}

/* A head ending at end is to be held: is it worth it (see ALG_FTP_HOLD_MAX)? */
static bool alg_ftp_hold_helps(struct alg_ftp_conn *fc, int dir, u32 end)
{
	if (!fc->held[dir] || alg_seq_after(end, fc->held_end[dir])) {
		fc->held_end[dir] = end;
		fc->held_stale[dir] = 0;
		return true;
	}
	return ++fc->held_stale[dir] <= ALG_FTP_HOLD_STALE;
}

static int alg_ftp_help(struct sk_buff *skb, unsigned int protoff,
			struct alg_conn *ct, enum ip_conntrack_info ctinfo)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));
	struct alg_ftp_conn *fc = alg_conn_help_data(ct);
	int dir = CTINFO2DIR(ctinfo);
	struct alg_ftp_scan sc = { .from_client = dir == ALG_DIR_ORIGINAL };
	unsigned int dataoff, datalen, skip = 0, verdict = NF_ACCEPT;
	struct alg_ftp_redo rd = { };
	struct alg_ftp_line_state saved;
	const struct tcphdr *th;
	bool nat, saved_valid = false;
	struct tcphdr _th;
	int i, diff = 0;
	u32 seq, saved_seq = 0;

	if (ctinfo != IP_CT_ESTABLISHED && ctinfo != IP_CT_ESTABLISHED_REPLY)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	dataoff = protoff + th->doff * 4;
	if (dataoff >= skb->len)
		return NF_ACCEPT;
	datalen = skb->len - dataoff;
	seq = ntohl(th->seq);
	/* Control traffic is small; a linear copy keeps the parser simple. */
	if (skb_linearize(skb))
		return NF_DROP;

	spin_lock_bh(&ct->lock);
	if (fc->seq_valid[dir] && seq != fc->next_seq[dir]) {
		u32 ahead = fc->next_seq[dir] - seq;

		if ((s32)ahead > 0 && ahead >= datalen) {
			/* Old data, already read: a retransmission. */
			alg_ftp_redo_find(fc, dir, seq, datalen, &rd);
			spin_unlock_bh(&ct->lock);
			return alg_ftp_redo_apply(skb, dataoff, &rd);
		}
		if ((s32)ahead > 0) {
			/* Partly retransmitted: read only what is new. */
			skip = ahead;
			alg_ftp_redo_find(fc, dir, seq, ahead, &rd);
		} else if (!fc->held[dir] || fc->held[dir] >= ALG_FTP_HOLD_MAX ||
			   seq + datalen - fc->next_seq[dir] > ALG_FTP_LINE_MAX) {
			/* A gap: the missing bytes may end any line. */
			alg_ftp_lines_reset(&fc->lines[dir]);
			fc->lines[dir].overlong = true;
		} else {
			/*
			 * Holding back a split announcement: data beyond it
			 * must not reach the receiver either, or its SACK
			 * keeps the sender from resending the two together.
			 */
			fc->held[dir]++;
			spin_unlock_bh(&ct->lock);
			return NF_DROP;
		}
	}
	nat = alg_conn_translated(ct);
	if (nat) {
		saved = fc->lines[dir];
		saved_seq = fc->next_seq[dir];
		saved_valid = fc->seq_valid[dir];
	}
	alg_ftp_lines_feed(&fc->lines[dir], (const char *)skb->data + dataoff + skip,
			   datalen - skip, alg_ftp_scan_line, &sc);
	/*
	 * The segment ends inside an announcement's address, which NAT could
	 * not rewrite once part of it has left: drop it, unread, so that the
	 * sender resends it with the rest (nf_conntrack_ftp drops on a partial
	 * match too). Not if it completed one: that must not be read twice.
	 */
	if (nat && !sc.n && fc->held[dir] < ALG_FTP_HOLD_MAX &&
	    alg_ftp_lines_pending_span(&fc->lines[dir], sc.from_client) &&
	    alg_ftp_hold_helps(fc, dir, seq + datalen)) {
		fc->lines[dir] = saved;
		fc->held[dir]++;
		spin_unlock_bh(&ct->lock);
		return NF_DROP;
	}
	fc->held[dir] = 0;
	fc->seq_valid[dir] = true;
	fc->next_seq[dir] = seq + datalen;
	spin_unlock_bh(&ct->lock);

	if (sc.bad) {
		ALG_STAT_ADD(an, ftp_bad_cmd, sc.bad);
		net_info_ratelimited("ftp: %u unparsable command(s) from %pI4, let through\n",
				     sc.bad, &alg_conn_tuple(ct, dir)->saddr);
	}
	if (sc.over) {
		ALG_STAT_ADD(an, ftp_bad_cmd, sc.over);
		net_info_ratelimited("ftp: %pI4 sent %u announcements in one segment; those past %u let through unread\n",
				     &alg_conn_tuple(ct, dir)->saddr,
				     sc.n + sc.over, ALG_FTP_ANNOUNCE_MAX);
	}
	/* Last first: rewriting a span must not move the ones before it. */
	for (i = sc.n - 1; i >= 0 && verdict == NF_ACCEPT; i--) {
		sc.found[i].seg_off += skip;
		verdict = alg_ftp_expect(skb, ct, ctinfo, dataoff, &sc.found[i], &diff);
	}
	/* The old part comes before anything new. */
	if (verdict == NF_ACCEPT)
		verdict = alg_ftp_redo_apply(skb, dataoff, &rd);
	if (verdict == NF_ACCEPT) {
		alg_ftp_rewrites_keep(ct, fc, dir, seq, &sc);
		if (diff)
			alg_seqadj_set(ct, ctinfo, seq, diff);
	} else if (nat) {
		alg_ftp_unread(ct, fc, dir, seq + datalen, &saved, saved_seq,
			       saved_valid, &sc);
	}
	for (i = 0; i < sc.n; i++)
		if (sc.found[i].exp)
			alg_expect_put(sc.found[i].exp);
	return verdict;
}

struct alg_helper alg_ftp_helper = {
	.name = "ftp",
	.proto = IPPROTO_TCP,
	.data_size = sizeof(struct alg_ftp_conn),
	.max_expected = 1,
	.expect_timeout = 5 * 60,
	.help = alg_ftp_help,
};

int alg_ftp_init(void)
{
	unsigned int i;

	if (alg_ftp_nports > ALG_HELPER_PORTS_MAX)
		return -EINVAL;
	for (i = 0; i < alg_ftp_nports; i++) {
		if (!alg_ftp_ports[i]) {
			pr_err("ftp: port 0 in ports=\n");
			return -EINVAL;
		}
		alg_ftp_helper.ports[i] = htons(alg_ftp_ports[i]);
	}
	alg_ftp_helper.nports = alg_ftp_nports;
	return alg_helper_register(&alg_ftp_helper);
}

void alg_ftp_uninit(void)
{
	alg_helper_unregister(&alg_ftp_helper);
}
