// SPDX-License-Identifier: GPL-2.0
/*
 * TCP state machine and window tracking, after netfilter's
 * nf_conntrack_proto_tcp and Jozsef Kadlecsik's window tracking (itself
 * after Guido van Rooij's "Real Stateful TCP Packet Filtering in IP Filter").
 *
 * We sit in the middle and may miss segments that the endpoints do see, so
 * both the state table and the window checks are deliberately forgiving
 * where an endpoint would simply reply with RST or SYN/ACK.
 */
#include "alg_conntrack/tcp_state.h"

#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_SACK		5
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_SACK_BLOCK	8

/* An ACK may lag at most this far behind; generous for delayed ACKs. */
#define ALG_TCP_MAXACKWIN_MIN	66000U

const char *const alg_tcp_state_names[ALG_TCP_STATE_MAX] = {
	[ALG_TCP_NONE]		= "NONE",
	[ALG_TCP_SYN_SENT]	= "SYN_SENT",
	[ALG_TCP_SYN_RECV]	= "SYN_RECV",
	[ALG_TCP_ESTABLISHED]	= "ESTABLISHED",
	[ALG_TCP_FIN_WAIT]	= "FIN_WAIT",
	[ALG_TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[ALG_TCP_LAST_ACK]	= "LAST_ACK",
	[ALG_TCP_TIME_WAIT]	= "TIME_WAIT",
	[ALG_TCP_CLOSE]		= "CLOSE",
	[ALG_TCP_SYN_SENT2]	= "SYN_SENT2",
};

/* Seconds. RETRANS and UNACK cap the state timeout of stalled flows. */
const unsigned int alg_tcp_timeouts_default[ALG_TCP_TIMEOUT_MAX] = {
	[ALG_TCP_SYN_SENT]		= 2 * 60,
	[ALG_TCP_SYN_RECV]		= 60,
	[ALG_TCP_ESTABLISHED]		= 5 * 24 * 60 * 60,
	[ALG_TCP_FIN_WAIT]		= 2 * 60,
	[ALG_TCP_CLOSE_WAIT]		= 60,
	[ALG_TCP_LAST_ACK]		= 30,
	[ALG_TCP_TIME_WAIT]		= 2 * 60,
	[ALG_TCP_CLOSE]			= 10,
	[ALG_TCP_SYN_SENT2]		= 2 * 60,
	[ALG_TCP_TIMEOUT_RETRANS]	= 5 * 60,
	[ALG_TCP_TIMEOUT_UNACK]		= 5 * 60,
};

/* NONE has no timeout of its own, hence no sysctl. */
const char *const alg_tcp_timeout_names[ALG_TCP_TIMEOUT_MAX] = {
	[ALG_TCP_SYN_SENT]		= "tcp_timeout_syn_sent",
	[ALG_TCP_SYN_RECV]		= "tcp_timeout_syn_recv",
	[ALG_TCP_ESTABLISHED]		= "tcp_timeout_established",
	[ALG_TCP_FIN_WAIT]		= "tcp_timeout_fin_wait",
	[ALG_TCP_CLOSE_WAIT]		= "tcp_timeout_close_wait",
	[ALG_TCP_LAST_ACK]		= "tcp_timeout_last_ack",
	[ALG_TCP_TIME_WAIT]		= "tcp_timeout_time_wait",
	[ALG_TCP_CLOSE]			= "tcp_timeout_close",
	[ALG_TCP_SYN_SENT2]		= "tcp_timeout_syn_sent2",
	[ALG_TCP_TIMEOUT_RETRANS]	= "tcp_timeout_max_retrans",
	[ALG_TCP_TIMEOUT_UNACK]		= "tcp_timeout_unacknowledged",
};

const char *alg_tcp_state_name(enum alg_tcp_state state)
{
	if ((unsigned int)state >= ALG_TCP_STATE_MAX)
		return "UNKNOWN";
	return alg_tcp_state_names[state];
}

/*
 * Combinations no real stack sends (SYN+FIN, no flags at all, ...) are
 * scanner or attack traffic; PSH, ECE and CWR never change the verdict.
 */
bool alg_tcp_flags_valid(u8 tcp_flags)
{
	u8 ignored = ALG_TCPHDR_PSH | ALG_TCPHDR_ECE | ALG_TCPHDR_CWR;

	switch (tcp_flags & ~ignored) {
	case ALG_TCPHDR_SYN:
	case ALG_TCPHDR_SYN | ALG_TCPHDR_URG:
	case ALG_TCPHDR_SYN | ALG_TCPHDR_ACK:
	case ALG_TCPHDR_RST:
	case ALG_TCPHDR_RST | ALG_TCPHDR_ACK:
	case ALG_TCPHDR_FIN | ALG_TCPHDR_ACK:
	case ALG_TCPHDR_FIN | ALG_TCPHDR_ACK | ALG_TCPHDR_URG:
	case ALG_TCPHDR_ACK:
	case ALG_TCPHDR_ACK | ALG_TCPHDR_URG:
		return true;
	default:
		return false;
	}
}

/* RST wins over everything: whatever else it carries, it ends the flow. */
enum alg_tcp_seg_class alg_tcp_seg_classify(u8 tcp_flags)
{
	if (tcp_flags & ALG_TCPHDR_RST)
		return ALG_TCP_SEG_RST;
	if (tcp_flags & ALG_TCPHDR_SYN)
		return tcp_flags & ALG_TCPHDR_ACK ? ALG_TCP_SEG_SYNACK :
						    ALG_TCP_SEG_SYN;
	if (tcp_flags & ALG_TCPHDR_FIN)
		return ALG_TCP_SEG_FIN;
	if (tcp_flags & ALG_TCPHDR_ACK)
		return ALG_TCP_SEG_ACK;
	return ALG_TCP_SEG_NONE;
}

#define T_NO ALG_TCP_NONE
#define T_SS ALG_TCP_SYN_SENT
#define T_SR ALG_TCP_SYN_RECV
#define T_ES ALG_TCP_ESTABLISHED
#define T_FW ALG_TCP_FIN_WAIT
#define T_CW ALG_TCP_CLOSE_WAIT
#define T_LA ALG_TCP_LAST_ACK
#define T_TW ALG_TCP_TIME_WAIT
#define T_CL ALG_TCP_CLOSE
#define T_S2 ALG_TCP_SYN_SENT2
#define T_IV ALG_TCP_INVALID
#define T_IG ALG_TCP_IGNORE

/*
 * [direction][segment class][current state]. The state tracks what the
 * sender of the segment believes, assuming the segment passed the window
 * check. Why the less obvious entries are what they are:
 *
 * ORIGINAL SYN in SR..LA is IGNORE: either the client restarted and the
 * server will answer with RST, or we missed the teardown; the endpoints
 * will tell. In TW/CL it opens a new connection (RFC 1122 allows reusing
 * TIME_WAIT); alg_tcp_state_next() turns that into REOPEN.
 *
 * ORIGINAL SYN/ACK is only valid after the peer's SYN in a simultaneous
 * open (S2) or as its retransmission (SR).
 *
 * FIN before the handshake completes is INVALID: we insist on seeing the
 * SYN/ACK first. ACK in SYN_SENT from the client is INVALID for the same
 * reason, but from the server it is IGNORE: it may belong to a half-open
 * connection the client is about to reset.
 *
 * REPLY SYN in SS is a simultaneous open. In TW it may be the old server
 * opening a new connection in the reverse role.
 *
 * REPLY SYN/ACK after SR is IGNORE: a retransmission, or an answer to a SYN
 * we ignored.
 */
static const u8 alg_tcp_transitions[2][ALG_TCP_SEG_MAX][ALG_TCP_STATE_MAX] = {
	[ALG_TCP_DIR_ORIGINAL] = {
	/*			  NO    SS    SR    ES    FW    CW    LA    TW    CL    S2 */
	[ALG_TCP_SEG_SYN]    = { T_SS, T_SS, T_IG, T_IG, T_IG, T_IG, T_IG, T_SS, T_SS, T_S2 },
	[ALG_TCP_SEG_SYNACK] = { T_IV, T_IV, T_SR, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_SR },
	[ALG_TCP_SEG_FIN]    = { T_IV, T_IV, T_FW, T_FW, T_LA, T_LA, T_LA, T_TW, T_CL, T_IV },
	[ALG_TCP_SEG_ACK]    = { T_ES, T_IV, T_ES, T_ES, T_CW, T_CW, T_TW, T_TW, T_CL, T_IV },
	[ALG_TCP_SEG_RST]    = { T_IV, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL },
	[ALG_TCP_SEG_NONE]   = { T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV },
	},
	[ALG_TCP_DIR_REPLY] = {
	/*			  NO    SS    SR    ES    FW    CW    LA    TW    CL    S2 */
	[ALG_TCP_SEG_SYN]    = { T_IV, T_S2, T_IV, T_IV, T_IV, T_IV, T_IV, T_SS, T_IV, T_S2 },
	[ALG_TCP_SEG_SYNACK] = { T_IV, T_SR, T_IG, T_IG, T_IG, T_IG, T_IG, T_IG, T_IG, T_SR },
	[ALG_TCP_SEG_FIN]    = { T_IV, T_IV, T_FW, T_FW, T_LA, T_LA, T_LA, T_TW, T_CL, T_IV },
	[ALG_TCP_SEG_ACK]    = { T_IV, T_IG, T_SR, T_ES, T_CW, T_CW, T_TW, T_TW, T_CL, T_IG },
	[ALG_TCP_SEG_RST]    = { T_IV, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL, T_CL },
	[ALG_TCP_SEG_NONE]   = { T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV, T_IV },
	},
};

#undef T_NO
#undef T_SS
#undef T_SR
#undef T_ES
#undef T_FW
#undef T_CW
#undef T_LA
#undef T_TW
#undef T_CL
#undef T_S2
#undef T_IV
#undef T_IG

/**
 * alg_tcp_state_next() - state after a segment that passed the window check
 * @old: current state of the connection
 * @dir: ALG_TCP_DIR_ORIGINAL or ALG_TCP_DIR_REPLY
 * @tcp_flags: ALG_TCPHDR_* bits of the segment
 *
 * Return: the new state, or ALG_TCP_IGNORE, ALG_TCP_INVALID or
 * ALG_TCP_REOPEN. Like netfilter, a caller should act on REOPEN only if the
 * old connection was really finished (ALG_TCP_FLAG_CLOSE_INIT on either
 * side, or its last segment was an RST in this direction) and treat it as
 * IGNORE otherwise.
 */
enum alg_tcp_state alg_tcp_state_next(enum alg_tcp_state old, int dir,
				      u8 tcp_flags)
{
	enum alg_tcp_state next;
	int d = dir == ALG_TCP_DIR_ORIGINAL ? 0 : 1;

	if ((unsigned int)old >= ALG_TCP_STATE_MAX)
		return ALG_TCP_INVALID;

	next = alg_tcp_transitions[d][alg_tcp_seg_classify(tcp_flags)][old];
	if (next == ALG_TCP_SYN_SENT &&
	    (old == ALG_TCP_TIME_WAIT || old == ALG_TCP_CLOSE))
		return ALG_TCP_REOPEN;
	return next;
}

static u32 alg_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/**
 * alg_tcp_options_parse() - pick the options window tracking needs
 * @opt: TCP options, i.e. the header past its fixed 20 bytes
 * @len: length of @opt; 0 (with any @opt) just resets the option fields
 * @seg: its wscale, sack_perm, sack_seen and sack_highest are overwritten
 *
 * Parsing stops at the first option whose length is impossible: the bytes
 * after it cannot be framed, and a sender that garbles options gets no
 * benefit from them.
 */
void alg_tcp_options_parse(const u8 *opt, unsigned int len,
			   struct alg_tcp_seg *seg)
{
	unsigned int i = 0, size, j;
	u32 edge;

	seg->wscale = ALG_TCP_WSCALE_NONE;
	seg->sack_perm = false;
	seg->sack_seen = false;
	seg->sack_highest = 0;

	while (i < len) {
		if (opt[i] == TCPOPT_EOL)
			return;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return;
		size = opt[i + 1];
		if (size < 2 || size > len - i)
			return;

		if (opt[i] == TCPOPT_WINDOW && size == TCPOLEN_WINDOW) {
			seg->wscale = opt[i + 2] > ALG_TCP_MAX_WSCALE ?
				      ALG_TCP_MAX_WSCALE : opt[i + 2];
		} else if (opt[i] == TCPOPT_SACK_PERM &&
			   size == TCPOLEN_SACK_PERM) {
			seg->sack_perm = true;
		} else if (opt[i] == TCPOPT_SACK && size > 2 &&
			   (size - 2) % TCPOLEN_SACK_BLOCK == 0) {
			for (j = i + 2; j < i + size; j += TCPOLEN_SACK_BLOCK) {
				edge = alg_get_be32(opt + j + 4);
				if (!seg->sack_seen ||
				    alg_seq_after(edge, seg->sack_highest))
					seg->sack_highest = edge;
				seg->sack_seen = true;
			}
		}
		i += size;
	}
}

/* A (re)transmitted SYN carries the options that hold for the connection. */
static void alg_tcp_dir_options_set(struct alg_tcp_dir *d,
				    const struct alg_tcp_seg *seg)
{
	d->td_scale = 0;
	d->flags &= ALG_TCP_FLAG_BE_LIBERAL;
	if (seg->sack_perm)
		d->flags |= ALG_TCP_FLAG_SACK_PERM;
	if (seg->wscale != ALG_TCP_WSCALE_NONE) {
		d->td_scale = seg->wscale > ALG_TCP_MAX_WSCALE ?
			      ALG_TCP_MAX_WSCALE : seg->wscale;
		d->flags |= ALG_TCP_FLAG_WINDOW_SCALE;
	}
}

static void alg_tcp_sender_init(struct alg_tcp_dir *sender,
				struct alg_tcp_dir *receiver, int dir,
				const struct alg_tcp_seg *seg)
{
	sender->td_end = seg->end;
	sender->td_maxend = seg->end;
	sender->td_maxwin = seg->win ? seg->win : 1;
	alg_tcp_dir_options_set(sender, seg);

	/*
	 * RFC 7323: scaling applies only if both SYNs carried the option.
	 * The reply SYN is the second one, so that is when we know.
	 */
	if (dir == ALG_TCP_DIR_REPLY &&
	    !(sender->flags & receiver->flags & ALG_TCP_FLAG_WINDOW_SCALE)) {
		sender->td_scale = 0;
		receiver->td_scale = 0;
	}
}

/**
 * alg_tcp_conn_init() - set up both directions from a first segment
 * @orig: original direction, overwritten
 * @reply: reply direction, overwritten
 * @seg: the first segment, in the original direction
 *
 * A connection picked up mid-stream (first segment is an ACK) gets liberal
 * window checking in both directions, because the window scale factors
 * were in SYNs we never saw. A caller that does not want to pick up
 * connections refuses anything but ALG_TCP_SYN_SENT.
 *
 * Return: the initial state, or ALG_TCP_INVALID if @seg cannot start a
 * connection. The caller still runs the segment through
 * alg_tcp_in_window() as for any other.
 */
enum alg_tcp_state alg_tcp_conn_init(struct alg_tcp_dir *orig,
				     struct alg_tcp_dir *reply,
				     const struct alg_tcp_seg *seg)
{
	enum alg_tcp_state state;

	state = alg_tcp_state_next(ALG_TCP_NONE, ALG_TCP_DIR_ORIGINAL,
				   seg->flags);
	if (state >= ALG_TCP_STATE_MAX)
		return ALG_TCP_INVALID;

	memset(orig, 0, sizeof(*orig));
	memset(reply, 0, sizeof(*reply));
	orig->td_end = seg->end;
	orig->td_maxwin = seg->win ? seg->win : 1;
	if (state == ALG_TCP_SYN_SENT) {
		orig->td_maxend = seg->end;
		alg_tcp_dir_options_set(orig, seg);
	} else {
		orig->td_maxend = seg->end + orig->td_maxwin;
		orig->flags = ALG_TCP_FLAG_SACK_PERM | ALG_TCP_FLAG_BE_LIBERAL;
		reply->flags = orig->flags;
	}
	return state;
}

static u32 alg_tcp_maxackwin(const struct alg_tcp_dir *sender)
{
	return max(sender->td_maxwin, ALG_TCP_MAXACKWIN_MIN);
}

/**
 * alg_tcp_in_window() - check a segment against the tracked windows
 * @sender: direction the segment travels in
 * @receiver: the opposite direction
 * @dir: ALG_TCP_DIR_ORIGINAL or ALG_TCP_DIR_REPLY, that of @sender
 * @state: connection state before this segment
 * @seg: the segment, with options parsed by alg_tcp_options_parse()
 * @be_liberal: accept out-of-window segments (global knob)
 * @why: if non-NULL, set to the failed rule, or NULL if all passed
 *
 * A segment is acceptable if it overlaps what the receiver can accept and
 * acknowledges only data the sender has seen:
 *   I.   seq <= sender.td_maxend
 *   II.  end >= sender.td_end - receiver.td_maxwin
 *   III. sack <= receiver.td_end
 *   IV.  sack >= receiver.td_end - max(sender.td_maxwin, 66000)
 * where sack is the highest SACK edge, or ACK without SACK. Accepted
 * segments widen the windows; rejected ones leave them alone so a forged
 * segment cannot move them. @why is set even when liberal mode accepts the
 * segment anyway, for logging.
 *
 * Return: true if the segment should be accepted.
 */
bool alg_tcp_in_window(struct alg_tcp_dir *sender,
		       struct alg_tcp_dir *receiver, int dir,
		       enum alg_tcp_state state,
		       const struct alg_tcp_seg *seg, bool be_liberal,
		       const char **why)
{
	bool syn = seg->flags & ALG_TCPHDR_SYN;
	bool has_ack = seg->flags & ALG_TCPHDR_ACK;
	bool rst = seg->flags & ALG_TCPHDR_RST;
	u32 seq = seg->seq, end = seg->end, ack = seg->ack, sack = seg->ack;
	u32 win = seg->win, swin;
	const char *reason = NULL;

	if (why)
		*why = NULL;

	if ((receiver->flags & ALG_TCP_FLAG_SACK_PERM) && seg->sack_seen &&
	    alg_seq_after(seg->sack_highest, sack))
		sack = seg->sack_highest;

	if (!sender->td_maxwin) {
		if (syn) {
			alg_tcp_sender_init(sender, receiver, dir, seg);
			/* Simultaneous open: no ACK to check yet. */
			if (!has_ack)
				return true;
		} else {
			/* Mid-stream pickup: the segment is all we know. */
			swin = win << sender->td_scale;
			sender->td_end = end;
			sender->td_maxwin = swin ? swin : 1;
			sender->td_maxend = end + sender->td_maxwin;
			if (!receiver->td_maxwin) {
				/* Let III and IV pass until the peer talks. */
				receiver->td_end = sack;
				receiver->td_maxend = sack;
			} else if (sack == receiver->td_end + 1) {
				/* Reply to a keepalive probing td_end - 1. */
				receiver->td_end++;
			}
		}
	} else if (syn && alg_seq_after(end, sender->td_end) &&
		   (state == ALG_TCP_SYN_SENT || state == ALG_TCP_SYN_RECV)) {
		/*
		 * RFC 793 lets a restarted endpoint reuse the connection with
		 * a higher ISN; its new SYN may differ in options too.
		 */
		alg_tcp_sender_init(sender, receiver, dir, seg);
		if (dir == ALG_TCP_DIR_REPLY && !has_ack)
			return true;
	}

	/* Some stacks send RST+ACK with a zero ACK; judge those by SEQ only. */
	if (!has_ack || (rst && !ack)) {
		ack = receiver->td_end;
		sack = receiver->td_end;
	}

	/* An RST answering our SYN may carry seq 0 (RFC 793 reset generation). */
	if (rst && !seq && state == ALG_TCP_SYN_SENT) {
		seq = sender->td_end;
		end = sender->td_end;
	}

	if (!alg_seq_before(seq, sender->td_maxend + 1))
		reason = "SEQ is over the upper bound (over the window of the receiver)";
	else if (receiver->td_maxwin &&
		 !alg_seq_after(end, sender->td_end - receiver->td_maxwin - 1))
		reason = "SEQ is under the lower bound (already ACKed data retransmitted)";
	else if (!alg_seq_before(sack, receiver->td_end + 1))
		reason = "ACK is over the upper bound (ACKed data not seen yet)";
	else if (!alg_seq_after(sack, receiver->td_end -
				alg_tcp_maxackwin(sender) - 1))
		reason = "ACK is under the lower bound (possible overly delayed ACK)";

	if (reason) {
		if (why)
			*why = reason;
		return be_liberal || (sender->flags & ALG_TCP_FLAG_BE_LIBERAL);
	}

	/* The SYN's window is never scaled (RFC 7323 section 2.2). */
	if (!syn)
		win <<= sender->td_scale;

	/* SACKed data beyond ACK is buffered, so it widens the window too. */
	swin = win + (sack - ack);
	if (sender->td_maxwin < swin)
		sender->td_maxwin = swin;
	if (alg_seq_after(end, sender->td_end)) {
		sender->td_end = end;
		sender->flags |= ALG_TCP_FLAG_DATA_UNACK;
	}
	if (has_ack) {
		if (!(sender->flags & ALG_TCP_FLAG_MAXACK_SET) ||
		    alg_seq_after(ack, sender->td_maxack))
			sender->td_maxack = ack;
		sender->flags |= ALG_TCP_FLAG_MAXACK_SET;
	}

	/* Data past maxend got through, so the receiver's window is larger. */
	if (receiver->td_maxwin && alg_seq_after(end, sender->td_maxend))
		receiver->td_maxwin += end - sender->td_maxend;
	if (alg_seq_after(sack + win, receiver->td_maxend - 1)) {
		receiver->td_maxend = sack + win;
		/* A zero window still admits a one-byte probe. */
		if (!win)
			receiver->td_maxend++;
	}
	if (ack == receiver->td_end)
		receiver->flags &= ~ALG_TCP_FLAG_DATA_UNACK;

	return true;
}
