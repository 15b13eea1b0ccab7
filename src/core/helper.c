// SPDX-License-Identifier: GPL-2.0
/*
 * The helper registry. A connection gets its helper when it is created,
 * by the server port on its REPLY tuple's source (so a DNAT to the
 * helper's port counts), or from a "-j CT --helper" rule; with sysctl
 * helper_auto=0 only rules attach helpers, as modern netfilter advises,
 * since automatic assignment lets anyone talking to port 21 open pinholes.
 */

#include "core/helper.h"

#include <linux/rculist.h>
#include <net/ip.h>

static LIST_HEAD(alg_helpers);
static DEFINE_MUTEX(alg_helpers_lock);

int alg_helper_register(struct alg_helper *h)
{
	refcount_set(&h->request.use, 1);
	mutex_lock(&alg_helpers_lock);
	list_add_tail_rcu(&h->list, &alg_helpers);
	mutex_unlock(&alg_helpers_lock);
	return 0;
}

/* Called at module exit only, after every connection is gone. */
void alg_helper_unregister(struct alg_helper *h)
{
	mutex_lock(&alg_helpers_lock);
	list_del_rcu(&h->list);
	mutex_unlock(&alg_helpers_lock);
	synchronize_rcu();
}

const struct alg_helper *alg_helper_find_name(const char *name)
{
	const struct alg_helper *h, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(h, &alg_helpers, list) {
		if (!strcmp(h->name, name)) {
			found = h;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static const struct alg_helper *alg_helper_find_port(u8 proto, __be16 port)
{
	const struct alg_helper *h, *found = NULL;
	unsigned int i;

	rcu_read_lock();
	list_for_each_entry_rcu(h, &alg_helpers, list) {
		if (h->proto != proto)
			continue;
		for (i = 0; i < h->nports; i++)
			if (h->ports[i] == port)
				found = h;
		if (found)
			break;
	}
	rcu_read_unlock();
	return found;
}

/* Only before confirmation: ct->ext must not change under a packet. */
int alg_helper_attach(struct alg_conn *ct, const struct alg_helper *h)
{
	struct alg_conn_ext *ext;

	if (alg_conn_confirmed(ct))
		return -EBUSY;
	/* It would parse another protocol's payload with its offsets. */
	if (h->proto != alg_conn_proto(ct))
		return -EPROTOTYPE;
	if (ct->ext && ct->ext->helper)
		return ct->ext->helper == h ? 0 : -EBUSY;
	ext = alg_ext_add(ct, h->data_size, GFP_ATOMIC);
	if (!ext)
		return -ENOMEM;
	ext->helper = h;
	return 0;
}

void alg_helper_auto(struct alg_net *an, struct alg_conn *ct)
{
	const struct alg_tuple *reply = alg_conn_tuple(ct, ALG_DIR_REPLY);
	const struct alg_helper *h;

	if (!READ_ONCE(an->cfg.helper_auto) || ct->master ||
	    alg_conn_helper(ct))
		return;
	h = alg_helper_find_port(reply->proto, reply->sport);
	if (h)
		alg_helper_attach(ct, h);
}

/*
 * Before the tracker (raw table): ask it to give the connection this
 * packet starts helper h. Only where the packet has no connection yet.
 */
void alg_helper_request(struct sk_buff *skb, const struct alg_helper *h)
{
	struct nf_conntrack *req = (struct nf_conntrack *)&h->request;

	nf_conntrack_get(req);
	skb->_nfct = (unsigned long)req | ALG_CT_HELPER_REQUEST;
}

unsigned int alg_helper_hook(struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct alg_conn *ct = alg_skb_conn(skb, &ctinfo);
	const struct alg_helper *h;

	if (!ct || ctinfo == IP_CT_RELATED_REPLY)
		return NF_ACCEPT;
	h = alg_conn_helper(ct);
	if (!h)
		return NF_ACCEPT;
	return h->help(skb, skb_network_offset(skb) + ip_hdrlen(skb), ct, ctinfo);
}
