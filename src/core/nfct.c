// SPDX-License-Identifier: GPL-2.0
/*
 * The packet carries its connection in skb->_nfct, as with nf_conntrack, so
 * the kernel drops our references through the global nf_ct_hook. There is
 * one such hook: this module and nf_conntrack cannot both be loaded. We
 * refuse to load while nf_conntrack is there, and veto its loading while we
 * are, with a module notifier.
 *
 * The same goes for the modules that read skb->_nfct as a struct nf_conn
 * without depending on nf_conntrack.ko (so nothing else keeps them out):
 * they would misread our object. The list was made by reading 6.1 and
 * 6.12; README.md says what else reads it and why that is harmless.
 */

#include "core/nfct.h"
#include "core/conn.h"
#include "core/track.h"

#include <linux/module.h>
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack_tuple.h>

static void alg_nfct_destroy(struct nf_conntrack *nfct)
{
	alg_conn_free(container_of(nfct, struct alg_conn, ct_general));
}

/* An ICMP error or RST made for a tracked packet travels the other way. */
static void alg_nfct_attach(struct sk_buff *nskb, const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);

	if (!ct || skb_nfct(nskb))
		return;
	ctinfo = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ? IP_CT_RELATED_REPLY :
							    IP_CT_RELATED;
	alg_conn_get(ct);
	alg_skb_set_conn(nskb, ct, ctinfo);
}

static bool alg_nfct_get_tuple_skb(struct nf_conntrack_tuple *dst,
				   const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	const struct alg_tuple *t;

	if (!ct)
		return false;
	t = alg_conn_tuple(ct, CTINFO2DIR(ctinfo));
	memset(dst, 0, sizeof(*dst));
	dst->src.l3num = NFPROTO_IPV4;
	dst->src.u3.ip = t->saddr;
	dst->dst.u3.ip = t->daddr;
	dst->dst.protonum = t->proto;
	dst->dst.dir = CTINFO2DIR(ctinfo);
	if (t->proto == ALG_PROTO_ICMP) {
		dst->src.u.icmp.id = t->sport;
		dst->dst.u.icmp.type = t->icmp_type;
		dst->dst.u.icmp.code = t->icmp_code;
	} else {
		dst->src.u.all = t->sport;
		dst->dst.u.all = t->dport;
	}
	return true;
}

static void alg_nfct_set_closing(struct nf_conntrack *nfct)
{
	alg_conn_set_closing(container_of(nfct, struct alg_conn, ct_general));
}

/* nfnetlink_queue asks us to redo NAT after userspace changed a packet. */
static int alg_nfct_update(struct net *net, struct sk_buff *skb)
{
	return 0;
}

static int alg_nfct_confirm(struct sk_buff *skb)
{
	return alg_track_confirm(skb);
}

static const struct nf_ct_hook alg_nfct_hook = {
	.update = alg_nfct_update,
	.destroy = alg_nfct_destroy,
	.get_tuple_skb = alg_nfct_get_tuple_skb,
	.attach = alg_nfct_attach,
	.set_closing = alg_nfct_set_closing,
	.confirm = alg_nfct_confirm,
};

struct alg_nfct_reader {
	const char *name;
	const char *reads;	/* what it would get wrong */
};

static const struct alg_nfct_reader alg_nfct_readers[] = {
	{ "nf_socket_ipv4", "-m socket / nft socket: the NAT tuple" },
	{ "nf_socket_ipv6", "-m socket / nft socket: the NAT tuple" },
	{ "xt_HMARK", "-j HMARK --hmark-tuple ct: the tuples" },
	{ "cls_flow", "tc flow keys nfct-*: the tuples" },
	{ "cls_flower", "tc flower ct_*: mark, zone and extensions" },
	{ "nfnetlink_queue", "NFQUEUE: the confirmed bit of every queued packet" },
};

static const struct alg_nfct_reader *alg_nfct_reader_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(alg_nfct_readers); i++)
		if (!strcmp(alg_nfct_readers[i].name, name))
			return &alg_nfct_readers[i];
	return NULL;
}

/* Loaded means listed in /sys/module, the kset our own object is in. */
static bool alg_nfct_module_present(const char *name)
{
	struct kobject *k = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, name);

	kobject_put(k);
	return k;
}

static int alg_nfct_module_notify(struct notifier_block *nb,
				  unsigned long action, void *data)
{
	const struct alg_nfct_reader *r;
	struct module *mod = data;

	if (action != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	if (!strcmp(mod->name, "nf_conntrack")) {
		pr_warn("nf_conntrack may not load while alg_conntrack is loaded (rmmod alg_conntrack first)\n");
		return notifier_from_errno(-EBUSY);
	}
	r = alg_nfct_reader_find(mod->name);
	if (!r)
		return NOTIFY_DONE;
	pr_warn("%s may not load while alg_conntrack is loaded: it reads nf_conntrack's connection layout (%s)\n",
		r->name, r->reads);
	return notifier_from_errno(-EBUSY);
}

static struct notifier_block alg_nfct_module_nb = {
	.notifier_call = alg_nfct_module_notify,
};

int alg_nfct_init(void)
{
	unsigned int i;
	int ret;

	ret = register_module_notifier(&alg_nfct_module_nb);
	if (ret)
		return ret;
	/* From here on nf_conntrack cannot appear; is it there already? */
	if (rcu_access_pointer(nf_ct_hook)) {
		unregister_module_notifier(&alg_nfct_module_nb);
		pr_err("nf_conntrack is loaded; the two cannot run together (rmmod nf_conntrack first)\n");
		return -EBUSY;
	}
	for (i = 0; i < ARRAY_SIZE(alg_nfct_readers); i++) {
		if (!alg_nfct_module_present(alg_nfct_readers[i].name))
			continue;
		unregister_module_notifier(&alg_nfct_module_nb);
		pr_err("%s is loaded and would misread alg_conntrack's connections (%s); rmmod it first\n",
		       alg_nfct_readers[i].name, alg_nfct_readers[i].reads);
		return -EBUSY;
	}
	rcu_assign_pointer(nf_ct_hook, &alg_nfct_hook);
	return 0;
}

void alg_nfct_uninit(void)
{
	RCU_INIT_POINTER(nf_ct_hook, NULL);
	synchronize_rcu();
	unregister_module_notifier(&alg_nfct_module_nb);
}
