// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the TCP state machine and window tracking.
 */
#include "unit.h"
#include "../../src/proto/tcp_state.c"

#define ORIG	ALG_TCP_DIR_ORIGINAL
#define REPLY	ALG_TCP_DIR_REPLY
#define SYN	ALG_TCPHDR_SYN
#define ACK	ALG_TCPHDR_ACK
#define FIN	ALG_TCPHDR_FIN
#define RST	ALG_TCPHDR_RST
#define PSH	ALG_TCPHDR_PSH
#define OOW	(-1)	/* conn_feed(): rejected by the window check */

/* What the module keeps per connection, minus locking and timers. */
struct conn {
	enum alg_tcp_state state;
	struct alg_tcp_dir d[2];
	bool liberal;
	const char *why;
};

static struct alg_tcp_seg seg_make(u32 seq, u32 ack, u32 len, u32 win,
				   u8 flags)
{
	struct alg_tcp_seg s;

	alg_tcp_options_parse(NULL, 0, &s);
	s.seq = seq;
	s.ack = ack;
	s.win = win;
	s.flags = flags;
	s.end = alg_tcp_seg_end(seq, len, flags);
	return s;
}

/* Does what the packet path will do; returns the new state or a verdict. */
static int conn_feed(struct conn *c, int dir, const struct alg_tcp_seg *s)
{
	enum alg_tcp_state next;

	if (c->state == ALG_TCP_NONE &&
	    alg_tcp_conn_init(&c->d[0], &c->d[1], s) == ALG_TCP_INVALID)
		return ALG_TCP_INVALID;

	next = alg_tcp_state_next(c->state, dir, s->flags);
	if (next >= ALG_TCP_STATE_MAX)
		return next;
	if (!alg_tcp_in_window(&c->d[dir], &c->d[!dir], dir, c->state, s,
			       c->liberal, &c->why))
		return OOW;
	c->state = next;
	return next;
}

static int feed(struct conn *c, int dir, u32 seq, u32 ack, u32 len,
		u32 win, u8 flags)
{
	struct alg_tcp_seg s = seg_make(seq, ack, len, win, flags);

	return conn_feed(c, dir, &s);
}

/* Client ISN ci, server ISN si, no options, ends ESTABLISHED. */
static void handshake(struct conn *c, u32 ci, u32 si)
{
	memset(c, 0, sizeof(*c));
	UNIT_EQ(feed(c, ORIG, ci, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
	UNIT_EQ(feed(c, REPLY, si, ci + 1, 0, 29200, SYN | ACK),
		ALG_TCP_SYN_RECV);
	UNIT_EQ(feed(c, ORIG, ci + 1, si + 1, 0, 65535, ACK),
		ALG_TCP_ESTABLISHED);
}

UNIT_TEST(names_and_timeouts)
{
	static const char *const want[] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	};
	unsigned int i;

	UNIT_EQ(ARRAY_SIZE(want), ALG_TCP_STATE_MAX);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		UNIT_STREQ(alg_tcp_state_name(i), want[i]);
	UNIT_STREQ(alg_tcp_state_name(ALG_TCP_INVALID), "UNKNOWN");
	UNIT_STREQ(alg_tcp_state_name((enum alg_tcp_state)-1), "UNKNOWN");

	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_NONE], 0);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_SYN_SENT], 120);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_SYN_RECV], 60);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_ESTABLISHED], 432000);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_FIN_WAIT], 120);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_CLOSE_WAIT], 60);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_LAST_ACK], 30);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_TIME_WAIT], 120);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_CLOSE], 10);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_SYN_SENT2], 120);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_TIMEOUT_RETRANS], 300);
	UNIT_EQ(alg_tcp_timeouts_default[ALG_TCP_TIMEOUT_UNACK], 300);

	UNIT_CHECK(!alg_tcp_timeout_names[ALG_TCP_NONE]);
	for (i = 1; i < ALG_TCP_TIMEOUT_MAX; i++)
		UNIT_CHECK(alg_tcp_timeout_names[i] &&
			   !strncmp(alg_tcp_timeout_names[i], "tcp_timeout_",
				    12));
	UNIT_STREQ(alg_tcp_timeout_names[ALG_TCP_ESTABLISHED],
		   "tcp_timeout_established");
}

UNIT_TEST(seq_compare_wraps)
{
	UNIT_CHECK(alg_seq_before(1, 2));
	UNIT_CHECK(!alg_seq_before(2, 2));
	UNIT_CHECK(!alg_seq_after(2, 2));
	UNIT_CHECK(alg_seq_before(0xfffffff0u, 0x10));
	UNIT_CHECK(alg_seq_after(0x10, 0xfffffff0u));
	UNIT_CHECK(!alg_seq_after(0xfffffff0u, 0x10));
	UNIT_EQ(alg_tcp_seg_end(0xffffffffu, 0, SYN), 0);
	UNIT_EQ(alg_tcp_seg_end(10, 5, FIN | ACK), 16);
	UNIT_EQ(alg_tcp_seg_end(10, 5, ACK), 15);
}

UNIT_TEST(classify_and_valid_flags)
{
	UNIT_EQ(alg_tcp_seg_classify(SYN), ALG_TCP_SEG_SYN);
	UNIT_EQ(alg_tcp_seg_classify(SYN | ACK), ALG_TCP_SEG_SYNACK);
	UNIT_EQ(alg_tcp_seg_classify(FIN | ACK), ALG_TCP_SEG_FIN);
	UNIT_EQ(alg_tcp_seg_classify(ACK | PSH), ALG_TCP_SEG_ACK);
	UNIT_EQ(alg_tcp_seg_classify(RST | ACK), ALG_TCP_SEG_RST);
	UNIT_EQ(alg_tcp_seg_classify(RST | SYN), ALG_TCP_SEG_RST);
	UNIT_EQ(alg_tcp_seg_classify(0), ALG_TCP_SEG_NONE);
	UNIT_EQ(alg_tcp_seg_classify(PSH), ALG_TCP_SEG_NONE);

	UNIT_CHECK(alg_tcp_flags_valid(SYN));
	UNIT_CHECK(alg_tcp_flags_valid(SYN | ACK | ALG_TCPHDR_ECE));
	UNIT_CHECK(alg_tcp_flags_valid(ACK | PSH | ALG_TCPHDR_CWR));
	UNIT_CHECK(alg_tcp_flags_valid(FIN | ACK | PSH));
	UNIT_CHECK(alg_tcp_flags_valid(RST));
	UNIT_CHECK(!alg_tcp_flags_valid(0));
	UNIT_CHECK(!alg_tcp_flags_valid(FIN));
	UNIT_CHECK(!alg_tcp_flags_valid(SYN | FIN));
	UNIT_CHECK(!alg_tcp_flags_valid(SYN | RST));
	UNIT_CHECK(!alg_tcp_flags_valid(0xff));
}

UNIT_TEST(state_next_stays_in_range)
{
	int dir, st, f, next;

	for (dir = 0; dir < 2; dir++)
		for (st = 0; st < ALG_TCP_STATE_MAX; st++)
			for (f = 0; f < 256; f++) {
				next = alg_tcp_state_next(st, dir, f);
				UNIT_CHECK(next < ALG_TCP_STATE_MAX ||
					   next == ALG_TCP_IGNORE ||
					   next == ALG_TCP_INVALID ||
					   next == ALG_TCP_REOPEN);
			}
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_STATE_MAX, ORIG, ACK),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_REOPEN, REPLY, ACK),
		ALG_TCP_INVALID);
}

UNIT_TEST(state_next_ignore_and_invalid)
{
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_ESTABLISHED, ORIG, SYN),
		ALG_TCP_IGNORE);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_ESTABLISHED, REPLY, SYN | ACK),
		ALG_TCP_IGNORE);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT, REPLY, ACK),
		ALG_TCP_IGNORE);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT, ORIG, ACK),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT, ORIG, SYN | ACK),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT, ORIG, FIN | ACK),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_ESTABLISHED, REPLY, SYN),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_ESTABLISHED, ORIG, 0),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_NONE, ORIG, SYN | ACK),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_NONE, REPLY, SYN),
		ALG_TCP_INVALID);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT, ORIG, SYN),
		ALG_TCP_SYN_SENT);
}

UNIT_TEST(handshake_established)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	UNIT_EQ(c.state, ALG_TCP_ESTABLISHED);
	UNIT_EQ(c.d[0].td_end, 1001);
	UNIT_EQ(c.d[1].td_end, 5001);
	UNIT_EQ(c.d[0].td_maxend, 1001 + 29200);
	UNIT_EQ(c.d[1].td_maxend, 5001 + 65535);
	UNIT_EQ(c.d[0].td_scale, 0);
	UNIT_EQ(c.d[1].td_scale, 0);
	UNIT_CHECK(c.d[0].flags & ALG_TCP_FLAG_MAXACK_SET);
	UNIT_EQ(c.d[0].td_maxack, 5001);
	UNIT_EQ(c.d[1].td_maxack, 1001);
}

UNIT_TEST(in_window_data_accepted)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 100, 65535, ACK | PSH),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(c.d[0].td_end, 1101);
	UNIT_CHECK(c.d[0].flags & ALG_TCP_FLAG_DATA_UNACK);
	UNIT_CHECK(!c.why);

	UNIT_EQ(feed(&c, REPLY, 5001, 1101, 0, 29200, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_CHECK(!(c.d[0].flags & ALG_TCP_FLAG_DATA_UNACK));
	UNIT_EQ(c.d[0].td_maxend, 1101 + 29200);

	/* A retransmission of acked data is still inside the window. */
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 100, 65535, ACK | PSH),
		ALG_TCP_ESTABLISHED);
	/* So is a keepalive probing one byte below td_end. */
	UNIT_EQ(feed(&c, ORIG, 1100, 5001, 0, 65535, ACK),
		ALG_TCP_ESTABLISHED);
}

static void check_oow(struct conn *c, int dir, struct alg_tcp_seg s,
		      const char *reason)
{
	struct conn before = *c;

	UNIT_EQ(conn_feed(c, dir, &s), OOW);
	UNIT_CHECK(c->why && !strcmp(c->why, reason));
	if (c->why && strcmp(c->why, reason))
		printf("#   got \"%s\"\n", c->why);
	/* A rejected segment must not move the windows. */
	UNIT_CHECK(!memcmp(c->d, before.d, sizeof(c->d)));
	UNIT_EQ(c->state, before.state);
}

UNIT_TEST(out_of_window_rejected)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	check_oow(&c, ORIG, seg_make(1001 + 200000, 5001, 10, 65535, ACK),
		  "SEQ is over the upper bound (over the window of the receiver)");
	check_oow(&c, ORIG, seg_make(1001 - 40000, 5001, 10, 65535, ACK),
		  "SEQ is under the lower bound (already ACKed data retransmitted)");
	check_oow(&c, ORIG, seg_make(1001, 5001 + 1000, 0, 65535, ACK),
		  "ACK is over the upper bound (ACKed data not seen yet)");
	check_oow(&c, ORIG, seg_make(1001, 5001 - 70000, 0, 65535, ACK),
		  "ACK is under the lower bound (possible overly delayed ACK)");
	/* RST is judged by its sequence number too. */
	check_oow(&c, REPLY, seg_make(5001 + 200000, 0, 0, 0, RST),
		  "SEQ is over the upper bound (over the window of the receiver)");
	UNIT_EQ(c.state, ALG_TCP_ESTABLISHED);
}

UNIT_TEST(be_liberal_accepts_out_of_window)
{
	struct conn c;
	struct alg_tcp_dir before[2];

	handshake(&c, 1000, 5000);
	c.liberal = true;
	memcpy(before, c.d, sizeof(before));
	UNIT_EQ(feed(&c, ORIG, 1001 + 200000, 5001, 10, 65535, ACK),
		ALG_TCP_ESTABLISHED);
	/* Still reported for logging, but the windows stay put. */
	UNIT_CHECK(c.why && !strncmp(c.why, "SEQ is over", 11));
	UNIT_CHECK(!memcmp(c.d, before, sizeof(before)));

	/* Per-direction liberal flag works without the global knob. */
	handshake(&c, 1000, 5000);
	c.d[0].flags |= ALG_TCP_FLAG_BE_LIBERAL;
	UNIT_EQ(feed(&c, ORIG, 1001 + 200000, 5001, 10, 65535, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(feed(&c, REPLY, 5001 + 200000, 1001, 10, 65535, ACK), OOW);
}

UNIT_TEST(pickup_midstream_is_liberal)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 7000, 9000, 50, 1000, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_CHECK(c.d[0].flags & ALG_TCP_FLAG_BE_LIBERAL);
	UNIT_CHECK(c.d[1].flags & ALG_TCP_FLAG_BE_LIBERAL);
	UNIT_EQ(feed(&c, REPLY, 9000, 7050, 0, 1000, ACK),
		ALG_TCP_ESTABLISHED);
	/* Unknown scale factors make such windows unreliable. */
	UNIT_EQ(feed(&c, ORIG, 7050 + 500000, 9000, 10, 1000, ACK),
		ALG_TCP_ESTABLISHED);

	/* Picked up from a keepalive: its reply ACKs one past td_end. */
	memset(&c, 0, sizeof(c));
	feed(&c, ORIG, 6999, 9000, 0, 1000, ACK);
	UNIT_EQ(feed(&c, REPLY, 9000, 7000, 0, 1000, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_CHECK(!c.why);

	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 1, 0, 0, 0, FIN | ACK), ALG_TCP_INVALID);
	UNIT_EQ(feed(&c, ORIG, 1, 0, 0, 0, SYN | ACK), ALG_TCP_INVALID);
	UNIT_EQ(feed(&c, ORIG, 1, 0, 0, 0, RST), ALG_TCP_INVALID);
	UNIT_EQ(c.state, ALG_TCP_NONE);
}

UNIT_TEST(unknown_receiver_window_has_no_lower_bound)
{
	struct alg_tcp_dir snd = { .td_end = 7100, .td_maxend = 8100,
				   .td_maxwin = 1000 };
	struct alg_tcp_dir rcv = { 0 };
	struct alg_tcp_seg s = seg_make(7000, 0, 50, 1000, ACK | PSH);
	const char *why = "unset";

	/* Until the peer speaks, a retransmission cannot be judged old. */
	UNIT_CHECK(alg_tcp_in_window(&snd, &rcv, ORIG, ALG_TCP_ESTABLISHED,
				     &s, false, &why));
	UNIT_CHECK(!why);
	UNIT_EQ(snd.td_end, 7100);
}

UNIT_TEST(close_initiated_by_client)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 0, 65535, FIN | ACK),
		ALG_TCP_FIN_WAIT);
	UNIT_EQ(feed(&c, REPLY, 5001, 1002, 0, 29200, ACK),
		ALG_TCP_CLOSE_WAIT);
	UNIT_EQ(feed(&c, REPLY, 5001, 1002, 0, 29200, FIN | ACK),
		ALG_TCP_LAST_ACK);
	UNIT_EQ(feed(&c, ORIG, 1002, 5002, 0, 65535, ACK),
		ALG_TCP_TIME_WAIT);
	/* A retransmitted last ACK changes nothing. */
	UNIT_EQ(feed(&c, ORIG, 1002, 5002, 0, 65535, ACK),
		ALG_TCP_TIME_WAIT);
}

UNIT_TEST(close_initiated_by_server)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, REPLY, 5001, 1001, 0, 29200, FIN | ACK),
		ALG_TCP_FIN_WAIT);
	UNIT_EQ(feed(&c, ORIG, 1001, 5002, 0, 65535, ACK),
		ALG_TCP_CLOSE_WAIT);
	UNIT_EQ(feed(&c, ORIG, 1001, 5002, 0, 65535, FIN | ACK),
		ALG_TCP_LAST_ACK);
	UNIT_EQ(feed(&c, REPLY, 5002, 1002, 0, 29200, ACK),
		ALG_TCP_TIME_WAIT);
}

UNIT_TEST(simultaneous_close)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 0, 65535, FIN | ACK),
		ALG_TCP_FIN_WAIT);
	UNIT_EQ(feed(&c, REPLY, 5001, 1001, 0, 29200, FIN | ACK),
		ALG_TCP_LAST_ACK);
	UNIT_EQ(feed(&c, ORIG, 1002, 5002, 0, 65535, ACK),
		ALG_TCP_TIME_WAIT);
}

UNIT_TEST(rst_closes)
{
	struct conn c;
	int st, dir;

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, REPLY, 5001, 0, 0, 0, RST), ALG_TCP_CLOSE);

	handshake(&c, 1000, 5000);
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 0, 0, RST | ACK), ALG_TCP_CLOSE);

	/* Some stacks send RST+ACK with ack 0; only the SEQ counts. */
	handshake(&c, 0x80000000u, 5000);
	UNIT_EQ(feed(&c, REPLY, 5001, 0, 0, 0, RST | ACK), ALG_TCP_CLOSE);

	/* RST refusing a SYN, with seq 0 as RFC 793 allows. */
	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 1000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
	UNIT_EQ(feed(&c, REPLY, 0, 1001, 0, 0, RST | ACK), ALG_TCP_CLOSE);

	/* The client aborting its own SYN may use seq 0 as well. */
	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 0x90000000u, 0, 0, 65535, SYN),
		ALG_TCP_SYN_SENT);
	UNIT_EQ(feed(&c, ORIG, 0, 0, 0, 0, RST), ALG_TCP_CLOSE);

	for (dir = 0; dir < 2; dir++) {
		for (st = ALG_TCP_SYN_SENT; st < ALG_TCP_STATE_MAX; st++)
			UNIT_EQ(alg_tcp_state_next(st, dir, RST | ACK),
				ALG_TCP_CLOSE);
		UNIT_EQ(alg_tcp_state_next(ALG_TCP_NONE, dir, RST),
			ALG_TCP_INVALID);
	}
}

UNIT_TEST(simultaneous_open)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 1000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
	UNIT_EQ(feed(&c, REPLY, 5000, 0, 0, 29200, SYN), ALG_TCP_SYN_SENT2);
	/* Retransmitted SYNs keep us there. */
	UNIT_EQ(feed(&c, REPLY, 5000, 0, 0, 29200, SYN), ALG_TCP_SYN_SENT2);
	UNIT_EQ(feed(&c, ORIG, 1000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT2);
	UNIT_EQ(feed(&c, ORIG, 1000, 5001, 0, 65535, SYN | ACK),
		ALG_TCP_SYN_RECV);
	UNIT_EQ(feed(&c, REPLY, 5000, 1001, 0, 29200, SYN | ACK),
		ALG_TCP_IGNORE);
	UNIT_EQ(feed(&c, ORIG, 1001, 5001, 0, 65535, ACK),
		ALG_TCP_ESTABLISHED);

	/* The other side may be the first to send its SYN/ACK. */
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT2, REPLY, SYN | ACK),
		ALG_TCP_SYN_RECV);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT2, REPLY, ACK),
		ALG_TCP_IGNORE);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_SYN_SENT2, ORIG, ACK),
		ALG_TCP_INVALID);
}

UNIT_TEST(syn_reopens_finished_connection)
{
	struct conn c;

	handshake(&c, 1000, 5000);
	feed(&c, ORIG, 1001, 5001, 0, 65535, FIN | ACK);
	feed(&c, REPLY, 5001, 1002, 0, 29200, FIN | ACK);
	UNIT_EQ(feed(&c, ORIG, 1002, 5002, 0, 65535, ACK),
		ALG_TCP_TIME_WAIT);
	UNIT_EQ(feed(&c, ORIG, 90000, 0, 0, 65535, SYN), ALG_TCP_REOPEN);
	UNIT_EQ(c.state, ALG_TCP_TIME_WAIT);

	UNIT_EQ(alg_tcp_state_next(ALG_TCP_CLOSE, ORIG, SYN),
		ALG_TCP_REOPEN);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_TIME_WAIT, REPLY, SYN),
		ALG_TCP_REOPEN);
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_CLOSE, REPLY, SYN),
		ALG_TCP_INVALID);
	/* A SYN on a live connection is not a reopen. */
	UNIT_EQ(alg_tcp_state_next(ALG_TCP_LAST_ACK, ORIG, SYN),
		ALG_TCP_IGNORE);

	/* What the caller does on REOPEN: start over with the SYN. */
	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 90000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
}

UNIT_TEST(syn_with_new_isn_resyncs)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	UNIT_EQ(feed(&c, ORIG, 1000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
	/* Client restarted with a higher ISN before any answer. */
	UNIT_EQ(feed(&c, ORIG, 800000, 0, 0, 65535, SYN), ALG_TCP_SYN_SENT);
	UNIT_EQ(c.d[0].td_end, 800001);
	UNIT_EQ(feed(&c, REPLY, 5000, 800001, 0, 29200, SYN | ACK),
		ALG_TCP_SYN_RECV);
}

UNIT_TEST(sequence_wraparound)
{
	struct conn c;
	const u32 ci = 0xfffffff0u, si = 0x7fffff00u;

	handshake(&c, ci, si);
	/* 100 bytes from 0xfffffff1 end at 0x55, past zero. */
	UNIT_EQ(feed(&c, ORIG, ci + 1, si + 1, 100, 65535, ACK | PSH),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(c.d[0].td_end, 0x55);
	UNIT_EQ(feed(&c, REPLY, si + 1, 0x55, 0, 29200, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_CHECK(!(c.d[0].flags & ALG_TCP_FLAG_DATA_UNACK));
	UNIT_EQ(feed(&c, ORIG, 0x55, si + 1, 1000, 65535, ACK | PSH),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(c.d[0].td_end, 0x55 + 1000);

	/* The server's side wraps while we check the ACK bound. */
	handshake(&c, 1000, 0xffffff00u);
	UNIT_EQ(feed(&c, REPLY, 0xffffff01u, 1001, 0x200, 29200, ACK | PSH),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(feed(&c, ORIG, 1001, 0x101, 0, 65535, ACK),
		ALG_TCP_ESTABLISHED);
	UNIT_EQ(feed(&c, ORIG, 1001, 0x102, 0, 65535, ACK), OOW);
	UNIT_CHECK(c.why && !strncmp(c.why, "ACK is over", 11));
	/* Far past the window still fails after the wrap. */
	UNIT_EQ(feed(&c, REPLY, 0x101 + 1000000, 1001, 10, 29200, ACK), OOW);
}

static const u8 opt_ws7[] = { 1, 3, 3, 7 };

/* Handshake with optional window scale 7 on either side. */
static void scaled_handshake(struct conn *c, bool client_ws, bool server_ws)
{
	struct alg_tcp_seg s;

	memset(c, 0, sizeof(*c));
	s = seg_make(1000, 0, 0, 65535, SYN);
	alg_tcp_options_parse(opt_ws7, client_ws ? sizeof(opt_ws7) : 0, &s);
	UNIT_EQ(conn_feed(c, ORIG, &s), ALG_TCP_SYN_SENT);

	s = seg_make(5000, 1001, 0, 1000, SYN | ACK);
	alg_tcp_options_parse(opt_ws7, server_ws ? sizeof(opt_ws7) : 0, &s);
	UNIT_EQ(conn_feed(c, REPLY, &s), ALG_TCP_SYN_RECV);

	UNIT_EQ(feed(c, ORIG, 1001, 5001, 0, 512, ACK), ALG_TCP_ESTABLISHED);
	UNIT_EQ(feed(c, REPLY, 5001, 1001, 0, 1000, ACK),
		ALG_TCP_ESTABLISHED);
}

UNIT_TEST(window_scaling_needs_both_sides)
{
	struct conn c;

	scaled_handshake(&c, true, true);
	UNIT_EQ(c.d[0].td_scale, 7);
	UNIT_EQ(c.d[1].td_scale, 7);
	/* The server's 1000 means 128000 once scaled. */
	UNIT_EQ(c.d[0].td_maxend, 1001 + (1000 << 7));
	UNIT_EQ(feed(&c, ORIG, 1001 + 100000, 5001, 10, 512, ACK | PSH),
		ALG_TCP_ESTABLISHED);

	scaled_handshake(&c, true, false);
	UNIT_EQ(c.d[0].td_scale, 0);
	UNIT_EQ(c.d[1].td_scale, 0);
	UNIT_EQ(c.d[0].td_maxend, 1001 + 1000);
	UNIT_EQ(feed(&c, ORIG, 1001 + 100000, 5001, 10, 512, ACK | PSH), OOW);
	UNIT_CHECK(c.why && !strncmp(c.why, "SEQ is over", 11));

	scaled_handshake(&c, false, true);
	UNIT_EQ(c.d[0].td_scale, 0);
	UNIT_EQ(c.d[1].td_scale, 0);
	UNIT_EQ(feed(&c, ORIG, 1001 + 100000, 5001, 10, 512, ACK | PSH), OOW);
}

UNIT_TEST(sack_used_only_when_permitted)
{
	static const u8 sack_perm[] = { 4, 2 };
	/* One block: left 5001+50, right 5001+100. */
	static const u8 sack_blk[] = {
		1, 1, 5, 10, 0, 0, 0x13, 0xbb, 0, 0, 0x13, 0xed,
	};
	static const u8 sack_over[] = {
		1, 1, 5, 10, 0, 0, 0x13, 0xbb, 0, 0, 0x17, 0x89,
	};
	struct alg_tcp_seg s;
	struct conn c;
	int perm;

	for (perm = 0; perm < 2; perm++) {
		memset(&c, 0, sizeof(c));
		s = seg_make(1000, 0, 0, 65535, SYN);
		alg_tcp_options_parse(sack_perm, sizeof(sack_perm), &s);
		conn_feed(&c, ORIG, &s);
		s = seg_make(5000, 1001, 0, 29200, SYN | ACK);
		alg_tcp_options_parse(sack_perm, perm ? sizeof(sack_perm) : 0,
				      &s);
		conn_feed(&c, REPLY, &s);
		feed(&c, ORIG, 1001, 5001, 0, 65535, ACK);
		UNIT_EQ(feed(&c, REPLY, 5001, 1001, 100, 29200, ACK),
			ALG_TCP_ESTABLISHED);

		s = seg_make(1001, 5001, 0, 65535, ACK);
		alg_tcp_options_parse(sack_blk, sizeof(sack_blk), &s);
		UNIT_CHECK(s.sack_seen);
		UNIT_EQ(s.sack_highest, 5101);
		UNIT_EQ(conn_feed(&c, ORIG, &s), ALG_TCP_ESTABLISHED);
		/* SACKed data is buffered, so the window opens past it. */
		UNIT_EQ(c.d[1].td_maxend, (perm ? 5101 : 5001) + 65535);

		/* SACKing unsent data counts only if SACK was agreed. */
		s = seg_make(1001, 5001, 0, 65535, ACK);
		alg_tcp_options_parse(sack_over, sizeof(sack_over), &s);
		UNIT_EQ(s.sack_highest, 6025);
		UNIT_EQ(conn_feed(&c, ORIG, &s),
			perm ? OOW : ALG_TCP_ESTABLISHED);
	}
}

UNIT_TEST(options_parse_wellformed)
{
	static const u8 mss_ws[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 15, 4, 2 };
	static const u8 two_blocks[] = {
		5, 18,
		0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xf0,
		0xff, 0xff, 0xff, 0xf8, 0x00, 0x00, 0x00, 0x10,
	};
	static const u8 eol_first[] = { 0, 3, 3, 7 };
	struct alg_tcp_seg s;

	alg_tcp_options_parse(NULL, 0, &s);
	UNIT_EQ(s.wscale, ALG_TCP_WSCALE_NONE);
	UNIT_CHECK(!s.sack_perm && !s.sack_seen);
	UNIT_EQ(s.sack_highest, 0);

	alg_tcp_options_parse(mss_ws, sizeof(mss_ws), &s);
	UNIT_EQ(s.wscale, ALG_TCP_MAX_WSCALE);
	UNIT_CHECK(s.sack_perm);

	alg_tcp_options_parse(two_blocks, sizeof(two_blocks), &s);
	UNIT_CHECK(s.sack_seen);
	UNIT_EQ(s.sack_highest, 0x10);

	alg_tcp_options_parse(eol_first, sizeof(eol_first), &s);
	UNIT_EQ(s.wscale, ALG_TCP_WSCALE_NONE);
}

UNIT_TEST(options_parse_malformed)
{
	static const struct {
		u8 b[8];
		unsigned int len;
	} cases[] = {
		{ { 3 }, 1 },			/* kind without length */
		{ { 3, 0, 3, 3, 7 }, 5 },	/* zero length */
		{ { 3, 1, 3, 3, 7 }, 5 },	/* length 1 */
		{ { 3, 3 }, 2 },		/* runs past the end */
		{ { 1, 1, 3, 3 }, 4 },
		{ { 3, 4, 7, 0 }, 4 },		/* wrong size for WS */
		{ { 5, 9, 0, 0, 0, 0, 0, 0 }, 8 },
		{ { 5, 10, 0, 0, 0, 0, 0, 0 }, 8 },
		{ { 8, 200, 3, 3, 7 }, 5 },
	};
	struct alg_tcp_seg s;
	unsigned int i;
	u8 *buf;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		/* Exact-size heap copy so ASan sees any overread. */
		buf = malloc(cases[i].len);
		memcpy(buf, cases[i].b, cases[i].len);
		alg_tcp_options_parse(buf, cases[i].len, &s);
		UNIT_EQ(s.wscale, ALG_TCP_WSCALE_NONE);
		UNIT_CHECK(!s.sack_perm && !s.sack_seen);
		free(buf);
	}
}

static u32 rng_state = 0x12345678u;

static u32 rng(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

UNIT_TEST(options_parse_fuzz)
{
	struct alg_tcp_seg s;
	unsigned int i, j, len;
	u8 *buf;

	for (i = 0; i < 200000; i++) {
		len = rng() % 41;
		buf = malloc(len ? len : 1);
		for (j = 0; j < len; j++) {
			/* Bias towards the kinds and sizes we parse. */
			buf[j] = rng() & 1 ? rng() % 12 : rng();
		}
		alg_tcp_options_parse(buf, len, &s);
		UNIT_CHECK(s.wscale == ALG_TCP_WSCALE_NONE ||
			   s.wscale <= ALG_TCP_MAX_WSCALE);
		UNIT_CHECK(s.sack_seen || !s.sack_highest);
		free(buf);
	}
}

UNIT_TEST(tracker_fuzz)
{
	static const u8 flag_set[] = {
		SYN, SYN | ACK, ACK, ACK | PSH, FIN | ACK, RST, RST | ACK,
	};
	struct alg_tcp_seg s;
	struct conn c;
	unsigned int i, j;
	int dir, r;
	u8 opt[8];

	for (i = 0; i < 2000; i++) {
		memset(&c, 0, sizeof(c));
		c.liberal = rng() & 1;
		for (j = 0; j < 50; j++) {
			dir = rng() & 1;
			s = seg_make(rng() << 8 | (rng() & 0xff),
				     rng() << 8 | (rng() & 0xff), rng() % 3000,
				     rng() & 0xffff,
				     flag_set[rng() % ARRAY_SIZE(flag_set)]);
			opt[0] = 3;
			opt[1] = 3;
			opt[2] = rng();
			opt[3] = 4;
			opt[4] = 2;
			alg_tcp_options_parse(opt, rng() % 6, &s);
			r = conn_feed(&c, dir, &s);
			UNIT_CHECK(r == OOW || r < ALG_TCP_STATE_MAX ||
				   r == ALG_TCP_IGNORE ||
				   r == ALG_TCP_INVALID ||
				   r == ALG_TCP_REOPEN);
			UNIT_CHECK(c.state < ALG_TCP_STATE_MAX);
			UNIT_CHECK(c.d[0].td_scale <= ALG_TCP_MAX_WSCALE);
			UNIT_CHECK(c.d[1].td_scale <= ALG_TCP_MAX_WSCALE);
			if (r == ALG_TCP_REOPEN)
				memset(&c, 0, sizeof(c));
		}
	}
}

int main(void)
{
	return unit_run();
}
