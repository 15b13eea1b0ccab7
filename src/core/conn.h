/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_CONN_H
#define _ALG_CONN_H

#include "alg_conntrack/tuple.h"
#include "alg_conntrack/tcp_state.h"

#include <linux/skbuff.h>
#include <linux/list_nulls.h>
#include <linux/refcount.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <net/net_namespace.h>

/* One direction of a connection, as it sits in the hash table. */
struct alg_tuple_hash {
	struct hlist_nulls_node node;
	struct alg_tuple tuple;
};

/*
 * ct->status bits: netfilter's IPS_* numbers where they overlap, so that
 * what the firewall matches and conntrack tools read (ct status, ctstatus)
 * is ct->status masked, as with nf_conntrack; ours sit above them.
 */
enum alg_conn_status {
	ALG_CONN_EXPECTED = IPS_EXPECTED_BIT,
	ALG_CONN_SEEN_REPLY = IPS_SEEN_REPLY_BIT,
	ALG_CONN_ASSURED = IPS_ASSURED_BIT,
	ALG_CONN_CONFIRMED = IPS_CONFIRMED_BIT,
	ALG_CONN_SRC_NAT = IPS_SRC_NAT_BIT,
	ALG_CONN_DST_NAT = IPS_DST_NAT_BIT,
	ALG_CONN_SEQ_ADJUST = IPS_SEQ_ADJUST_BIT,
	ALG_CONN_NAT_DONE_SRC = IPS_SRC_NAT_DONE_BIT,
	ALG_CONN_NAT_DONE_DST = IPS_DST_NAT_DONE_BIT,
	ALG_CONN_DYING = IPS_DYING_BIT,
	ALG_CONN_MASQ = 24,
	ALG_CONN_OFFLOAD = 25,	/* in the fast path's table (src/flow) */
};

/* The IPS_* part of ct->status. */
#define ALG_CONN_IPS_MASK	(BIT(ALG_CONN_MASQ) - 1)

struct alg_conn_tcp {
	struct alg_tcp_dir dir[ALG_DIR_MAX];
	u32 last_seq;
	u32 last_ack;
	u32 last_end;
	u16 last_win;
	u8 state;
	u8 last_dir;
	u8 retrans;
	u8 last_index;
};

struct alg_conn_udp {
	u32 stream_ts;	/* jiffies32 after which a replied flow is a stream */
};

struct alg_conn_ext;

/*
 * A tracked connection. ct_general must stay first: skb->_nfct points here
 * and the kernel's nf_conntrack_put() drops the reference through it.
 * Objects come from a SLAB_TYPESAFE_BY_RCU cache: a lockless reader may see
 * an object freed and reused under it, so every lookup re-checks the tuple
 * after taking its reference.
 */
struct alg_conn {
	struct nf_conntrack ct_general;
	spinlock_t lock;	/* protocol state, helper data */
	u32 timeout;		/* jiffies32 expiry once confirmed, else relative */
	u32 mark;		/* ct mark: READ_ONCE/WRITE_ONCE, no lock */
	unsigned long status;
	struct alg_tuple_hash th[ALG_DIR_MAX];
	possible_net_t net;
	struct alg_conn *master;
	struct alg_conn_ext *ext;
	struct hlist_node nat_bysource;
	u16 cpu;		/* whose unconfirmed/dying list holds th[0] */
	union {
		struct alg_conn_tcp tcp;
		struct alg_conn_udp udp;
	} proto;
};

static inline struct alg_conn *alg_th_conn(const struct alg_tuple_hash *h)
{
	return container_of(h, struct alg_conn, th[h->tuple.dir]);
}

static inline struct net *alg_conn_net(const struct alg_conn *ct)
{
	return read_pnet(&ct->net);
}

static inline const struct alg_tuple *alg_conn_tuple(const struct alg_conn *ct,
						     int dir)
{
	return &ct->th[dir].tuple;
}

static inline u8 alg_conn_proto(const struct alg_conn *ct)
{
	return ct->th[ALG_DIR_ORIGINAL].tuple.proto;
}

static inline bool alg_conn_confirmed(const struct alg_conn *ct)
{
	return test_bit(ALG_CONN_CONFIRMED, &ct->status);
}

static inline bool alg_conn_dying(const struct alg_conn *ct)
{
	return test_bit(ALG_CONN_DYING, &ct->status);
}

/* Either side of the connection is rewritten by NAT. */
static inline bool alg_conn_translated(const struct alg_conn *ct)
{
	return test_bit(ALG_CONN_SRC_NAT, &ct->status) ||
	       test_bit(ALG_CONN_DST_NAT, &ct->status);
}

/* Time stamps are 32-bit jiffies, as in netfilter, to keep the object small. */
#define alg_now()	((u32)jiffies)

static inline s32 alg_conn_expires(const struct alg_conn *ct)
{
	return (s32)(READ_ONCE(ct->timeout) - alg_now());
}

/* Jiffies left, >= 0; before confirmation the timeout is still relative. */
static inline u32 alg_conn_left(const struct alg_conn *ct)
{
	s32 left = alg_conn_confirmed(ct) ? alg_conn_expires(ct) :
					    (s32)READ_ONCE(ct->timeout);

	return left > 0 ? left : 0;
}

static inline bool alg_conn_expired(const struct alg_conn *ct)
{
	return alg_conn_expires(ct) <= 0;
}

/*
 * A connection found without a lock may have been freed and reused since
 * (SLAB_TYPESAFE_BY_RCU): what was seen before the reference was taken
 * proves nothing. With the reference held, this says whether it is (still)
 * a live entry of net's table, the only kind a walker may act on.
 */
static inline bool alg_conn_in_table(const struct alg_conn *ct,
				     const struct net *net)
{
	return alg_conn_confirmed(ct) && !alg_conn_dying(ct) &&
	       net_eq(alg_conn_net(ct), net);
}

/* May a walker holding a reference kill ct as expired? */
static inline bool alg_conn_reapable(const struct alg_conn *ct,
				     const struct net *net)
{
	return alg_conn_in_table(ct, net) && alg_conn_expired(ct);
}

/*
 * A ctinfo value no connection uses: skb->_nfct then points at a helper's
 * request ("-j CT --helper" in the raw table, before the tracker has a
 * connection; netfilter's template), which only the tracker reads.
 */
#define ALG_CT_HELPER_REQUEST	6

/* skb->_nfct: the connection pointer with ctinfo in the low bits. */
static inline struct alg_conn *alg_skb_conn(const struct sk_buff *skb,
					    enum ip_conntrack_info *ctinfo)
{
	unsigned long nfct = skb_get_nfct(skb);

	*ctinfo = nfct & NFCT_INFOMASK;
	if (unlikely(*ctinfo == ALG_CT_HELPER_REQUEST)) {
		*ctinfo = IP_CT_NEW;
		return NULL;
	}
	return (struct alg_conn *)(nfct & NFCT_PTRMASK);
}

static inline void alg_skb_set_conn(struct sk_buff *skb, struct alg_conn *ct,
				    enum ip_conntrack_info ctinfo)
{
	skb->_nfct = (unsigned long)ct | ctinfo;
}

static inline void alg_conn_get(struct alg_conn *ct)
{
	refcount_inc(&ct->ct_general.use);
}

static inline void alg_conn_put(struct alg_conn *ct)
{
	nf_conntrack_put(&ct->ct_general);
}

static inline void alg_conn_refresh(struct alg_conn *ct, u32 timeout)
{
	/* Before confirmation the timeout is relative; confirm adds now. */
	if (!alg_conn_confirmed(ct))
		WRITE_ONCE(ct->timeout, timeout);
	else if (READ_ONCE(ct->timeout) != alg_now() + timeout)
		WRITE_ONCE(ct->timeout, alg_now() + timeout);
}

struct alg_conn *alg_conn_alloc(struct net *net, const struct alg_tuple *orig,
				const struct alg_tuple *reply, gfp_t gfp);
void alg_conn_free(struct alg_conn *ct);
bool alg_conn_kill(struct alg_conn *ct);
bool alg_conn_kill_report(struct alg_conn *ct, u32 portid);
void alg_conn_nat_destroy_set(void (*fn)(struct alg_conn *ct));
void alg_conn_set_closing(struct alg_conn *ct);

int alg_conn_init(void);
void alg_conn_uninit(void);

#endif /* _ALG_CONN_H */
