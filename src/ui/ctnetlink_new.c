// SPDX-License-Identifier: GPL-2.0
/*
 * IPCTNL_MSG_CT_NEW: `conntrack -I` and `-U`, and conntrackd committing
 * what it replicated. An update changes only what ctnetlink lets change
 * (timeout, mark, the SEEN_REPLY and ASSURED bits, TCP state); a create
 * builds a confirmed entry that the NAT rules never look at again, so that
 * its packets keep exactly the binding the request gave.
 */

#include "ui/ctnetlink.h"
#include "alg_conntrack/ctnl.h"
#include "core/conn.h"
#include "core/helper.h"
#include "core/table.h"

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

/* A request, checked whole before anything changes. */
struct alg_ctnl_req {
	bool has_tcp;
	struct nlattr *tcp[CTA_PROTOINFO_TCP_MAX + 1];
	const struct alg_helper *helper;
	u32 timeout;		/* jiffies, with has_timeout */
	bool has_timeout;
};

/* The flags a request may set: none of the tracker's own bookkeeping. */
#define ALG_CTNL_TCP_FLAGS	(ALG_TCP_FLAG_WINDOW_SCALE | ALG_TCP_FLAG_SACK_PERM | \
				 ALG_TCP_FLAG_CLOSE_INIT | ALG_TCP_FLAG_BE_LIBERAL)

static int alg_ctnl_req_parse(struct alg_ctnl_req *r, u8 proto,
			      const struct nlattr * const cda[],
			      struct netlink_ext_ack *extack)
{
	struct nlattr *pi[CTA_PROTOINFO_MAX + 1], *help[CTA_HELP_MAX + 1];
	int err;

	memset(r, 0, sizeof(*r));
	if (cda[CTA_NAT_SRC] || cda[CTA_NAT_DST]) {
		NL_SET_ERR_MSG_MOD(extack, "NAT bindings through ctnetlink are not supported yet");
		return -EOPNOTSUPP;
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
	int err;

	err = alg_ctnl_req_parse(&r, alg_conn_proto(ct), cda, extack);
	if (err)
		return err;
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
		NL_SET_ERR_MSG_MOD(extack, "a reply other than the inverse is NAT: not yet");
		return -EOPNOTSUPP;
	}
	orig->dir = ALG_DIR_ORIGINAL;
	reply->dir = ALG_DIR_REPLY;
	return 0;
noreply:
	NL_SET_ERR_MSG_MOD(extack, "an ICMP type without an answer is no connection");
	return -EINVAL;
}

static int alg_ctnl_ct_create(const struct nfnl_info *info,
			      const struct nlattr * const cda[], u32 portid)
{
	struct netlink_ext_ack *extack = info->extack;
	struct alg_net *an = alg_net(info->net);
	struct alg_conn *ct, *master = NULL;
	struct alg_tuple orig, reply, mt;
	struct alg_tuple_hash *h;
	struct alg_ctnl_req r;
	u32 status = 0;
	int err;

	err = alg_ctnl_tuples(cda, &orig, &reply, extack) ?:
	      alg_ctnl_req_parse(&r, orig.proto, cda, extack);
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
		err = alg_ctnl_tuple_parse(cda[CTA_TUPLE_MASTER], &mt,
					   ALG_CTNL_F_ALL, extack);
		if (err)
			return err;
		h = alg_table_find(an, &mt);
		if (!h) {
			NL_SET_ERR_MSG_MOD(extack, "no such master");
			return -ENOENT;
		}
		master = alg_th_conn(h);
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
	/* The request gave the binding: no NAT rule may add one. */
	ct->status = BIT(ALG_CONN_NAT_DONE_SRC) | BIT(ALG_CONN_NAT_DONE_DST) |
		     (status & ALG_CTNL_STATUS_SET);
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
