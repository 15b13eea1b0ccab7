/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctnetlink's message layout (nf_conntrack_netlink's attributes, which
 * conntrack-tools and conntrackd parse through libnetfilter_conntrack and
 * reject on any size mismatch) and its dump filter. Pure logic over a view
 * of a connection, written through a small attribute writer, so that the
 * unit test builds the same bytes with libmnl and parses them with
 * libnetfilter_conntrack; src/ui/ctnetlink.c supplies the kernel writer.
 */
#ifndef _ALG_CTNL_H
#define _ALG_CTNL_H

#include "alg_conntrack/compat.h"
#include "alg_conntrack/tuple.h"

#include <linux/netfilter/nfnetlink_conntrack.h>

/* nf_conntrack_netlink's CTA_FILTER_ORIG/REPLY_FLAGS bits (nf_internals.h). */
#define ALG_CTNL_F_IP_SRC	BIT(0)
#define ALG_CTNL_F_IP_DST	BIT(1)
#define ALG_CTNL_F_ZONE		BIT(2)
#define ALG_CTNL_F_PROTO_NUM	BIT(3)
#define ALG_CTNL_F_SRC_PORT	BIT(4)
#define ALG_CTNL_F_DST_PORT	BIT(5)
#define ALG_CTNL_F_ICMP_TYPE	BIT(6)
#define ALG_CTNL_F_ICMP_CODE	BIT(7)
#define ALG_CTNL_F_ICMP_ID	BIT(8)
#define ALG_CTNL_F_ALL		(BIT(12) - 1)	/* ICMPv6 bits never match */

/* What a message tells of a connection. */
struct alg_ctnl_conn {
	const struct alg_tuple *tuple[ALG_DIR_MAX];
	const struct alg_tuple *master;		/* original tuple, or NULL */
	const char *helper;			/* or NULL */
	u32 status;				/* IPS_* bits */
	u32 timeout;				/* seconds left */
	u32 mark;
	u32 id;
	u32 use;
	bool report;				/* an event a request caused */
	bool tcp;				/* the fields below are set */
	u8 tcp_state;				/* TCP_CONNTRACK_* */
	u8 tcp_wscale[ALG_DIR_MAX];
	u8 tcp_flags[ALG_DIR_MAX];		/* IP_CT_TCP_FLAG_* */
	bool seqadj;
	struct {
		u32 pos;
		u32 before;
		u32 after;
	} seq[ALG_DIR_MAX];
};

/* Which message: a dump or get answer, or one of the three events. */
enum alg_ctnl_kind {
	ALG_CTNL_ENTRY,
	ALG_CTNL_EV_NEW,
	ALG_CTNL_EV_UPDATE,
	ALG_CTNL_EV_DESTROY,
};

/*
 * The attribute writer: the kernel's wraps an skb (nla_put), the unit
 * test's libmnl. Each returns 0, or nonzero when the message is full.
 */
struct alg_nlw;
int alg_nlw_put(struct alg_nlw *w, u16 type, const void *data, u16 len);
void *alg_nlw_nest(struct alg_nlw *w, u16 type);
void alg_nlw_nest_end(struct alg_nlw *w, void *nest);

/* The attributes after the nfgenmsg header; nonzero: the message is full. */
int alg_ctnl_conn_put(struct alg_nlw *w, const struct alg_ctnl_conn *c,
		      enum alg_ctnl_kind kind);
int alg_ctnl_tuple_put(struct alg_nlw *w, u16 type, const struct alg_tuple *t);

/* What a message tells of an expectation. */
struct alg_ctnl_exp {
	const struct alg_tuple *tuple;		/* sport: any */
	const struct alg_tuple *master;
	const char *helper;			/* or NULL */
	const char *fn;				/* NAT's setup, or NULL */
	u32 timeout;				/* seconds left */
	u32 id;
	bool nat;				/* the three below are set */
	u32 nat_dir;
	__be32 nat_addr;
	__be16 nat_port;
};

int alg_ctnl_exp_put(struct alg_nlw *w, const struct alg_ctnl_exp *e);

/* A dump's or flush's selection: netfilter's struct ctnetlink_filter. */
struct alg_ctnl_filter {
	u8 family;		/* 0: any, else only AF_INET matches */
	u32 flags[ALG_DIR_MAX];	/* ALG_CTNL_F_* of the tuple fields to compare */
	struct alg_tuple tuple[ALG_DIR_MAX];
	u32 mark, mark_mask;
	u32 status, status_mask;
};

bool alg_ctnl_filter_match(const struct alg_ctnl_filter *f,
			   const struct alg_ctnl_conn *c);

/* The tuple fields a filter's flags may name for protocol proto. */
u32 alg_ctnl_filter_fields(u8 proto);

#endif /* _ALG_CTNL_H */
