// SPDX-License-Identifier: GPL-2.0
/*
 * nf_tables' "ct" and "notrack" expressions over alg's connections, so that
 * nft (and iptables-nft, which writes -m state/-m conntrack as native ct
 * expressions) can keep state: ct state, direction, status, mark (and
 * ct mark set), expiration, helper, l3proto, protocol, the tuples' addresses
 * and ports, zone (always 0). The attribute layout is nf_tables' uapi; the
 * real nft_ct.ko needs nf_conntrack, which cannot load beside this module,
 * and nf_tables finds these by name before it would ask for that one.
 * Refused at rule load: keys that need state alg does not keep (bytes,
 * packets, labels, secmark, id, event masks) and setting any key but mark.
 * Also the "ct helper" object type.
 */

#include "ui/ct.h"
#include "core/helper.h"

#include <linux/module.h>
#include <net/netfilter/nf_tables.h>

#define ALG_NFT_HELPER_LEN	16	/* NF_CT_HELPER_NAME_LEN */

struct alg_nft_ct {
	enum nft_ct_keys key:8;
	u8 dir;			/* IP_CT_DIR_MAX: none given */
	u8 len;
	u8 reg;			/* dreg (get) or sreg (set) */
};

static const struct nla_policy alg_nft_ct_policy[NFTA_CT_MAX + 1] = {
	[NFTA_CT_DREG] = { .type = NLA_U32 },
	[NFTA_CT_KEY] = { .type = NLA_U32 },
	[NFTA_CT_DIRECTION] = { .type = NLA_U8 },
	[NFTA_CT_SREG] = { .type = NLA_U32 },
};

static void alg_nft_ct_get_eval(const struct nft_expr *expr,
				struct nft_regs *regs,
				const struct nft_pktinfo *pkt)
{
	const struct alg_nft_ct *priv = nft_expr_priv(expr);
	u32 *dest = &regs->data[priv->reg];
	const struct alg_tuple *t;
	struct alg_ct_view v;
	struct alg_conn *ct;
	const char *name;

	ct = alg_ct_view_skb(&v, pkt->skb, nft_pf(pkt));
	if (priv->key == NFT_CT_STATE) {
		*dest = alg_ct_state_bits(&v);
		return;
	}
	if (!ct)
		goto out_break;
	switch (priv->key) {
	case NFT_CT_DIRECTION:
		nft_reg_store8(dest, CTINFO2DIR(v.ctinfo));
		return;
	case NFT_CT_STATUS:
		*dest = v.status;
		return;
	case NFT_CT_MARK:
		*dest = READ_ONCE(ct->mark);
		return;
	case NFT_CT_EXPIRATION:
		*dest = jiffies_to_msecs(alg_conn_left(ct));
		return;
	case NFT_CT_HELPER:
		name = alg_ct_master_helper(ct);
		if (!name)
			goto out_break;
		strscpy_pad((char *)dest, name, ALG_NFT_HELPER_LEN);
		return;
	case NFT_CT_L3PROTOCOL:
		nft_reg_store8(dest, NFPROTO_IPV4);
		return;
	case NFT_CT_PROTOCOL:
		nft_reg_store8(dest, v.tuple[ALG_DIR_ORIGINAL]->proto);
		return;
	case NFT_CT_ZONE:
		nft_reg_store16(dest, 0);
		return;
	default:
		break;
	}
	t = v.tuple[priv->dir];
	switch (priv->key) {
	case NFT_CT_SRC:
	case NFT_CT_SRC_IP:
		memset(dest, 0, priv->len);
		*dest = (__force u32)t->saddr;
		return;
	case NFT_CT_DST:
	case NFT_CT_DST_IP:
		memset(dest, 0, priv->len);
		*dest = (__force u32)t->daddr;
		return;
	case NFT_CT_PROTO_SRC:
		nft_reg_store16(dest, (__force u16)alg_ct_tuple_src_all(t));
		return;
	case NFT_CT_PROTO_DST:
		nft_reg_store16(dest, (__force u16)alg_ct_tuple_dst_all(t));
		return;
	default:
		break;	/* an IPv6 key: no such connection here */
	}
out_break:
	regs->verdict.code = NFT_BREAK;
}

static void alg_nft_ct_set_eval(const struct nft_expr *expr,
				struct nft_regs *regs,
				const struct nft_pktinfo *pkt)
{
	const struct alg_nft_ct *priv = nft_expr_priv(expr);
	u32 value = regs->data[priv->reg];
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(pkt->skb, &ctinfo);

	/* Only the mark is settable (init refuses the rest). */
	if (ct && READ_ONCE(ct->mark) != value)
		WRITE_ONCE(ct->mark, value);
}

/* The register length of a key, or a negative errno. */
static int alg_nft_ct_key_len(const struct nft_ctx *ctx, u32 key, bool dir)
{
	switch (key) {
	case NFT_CT_STATE:
	case NFT_CT_STATUS:
	case NFT_CT_MARK:
	case NFT_CT_EXPIRATION:
		return dir ? -EINVAL : sizeof(u32);
	case NFT_CT_DIRECTION:
		return dir ? -EINVAL : sizeof(u8);
	case NFT_CT_HELPER:
		return dir ? -EINVAL : ALG_NFT_HELPER_LEN;
	case NFT_CT_L3PROTOCOL:
	case NFT_CT_PROTOCOL:
		return sizeof(u8);	/* a direction is tolerated, as upstream */
	case NFT_CT_ZONE:
		return sizeof(u16);
	case NFT_CT_SRC:
	case NFT_CT_DST:
		if (!dir)
			return -EINVAL;
		return ctx->family == NFPROTO_IPV4 ? sizeof(__be32) :
						     sizeof(union nf_inet_addr);
	case NFT_CT_SRC_IP:
	case NFT_CT_DST_IP:
		return dir ? sizeof(__be32) : -EINVAL;
	case NFT_CT_SRC_IP6:
	case NFT_CT_DST_IP6:
		return dir ? sizeof(struct in6_addr) : -EINVAL;
	case NFT_CT_PROTO_SRC:
	case NFT_CT_PROTO_DST:
		return dir ? sizeof(u16) : -EINVAL;
	case NFT_CT_PKTS:
	case NFT_CT_BYTES:
	case NFT_CT_AVGPKT:
		pr_info_ratelimited("nft ct packets/bytes/avgpkt: alg_conntrack keeps no per-connection counters\n");
		return -EOPNOTSUPP;
	default:
		pr_info_ratelimited("nft ct key %u is not supported by alg_conntrack\n",
				    key);
		return -EOPNOTSUPP;
	}
}

static int alg_nft_ct_parse(struct alg_nft_ct *priv,
			    const struct nlattr * const tb[])
{
	priv->key = ntohl(nla_get_be32(tb[NFTA_CT_KEY]));
	priv->dir = IP_CT_DIR_MAX;
	if (tb[NFTA_CT_DIRECTION]) {
		priv->dir = nla_get_u8(tb[NFTA_CT_DIRECTION]);
		if (priv->dir != IP_CT_DIR_ORIGINAL &&
		    priv->dir != IP_CT_DIR_REPLY)
			return -EINVAL;
	}
	return 0;
}

static int alg_nft_ct_get_init(const struct nft_ctx *ctx,
			       const struct nft_expr *expr,
			       const struct nlattr * const tb[])
{
	struct alg_nft_ct *priv = nft_expr_priv(expr);
	int len, ret;

	ret = alg_nft_ct_parse(priv, tb);
	if (ret < 0)
		return ret;
	len = alg_nft_ct_key_len(ctx, priv->key, priv->dir != IP_CT_DIR_MAX);
	if (len < 0)
		return len;
	priv->len = len;
	return nft_parse_register_store(ctx, tb[NFTA_CT_DREG], &priv->reg,
					NULL, NFT_DATA_VALUE, len);
}

static int alg_nft_ct_set_init(const struct nft_ctx *ctx,
			       const struct nft_expr *expr,
			       const struct nlattr * const tb[])
{
	struct alg_nft_ct *priv = nft_expr_priv(expr);
	int ret;

	ret = alg_nft_ct_parse(priv, tb);
	if (ret < 0)
		return ret;
	if (priv->key != NFT_CT_MARK) {
		pr_info_ratelimited("nft ct set: alg_conntrack sets the mark only (key %u)\n",
				    priv->key);
		return -EOPNOTSUPP;
	}
	if (priv->dir != IP_CT_DIR_MAX)
		return -EINVAL;
	priv->len = sizeof(u32);
	return nft_parse_register_load(ctx, tb[NFTA_CT_SREG], &priv->reg,
				       priv->len);
}

static bool alg_nft_ct_key_has_dir(const struct alg_nft_ct *priv)
{
	switch (priv->key) {
	case NFT_CT_SRC:
	case NFT_CT_DST:
	case NFT_CT_SRC_IP:
	case NFT_CT_DST_IP:
	case NFT_CT_SRC_IP6:
	case NFT_CT_DST_IP6:
	case NFT_CT_PROTO_SRC:
	case NFT_CT_PROTO_DST:
		return true;
	default:
		return priv->key == NFT_CT_ZONE && priv->dir != IP_CT_DIR_MAX;
	}
}

static int alg_nft_ct_dump(struct sk_buff *skb, const struct alg_nft_ct *priv,
			   unsigned int regattr)
{
	if (nft_dump_register(skb, regattr, priv->reg) ||
	    nla_put_be32(skb, NFTA_CT_KEY, htonl(priv->key)))
		return -1;
	if (alg_nft_ct_key_has_dir(priv) &&
	    nla_put_u8(skb, NFTA_CT_DIRECTION, priv->dir))
		return -1;
	return 0;
}

static int alg_nft_ct_get_dump(struct sk_buff *skb,
			       const struct nft_expr *expr, bool reset)
{
	return alg_nft_ct_dump(skb, nft_expr_priv(expr), NFTA_CT_DREG);
}

static int alg_nft_ct_set_dump(struct sk_buff *skb,
			       const struct nft_expr *expr, bool reset)
{
	return alg_nft_ct_dump(skb, nft_expr_priv(expr), NFTA_CT_SREG);
}

static struct nft_expr_type alg_nft_ct_type;

static const struct nft_expr_ops alg_nft_ct_get_ops = {
	.type = &alg_nft_ct_type,
	.size = NFT_EXPR_SIZE(sizeof(struct alg_nft_ct)),
	.eval = alg_nft_ct_get_eval,
	.init = alg_nft_ct_get_init,
	.dump = alg_nft_ct_get_dump,
};

static const struct nft_expr_ops alg_nft_ct_set_ops = {
	.type = &alg_nft_ct_type,
	.size = NFT_EXPR_SIZE(sizeof(struct alg_nft_ct)),
	.eval = alg_nft_ct_set_eval,
	.init = alg_nft_ct_set_init,
	.dump = alg_nft_ct_set_dump,
};

static const struct nft_expr_ops *
alg_nft_ct_select_ops(const struct nft_ctx *ctx,
		      const struct nlattr * const tb[])
{
	if (!tb[NFTA_CT_KEY])
		return ERR_PTR(-EINVAL);
	if (tb[NFTA_CT_DREG] && tb[NFTA_CT_SREG])
		return ERR_PTR(-EINVAL);
	if (tb[NFTA_CT_DREG])
		return &alg_nft_ct_get_ops;
	if (tb[NFTA_CT_SREG])
		return &alg_nft_ct_set_ops;
	return ERR_PTR(-EINVAL);
}

static struct nft_expr_type alg_nft_ct_type __read_mostly = {
	.name = "ct",
	.select_ops = alg_nft_ct_select_ops,
	.policy = alg_nft_ct_policy,
	.maxattr = NFTA_CT_MAX,
	.owner = THIS_MODULE,
};

/* Before the tracker's hook: the packet stays untracked. */
static void alg_nft_notrack_eval(const struct nft_expr *expr,
				 struct nft_regs *regs,
				 const struct nft_pktinfo *pkt)
{
	if (!skb_get_nfct(pkt->skb))
		alg_skb_set_conn(pkt->skb, NULL, IP_CT_UNTRACKED);
}

static int alg_nft_notrack_validate(const struct nft_ctx *ctx,
				    const struct nft_expr *expr)
{
	return nft_chain_validate_hooks(ctx->chain,
					(1 << NF_INET_PRE_ROUTING) |
					(1 << NF_INET_LOCAL_OUT));
}

static struct nft_expr_type alg_nft_notrack_type;

static const struct nft_expr_ops alg_nft_notrack_ops = {
	.type = &alg_nft_notrack_type,
	.size = NFT_EXPR_SIZE(0),
	.eval = alg_nft_notrack_eval,
	.validate = alg_nft_notrack_validate,
};

static struct nft_expr_type alg_nft_notrack_type __read_mostly = {
	.name = "notrack",
	.ops = &alg_nft_notrack_ops,
	.owner = THIS_MODULE,
};

/*
 * The "ct helper" object (ct helper ftp-std { type "ftp" protocol tcp; }
 * and ct helper set "ftp-std"): since Linux 6.0 the way nft users attach
 * a helper. It does so to a new connection, before it is confirmed.
 */
struct alg_nft_helper {
	const struct alg_helper *helper;
	u16 l3proto;
	u8 l4proto;
};

static const struct nla_policy alg_nft_helper_policy[NFTA_CT_HELPER_MAX + 1] = {
	[NFTA_CT_HELPER_NAME] = { .type = NLA_STRING,
				  .len = ALG_HELPER_NAME_MAX - 1 },
	[NFTA_CT_HELPER_L3PROTO] = { .type = NLA_U16 },
	[NFTA_CT_HELPER_L4PROTO] = { .type = NLA_U8 },
};

static int alg_nft_helper_init(const struct nft_ctx *ctx,
			       const struct nlattr * const tb[],
			       struct nft_object *obj)
{
	struct alg_nft_helper *priv = nft_obj_data(obj);
	char name[ALG_HELPER_NAME_MAX];
	u16 family = ctx->family;

	if (!tb[NFTA_CT_HELPER_NAME] || !tb[NFTA_CT_HELPER_L4PROTO])
		return -EINVAL;
	if (tb[NFTA_CT_HELPER_L3PROTO])
		family = ntohs(nla_get_be16(tb[NFTA_CT_HELPER_L3PROTO]));
	/* IPv4, or a table that sees both families (its IPv4 part). */
	switch (family) {
	case NFPROTO_IPV4:
	case NFPROTO_INET:
	case NFPROTO_BRIDGE:
	case NFPROTO_NETDEV:
		break;
	default:
		pr_info_ratelimited("nft ct helper: alg_conntrack tracks IPv4 only\n");
		return -EOPNOTSUPP;
	}
	nla_strscpy(name, tb[NFTA_CT_HELPER_NAME], sizeof(name));
	priv->helper = alg_helper_find_name(name);
	priv->l4proto = nla_get_u8(tb[NFTA_CT_HELPER_L4PROTO]);
	if (!priv->helper) {
		pr_info_ratelimited("nft ct helper: no helper \"%s\"\n", name);
		return -ENOENT;
	}
	if (priv->helper->proto != priv->l4proto) {
		pr_info_ratelimited("nft ct helper: \"%s\" is not for protocol %u\n",
				    name, priv->l4proto);
		return -EINVAL;
	}
	priv->l3proto = family == NFPROTO_IPV4 ? NFPROTO_IPV4 : NFPROTO_INET;
	return 0;
}

static void alg_nft_helper_eval(struct nft_object *obj, struct nft_regs *regs,
				const struct nft_pktinfo *pkt)
{
	const struct alg_nft_helper *priv = nft_obj_data(obj);
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(pkt->skb, &ctinfo);

	/* The first packet of a connection only: nothing else is unconfirmed. */
	if (!ct || alg_conn_confirmed(ct) ||
	    alg_conn_proto(ct) != priv->l4proto)
		return;
	alg_helper_attach(ct, priv->helper);
}

static int alg_nft_helper_dump(struct sk_buff *skb, struct nft_object *obj,
			       bool reset)
{
	const struct alg_nft_helper *priv = nft_obj_data(obj);

	if (nla_put_string(skb, NFTA_CT_HELPER_NAME, priv->helper->name) ||
	    nla_put_u8(skb, NFTA_CT_HELPER_L4PROTO, priv->l4proto) ||
	    nla_put_be16(skb, NFTA_CT_HELPER_L3PROTO, htons(priv->l3proto)))
		return -1;
	return 0;
}

static struct nft_object_type alg_nft_helper_type;

static const struct nft_object_ops alg_nft_helper_ops = {
	.type = &alg_nft_helper_type,
	.size = sizeof(struct alg_nft_helper),
	.eval = alg_nft_helper_eval,
	.init = alg_nft_helper_init,
	.dump = alg_nft_helper_dump,
};

static struct nft_object_type alg_nft_helper_type __read_mostly = {
	.type = NFT_OBJECT_CT_HELPER,
	.ops = &alg_nft_helper_ops,
	.maxattr = NFTA_CT_HELPER_MAX,
	.policy = alg_nft_helper_policy,
	.owner = THIS_MODULE,
};

int alg_nft_ct_init(void)
{
	int ret;

	ret = nft_register_expr(&alg_nft_ct_type);
	if (ret < 0)
		goto err_ct;

	ret = nft_register_expr(&alg_nft_notrack_type);
	if (ret < 0)
		goto err_notrack;

	ret = nft_register_obj(&alg_nft_helper_type);
	if (ret < 0)
		goto err_helper;

	return 0;

err_helper:
	nft_unregister_expr(&alg_nft_notrack_type);
err_notrack:
	nft_unregister_expr(&alg_nft_ct_type);
err_ct:
	return ret;
}

void alg_nft_ct_uninit(void)
{
	nft_unregister_obj(&alg_nft_helper_type);
	nft_unregister_expr(&alg_nft_notrack_type);
	nft_unregister_expr(&alg_nft_ct_type);
}
