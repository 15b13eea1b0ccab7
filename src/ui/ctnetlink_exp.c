// SPDX-License-Identifier: GPL-2.0
/*
 * ctnetlink's expectation subsystem: `conntrack -L expect`, `-D expect`,
 * `-F expect`, `-E expect` and `-I expect`, on the expectations the FTP
 * helper made or conntrackd brought from another gateway.
 */

#include "ui/ctnetlink.h"
#include "alg_conntrack/ctnl.h"
#include "core/expect.h"
#include "core/helper.h"
#include "core/table.h"
#include "nat/nat_ftp.h"

#include <linux/netfilter/nfnetlink_conntrack.h>
#include <net/netlink.h>
#include <net/sock.h>

/* A day: an expectation is for a data connection about to come. */
#define ALG_CTNL_EXP_TIMEOUT_MAX	86400

static u32 alg_ctnl_exp_id(const struct alg_expect *exp)
{
	return alg_ctnl_id(exp, &exp->tuple);
}

static int alg_ctnl_exp_fill(struct sk_buff *skb, u32 portid, u32 seq,
			     u16 type, u16 flags, const struct alg_expect *exp)
{
	const struct alg_helper *h = alg_conn_helper(exp->master);
	long left = (long)(READ_ONCE(exp->timeout.expires) - jiffies);
	struct alg_ctnl_exp e = {
		.tuple = &exp->tuple,
		.master = alg_conn_tuple(exp->master, ALG_DIR_ORIGINAL),
		.helper = h ? h->name : NULL,
		/* The name nf_nat_ftp's expectfn has, for the same tools. */
		.fn = exp->expectfn ? "nat-follow-master" : NULL,
		.timeout = left > 0 ? left / HZ : 0,
		.id = alg_ctnl_exp_id(exp),
		.nat = exp->saved_addr || exp->saved_port,
		.nat_dir = exp->dir,
		.nat_addr = exp->saved_addr,
		.nat_port = exp->saved_port,
	};
	struct alg_nlw w = { skb };
	struct nlmsghdr *nlh;

	nlh = nfnl_msg_put(skb, portid, seq,
			   nfnl_msg_type(NFNL_SUBSYS_CTNETLINK_EXP, type),
			   flags, NFPROTO_IPV4, NFNETLINK_V0, 0);
	if (!nlh)
		return -EMSGSIZE;
	if (alg_ctnl_exp_put(&w, &e)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* cb->args[0]: the bucket; [1]: the id of the one that did not fit. */
struct alg_ctnl_exp_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u32 skip_to;
};

static int alg_ctnl_exp_dump_one(const struct alg_expect *exp, void *data)
{
	struct alg_ctnl_exp_dump *d = data;
	u32 id = alg_ctnl_exp_id(exp);

	if (d->skip_to) {
		if (id != d->skip_to)
			return 0;
		d->skip_to = 0;
	}
	if (alg_ctnl_exp_fill(d->skb, NETLINK_CB(d->cb->skb).portid,
			      d->cb->nlh->nlmsg_seq, IPCTNL_MSG_EXP_NEW,
			      NLM_F_MULTI, exp)) {
		d->cb->args[1] = id;
		return 1;
	}
	return 0;
}

/* As the connection dump: a bucket whose resume point went is redone. */
static int alg_ctnl_exp_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct alg_net *an = alg_net(sock_net(skb->sk));
	struct alg_ctnl_exp_dump d = { skb, cb };

	for (; cb->args[0] < alg_expect_buckets(an); cb->args[0]++) {
		d.skip_to = cb->args[1];
		cb->args[1] = 0;
		if (alg_expect_walk_bucket(an, cb->args[0], alg_ctnl_exp_dump_one, &d))
			break;
		if (d.skip_to) {
			d.skip_to = 0;
			if (alg_expect_walk_bucket(an, cb->args[0],
						   alg_ctnl_exp_dump_one, &d))
				break;
		}
	}
	return skb->len;
}

/* Which expectations a get or delete names. */
struct alg_ctnl_exp_sel {
	struct alg_tuple tuple;
	bool by_tuple;
	u32 id;			/* 0: any */
	const char *helper;	/* NULL: any */
	struct sk_buff *rep;	/* get: the answer */
	u32 portid, seq;
	int found;
};

static bool alg_ctnl_exp_match(const struct alg_expect *exp,
			       const struct alg_ctnl_exp_sel *s)
{
	const struct alg_helper *h = alg_conn_helper(exp->master);

	if (s->by_tuple &&
	    (exp->tuple.saddr != s->tuple.saddr ||
	     exp->tuple.daddr != s->tuple.daddr ||
	     exp->tuple.dport != s->tuple.dport ||
	     exp->tuple.proto != s->tuple.proto))
		return false;
	if (s->id && alg_ctnl_exp_id(exp) != s->id)
		return false;
	return !s->helper || (h && !strcmp(h->name, s->helper));
}

static const struct nla_policy alg_ctnl_exp_policy[CTA_EXPECT_MAX + 1] = {
	[CTA_EXPECT_MASTER] = { .type = NLA_NESTED },
	[CTA_EXPECT_TUPLE] = { .type = NLA_NESTED },
	[CTA_EXPECT_MASK] = { .type = NLA_NESTED },
	[CTA_EXPECT_TIMEOUT] = { .type = NLA_U32 },
	[CTA_EXPECT_ID] = { .type = NLA_U32 },
	[CTA_EXPECT_HELP_NAME] = { .type = NLA_NUL_STRING,
				   .len = ALG_HELPER_NAME_MAX - 1 },
	[CTA_EXPECT_ZONE] = { .type = NLA_U16 },
	[CTA_EXPECT_FLAGS] = { .type = NLA_U32 },
	[CTA_EXPECT_CLASS] = { .type = NLA_U32 },
	[CTA_EXPECT_NAT] = { .type = NLA_NESTED },
	[CTA_EXPECT_FN] = { .type = NLA_NUL_STRING },
};

static int alg_ctnl_exp_sel_parse(struct alg_ctnl_exp_sel *s,
				  const struct nfnl_info *info,
				  const struct nlattr * const cda[])
{
	struct netlink_ext_ack *extack = info->extack;
	int err;

	memset(s, 0, sizeof(*s));
	if (info->nfmsg->nfgen_family != NFPROTO_IPV4 &&
	    info->nfmsg->nfgen_family != NFPROTO_UNSPEC) {
		NL_SET_ERR_MSG_MOD(extack, "alg_conntrack tracks IPv4 only");
		return -EAFNOSUPPORT;
	}
	if (cda[CTA_EXPECT_ZONE] && nla_get_be16(cda[CTA_EXPECT_ZONE])) {
		NL_SET_ERR_MSG_MOD(extack, "only zone 0 exists");
		return -EOPNOTSUPP;
	}
	if (cda[CTA_EXPECT_TUPLE]) {
		/* The source port is the expectation's wildcard. */
		err = alg_ctnl_tuple_parse(cda[CTA_EXPECT_TUPLE], &s->tuple,
					   ALG_CTNL_F_ALL & ~ALG_CTNL_F_SRC_PORT,
					   extack);
		if (err)
			return err;
		s->by_tuple = true;
	} else if (cda[CTA_EXPECT_MASTER]) {
		NL_SET_ERR_MSG_MOD(extack, "name an expectation by its tuple");
		return -EINVAL;
	}
	if (cda[CTA_EXPECT_ID])
		s->id = ntohl(nla_get_be32(cda[CTA_EXPECT_ID]));
	if (cda[CTA_EXPECT_HELP_NAME])
		s->helper = nla_data(cda[CTA_EXPECT_HELP_NAME]);
	return 0;
}

/* fn on each expectation until one sets s->found. */
static void alg_ctnl_exp_find(struct alg_net *an, struct alg_ctnl_exp_sel *s,
			      int (*fn)(const struct alg_expect *exp, void *data))
{
	unsigned int b;

	for (b = 0; b < alg_expect_buckets(an) && !s->found; b++)
		alg_expect_walk_bucket(an, b, fn, s);
}

static int alg_ctnl_exp_match_one(const struct alg_expect *exp, void *data)
{
	struct alg_ctnl_exp_sel *s = data;

	s->found = alg_ctnl_exp_match(exp, s);
	return s->found;
}

static int alg_ctnl_exp_get_one(const struct alg_expect *exp, void *data)
{
	struct alg_ctnl_exp_sel *s = data;

	if (!alg_ctnl_exp_match(exp, s))
		return 0;
	s->found = alg_ctnl_exp_fill(s->rep, s->portid, s->seq,
				     IPCTNL_MSG_EXP_NEW, 0, exp) ?: 1;
	return 1;
}

static int alg_ctnl_exp_get(struct sk_buff *skb, const struct nfnl_info *info,
			    const struct nlattr * const cda[])
{
	struct alg_net *an = alg_net(info->net);
	struct alg_ctnl_exp_sel s;
	int err;

	if (info->nlh->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = { .dump = alg_ctnl_exp_dump };

		return netlink_dump_start(info->sk, skb, info->nlh, &c);
	}
	err = alg_ctnl_exp_sel_parse(&s, info, cda);
	if (err)
		return err;
	if (!s.by_tuple) {
		NL_SET_ERR_MSG_MOD(info->extack, "get needs CTA_EXPECT_TUPLE");
		return -EINVAL;
	}
	s.rep = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!s.rep)
		return -ENOMEM;
	s.portid = NETLINK_CB(skb).portid;
	s.seq = info->nlh->nlmsg_seq;
	alg_ctnl_exp_find(an, &s, alg_ctnl_exp_get_one);
	if (s.found <= 0) {
		kfree_skb(s.rep);
		return s.found ?: -ENOENT;
	}
	return nfnetlink_unicast(s.rep, info->net, NETLINK_CB(skb).portid);
}

static bool alg_ctnl_exp_del_one(const struct alg_expect *exp, void *data)
{
	return alg_ctnl_exp_match(exp, data);
}

/* By tuple (and id), by helper, or all of them. */
static int alg_ctnl_exp_del(struct sk_buff *skb, const struct nfnl_info *info,
			    const struct nlattr * const cda[])
{
	struct alg_ctnl_exp_sel s;
	unsigned int n;
	int err;

	err = alg_ctnl_exp_sel_parse(&s, info, cda);
	if (err)
		return err;
	n = alg_expect_kill_if(alg_net(info->net), alg_ctnl_exp_del_one, &s);
	return s.by_tuple && !n ? -ENOENT : 0;
}

static const struct nla_policy alg_ctnl_exp_nat_policy[CTA_EXPECT_NAT_MAX + 1] = {
	[CTA_EXPECT_NAT_DIR] = { .type = NLA_U32 },
	[CTA_EXPECT_NAT_TUPLE] = { .type = NLA_NESTED },
};

/*
 * CTA_EXPECT_NAT: where the data connection really goes (the source
 * fields of its tuple, as ctnetlink lays them out) and its direction.
 */
static int alg_ctnl_exp_nat_parse(struct alg_expect *exp, const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CTA_EXPECT_NAT_MAX + 1];
	struct alg_tuple t;
	u32 dir;
	int err;

	err = nla_parse_nested_deprecated(tb, CTA_EXPECT_NAT_MAX, attr,
					  alg_ctnl_exp_nat_policy, extack);
	if (err < 0)
		return err;
	if (!tb[CTA_EXPECT_NAT_DIR] || !tb[CTA_EXPECT_NAT_TUPLE]) {
		NL_SET_ERR_MSG_MOD(extack, "CTA_EXPECT_NAT needs a direction and a tuple");
		return -EINVAL;
	}
	dir = ntohl(nla_get_be32(tb[CTA_EXPECT_NAT_DIR]));
	if (dir >= ALG_DIR_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "no such direction");
		return -EINVAL;
	}
	err = alg_ctnl_tuple_parse(tb[CTA_EXPECT_NAT_TUPLE], &t,
				   ALG_CTNL_F_IP_SRC | ALG_CTNL_F_PROTO_NUM |
				   ALG_CTNL_F_SRC_PORT, extack);
	if (err)
		return err;
	exp->dir = dir;
	exp->saved_addr = t.saddr;
	exp->saved_port = t.sport;
	return 0;
}

/*
 * What the FTP helper would have made: every field exact but the source
 * port. Other masks (and flags, classes) have no place in alg's table.
 */
static int alg_ctnl_exp_mask_check(const struct nlattr * const cda[],
				   const struct alg_tuple *t,
				   struct netlink_ext_ack *extack)
{
	struct alg_tuple m;
	int err;

	err = alg_ctnl_tuple_parse(cda[CTA_EXPECT_MASK], &m, ALG_CTNL_F_ALL,
				   extack);
	if (err)
		return err;
	if (m.saddr != htonl(0xffffffff) || m.daddr != htonl(0xffffffff) ||
	    m.dport != htons(0xffff) || m.sport || m.proto != t->proto) {
		NL_SET_ERR_MSG_MOD(extack, "only the source port may be a wildcard");
		return -EOPNOTSUPP;
	}
	if ((cda[CTA_EXPECT_FLAGS] &&
	     ntohl(nla_get_be32(cda[CTA_EXPECT_FLAGS])) & ~NF_CT_EXPECT_USERSPACE) ||
	    (cda[CTA_EXPECT_CLASS] && nla_get_be32(cda[CTA_EXPECT_CLASS]))) {
		NL_SET_ERR_MSG_MOD(extack, "no permanent or inactive expectations, one class");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * conntrackd's expectation sync (and `conntrack -I expect`): an expectation
 * of a connection that has the helper. Made, then only deleted: no update.
 */
static int alg_ctnl_exp_new(struct sk_buff *skb, const struct nfnl_info *info,
			    const struct nlattr * const cda[])
{
	struct netlink_ext_ack *extack = info->extack;
	struct alg_net *an = alg_net(info->net);
	const struct alg_helper *h;
	struct alg_ctnl_exp_sel s;
	struct alg_expect *exp;
	struct alg_conn *master;
	int err;

	err = alg_ctnl_exp_sel_parse(&s, info, cda);
	if (err)
		return err;
	if (!s.by_tuple || !cda[CTA_EXPECT_MASK] || !cda[CTA_EXPECT_MASTER]) {
		NL_SET_ERR_MSG_MOD(extack, "an expectation needs its tuple, mask and master");
		return -EINVAL;
	}
	if (!(info->nlh->nlmsg_flags & NLM_F_CREATE)) {
		alg_ctnl_exp_find(an, &s, alg_ctnl_exp_match_one);
		NL_SET_ERR_MSG_MOD(extack, "expectations are made and deleted, not changed");
		return s.found ? -EOPNOTSUPP : -ENOENT;
	}
	err = alg_ctnl_exp_mask_check(cda, &s.tuple, extack) ?:
	      alg_ctnl_master_find(info->net, cda[CTA_EXPECT_MASTER], &master,
				   extack);
	if (err)
		return err;
	h = alg_conn_helper(master);
	err = -EOPNOTSUPP;
	if (!h) {
		NL_SET_ERR_MSG_MOD(extack, "the master has no helper");
		goto out_master;
	}
	err = -EINVAL;
	if (s.helper && strcmp(s.helper, h->name)) {
		NL_SET_ERR_MSG_MOD(extack, "the master has another helper");
		goto out_master;
	}
	if (cda[CTA_EXPECT_FN] &&
	    (!cda[CTA_EXPECT_NAT] ||
	     strcmp(nla_data(cda[CTA_EXPECT_FN]), "nat-follow-master"))) {
		NL_SET_ERR_MSG_MOD(extack, "expectfn: nat-follow-master, with CTA_EXPECT_NAT");
		goto out_master;
	}
	err = -ENOMEM;
	exp = alg_expect_alloc(master);
	if (!exp)
		goto out_master;
	exp->tuple = s.tuple;
	exp->tuple.sport = 0;
	/* The side of the master whose source the data connection comes from. */
	exp->dir = s.tuple.saddr == alg_conn_tuple(master, ALG_DIR_ORIGINAL)->saddr ?
		   ALG_DIR_ORIGINAL : ALG_DIR_REPLY;
	if (cda[CTA_EXPECT_NAT]) {
		err = alg_ctnl_exp_nat_parse(exp, cda[CTA_EXPECT_NAT], extack);
		if (err)
			goto out_exp;
		if (cda[CTA_EXPECT_FN])
			exp->expectfn = alg_nat_ftp_follow;
	}
	err = alg_expect_insert_timeout(exp, cda[CTA_EXPECT_TIMEOUT] ?
			min_t(u32, ntohl(nla_get_be32(cda[CTA_EXPECT_TIMEOUT])),
			      ALG_CTNL_EXP_TIMEOUT_MAX) : 0);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG_MOD(extack, "an expectation of that tuple exists");
		err = -EEXIST;
	}
out_exp:
	alg_expect_put(exp);	/* the table keeps its own reference */
out_master:
	alg_conn_put(master);
	return err;
}

static const struct nfnl_callback alg_ctnl_exp_cb[IPCTNL_MSG_EXP_MAX] = {
	[IPCTNL_MSG_EXP_NEW] = {
		.call = alg_ctnl_exp_new,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_EXPECT_MAX,
		.policy = alg_ctnl_exp_policy,
	},
	[IPCTNL_MSG_EXP_GET] = {
		.call = alg_ctnl_exp_get,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_EXPECT_MAX,
		.policy = alg_ctnl_exp_policy,
	},
	[IPCTNL_MSG_EXP_DELETE] = {
		.call = alg_ctnl_exp_del,
		.type = NFNL_CB_MUTEX,
		.attr_count = CTA_EXPECT_MAX,
		.policy = alg_ctnl_exp_policy,
	},
};

const struct nfnetlink_subsystem alg_ctnl_exp_subsys = {
	.name = "alg_conntrack_expect",
	.subsys_id = NFNL_SUBSYS_CTNETLINK_EXP,
	.cb_count = IPCTNL_MSG_EXP_MAX,
	.cb = alg_ctnl_exp_cb,
	.owner = THIS_MODULE,
};

/* Called under the expectation lock: atomic, and the master is held. */
void alg_ctnl_exp_event(struct alg_expect *exp, enum alg_event ev)
{
	struct net *net = alg_conn_net(exp->master);
	unsigned int group = ev == ALG_EVENT_NEW ? NFNLGRP_CONNTRACK_EXP_NEW :
						   NFNLGRP_CONNTRACK_EXP_DESTROY;
	struct sk_buff *skb;

	if (ev == ALG_EVENT_UPDATE || !nfnetlink_has_listeners(net, group))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto fail;
	if (alg_ctnl_exp_fill(skb, 0, 0,
			      ev == ALG_EVENT_NEW ? IPCTNL_MSG_EXP_NEW :
						    IPCTNL_MSG_EXP_DELETE,
			      ev == ALG_EVENT_NEW ? NLM_F_CREATE | NLM_F_EXCL : 0,
			      exp)) {
		kfree_skb(skb);
		goto fail;
	}
	nfnetlink_send(skb, net, 0, group, 0, GFP_ATOMIC);
	return;
fail:
	nfnetlink_set_err(net, 0, group, -ENOBUFS);
}
