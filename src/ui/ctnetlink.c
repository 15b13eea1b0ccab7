// SPDX-License-Identifier: GPL-2.0
/*
 * ctnetlink for alg's table: nfnetlink's conntrack subsystem, so that
 * conntrack-tools and conntrackd work unchanged. Messages and attributes
 * are nf_conntrack_netlink's (src/ui/ctnl_msg.c lays them out); this file
 * parses requests into core calls and sends the core's events. nfnetlink
 * checks CAP_NET_ADMIN in the sender's namespace for every request, and
 * each request sees only that namespace's table.
 */

#include "ui/ctnetlink.h"
#include "alg_conntrack/ctnl.h"
#include "core/conn.h"
#include "core/event.h"
#include "core/ext.h"
#include "core/helper.h"
#include "core/table.h"

#include <linux/netfilter/nfnetlink.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include <net/sock.h>

int alg_nlw_put(struct alg_nlw *w, u16 type, const void *data, u16 len)
{
	return nla_put(w->skb, type, len, data);
}

void *alg_nlw_nest(struct alg_nlw *w, u16 type)
{
	return nla_nest_start(w->skb, type);
}

void alg_nlw_nest_end(struct alg_nlw *w, void *nest)
{
	nla_nest_end(w->skb, nest);
}

static siphash_key_t alg_ctnl_key __read_mostly;

/*
 * CTA_ID: stable for the connection's life, not the object's address (the
 * cache reuses objects), and no pointer leaks to userspace.
 */
u32 alg_ctnl_id(const void *obj, const struct alg_tuple *t)
{
	u64 v[3] = { (unsigned long)obj };
	u32 id;

	memcpy(&v[1], t, ALG_TUPLE_KEY_LEN);
	id = (u32)siphash(v, sizeof(v), &alg_ctnl_key);
	return id ? id : 1;
}

static u32 alg_ctnl_conn_id(const struct alg_conn *ct)
{
	return alg_ctnl_id(ct, alg_conn_tuple(ct, ALG_DIR_ORIGINAL));
}

/* Plain snapshots: a field may be one packet old, as in /proc. */
static void alg_ctnl_view(struct alg_ctnl_conn *c, struct alg_conn *ct)
{
	const struct alg_helper *h = alg_conn_helper(ct);
	int d;

	memset(c, 0, sizeof(*c));
	c->tuple[ALG_DIR_ORIGINAL] = alg_conn_tuple(ct, ALG_DIR_ORIGINAL);
	c->tuple[ALG_DIR_REPLY] = alg_conn_tuple(ct, ALG_DIR_REPLY);
	if (ct->master)
		c->master = alg_conn_tuple(ct->master, ALG_DIR_ORIGINAL);
	c->helper = h ? h->name : NULL;
	c->status = READ_ONCE(ct->status) & ALG_CONN_IPS_MASK;
	c->timeout = alg_conn_left(ct) / HZ;
	c->mark = READ_ONCE(ct->mark);
	c->id = alg_ctnl_conn_id(ct);
	c->use = refcount_read(&ct->ct_general.use);
	if (alg_conn_proto(ct) == ALG_PROTO_TCP) {
		c->tcp = true;
		c->tcp_state = READ_ONCE(ct->proto.tcp.state);
		for (d = 0; d < ALG_DIR_MAX; d++) {
			c->tcp_wscale[d] = READ_ONCE(ct->proto.tcp.dir[d].td_scale);
			c->tcp_flags[d] = READ_ONCE(ct->proto.tcp.dir[d].flags);
		}
	}
	if (test_bit(ALG_CONN_SEQ_ADJUST, &ct->status) && ct->ext) {
		c->seqadj = true;
		for (d = 0; d < ALG_DIR_MAX; d++) {
			const struct alg_seqadj *s = &ct->ext->seqadj[d];

			c->seq[d].pos = READ_ONCE(s->correction_pos);
			c->seq[d].before = READ_ONCE(s->offset_before);
			c->seq[d].after = READ_ONCE(s->offset_after);
		}
	}
}

static int alg_ctnl_conn_fill(struct sk_buff *skb, u32 portid, u32 seq,
			      u16 type, u16 flags, struct alg_conn *ct,
			      enum alg_ctnl_kind kind)
{
	struct alg_nlw w = { skb };
	struct alg_ctnl_conn c;
	struct nlmsghdr *nlh;

	nlh = nfnl_msg_put(skb, portid, seq,
			   nfnl_msg_type(NFNL_SUBSYS_CTNETLINK, type), flags,
			   NFPROTO_IPV4, NFNETLINK_V0, 0);
	if (!nlh)
		return -EMSGSIZE;
	alg_ctnl_view(&c, ct);
	/* An event a request caused names it in the header, as ctnetlink. */
	c.report = (kind == ALG_CTNL_EV_NEW || kind == ALG_CTNL_EV_UPDATE) && portid;
	if (alg_ctnl_conn_put(&w, &c, kind)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static const struct nla_policy alg_ctnl_tuple_policy[CTA_TUPLE_MAX + 1] = {
	[CTA_TUPLE_IP] = { .type = NLA_NESTED },
	[CTA_TUPLE_PROTO] = { .type = NLA_NESTED },
	[CTA_TUPLE_ZONE] = { .type = NLA_U16 },
};

static const struct nla_policy alg_ctnl_ip_policy[CTA_IP_MAX + 1] = {
	[CTA_IP_V4_SRC] = { .type = NLA_U32 },
	[CTA_IP_V4_DST] = { .type = NLA_U32 },
	[CTA_IP_V6_SRC] = { .len = sizeof(__be32) * 4 },
	[CTA_IP_V6_DST] = { .len = sizeof(__be32) * 4 },
};

static const struct nla_policy alg_ctnl_proto_policy[CTA_PROTO_MAX + 1] = {
	[CTA_PROTO_NUM] = { .type = NLA_U8 },
	[CTA_PROTO_SRC_PORT] = { .type = NLA_U16 },
	[CTA_PROTO_DST_PORT] = { .type = NLA_U16 },
	[CTA_PROTO_ICMP_ID] = { .type = NLA_U16 },
	[CTA_PROTO_ICMP_TYPE] = { .type = NLA_U8 },
	[CTA_PROTO_ICMP_CODE] = { .type = NLA_U8 },
};

/* Every field a flag names must be there: -EINVAL naming the missing one. */
#define alg_ctnl_need(a, msg, extack) ({			\
	int __err = 0;						\
								\
	if (!(a)) {						\
		NL_SET_ERR_MSG_MOD(extack, "tuple without " msg);	\
		__err = -EINVAL;				\
	}							\
	__err;							\
})

/*
 * A tuple nest into t; only the fields in need (ALG_CTNL_F_*) must be
 * present, as for ctnetlink's filters. ALG_CTNL_F_ALL: a whole tuple.
 */
int alg_ctnl_tuple_parse(const struct nlattr *attr, struct alg_tuple *t,
			 u32 need, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	struct nlattr *pr[CTA_PROTO_MAX + 1];
	int err;

	memset(t, 0, sizeof(*t));
	err = nla_parse_nested_deprecated(tb, CTA_TUPLE_MAX, attr,
					  alg_ctnl_tuple_policy, extack);
	if (err < 0)
		return err;
	if (tb[CTA_TUPLE_ZONE] && nla_get_be16(tb[CTA_TUPLE_ZONE])) {
		NL_SET_ERR_MSG_MOD(extack, "only zone 0 exists");
		return -EOPNOTSUPP;
	}
	if (need & (ALG_CTNL_F_IP_SRC | ALG_CTNL_F_IP_DST)) {
		err = alg_ctnl_need(tb[CTA_TUPLE_IP], "CTA_TUPLE_IP", extack) ?:
		      nla_parse_nested_deprecated(ip, CTA_IP_MAX, tb[CTA_TUPLE_IP],
						  alg_ctnl_ip_policy, extack);
		if (err < 0)
			return err;
		if (ip[CTA_IP_V6_SRC] || ip[CTA_IP_V6_DST]) {
			NL_SET_ERR_MSG_MOD(extack, "alg_conntrack tracks IPv4 only");
			return -EAFNOSUPPORT;
		}
		if (need & ALG_CTNL_F_IP_SRC) {
			err = alg_ctnl_need(ip[CTA_IP_V4_SRC], "CTA_IP_V4_SRC", extack);
			if (err)
				return err;
			t->saddr = nla_get_in_addr(ip[CTA_IP_V4_SRC]);
		}
		if (need & ALG_CTNL_F_IP_DST) {
			err = alg_ctnl_need(ip[CTA_IP_V4_DST], "CTA_IP_V4_DST", extack);
			if (err)
				return err;
			t->daddr = nla_get_in_addr(ip[CTA_IP_V4_DST]);
		}
	}
	if (!(need & ~(ALG_CTNL_F_IP_SRC | ALG_CTNL_F_IP_DST | ALG_CTNL_F_ZONE)))
		return 0;
	err = alg_ctnl_need(tb[CTA_TUPLE_PROTO], "CTA_TUPLE_PROTO", extack) ?:
	      nla_parse_nested_deprecated(pr, CTA_PROTO_MAX, tb[CTA_TUPLE_PROTO],
					  alg_ctnl_proto_policy, extack) ?:
	      alg_ctnl_need(pr[CTA_PROTO_NUM], "CTA_PROTO_NUM", extack);
	if (err < 0)
		return err;
	t->proto = nla_get_u8(pr[CTA_PROTO_NUM]);
	need &= alg_ctnl_filter_fields(t->proto);
	if (need & ALG_CTNL_F_SRC_PORT) {
		err = alg_ctnl_need(pr[CTA_PROTO_SRC_PORT], "a source port", extack);
		if (err)
			return err;
		t->sport = nla_get_be16(pr[CTA_PROTO_SRC_PORT]);
	}
	if (need & ALG_CTNL_F_DST_PORT) {
		err = alg_ctnl_need(pr[CTA_PROTO_DST_PORT], "a destination port", extack);
		if (err)
			return err;
		t->dport = nla_get_be16(pr[CTA_PROTO_DST_PORT]);
	}
	if (need & ALG_CTNL_F_ICMP_ID) {
		err = alg_ctnl_need(pr[CTA_PROTO_ICMP_ID], "an ICMP id", extack);
		if (err)
			return err;
		t->sport = nla_get_be16(pr[CTA_PROTO_ICMP_ID]);
	}
	if (need & ALG_CTNL_F_ICMP_TYPE) {
		err = alg_ctnl_need(pr[CTA_PROTO_ICMP_TYPE], "an ICMP type", extack);
		if (err)
			return err;
		t->icmp_type = nla_get_u8(pr[CTA_PROTO_ICMP_TYPE]);
	}
	if (need & ALG_CTNL_F_ICMP_CODE) {
		err = alg_ctnl_need(pr[CTA_PROTO_ICMP_CODE], "an ICMP code", extack);
		if (err)
			return err;
		t->icmp_code = nla_get_u8(pr[CTA_PROTO_ICMP_CODE]);
	}
	return 0;
}

/* Requests of other families find nothing here; say so. */
static int alg_ctnl_family(u8 family, struct netlink_ext_ack *extack)
{
	if (family == NFPROTO_IPV4 || family == NFPROTO_UNSPEC)
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "alg_conntrack tracks IPv4 only");
	return -EAFNOSUPPORT;
}

static int alg_ctnl_zone(const struct nlattr * const cda[],
			 struct netlink_ext_ack *extack)
{
	if (!cda[CTA_ZONE] || !nla_get_be16(cda[CTA_ZONE]))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "only zone 0 exists");
	return -EOPNOTSUPP;
}

static const struct nla_policy alg_ctnl_filter_policy[CTA_FILTER_MAX + 1] = {
	[CTA_FILTER_ORIG_FLAGS] = NLA_POLICY_MASK(NLA_U32, ALG_CTNL_F_ALL),
	[CTA_FILTER_REPLY_FLAGS] = NLA_POLICY_MASK(NLA_U32, ALG_CTNL_F_ALL),
};

/* ctnetlink's dump and flush selection: family, mark, status, tuples. */
static int alg_ctnl_filter_parse(struct alg_ctnl_filter *f, u8 family,
				 const struct nlattr * const cda[],
				 struct netlink_ext_ack *extack)
{
	static const u16 tuple_attr[ALG_DIR_MAX] = { CTA_TUPLE_ORIG, CTA_TUPLE_REPLY };
	struct nlattr *tb[CTA_FILTER_MAX + 1];
	int err, d;

	memset(f, 0, sizeof(*f));
	f->family = family;
	if (cda[CTA_MARK]) {
		f->mark = ntohl(nla_get_be32(cda[CTA_MARK]));
		/* Unmasked, as ctnetlink: bits outside the mask match nothing. */
		f->mark_mask = cda[CTA_MARK_MASK] ?
			       ntohl(nla_get_be32(cda[CTA_MARK_MASK])) : ~0U;
	} else if (cda[CTA_MARK_MASK]) {
		NL_SET_ERR_MSG_MOD(extack, "CTA_MARK_MASK without CTA_MARK");
		return -EINVAL;
	}
	if (cda[CTA_STATUS]) {
		f->status = ntohl(nla_get_be32(cda[CTA_STATUS]));
		f->status_mask = cda[CTA_STATUS_MASK] ?
				 ntohl(nla_get_be32(cda[CTA_STATUS_MASK])) : f->status;
		if (!f->status_mask) {
			NL_SET_ERR_MSG_MOD(extack, "an empty status mask matches nothing");
			return -EINVAL;
		}
	} else if (cda[CTA_STATUS_MASK]) {
		NL_SET_ERR_MSG_MOD(extack, "CTA_STATUS_MASK without CTA_STATUS");
		return -EINVAL;
	}
	if (!cda[CTA_FILTER])
		return 0;
	err = alg_ctnl_zone(cda, extack) ?:
	      nla_parse_nested(tb, CTA_FILTER_MAX, cda[CTA_FILTER],
			       alg_ctnl_filter_policy, extack);
	if (err < 0)
		return err;
	for (d = 0; d < ALG_DIR_MAX; d++) {
		struct nlattr *fl = tb[CTA_FILTER_ORIG_FLAGS + d];

		f->flags[d] = fl ? nla_get_u32(fl) : 0;
		if (!f->flags[d])
			continue;
		if (!cda[tuple_attr[d]]) {
			NL_SET_ERR_MSG_MOD(extack, "filter flags without their tuple");
			return -EINVAL;
		}
		err = alg_ctnl_tuple_parse(cda[tuple_attr[d]], &f->tuple[d],
					   f->flags[d], extack);
		if (err)
			return err;
	}
	return 0;
}

static bool alg_ctnl_needs_filter(u8 family, const struct nlattr * const cda[])
{
	return family || cda[CTA_MARK] || cda[CTA_STATUS] || cda[CTA_FILTER];
}

/* The filter's view: tuples, mark and status are all it looks at. */
static bool alg_ctnl_conn_match(const struct alg_ctnl_filter *f,
				const struct alg_conn *ct)
{
	struct alg_ctnl_conn c = {
		.tuple = { alg_conn_tuple(ct, ALG_DIR_ORIGINAL),
			   alg_conn_tuple(ct, ALG_DIR_REPLY) },
		.mark = READ_ONCE(ct->mark),
		.status = READ_ONCE(ct->status) & ALG_CONN_IPS_MASK,
	};

	return alg_ctnl_filter_match(f, &c);
}

/* cb->args[0]: the bucket; [1]: the id of the entry that did not fit. */
struct alg_ctnl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct alg_ctnl_filter *filter;
	u32 skip_to;
};

static int alg_ctnl_dump_one(struct alg_conn *ct, void *data)
{
	struct alg_ctnl_dump *d = data;
	struct netlink_callback *cb = d->cb;
	u32 id = alg_ctnl_conn_id(ct);

	if (d->skip_to) {
		if (id != d->skip_to)
			return 0;
		d->skip_to = 0;
	}
	if (!alg_ctnl_conn_match(d->filter, ct))
		return 0;
	if (alg_ctnl_conn_fill(d->skb, NETLINK_CB(cb->skb).portid,
			       cb->nlh->nlmsg_seq, IPCTNL_MSG_CT_NEW,
			       NLM_F_MULTI, ct, ALG_CTNL_ENTRY)) {
		cb->args[1] = id;
		return 1;
	}
	return 0;
}

static int alg_ctnl_ct_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct alg_net *an = alg_net(sock_net(skb->sk));
	struct alg_ctnl_dump d = { skb, cb, cb->data };

	for (; cb->args[0] < an->buckets; cb->args[0]++) {
		d.skip_to = cb->args[1];
		cb->args[1] = 0;
		if (alg_table_walk_bucket(an, cb->args[0], alg_ctnl_dump_one, &d))
			break;
		/*
		 * The entry we stopped at is gone: this bucket from its start
		 * again, so that nothing is skipped (at worst one is repeated).
		 */
		if (d.skip_to) {
			d.skip_to = 0;
			if (alg_table_walk_bucket(an, cb->args[0],
						  alg_ctnl_dump_one, &d))
				break;
		}
		if ((cb->args[0] & 255) == 255)
			cond_resched();
	}
	return skb->len;
}

static int alg_ctnl_ct_dump_start(struct netlink_callback *cb)
{
	const struct nlattr * const *cda = cb->data;
	const struct nfgenmsg *nfmsg = nlmsg_data(cb->nlh);
	struct alg_ctnl_filter *f;
	int err;

	cb->data = NULL;
	if (!alg_ctnl_needs_filter(nfmsg->nfgen_family, cda))
		return 0;
	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	err = alg_ctnl_filter_parse(f, nfmsg->nfgen_family, cda, cb->extack);
	if (err) {
		kfree(f);
		return err;
	}
	cb->data = f;
	/* On NLMSG_DONE, as ctnetlink: the answer is a selection. */
	cb->answer_flags = NLM_F_DUMP_FILTERED;
	return 0;
}

static int alg_ctnl_ct_dump_done(struct netlink_callback *cb)
{
	kfree(cb->data);
	return 0;
}

/* The master a create names (CTA_TUPLE_MASTER, CTA_EXPECT_MASTER), referenced. */
int alg_ctnl_master_find(struct net *net, const struct nlattr *attr,
			 struct alg_conn **master, struct netlink_ext_ack *extack)
{
	struct alg_tuple_hash *h;
	struct alg_tuple t;
	int err;

	err = alg_ctnl_tuple_parse(attr, &t, ALG_CTNL_F_ALL, extack);
	if (err)
		return err;
	h = alg_table_find(alg_net(net), &t);
	if (!h) {
		NL_SET_ERR_MSG_MOD(extack, "no such master");
		return -ENOENT;
	}
	*master = alg_th_conn(h);
	return 0;
}

/* The connection a request names by tuple (and id), referenced. */
int alg_ctnl_ct_lookup(const struct nfnl_info *info,
		       const struct nlattr * const cda[], struct alg_conn **ctp)
{
	const struct nlattr *a = cda[CTA_TUPLE_ORIG] ?: cda[CTA_TUPLE_REPLY];
	struct alg_tuple_hash *h;
	struct alg_tuple t;
	int err;

	err = alg_ctnl_family(info->nfmsg->nfgen_family, info->extack) ?:
	      alg_ctnl_zone(cda, info->extack) ?:
	      alg_ctnl_tuple_parse(a, &t, ALG_CTNL_F_ALL, info->extack);
	if (err)
		return err;
	h = alg_table_find(alg_net(info->net), &t);
	if (!h)
		return -ENOENT;
	*ctp = alg_th_conn(h);
	if (cda[CTA_ID] &&
	    ntohl(nla_get_be32(cda[CTA_ID])) != alg_ctnl_conn_id(*ctp)) {
		alg_conn_put(*ctp);
		return -ENOENT;
	}
	return 0;
}

static int alg_ctnl_ct_get(struct sk_buff *skb, const struct nfnl_info *info,
			   const struct nlattr * const cda[])
{
	struct alg_conn *ct;
	struct sk_buff *rep;
	int err;

	if (info->nlh->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.start = alg_ctnl_ct_dump_start,
			.dump = alg_ctnl_ct_dump,
			.done = alg_ctnl_ct_dump_done,
			.data = (void *)cda,
		};

		return netlink_dump_start(info->sk, skb, info->nlh, &c);
	}
	if (!cda[CTA_TUPLE_ORIG] && !cda[CTA_TUPLE_REPLY]) {
		NL_SET_ERR_MSG_MOD(info->extack, "get needs a tuple");
		return -EINVAL;
	}
	err = alg_ctnl_ct_lookup(info, cda, &ct);
	if (err)
		return err;
	rep = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rep) {
		alg_conn_put(ct);
		return -ENOMEM;
	}
	err = alg_ctnl_conn_fill(rep, NETLINK_CB(skb).portid,
				 info->nlh->nlmsg_seq, IPCTNL_MSG_CT_NEW, 0, ct,
				 ALG_CTNL_ENTRY);
	alg_conn_put(ct);
	if (err) {
		kfree_skb(rep);
		return err;
	}
	return nfnetlink_unicast(rep, info->net, NETLINK_CB(skb).portid);
}

static bool alg_ctnl_flush_one(struct alg_conn *ct, void *data)
{
	return alg_ctnl_conn_match(data, ct);
}

static int alg_ctnl_ct_del(struct sk_buff *skb, const struct nfnl_info *info,
			   const struct nlattr * const cda[])
{
	struct alg_ctnl_filter f, *fp = NULL;
	struct alg_conn *ct;
	u8 family;
	int err;

	if (cda[CTA_TUPLE_ORIG] || cda[CTA_TUPLE_REPLY]) {
		err = alg_ctnl_ct_lookup(info, cda, &ct);
		if (err)
			return err;
		alg_conn_kill_report(ct, NETLINK_CB(skb).portid);
		alg_conn_put(ct);
		return 0;
	}
	/* A flush; version 0 requests flush every family, as ctnetlink. */
	family = info->nfmsg->version ? info->nfmsg->nfgen_family : 0;
	if (cda[CTA_FILTER]) {
		NL_SET_ERR_MSG_MOD(info->extack, "a flush takes no tuple filter");
		return -EOPNOTSUPP;
	}
	if (alg_ctnl_needs_filter(family, cda)) {
		err = alg_ctnl_filter_parse(&f, family, cda, info->extack);
		if (err)
			return err;
		fp = &f;
	}
	alg_table_iterate(alg_net(info->net), alg_ctnl_flush_one, fp);
	return 0;
}

static int alg_ctnl_ct_stats_cpu_dump(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	struct alg_net *an = alg_net(sock_net(skb->sk));
	const struct alg_stat *st;
	struct nlmsghdr *nlh;
	int cpu;

	for (cpu = cb->args[0]; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		st = per_cpu_ptr(an->stat, cpu);
		nlh = nfnl_msg_put(skb, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq,
				   nfnl_msg_type(NFNL_SUBSYS_CTNETLINK,
						 IPCTNL_MSG_CT_GET_STATS_CPU),
				   NLM_F_MULTI, AF_UNSPEC, NFNETLINK_V0,
				   htons(cpu));
		if (!nlh)
			break;
		if (nla_put_be32(skb, CTA_STATS_FOUND, htonl(st->found)) ||
		    nla_put_be32(skb, CTA_STATS_INVALID, htonl(st->invalid)) ||
		    nla_put_be32(skb, CTA_STATS_INSERT, htonl(st->insert)) ||
		    nla_put_be32(skb, CTA_STATS_INSERT_FAILED,
				 htonl(st->insert_failed)) ||
		    nla_put_be32(skb, CTA_STATS_DROP, htonl(st->drop)) ||
		    nla_put_be32(skb, CTA_STATS_EARLY_DROP, htonl(st->early_drop)) ||
		    nla_put_be32(skb, CTA_STATS_ERROR, htonl(st->icmp_error)) ||
		    nla_put_be32(skb, CTA_STATS_SEARCH_RESTART,
				 htonl(st->search_restart)) ||
		    nla_put_be32(skb, CTA_STATS_CLASH_RESOLVE,
				 htonl(st->clash_resolve)) ||
		    nla_put_be32(skb, CTA_STATS_CHAIN_TOOLONG,
				 htonl(st->chaintoolong))) {
			nlmsg_cancel(skb, nlh);
			break;
		}
		nlmsg_end(skb, nlh);
	}
	cb->args[0] = cpu;
	return skb->len;
}

static int alg_ctnl_ct_stats_cpu(struct sk_buff *skb,
				 const struct nfnl_info *info,
				 const struct nlattr * const cda[])
{
	struct netlink_dump_control c = { .dump = alg_ctnl_ct_stats_cpu_dump };

	if (!(info->nlh->nlmsg_flags & NLM_F_DUMP))
		return 0;
	return netlink_dump_start(info->sk, skb, info->nlh, &c);
}

static int alg_ctnl_ct_stats(struct sk_buff *skb, const struct nfnl_info *info,
			     const struct nlattr * const cda[])
{
	struct alg_net *an = alg_net(info->net);
	struct nlmsghdr *nlh;
	struct sk_buff *rep;

	rep = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rep)
		return -ENOMEM;
	nlh = nfnl_msg_put(rep, NETLINK_CB(skb).portid, info->nlh->nlmsg_seq,
			   nfnl_msg_type(NFNL_SUBSYS_CTNETLINK,
					 IPCTNL_MSG_CT_GET_STATS),
			   0, AF_UNSPEC, NFNETLINK_V0, 0);
	if (!nlh ||
	    nla_put_be32(rep, CTA_STATS_GLOBAL_ENTRIES,
			 htonl(atomic_read(&an->count))) ||
	    nla_put_be32(rep, CTA_STATS_GLOBAL_MAX_ENTRIES,
			 htonl(READ_ONCE(an->cfg.max)))) {
		kfree_skb(rep);
		return -EMSGSIZE;
	}
	nlmsg_end(rep, nlh);
	return nfnetlink_unicast(rep, info->net, NETLINK_CB(skb).portid);
}

static int alg_ctnl_unsupported(struct sk_buff *skb, const struct nfnl_info *info,
				const struct nlattr * const cda[])
{
	NL_SET_ERR_MSG_MOD(info->extack,
			   "alg_conntrack keeps no list of dying or unconfirmed entries to show");
	return -EOPNOTSUPP;
}

static const struct nla_policy alg_ctnl_ct_policy[CTA_MAX + 1] = {
	[CTA_TUPLE_ORIG] = { .type = NLA_NESTED },
	[CTA_TUPLE_REPLY] = { .type = NLA_NESTED },
	[CTA_STATUS] = { .type = NLA_U32 },
	[CTA_PROTOINFO] = { .type = NLA_NESTED },
	[CTA_HELP] = { .type = NLA_NESTED },
	[CTA_NAT_SRC] = { .type = NLA_NESTED },
	[CTA_TIMEOUT] = { .type = NLA_U32 },
	[CTA_MARK] = { .type = NLA_U32 },
	[CTA_ID] = { .type = NLA_U32 },
	[CTA_NAT_DST] = { .type = NLA_NESTED },
	[CTA_TUPLE_MASTER] = { .type = NLA_NESTED },
	[CTA_SEQ_ADJ_ORIG] = { .type = NLA_NESTED },
	[CTA_SEQ_ADJ_REPLY] = { .type = NLA_NESTED },
	[CTA_ZONE] = { .type = NLA_U16 },
	[CTA_MARK_MASK] = { .type = NLA_U32 },
	[CTA_LABELS] = { .type = NLA_BINARY, .len = 16 },
	[CTA_LABELS_MASK] = { .type = NLA_BINARY, .len = 16 },
	[CTA_SYNPROXY] = { .type = NLA_NESTED },
	[CTA_FILTER] = { .type = NLA_NESTED },
	[CTA_STATUS_MASK] = { .type = NLA_U32 },
};

static const struct nfnl_callback alg_ctnl_ct_cb[IPCTNL_MSG_MAX] = {
	[IPCTNL_MSG_CT_NEW] = {
		.call = alg_ctnl_ct_new,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_MAX,
		.policy = alg_ctnl_ct_policy,
	},
	[IPCTNL_MSG_CT_GET] = {
		.call = alg_ctnl_ct_get,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_MAX,
		.policy = alg_ctnl_ct_policy,
	},
	[IPCTNL_MSG_CT_DELETE] = {
		.call = alg_ctnl_ct_del,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_MAX,
		.policy = alg_ctnl_ct_policy,
	},
	/* No byte or packet counters, so nothing to zero: a plain get. */
	[IPCTNL_MSG_CT_GET_CTRZERO] = {
		.call = alg_ctnl_ct_get,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_MAX,
		.policy = alg_ctnl_ct_policy,
	},
	[IPCTNL_MSG_CT_GET_STATS_CPU] = {
		.call = alg_ctnl_ct_stats_cpu,
		.type = NFNL_CB_MUTEX,
	},
	[IPCTNL_MSG_CT_GET_STATS] = {
		.call = alg_ctnl_ct_stats,
		.type = NFNL_CB_MUTEX,
	},
	[IPCTNL_MSG_CT_GET_DYING] = {
		.call = alg_ctnl_unsupported,
		.type = NFNL_CB_MUTEX,
	},
	[IPCTNL_MSG_CT_GET_UNCONFIRMED] = {
		.call = alg_ctnl_unsupported,
		.type = NFNL_CB_MUTEX,
	},
};

static const struct nfnetlink_subsystem alg_ctnl_ct_subsys = {
	.name = "alg_conntrack",
	.subsys_id = NFNL_SUBSYS_CTNETLINK,
	.cb_count = IPCTNL_MSG_MAX,
	.cb = alg_ctnl_ct_cb,
	.owner = THIS_MODULE,
};

/* Events go out only while someone listens, from any context, never sleeping. */
static void alg_ctnl_conn_event(struct alg_conn *ct, enum alg_event ev,
				u32 portid)
{
	static const u8 kind[] = {
		[ALG_EVENT_NEW] = ALG_CTNL_EV_NEW,
		[ALG_EVENT_UPDATE] = ALG_CTNL_EV_UPDATE,
		[ALG_EVENT_DESTROY] = ALG_CTNL_EV_DESTROY,
	};
	static const u8 group[] = {
		[ALG_EVENT_NEW] = NFNLGRP_CONNTRACK_NEW,
		[ALG_EVENT_UPDATE] = NFNLGRP_CONNTRACK_UPDATE,
		[ALG_EVENT_DESTROY] = NFNLGRP_CONNTRACK_DESTROY,
	};
	struct net *net = alg_conn_net(ct);
	struct sk_buff *skb;

	if (!nfnetlink_has_listeners(net, group[ev]))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto fail;
	if (alg_ctnl_conn_fill(skb, portid, 0,
			       ev == ALG_EVENT_DESTROY ? IPCTNL_MSG_CT_DELETE :
							 IPCTNL_MSG_CT_NEW,
			       ev == ALG_EVENT_NEW ? NLM_F_CREATE | NLM_F_EXCL : 0,
			       ct, kind[ev])) {
		kfree_skb(skb);
		goto fail;
	}
	nfnetlink_send(skb, net, portid, group[ev], 0, GFP_ATOMIC);
	return;
fail:
	/* Listeners learn that they missed one (ENOBUFS), as with ctnetlink. */
	nfnetlink_set_err(net, 0, group[ev], -ENOBUFS);
}

static const struct alg_event_ops alg_ctnl_event_ops = {
	.conn = alg_ctnl_conn_event,
	.expect = alg_ctnl_exp_event,
};

/*
 * At module init, before any command could make nfnetlink autoload
 * nf_conntrack_netlink for the subsystem; nfnetlink frees a subsystem's
 * slot whoever holds it, so only what was registered is unregistered.
 */
int alg_ctnetlink_init(void)
{
	int ret;

	get_random_bytes(&alg_ctnl_key, sizeof(alg_ctnl_key));
	ret = nfnetlink_subsys_register(&alg_ctnl_ct_subsys);
	if (ret < 0)
		goto err_ct;
	ret = nfnetlink_subsys_register(&alg_ctnl_exp_subsys);
	if (ret < 0)
		goto err_exp;
	alg_event_register(&alg_ctnl_event_ops);
	return 0;

err_exp:
	nfnetlink_subsys_unregister(&alg_ctnl_ct_subsys);
err_ct:
	pr_err("cannot serve ctnetlink (%d): is nf_conntrack_netlink loaded?\n",
	       ret);
	return ret;
}

void alg_ctnetlink_uninit(void)
{
	alg_event_unregister();
	nfnetlink_subsys_unregister(&alg_ctnl_exp_subsys);
	nfnetlink_subsys_unregister(&alg_ctnl_ct_subsys);
}
