// SPDX-License-Identifier: GPL-2.0
/*
 * IPCTNL_MSG_CT_NEW: `conntrack -I` and `-U`, and conntrackd committing
 * what it replicated. An update changes only what ctnetlink lets change
 * (timeout, mark, the SEEN_REPLY and ASSURED bits, TCP state, sequence
 * adjustments); a create builds a confirmed entry that the NAT rules never
 * look at again, so that its packets keep exactly the binding the request
 * gave (CTA_NAT_SRC/DST, bound as a rule would bind it), which is how a
 * gateway taking over from another keeps its NATed connections alive.
 */

#include "ui/ctnetlink.h"
#include "alg_conntrack/ctnl.h"
#include "core/conn.h"
#include "core/ext.h"
#include "core/helper.h"
#include "core/seqadj.h"
#include "core/table.h"
#include "nat/nat.h"

#include <linux/netfilter/nf_conntrack_tcp.h>
#include <net/netlink.h>

/* What a request may set in ct->status; the rest is the tracker's. */
#define ALG_CTNL_STATUS_SET	(BIT(ALG_CONN_SEEN_REPLY) | BIT(ALG_CONN_ASSURED))

static const struct nla_policy alg_ctnl_protoinfo_policy[CTA_PROTOINFO_MAX + 1] = {
	[CTA_PROTOINFO_TCP] = { .type = NLA_NESTED },
};

static const struct nla_policy alg_ctnl_tcp_policy[CTA_PROTOINFO_TCP_MAX + 1] = {
	[CTA_PROTOINFO_TCP_STATE] = NLA_POLICY_MAX(NLA_U8, ALG_TCP_SYN_SENT2),
	[CTA_PROTOINFO_TCP_WSCALE_ORIGINAL] = NLA_POLICY_MAX(NLA_U8, 14),
	[CTA_PROTOINFO_TCP_WSCALE_REPLY] = NLA_POLICY_MAX(NLA_U8, 14),
	[CTA_PROTOINFO_TCP_FLAGS_ORIGINAL] = { .len = sizeof(struct nf_ct_tcp_flags) },
	[CTA_PROTOINFO_TCP_FLAGS_REPLY] = { .len = sizeof(struct nf_ct_tcp_flags) },
};

static const struct nla_policy alg_ctnl_help_policy[CTA_HELP_MAX + 1] = {
	[CTA_HELP_NAME] = { .type = NLA_NUL_STRING, .len = ALG_HELPER_NAME_MAX - 1 },
};

static const struct nla_policy alg_ctnl_nat_policy[CTA_NAT_MAX + 1] = {
	[CTA_NAT_V4_MINIP] = { .type = NLA_U32 },
	[CTA_NAT_V4_MAXIP] = { .type = NLA_U32 },
	[CTA_NAT_PROTO] = { .type = NLA_NESTED },
	[CTA_NAT_V6_MINIP] = { .len = sizeof(struct in6_addr) },
	[CTA_NAT_V6_MAXIP] = { .len = sizeof(struct in6_addr) },
};

static const struct nla_policy alg_ctnl_protonat_policy[CTA_PROTONAT_MAX + 1] = {
	[CTA_PROTONAT_PORT_MIN] = { .type = NLA_U16 },
	[CTA_PROTONAT_PORT_MAX] = { .type = NLA_U16 },
};

static const struct nla_policy alg_ctnl_seqadj_policy[CTA_SEQADJ_MAX + 1] = {
	[CTA_SEQADJ_CORRECTION_POS] = { .type = NLA_U32 },
	[CTA_SEQADJ_OFFSET_BEFORE] = { .type = NLA_U32 },
	[CTA_SEQADJ_OFFSET_AFTER] = { .type = NLA_U32 },
};

/* A request, checked whole before anything changes. */
struct alg_ctnl_req {
	bool has_tcp;
	struct nlattr *tcp[CTA_PROTOINFO_TCP_MAX + 1];
	const struct alg_helper *helper;
	u32 timeout;		/* jiffies, with has_timeout */
	bool has_timeout;
	bool has_nat[2];	/* by enum alg_nat_manip */
	struct alg_nat_range nat[2];
	bool has_seqadj[ALG_DIR_MAX];
	struct alg_seqadj seqadj[ALG_DIR_MAX];
};

/*
 * CTA_NAT_SRC/DST as nf_nat reads them: without an address the address
 * stays, without ports the port stays if it is free; one port alone is
 * that port exactly.
 */
static int alg_ctnl_nat_parse(const struct nlattr *attr, __be32 keep,
			      struct alg_nat_range *r,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CTA_NAT_MAX + 1], *pt[CTA_PROTONAT_MAX + 1];
	int err;

	err = nla_parse_nested_deprecated(tb, CTA_NAT_MAX, attr,
					  alg_ctnl_nat_policy, extack);
	if (err < 0)
		return err;
	if (tb[CTA_NAT_V6_MINIP] || tb[CTA_NAT_V6_MAXIP]) {
		NL_SET_ERR_MSG_MOD(extack, "alg_conntrack translates IPv4 only");
		return -EOPNOTSUPP;
	}
	memset(r, 0, sizeof(*r));
	r->addr_lo = tb[CTA_NAT_V4_MINIP] ? nla_get_be32(tb[CTA_NAT_V4_MINIP]) : keep;
	r->addr_hi = tb[CTA_NAT_V4_MAXIP] ? nla_get_be32(tb[CTA_NAT_V4_MAXIP]) :
		     r->addr_lo;
	if (ntohl(r->addr_lo) > ntohl(r->addr_hi)) {
		NL_SET_ERR_MSG_MOD(extack, "NAT address range runs backwards");
		return -EINVAL;
	}
	if (!tb[CTA_NAT_PROTO])
		return 0;
	err = nla_parse_nested_deprecated(pt, CTA_PROTONAT_MAX, tb[CTA_NAT_PROTO],
					  alg_ctnl_protonat_policy, extack);
	if (err < 0)
		return err;
	if (pt[CTA_PROTONAT_PORT_MIN]) {
		r->port_lo = ntohs(nla_get_be16(pt[CTA_PROTONAT_PORT_MIN]));
		r->port_hi = r->port_lo;
		r->ports = true;
	}
	if (pt[CTA_PROTONAT_PORT_MAX]) {
		r->port_hi = ntohs(nla_get_be16(pt[CTA_PROTONAT_PORT_MAX]));
		r->ports = true;
	}
	if (r->port_lo > r->port_hi) {
		NL_SET_ERR_MSG_MOD(extack, "NAT port range runs backwards");
		return -EINVAL;
	}
	return 0;
}

/* CTA_SEQ_ADJ_*: all three numbers, as ctnetlink wants them. */
static int alg_ctnl_seqadj_parse(const struct nlattr *attr,
				 struct alg_seqadj *sa,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CTA_SEQADJ_MAX + 1];
	int err;

	err = nla_parse_nested_deprecated(tb, CTA_SEQADJ_MAX, attr,
					  alg_ctnl_seqadj_policy, extack);
	if (err < 0)
		return err;
	if (!tb[CTA_SEQADJ_CORRECTION_POS] || !tb[CTA_SEQADJ_OFFSET_BEFORE] ||
	    !tb[CTA_SEQADJ_OFFSET_AFTER]) {
		NL_SET_ERR_MSG_MOD(extack, "a sequence adjustment needs all three numbers");
		return -EINVAL;
	}
	sa->correction_pos = ntohl(nla_get_be32(tb[CTA_SEQADJ_CORRECTION_POS]));
	sa->offset_before = ntohl(nla_get_be32(tb[CTA_SEQADJ_OFFSET_BEFORE]));
	sa->offset_after = ntohl(nla_get_be32(tb[CTA_SEQADJ_OFFSET_AFTER]));
	return 0;
}

/* The flags a request may set: none of the tracker's own bookkeeping. */
#define ALG_CTNL_TCP_FLAGS	(ALG_TCP_FLAG_WINDOW_SCALE | ALG_TCP_FLAG_SACK_PERM | \
				 ALG_TCP_FLAG_CLOSE_INIT | ALG_TCP_FLAG_BE_LIBERAL)

static int alg_ctnl_req_parse(struct alg_ctnl_req *r,
			      const struct alg_tuple *orig,
			      const struct nlattr * const cda[],
			      struct netlink_ext_ack *extack)
{
	struct nlattr *pi[CTA_PROTOINFO_MAX + 1], *help[CTA_HELP_MAX + 1];
	u8 proto = orig->proto;
	int err, d;

	memset(r, 0, sizeof(*r));
	if (cda[CTA_NAT_SRC]) {
		err = alg_ctnl_nat_parse(cda[CTA_NAT_SRC], orig->saddr,
					 &r->nat[ALG_NAT_MANIP_SRC], extack);
		if (err)
			return err;
		r->has_nat[ALG_NAT_MANIP_SRC] = true;
	}
	if (cda[CTA_NAT_DST]) {
		err = alg_ctnl_nat_parse(cda[CTA_NAT_DST], orig->daddr,
					 &r->nat[ALG_NAT_MANIP_DST], extack);
		if (err)
			return err;
		r->has_nat[ALG_NAT_MANIP_DST] = true;
	}
	for (d = 0; d < ALG_DIR_MAX; d++) {
		const struct nlattr *a = cda[d ? CTA_SEQ_ADJ_REPLY : CTA_SEQ_ADJ_ORIG];

		if (!a)
			continue;
		if (proto != ALG_PROTO_TCP) {
			NL_SET_ERR_MSG_MOD(extack, "sequence adjustment for a non-TCP entry");
			return -EINVAL;
		}
		err = alg_ctnl_seqadj_parse(a, &r->seqadj[d], extack);
		if (err)
			return err;
		r->has_seqadj[d] = true;
	}
	if (cda[CTA_LABELS] || cda[CTA_SYNPROXY]) {
		NL_SET_ERR_MSG_MOD(extack, "alg_conntrack has no labels or synproxy");
		return -EOPNOTSUPP;
	}
	if (cda[CTA_TIMEOUT]) {
		u32 s = ntohl(nla_get_be32(cda[CTA_TIMEOUT]));

		/* 32-bit jiffies: more would wrap into the past. */
		if (s > S32_MAX / HZ) {
			NL_SET_ERR_MSG_MOD(extack, "timeout too large");
			return -ERANGE;
		}
		r->timeout = s * HZ;
		r->has_timeout = true;
	}
	if (cda[CTA_PROTOINFO]) {
		err = nla_parse_nested_deprecated(pi, CTA_PROTOINFO_MAX,
						  cda[CTA_PROTOINFO],
						  alg_ctnl_protoinfo_policy, extack);
		if (err < 0)
			return err;
		if (pi[CTA_PROTOINFO_TCP]) {
			if (proto != ALG_PROTO_TCP) {
				NL_SET_ERR_MSG_MOD(extack, "TCP state for a non-TCP entry");
				return -EINVAL;
			}
			err = nla_parse_nested_deprecated(r->tcp, CTA_PROTOINFO_TCP_MAX,
							  pi[CTA_PROTOINFO_TCP],
							  alg_ctnl_tcp_policy, extack);
			if (err < 0)
				return err;
			r->has_tcp = true;
		}
	}
	if (cda[CTA_HELP]) {
		err = nla_parse_nested_deprecated(help, CTA_HELP_MAX, cda[CTA_HELP],
						  alg_ctnl_help_policy, extack);
		if (err < 0)
			return err;
		if (!help[CTA_HELP_NAME]) {
			NL_SET_ERR_MSG_MOD(extack, "CTA_HELP without a name");
			return -EINVAL;
		}
		r->helper = alg_helper_find_name(nla_data(help[CTA_HELP_NAME]));
		if (!r->helper) {
			NL_SET_ERR_MSG_MOD(extack, "no such helper");
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static void alg_ctnl_tcp_set(struct alg_conn *ct, struct nlattr **tb)
{
	struct alg_conn_tcp *tcp = &ct->proto.tcp;
	const struct nf_ct_tcp_flags *f;
	int d;

	spin_lock_bh(&ct->lock);
	if (tb[CTA_PROTOINFO_TCP_STATE])
		tcp->state = nla_get_u8(tb[CTA_PROTOINFO_TCP_STATE]);
	for (d = 0; d < ALG_DIR_MAX; d++) {
		if (!tb[CTA_PROTOINFO_TCP_FLAGS_ORIGINAL + d])
			continue;
		f = nla_data(tb[CTA_PROTOINFO_TCP_FLAGS_ORIGINAL + d]);
		tcp->dir[d].flags &= ~(f->mask & ALG_CTNL_TCP_FLAGS);
		tcp->dir[d].flags |= f->flags & f->mask & ALG_CTNL_TCP_FLAGS;
	}
	/* As ctnetlink: a scale only where both sides negotiated scaling. */
	if (tb[CTA_PROTOINFO_TCP_WSCALE_ORIGINAL] &&
	    tb[CTA_PROTOINFO_TCP_WSCALE_REPLY] &&
	    (tcp->dir[0].flags & tcp->dir[1].flags & ALG_TCP_FLAG_WINDOW_SCALE)) {
		tcp->dir[0].td_scale = nla_get_u8(tb[CTA_PROTOINFO_TCP_WSCALE_ORIGINAL]);
		tcp->dir[1].td_scale = nla_get_u8(tb[CTA_PROTOINFO_TCP_WSCALE_REPLY]);
	}
	spin_unlock_bh(&ct->lock);
}

static void alg_ctnl_mark_set(struct alg_conn *ct,
			      const struct nlattr * const cda[])
{
	u32 keep = cda[CTA_MARK_MASK] ? ~ntohl(nla_get_be32(cda[CTA_MARK_MASK])) : 0;

	WRITE_ONCE(ct->mark, (READ_ONCE(ct->mark) & keep) ^
			     ntohl(nla_get_be32(cda[CTA_MARK])));
}

static int alg_ctnl_ct_change(struct alg_conn *ct,
			      const struct nlattr * const cda[],
			      struct netlink_ext_ack *extack)
{
	struct alg_ctnl_req r;
	u32 status = 0;
	int err, d;

	err = alg_ctnl_req_parse(&r, alg_conn_tuple(ct, ALG_DIR_ORIGINAL),
				 cda, extack);
	if (err)
		return err;
	/* As ctnetlink: the binding is made once, when the entry is. */
	if (r.has_nat[ALG_NAT_MANIP_SRC] || r.has_nat[ALG_NAT_MANIP_DST]) {
		NL_SET_ERR_MSG_MOD(extack, "an entry's NAT binding cannot change");
		return -EOPNOTSUPP;
	}
	if (cda[CTA_TUPLE_MASTER]) {
		NL_SET_ERR_MSG_MOD(extack, "an entry's master cannot change");
		return -EOPNOTSUPP;
	}
	if (r.helper && r.helper != alg_conn_helper(ct)) {
		NL_SET_ERR_MSG_MOD(extack, "a confirmed entry keeps its helper");
		return -EBUSY;
	}
	if (cda[CTA_STATUS]) {
		unsigned long d;

		status = ntohl(nla_get_be32(cda[CTA_STATUS]));
		d = (READ_ONCE(ct->status) ^ status) & ALG_CONN_IPS_MASK;
		/* ctnetlink's rules: these are the tracker's, and never unset. */
		if ((d & (IPS_EXPECTED | IPS_CONFIRMED | IPS_DYING)) ||
		    (d & ALG_CTNL_STATUS_SET & ~status)) {
			NL_SET_ERR_MSG_MOD(extack, "status bits that cannot change");
			return -EBUSY;
		}
	}
	if (r.has_timeout)
		alg_conn_refresh(ct, r.timeout);
	if (status & ALG_CTNL_STATUS_SET & BIT(ALG_CONN_SEEN_REPLY))
		set_bit(ALG_CONN_SEEN_REPLY, &ct->status);
	if (status & ALG_CTNL_STATUS_SET & BIT(ALG_CONN_ASSURED))
		set_bit(ALG_CONN_ASSURED, &ct->status);
	if (r.has_tcp)
		alg_ctnl_tcp_set(ct, r.tcp);
	if (cda[CTA_MARK])
		alg_ctnl_mark_set(ct, cda);
	/* As ctnetlink: only where the entry keeps adjustments already. */
	for (d = 0; d < ALG_DIR_MAX; d++)
		if (r.has_seqadj[d] && ct->ext)
			alg_seqadj_load(ct, d, &r.seqadj[d]);
	return 0;
}

/* A whole tuple from whichever side the request gave. */
static int alg_ctnl_tuples(const struct nlattr * const cda[],
			   struct alg_tuple *orig, struct alg_tuple *reply,
			   struct netlink_ext_ack *extack)
{
	struct alg_tuple inv;
	int err;

	if (cda[CTA_TUPLE_ORIG]) {
		err = alg_ctnl_tuple_parse(cda[CTA_TUPLE_ORIG], orig,
					   ALG_CTNL_F_ALL, extack);
		if (err)
			return err;
	}
	if (cda[CTA_TUPLE_REPLY]) {
		err = alg_ctnl_tuple_parse(cda[CTA_TUPLE_REPLY], reply,
					   ALG_CTNL_F_ALL, extack);
		if (err)
			return err;
	}
	if (!cda[CTA_TUPLE_ORIG] && !alg_tuple_invert(orig, reply))
		goto noreply;
	if (!alg_tuple_invert(&inv, orig))
		goto noreply;
	if (!cda[CTA_TUPLE_REPLY])
		*reply = inv;
	if (!alg_tuple_equal(&inv, reply)) {
		NL_SET_ERR_MSG_MOD(extack, "reply not the inverse: give NAT as CTA_NAT_SRC/DST");
		return -EOPNOTSUPP;
	}
	orig->dir = ALG_DIR_ORIGINAL;
	reply->dir = ALG_DIR_REPLY;
	return 0;
noreply:
	NL_SET_ERR_MSG_MOD(extack, "an ICMP type without an answer is no connection");
	return -EINVAL;
}

/*
 * The request gave the binding, or none: either way no NAT rule may add
 * one later, so both sides end up done.
 */
static int alg_ctnl_nat_bind(struct alg_conn *ct, const struct alg_ctnl_req *r,
			     enum alg_nat_manip m, struct netlink_ext_ack *extack)
{
	int err;

	err = alg_nat_setup(ct, r->has_nat[m] ? &r->nat[m] : NULL, m);
	if (err == -ENOSPC) {
		NL_SET_ERR_MSG_MOD(extack, "the NAT binding is taken by another entry");
		return -EEXIST;
	}
	return err;
}

static int alg_ctnl_ct_create(const struct nfnl_info *info,
			      const struct nlattr * const cda[], u32 portid)
{
	struct netlink_ext_ack *extack = info->extack;
	struct alg_net *an = alg_net(info->net);
	struct alg_conn *ct, *master = NULL;
	struct alg_tuple orig, reply;
	struct alg_ctnl_req r;
	u32 status = 0;
	int err, d;

	err = alg_ctnl_tuples(cda, &orig, &reply, extack) ?:
	      alg_ctnl_req_parse(&r, &orig, cda, extack);
	if (err)
		return err;
	if (!r.has_timeout) {
		NL_SET_ERR_MSG_MOD(extack, "a new entry needs CTA_TIMEOUT");
		return -EINVAL;
	}
	if (orig.proto == ALG_PROTO_TCP &&
	    (!r.has_tcp || !r.tcp[CTA_PROTOINFO_TCP_STATE])) {
		NL_SET_ERR_MSG_MOD(extack, "a TCP entry needs its state");
		return -EINVAL;
	}
	if (cda[CTA_STATUS])
		status = ntohl(nla_get_be32(cda[CTA_STATUS]));
	if (cda[CTA_TUPLE_MASTER]) {
		err = alg_ctnl_master_find(info->net, cda[CTA_TUPLE_MASTER],
					   &master, extack);
		if (err)
			return err;
	}

	ct = alg_conn_alloc(info->net, &orig, &reply, GFP_KERNEL);
	if (IS_ERR(ct)) {
		err = PTR_ERR(ct);
		goto err_master;
	}
	if (r.helper) {
		err = alg_helper_attach(ct, r.helper);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "the helper does not fit the entry");
			goto err_ct;
		}
	}
	ct->timeout = r.timeout;	/* relative until confirmed */
	ct->status = status & ALG_CTNL_STATUS_SET;
	/* Destination first, as the hooks bind it: PRE_ROUTING, then POST. */
	err = alg_ctnl_nat_bind(ct, &r, ALG_NAT_MANIP_DST, extack) ?:
	      alg_ctnl_nat_bind(ct, &r, ALG_NAT_MANIP_SRC, extack);
	if (err)
		goto err_ct;
	for (d = 0; d < ALG_DIR_MAX; d++) {
		if (!r.has_seqadj[d])
			continue;
		if (!alg_ext_add(ct, 0, GFP_KERNEL)) {
			err = -ENOMEM;
			goto err_ct;
		}
		alg_seqadj_load(ct, d, &r.seqadj[d]);
	}
	if (master) {
		ct->master = master;	/* our reference moves to ct */
		master = NULL;
		set_bit(ALG_CONN_EXPECTED, &ct->status);
	}
	if (cda[CTA_MARK])
		alg_ctnl_mark_set(ct, cda);
	if (orig.proto == ALG_PROTO_UDP)
		ct->proto.udp.stream_ts = alg_now();
	/* Windows stay unknown: the next segments set them, mid-stream. */
	if (r.has_tcp)
		alg_ctnl_tcp_set(ct, r.tcp);

	alg_table_add_unconfirmed(an, ct);
	err = alg_table_confirm(an, ct);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "a tuple is taken by another entry");
	else if (!err)
		alg_event_conn_report(ct, ALG_EVENT_NEW, portid);
err_ct:
	alg_conn_put(ct);	/* the table keeps its own reference */
err_master:
	if (master)
		alg_conn_put(master);
	return err;
}

int alg_ctnl_ct_new(struct sk_buff *skb, const struct nfnl_info *info,
		    const struct nlattr * const cda[])
{
	struct alg_conn *ct;
	int err;

	if (!cda[CTA_TUPLE_ORIG] && !cda[CTA_TUPLE_REPLY]) {
		NL_SET_ERR_MSG_MOD(info->extack, "an entry needs a tuple");
		return -EINVAL;
	}
	err = alg_ctnl_ct_lookup(info, cda, &ct);
	if (err == -ENOENT && (info->nlh->nlmsg_flags & NLM_F_CREATE))
		return alg_ctnl_ct_create(info, cda, NETLINK_CB(skb).portid);
	if (err)
		return err;
	if (info->nlh->nlmsg_flags & NLM_F_EXCL) {
		err = -EEXIST;
	} else {
		err = alg_ctnl_ct_change(ct, cda, info->extack);
		if (!err)
			alg_event_conn_report(ct, ALG_EVENT_UPDATE,
					      NETLINK_CB(skb).portid);
	}
	alg_conn_put(ct);
	return err;
}
