// SPDX-License-Identifier: GPL-2.0
/*
 * The xtables matches and targets that read or mark a connection, for
 * iptables-legacy and iptables-nft's compat path: state, conntrack (1-3),
 * helper, connmark, CONNMARK (1-2), CT --notrack and NOTRACK. The real
 * ones (xt_state.ko, ...) need nf_conntrack, which cannot load beside this
 * module; x_tables finds these by name first, so it never asks for them.
 * The layouts are the uapi ones; the semantics are ct_match.c's.
 */

#include "core/helper.h"
#include "ui/ct.h"

#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_helper.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter_ipv4/ip_tables.h>

static bool alg_xt_state_mt(const struct sk_buff *skb,
			    struct xt_action_param *par)
{
	const struct xt_state_info *info = par->matchinfo;
	struct alg_ct_view v;

	alg_ct_view_skb(&v, skb, xt_family(par));
	return info->statemask & alg_ct_state_bits(&v);
}

static bool alg_xt_conntrack_mt(const struct sk_buff *skb,
				struct xt_action_param *par)
{
	struct xt_conntrack_mtinfo3 wide;
	const struct xt_conntrack_mtinfo3 *info = &wide;
	struct alg_ct_view v;

	switch (par->match->revision) {
	case 1:
		alg_ct_conntrack_v1to3(&wide, par->matchinfo);
		break;
	case 2:
		alg_ct_conntrack_v2to3(&wide, par->matchinfo);
		break;
	default:
		info = par->matchinfo;
		break;
	}
	alg_ct_view_skb(&v, skb, xt_family(par));
	return alg_ct_conntrack_match(info, par->match->revision == 3, &v);
}

static int alg_xt_conntrack_check(const struct xt_mtchk_param *par)
{
	/* Only IPv4 addresses are compared (the tracker's family). */
	if (par->family != NFPROTO_IPV4) {
		pr_info_ratelimited("-m conntrack: IPv4 only\n");
		return -EAFNOSUPPORT;
	}
	return 0;
}

static bool alg_xt_helper_mt(const struct sk_buff *skb,
			     struct xt_action_param *par)
{
	const struct xt_helper_info *info = par->matchinfo;
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	const char *name = ct ? alg_ct_master_helper(ct) : NULL;

	if (!name)
		return info->invert;
	if (!info->name[0])
		return !info->invert;
	return info->invert ^ !strncmp(name, info->name, strlen(name));
}

static int alg_xt_helper_check(const struct xt_mtchk_param *par)
{
	struct xt_helper_info *info = par->matchinfo;

	info->name[sizeof(info->name) - 1] = '\0';
	return 0;
}

static bool alg_xt_connmark_mt(const struct sk_buff *skb,
			       struct xt_action_param *par)
{
	const struct xt_connmark_mtinfo1 *info = par->matchinfo;
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);

	if (!ct)
		return false;
	return ((READ_ONCE(ct->mark) & info->mask) == info->mark) ^
	       info->invert;
}

static unsigned int alg_xt_connmark_do(struct sk_buff *skb,
				       const struct xt_connmark_tginfo2 *info)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	u32 ctmark, skbmark = skb->mark;

	if (!ct)
		return XT_CONTINUE;
	ctmark = READ_ONCE(ct->mark);
	alg_ct_connmark(info, &ctmark, &skbmark);
	if (READ_ONCE(ct->mark) != ctmark)
		WRITE_ONCE(ct->mark, ctmark);
	skb->mark = skbmark;
	return XT_CONTINUE;
}

static unsigned int alg_xt_connmark_tg_v1(struct sk_buff *skb,
					  const struct xt_action_param *par)
{
	const struct xt_connmark_tginfo1 *i1 = par->targinfo;
	const struct xt_connmark_tginfo2 info = {
		.ctmark = i1->ctmark, .ctmask = i1->ctmask,
		.nfmask = i1->nfmask, .mode = i1->mode,
	};

	return alg_xt_connmark_do(skb, &info);
}

static unsigned int alg_xt_connmark_tg_v2(struct sk_buff *skb,
					  const struct xt_action_param *par)
{
	return alg_xt_connmark_do(skb, par->targinfo);
}

static int alg_xt_connmark_check_v2(const struct xt_tgchk_param *par)
{
	const struct xt_connmark_tginfo2 *info = par->targinfo;

	if (info->mode > XT_CONNMARK_RESTORE ||
	    info->shift_dir > D_SHIFT_RIGHT || info->shift_bits > 31)
		return -EINVAL;
	return 0;
}

static int alg_xt_connmark_check_v1(const struct xt_tgchk_param *par)
{
	const struct xt_connmark_tginfo1 *info = par->targinfo;

	return info->mode > XT_CONNMARK_RESTORE ? -EINVAL : 0;
}

/* Before the tracker's hook (raw table): the packet stays untracked. */
static unsigned int alg_xt_notrack_tg(struct sk_buff *skb,
				      const struct xt_action_param *par)
{
	if (!skb_get_nfct(skb))
		alg_skb_set_conn(skb, NULL, IP_CT_UNTRACKED);
	return XT_CONTINUE;
}

/*
 * -j CT --helper NAME: the tracker gives the connection the packet starts
 * that helper. The target info's kernel-only "ct" field, where
 * nf_conntrack keeps its template, keeps the helper here (NULL: notrack).
 */
static unsigned int alg_xt_ct_tg(struct sk_buff *skb,
				 const struct xt_action_param *par,
				 const void *helper)
{
	if (!helper)
		return alg_xt_notrack_tg(skb, par);
	if (!skb_get_nfct(skb))
		alg_helper_request(skb, helper);
	return XT_CONTINUE;
}

static unsigned int alg_xt_ct_tg_v0(struct sk_buff *skb,
				    const struct xt_action_param *par)
{
	const struct xt_ct_target_info *info = par->targinfo;

	return alg_xt_ct_tg(skb, par, info->ct);
}

static unsigned int alg_xt_ct_tg_v1(struct sk_buff *skb,
				    const struct xt_action_param *par)
{
	const struct xt_ct_target_info_v1 *info = par->targinfo;

	return alg_xt_ct_tg(skb, par, info->ct);
}

/* The helper a --helper NAME names, for the rule's protocol; or an error. */
static const struct alg_helper *
alg_xt_ct_helper(const struct xt_tgchk_param *par, const char *name,
		 size_t size)
{
	const struct ipt_entry *e = par->entryinfo;
	const struct alg_helper *h;

	if (strnlen(name, size) == size)
		return ERR_PTR(-EINVAL);
	if (par->family != NFPROTO_IPV4) {
		pr_info_ratelimited("-j CT --helper: alg_conntrack tracks IPv4 only\n");
		return ERR_PTR(-EOPNOTSUPP);
	}
	/* As xt_CT: a helper reads one protocol's payload. */
	if (!e->ip.proto || (e->ip.invflags & IPT_INV_PROTO)) {
		pr_info_ratelimited("-j CT --helper needs -p, not inverted\n");
		return ERR_PTR(-ENOENT);
	}
	h = alg_helper_find_name(name);
	if (!h || h->proto != e->ip.proto) {
		pr_info_ratelimited("-j CT --helper %s: no such helper for protocol %u\n",
				    name, e->ip.proto);
		return ERR_PTR(-ENOENT);
	}
	return h;
}

/* Of CT's options --notrack and --helper: zones, events, timeouts not. */
static int alg_xt_ct_check(const struct xt_tgchk_param *par, u16 flags,
			   const char *helper, size_t helper_size, u16 zone,
			   u32 ct_events, u32 exp_events, const char *timeout,
			   struct nf_conn **slot)
{
	const struct alg_helper *h = NULL;

	if (zone || ct_events || exp_events || (timeout && timeout[0]) ||
	    (flags & ~XT_CT_NOTRACK) || (flags && helper[0]) ||
	    (!flags && !helper[0])) {
		pr_info_ratelimited("-j CT: only --notrack or --helper\n");
		return -EOPNOTSUPP;
	}
	if (helper[0]) {
		h = alg_xt_ct_helper(par, helper, helper_size);
		if (IS_ERR(h))
			return PTR_ERR(h);
	}
	*slot = (struct nf_conn *)h;
	return 0;
}

static int alg_xt_ct_check_v0(const struct xt_tgchk_param *par)
{
	struct xt_ct_target_info *info = par->targinfo;

	return alg_xt_ct_check(par, info->flags, info->helper,
			       sizeof(info->helper), info->zone,
			       info->ct_events, info->exp_events, NULL,
			       &info->ct);
}

static int alg_xt_ct_check_v1(const struct xt_tgchk_param *par)
{
	struct xt_ct_target_info_v1 *info = par->targinfo;

	return alg_xt_ct_check(par, info->flags, info->helper,
			       sizeof(info->helper), info->zone,
			       info->ct_events, info->exp_events,
			       info->timeout, &info->ct);
}

static struct xt_match alg_xt_matches[] __read_mostly = {
	{
		.name = "state",
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_state_mt,
		.matchsize = sizeof(struct xt_state_info),
		.me = THIS_MODULE,
	},
	{
		.name = "conntrack",
		.revision = 1,
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_conntrack_mt,
		.checkentry = alg_xt_conntrack_check,
		.matchsize = sizeof(struct xt_conntrack_mtinfo1),
		.me = THIS_MODULE,
	},
	{
		.name = "conntrack",
		.revision = 2,
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_conntrack_mt,
		.checkentry = alg_xt_conntrack_check,
		.matchsize = sizeof(struct xt_conntrack_mtinfo2),
		.me = THIS_MODULE,
	},
	{
		.name = "conntrack",
		.revision = 3,
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_conntrack_mt,
		.checkentry = alg_xt_conntrack_check,
		.matchsize = sizeof(struct xt_conntrack_mtinfo3),
		.me = THIS_MODULE,
	},
	{
		.name = "helper",
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_helper_mt,
		.checkentry = alg_xt_helper_check,
		.matchsize = sizeof(struct xt_helper_info),
		.me = THIS_MODULE,
	},
	{
		.name = "connmark",
		.revision = 1,
		.family = NFPROTO_UNSPEC,
		.match = alg_xt_connmark_mt,
		.matchsize = sizeof(struct xt_connmark_mtinfo1),
		.me = THIS_MODULE,
	},
};

#define ALG_XT_RAW_HOOKS ((1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_OUT))

static struct xt_target alg_xt_targets[] __read_mostly = {
	{
		.name = "CONNMARK",
		.revision = 1,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_connmark_tg_v1,
		.checkentry = alg_xt_connmark_check_v1,
		.targetsize = sizeof(struct xt_connmark_tginfo1),
		.me = THIS_MODULE,
	},
	{
		.name = "CONNMARK",
		.revision = 2,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_connmark_tg_v2,
		.checkentry = alg_xt_connmark_check_v2,
		.targetsize = sizeof(struct xt_connmark_tginfo2),
		.me = THIS_MODULE,
	},
	{
		.name = "CT",
		.revision = 0,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_ct_tg_v0,
		.checkentry = alg_xt_ct_check_v0,
		.targetsize = sizeof(struct xt_ct_target_info),
		.usersize = offsetof(struct xt_ct_target_info, ct),
		.table = "raw",
		.hooks = ALG_XT_RAW_HOOKS,
		.me = THIS_MODULE,
	},
	{
		.name = "CT",
		.revision = 1,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_ct_tg_v1,
		.checkentry = alg_xt_ct_check_v1,
		.targetsize = sizeof(struct xt_ct_target_info_v1),
		.usersize = offsetof(struct xt_ct_target_info_v1, ct),
		.table = "raw",
		.hooks = ALG_XT_RAW_HOOKS,
		.me = THIS_MODULE,
	},
	{
		.name = "CT",
		.revision = 2,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_ct_tg_v1,
		.checkentry = alg_xt_ct_check_v1,
		.targetsize = sizeof(struct xt_ct_target_info_v1),
		.usersize = offsetof(struct xt_ct_target_info_v1, ct),
		.table = "raw",
		.hooks = ALG_XT_RAW_HOOKS,
		.me = THIS_MODULE,
	},
	{
		.name = "NOTRACK",
		.revision = 0,
		.family = NFPROTO_UNSPEC,
		.target = alg_xt_notrack_tg,
		.table = "raw",
		.hooks = ALG_XT_RAW_HOOKS,
		.me = THIS_MODULE,
	},
};

int alg_xt_ct_init(void)
{
	int ret;

	ret = xt_register_matches(alg_xt_matches, ARRAY_SIZE(alg_xt_matches));
	if (ret < 0)
		return ret;
	ret = xt_register_targets(alg_xt_targets, ARRAY_SIZE(alg_xt_targets));
	if (ret < 0)
		xt_unregister_matches(alg_xt_matches,
				      ARRAY_SIZE(alg_xt_matches));
	return ret;
}

void alg_xt_ct_uninit(void)
{
	xt_unregister_targets(alg_xt_targets, ARRAY_SIZE(alg_xt_targets));
	xt_unregister_matches(alg_xt_matches, ARRAY_SIZE(alg_xt_matches));
}
