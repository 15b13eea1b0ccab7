/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP state machine and window tracking for alg_conntrack.
 *
 * The behaviour follows netfilter's nf_conntrack_proto_tcp so that rulesets
 * and /proc readers see the same states and the same verdicts. Nothing here
 * touches skbs, locks or timers: the caller extracts the header fields, holds
 * the connection lock and owns the timeout, which lets the same code run in
 * the userspace unit tests.
 */
#ifndef _ALG_TCP_STATE_H
#define _ALG_TCP_STATE_H

#include "alg_conntrack/compat.h"

/* Values match netfilter's enum tcp_conntrack so dumps line up. */
enum alg_tcp_state {
	ALG_TCP_NONE,
	ALG_TCP_SYN_SENT,
	ALG_TCP_SYN_RECV,
	ALG_TCP_ESTABLISHED,
	ALG_TCP_FIN_WAIT,
	ALG_TCP_CLOSE_WAIT,
	ALG_TCP_LAST_ACK,
	ALG_TCP_TIME_WAIT,
	ALG_TCP_CLOSE,
	ALG_TCP_SYN_SENT2,
	ALG_TCP_STATE_MAX,
	/*
	 * Verdicts of alg_tcp_state_next() only; a connection never holds
	 * them. IGNORE: let the segment pass without changing state, since
	 * we may be the side that is out of sync. INVALID: drop/mark
	 * invalid. REOPEN: a SYN on a finished connection; kill it and track
	 * the segment as a new connection.
	 */
	ALG_TCP_IGNORE,
	ALG_TCP_INVALID,
	ALG_TCP_REOPEN,
};

/* Timeout slots beyond the per-state ones, as in netfilter. */
enum {
	ALG_TCP_TIMEOUT_RETRANS = ALG_TCP_STATE_MAX,
	ALG_TCP_TIMEOUT_UNACK,
	ALG_TCP_TIMEOUT_MAX,
};

#define ALG_TCP_DIR_ORIGINAL	0
#define ALG_TCP_DIR_REPLY	1

/* Bits of TCP header byte 13, so callers can pass the raw byte. */
#define ALG_TCPHDR_FIN		0x01
#define ALG_TCPHDR_SYN		0x02
#define ALG_TCPHDR_RST		0x04
#define ALG_TCPHDR_PSH		0x08
#define ALG_TCPHDR_ACK		0x10
#define ALG_TCPHDR_URG		0x20
#define ALG_TCPHDR_ECE		0x40
#define ALG_TCPHDR_CWR		0x80

enum alg_tcp_seg_class {
	ALG_TCP_SEG_SYN,
	ALG_TCP_SEG_SYNACK,
	ALG_TCP_SEG_FIN,
	ALG_TCP_SEG_ACK,
	ALG_TCP_SEG_RST,
	ALG_TCP_SEG_NONE,
	ALG_TCP_SEG_MAX,
};

/* alg_tcp_dir.flags; values match netfilter's IP_CT_TCP_FLAG_*. */
#define ALG_TCP_FLAG_WINDOW_SCALE	0x01
#define ALG_TCP_FLAG_SACK_PERM		0x02
#define ALG_TCP_FLAG_CLOSE_INIT		0x04	/* caller sets it */
#define ALG_TCP_FLAG_BE_LIBERAL		0x08
#define ALG_TCP_FLAG_DATA_UNACK		0x10
#define ALG_TCP_FLAG_MAXACK_SET		0x20

#define ALG_TCP_MAX_WSCALE	14	/* RFC 7323 */
#define ALG_TCP_WSCALE_NONE	0xff

/* What we know about one direction's sender. Zeroed means "not seen". */
struct alg_tcp_dir {
	u32 td_end;	/* highest seq + len sent */
	u32 td_maxend;	/* highest seq the peer allowed us to send */
	u32 td_maxwin;	/* largest window seen, 0 until initialised */
	u32 td_maxack;	/* highest ACK sent, valid with MAXACK_SET */
	u8 td_scale;
	u8 flags;
};

/* The header fields window tracking needs, in host byte order. */
struct alg_tcp_seg {
	u32 seq;
	u32 ack;
	u32 end;		/* see alg_tcp_seg_end() */
	u32 win;		/* raw, unscaled */
	u32 sack_highest;	/* highest SACK right edge, if sack_seen */
	u8 flags;		/* ALG_TCPHDR_* */
	u8 wscale;		/* ALG_TCP_WSCALE_NONE if absent */
	bool sack_perm;
	bool sack_seen;
};

extern const char *const alg_tcp_state_names[ALG_TCP_STATE_MAX];
extern const unsigned int alg_tcp_timeouts_default[ALG_TCP_TIMEOUT_MAX];
extern const char *const alg_tcp_timeout_names[ALG_TCP_TIMEOUT_MAX];

/* Wrap-safe sequence comparisons (RFC 1982 serial arithmetic). */
static inline bool alg_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool alg_seq_after(u32 a, u32 b)
{
	return alg_seq_before(b, a);
}

/* SYN and FIN each occupy one sequence number. */
static inline u32 alg_tcp_seg_end(u32 seq, u32 payload_len, u8 tcp_flags)
{
	return seq + payload_len + !!(tcp_flags & ALG_TCPHDR_SYN) +
	       !!(tcp_flags & ALG_TCPHDR_FIN);
}

const char *alg_tcp_state_name(enum alg_tcp_state state);
bool alg_tcp_flags_valid(u8 tcp_flags);
enum alg_tcp_seg_class alg_tcp_seg_classify(u8 tcp_flags);
enum alg_tcp_state alg_tcp_state_next(enum alg_tcp_state old, int dir,
				      u8 tcp_flags);
void alg_tcp_options_parse(const u8 *opt, unsigned int len,
			   struct alg_tcp_seg *seg);
enum alg_tcp_state alg_tcp_conn_init(struct alg_tcp_dir *orig,
				     struct alg_tcp_dir *reply,
				     const struct alg_tcp_seg *seg);
bool alg_tcp_in_window(struct alg_tcp_dir *sender,
		       struct alg_tcp_dir *receiver, int dir,
		       enum alg_tcp_state state,
		       const struct alg_tcp_seg *seg, bool be_liberal,
		       const char **why);

#endif /* _ALG_TCP_STATE_H */
