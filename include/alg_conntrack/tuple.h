/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection is seen from two sides: the ORIGINAL tuple of the packet that
 * opened it and the REPLY tuple that answers come with. Both are keys of the
 * same hash table, so the layout of the key part is fixed and padding-free.
 */
#ifndef _ALG_TUPLE_H
#define _ALG_TUPLE_H

#include "alg_conntrack/compat.h"

enum alg_dir {
	ALG_DIR_ORIGINAL = 0,
	ALG_DIR_REPLY = 1,
	ALG_DIR_MAX = 2,
};

/*
 * For TCP and UDP, sport/dport are the ports. For ICMP the echo id stands in
 * for the source port (as in netfilter) and the type and code are kept in
 * icmp_type/icmp_code; dport is 0. Other protocols use addresses only.
 */
struct alg_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 icmp_type;
	u8 icmp_code;
	u8 dir;		/* not part of the key */
};

/* Bytes of struct alg_tuple that identify a flow: all but dir. */
#define ALG_TUPLE_KEY_LEN	offsetof(struct alg_tuple, dir)

#define ALG_PROTO_ICMP	1
#define ALG_PROTO_TCP	6
#define ALG_PROTO_UDP	17

static inline bool alg_tuple_equal(const struct alg_tuple *a,
				   const struct alg_tuple *b)
{
	return !memcmp(a, b, ALG_TUPLE_KEY_LEN);
}

/* ICMP query types that have an answer, and that answer; -1 for others. */
static inline int alg_icmp_reply_type(u8 type)
{
	switch (type) {
	case 8:	 return 0;	/* echo request -> echo reply */
	case 0:	 return 8;
	case 13: return 14;	/* timestamp */
	case 14: return 13;
	case 15: return 16;	/* information */
	case 16: return 15;
	case 17: return 18;	/* address mask */
	case 18: return 17;
	default: return -1;
	}
}

/* ICMP errors quote a packet and belong to its connection; never a tuple. */
static inline bool alg_icmp_type_is_error(u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * The tuple the other side's packets carry. Returns false for ICMP types that
 * have no reply, which therefore cannot start a connection.
 */
static inline bool alg_tuple_invert(struct alg_tuple *inv,
				    const struct alg_tuple *t)
{
	memset(inv, 0, sizeof(*inv));
	inv->saddr = t->daddr;
	inv->daddr = t->saddr;
	inv->proto = t->proto;
	inv->dir = !t->dir;
	if (t->proto == ALG_PROTO_ICMP) {
		int rt = alg_icmp_reply_type(t->icmp_type);

		if (rt < 0)
			return false;
		inv->icmp_type = rt;
		inv->icmp_code = t->icmp_code;
		inv->sport = t->sport;	/* the echo id is the same both ways */
		return true;
	}
	inv->sport = t->dport;
	inv->dport = t->sport;
	return true;
}

#endif /* _ALG_TUPLE_H */
