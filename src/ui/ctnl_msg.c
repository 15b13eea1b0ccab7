// SPDX-License-Identifier: GPL-2.0
/*
 * ctnetlink attributes of a connection, laid out as nf_conntrack_netlink
 * does: every integer big-endian and of the size libnetfilter_conntrack
 * checks, nests flagged NLA_F_NESTED by the writer. Events carry what
 * ctnetlink's events carry, so `conntrack -E` prints the same lines.
 */

#include "alg_conntrack/ctnl.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

static int alg_ctnl_u8(struct alg_nlw *w, u16 type, u8 v)
{
	return alg_nlw_put(w, type, &v, sizeof(v));
}

static int alg_ctnl_be16(struct alg_nlw *w, u16 type, __be16 v)
{
	return alg_nlw_put(w, type, &v, sizeof(v));
}

static int alg_ctnl_be32(struct alg_nlw *w, u16 type, u32 v)
{
	__be32 b = cpu_to_be32(v);

	return alg_nlw_put(w, type, &b, sizeof(b));
}

static int alg_ctnl_proto_put(struct alg_nlw *w, const struct alg_tuple *t)
{
	if (alg_ctnl_u8(w, CTA_PROTO_NUM, t->proto))
		return -1;
	switch (t->proto) {
	case ALG_PROTO_TCP:
	case ALG_PROTO_UDP:
		return alg_ctnl_be16(w, CTA_PROTO_SRC_PORT, t->sport) ||
		       alg_ctnl_be16(w, CTA_PROTO_DST_PORT, t->dport);
	case ALG_PROTO_ICMP:
		return alg_ctnl_be16(w, CTA_PROTO_ICMP_ID, t->sport) ||
		       alg_ctnl_u8(w, CTA_PROTO_ICMP_TYPE, t->icmp_type) ||
		       alg_ctnl_u8(w, CTA_PROTO_ICMP_CODE, t->icmp_code);
	}
	return 0;
}

int alg_ctnl_tuple_put(struct alg_nlw *w, u16 type, const struct alg_tuple *t)
{
	void *tn, *n;

	tn = alg_nlw_nest(w, type);
	if (!tn)
		return -1;
	n = alg_nlw_nest(w, CTA_TUPLE_IP);
	if (!n || alg_nlw_put(w, CTA_IP_V4_SRC, &t->saddr, 4) ||
	    alg_nlw_put(w, CTA_IP_V4_DST, &t->daddr, 4))
		return -1;
	alg_nlw_nest_end(w, n);
	n = alg_nlw_nest(w, CTA_TUPLE_PROTO);
	if (!n || alg_ctnl_proto_put(w, t))
		return -1;
	alg_nlw_nest_end(w, n);
	alg_nlw_nest_end(w, tn);
	return 0;
}

/* A destroyed entry's TCP part is its final state only, as ctnetlink's. */
static int alg_ctnl_tcp_put(struct alg_nlw *w, const struct alg_ctnl_conn *c,
			    bool state_only)
{
	struct nf_ct_tcp_flags f = { 0 };
	void *pn, *tn;
	int d;

	pn = alg_nlw_nest(w, CTA_PROTOINFO);
	if (!pn)
		return -1;
	tn = alg_nlw_nest(w, CTA_PROTOINFO_TCP);
	if (!tn || alg_ctnl_u8(w, CTA_PROTOINFO_TCP_STATE, c->tcp_state))
		return -1;
	if (state_only)
		goto out;
	for (d = 0; d < ALG_DIR_MAX; d++)
		if (alg_ctnl_u8(w, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL + d,
				c->tcp_wscale[d]))
			return -1;
	for (d = 0; d < ALG_DIR_MAX; d++) {
		/* The mask is the writer's to set: ctnetlink dumps it 0. */
		f.flags = c->tcp_flags[d];
		if (alg_nlw_put(w, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL + d, &f,
				sizeof(f)))
			return -1;
	}
out:
	alg_nlw_nest_end(w, tn);
	alg_nlw_nest_end(w, pn);
	return 0;
}

static int alg_ctnl_helper_put(struct alg_nlw *w, const char *name)
{
	void *n = alg_nlw_nest(w, CTA_HELP);

	if (!n || alg_nlw_put(w, CTA_HELP_NAME, name, strlen(name) + 1))
		return -1;
	alg_nlw_nest_end(w, n);
	return 0;
}

static int alg_ctnl_seqadj_put(struct alg_nlw *w, const struct alg_ctnl_conn *c)
{
	void *n;
	int d;

	for (d = 0; d < ALG_DIR_MAX; d++) {
		n = alg_nlw_nest(w, d ? CTA_SEQ_ADJ_REPLY : CTA_SEQ_ADJ_ORIG);
		if (!n ||
		    alg_ctnl_be32(w, CTA_SEQADJ_CORRECTION_POS, c->seq[d].pos) ||
		    alg_ctnl_be32(w, CTA_SEQADJ_OFFSET_BEFORE, c->seq[d].before) ||
		    alg_ctnl_be32(w, CTA_SEQADJ_OFFSET_AFTER, c->seq[d].after))
			return -1;
		alg_nlw_nest_end(w, n);
	}
	return 0;
}

int alg_ctnl_conn_put(struct alg_nlw *w, const struct alg_ctnl_conn *c,
		      enum alg_ctnl_kind kind)
{
	bool ev = kind != ALG_CTNL_ENTRY;

	if (alg_ctnl_tuple_put(w, CTA_TUPLE_ORIG, c->tuple[ALG_DIR_ORIGINAL]) ||
	    alg_ctnl_tuple_put(w, CTA_TUPLE_REPLY, c->tuple[ALG_DIR_REPLY]) ||
	    alg_ctnl_be32(w, CTA_ID, c->id) ||
	    alg_ctnl_be32(w, CTA_STATUS, c->status))
		return -1;
	/* A destroyed entry has no time left; ctnetlink leaves a 0 out. */
	if ((kind != ALG_CTNL_EV_DESTROY || c->timeout) &&
	    alg_ctnl_be32(w, CTA_TIMEOUT, c->timeout))
		return -1;
	if (c->tcp && alg_ctnl_tcp_put(w, c, kind == ALG_CTNL_EV_DESTROY))
		return -1;
	if (kind == ALG_CTNL_EV_DESTROY)
		goto mark;
	if (c->helper && alg_ctnl_helper_put(w, c->helper))
		return -1;
	if (c->master && (!ev || kind == ALG_CTNL_EV_NEW) &&
	    alg_ctnl_tuple_put(w, CTA_TUPLE_MASTER, c->master))
		return -1;
	if (!ev && (alg_ctnl_be32(w, CTA_USE, c->use) ||
		    (c->seqadj && alg_ctnl_seqadj_put(w, c))))
		return -1;
mark:
	/*
	 * Events carry the mark when there is one or a request set it, as
	 * ctnetlink's.
	 */
	if ((!ev || c->mark || c->report) && alg_ctnl_be32(w, CTA_MARK, c->mark))
		return -1;
	return 0;
}

/*
 * ctnetlink's expectation: its tuple with a mask (every field but the
 * source port, which the data connection picks), master, NAT target.
 */
int alg_ctnl_exp_put(struct alg_nlw *w, const struct alg_ctnl_exp *e)
{
	struct alg_tuple mask = {
		.saddr = cpu_to_be32(0xffffffff),
		.daddr = cpu_to_be32(0xffffffff),
		.dport = cpu_to_be16(0xffff),
		.proto = e->tuple->proto,
		.icmp_type = 0xff,
		.icmp_code = 0xff,
	};
	void *n;

	if (alg_ctnl_tuple_put(w, CTA_EXPECT_TUPLE, e->tuple) ||
	    alg_ctnl_tuple_put(w, CTA_EXPECT_MASK, &mask) ||
	    alg_ctnl_tuple_put(w, CTA_EXPECT_MASTER, e->master))
		return -1;
	if (e->nat) {
		struct alg_tuple t = {
			.saddr = e->nat_addr,
			.sport = e->nat_port,
			.proto = e->tuple->proto,
		};

		n = alg_nlw_nest(w, CTA_EXPECT_NAT);
		if (!n || alg_ctnl_be32(w, CTA_EXPECT_NAT_DIR, e->nat_dir) ||
		    alg_ctnl_tuple_put(w, CTA_EXPECT_NAT_TUPLE, &t))
			return -1;
		alg_nlw_nest_end(w, n);
	}
	if (alg_ctnl_be32(w, CTA_EXPECT_TIMEOUT, e->timeout) ||
	    alg_ctnl_be32(w, CTA_EXPECT_ID, e->id) ||
	    alg_ctnl_be32(w, CTA_EXPECT_FLAGS, 0) ||
	    alg_ctnl_be32(w, CTA_EXPECT_CLASS, 0))
		return -1;
	if (e->helper &&
	    alg_nlw_put(w, CTA_EXPECT_HELP_NAME, e->helper, strlen(e->helper) + 1))
		return -1;
	if (e->fn && alg_nlw_put(w, CTA_EXPECT_FN, e->fn, strlen(e->fn) + 1))
		return -1;
	return 0;
}

u32 alg_ctnl_filter_fields(u8 proto)
{
	u32 f = ALG_CTNL_F_IP_SRC | ALG_CTNL_F_IP_DST | ALG_CTNL_F_ZONE |
		ALG_CTNL_F_PROTO_NUM;

	switch (proto) {
	case ALG_PROTO_TCP:
	case ALG_PROTO_UDP:
		return f | ALG_CTNL_F_SRC_PORT | ALG_CTNL_F_DST_PORT;
	case ALG_PROTO_ICMP:
		return f | ALG_CTNL_F_ICMP_TYPE | ALG_CTNL_F_ICMP_CODE |
		       ALG_CTNL_F_ICMP_ID;
	}
	return f;
}

static bool alg_ctnl_tuple_match(const struct alg_tuple *want, u32 flags,
				 const struct alg_tuple *t)
{
	if ((flags & ALG_CTNL_F_IP_SRC) && want->saddr != t->saddr)
		return false;
	if ((flags & ALG_CTNL_F_IP_DST) && want->daddr != t->daddr)
		return false;
	if ((flags & ALG_CTNL_F_PROTO_NUM) && want->proto != t->proto)
		return false;
	/* As ctnetlink: port flags count only where the protocol has them. */
	switch (t->proto) {
	case ALG_PROTO_TCP:
	case ALG_PROTO_UDP:
		if ((flags & ALG_CTNL_F_SRC_PORT) && want->sport != t->sport)
			return false;
		if ((flags & ALG_CTNL_F_DST_PORT) && want->dport != t->dport)
			return false;
		break;
	case ALG_PROTO_ICMP:
		if ((flags & ALG_CTNL_F_ICMP_TYPE) && want->icmp_type != t->icmp_type)
			return false;
		if ((flags & ALG_CTNL_F_ICMP_CODE) && want->icmp_code != t->icmp_code)
			return false;
		if ((flags & ALG_CTNL_F_ICMP_ID) && want->sport != t->sport)
			return false;
		break;
	}
	return true;
}

bool alg_ctnl_filter_match(const struct alg_ctnl_filter *f,
			   const struct alg_ctnl_conn *c)
{
	int d;

	if (!f)
		return true;
	if (f->family && f->family != NFPROTO_IPV4)
		return false;
	for (d = 0; d < ALG_DIR_MAX; d++)
		if (f->flags[d] &&
		    !alg_ctnl_tuple_match(&f->tuple[d], f->flags[d], c->tuple[d]))
			return false;
	return (c->mark & f->mark_mask) == f->mark &&
	       (c->status & f->status_mask) == f->status;
}
