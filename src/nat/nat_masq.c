// SPDX-License-Identifier: GPL-2.0
/*
 * MASQUERADE follows the out interface's address: when that address goes
 * away, or the interface goes down, the connections masqueraded behind it
 * can never receive a reply again and are dropped at once, as nf_nat does,
 * so that new connections get the new address.
 */

#include "nat/nat.h"
#include "core/table.h"

#include <linux/inetdevice.h>
#include <linux/netdevice.h>

struct alg_masq_gone {
	__be32 addrs[8];
	unsigned int n;
};

static bool alg_masq_match(struct alg_conn *ct, void *data)
{
	const struct alg_masq_gone *g = data;
	__be32 a = alg_conn_tuple(ct, ALG_DIR_REPLY)->daddr;
	unsigned int i;

	if (!test_bit(ALG_CONN_MASQ, &ct->status))
		return false;
	for (i = 0; i < g->n; i++)
		if (g->addrs[i] == a)
			return true;
	return false;
}

static void alg_masq_flush(struct net *net, const struct alg_masq_gone *g)
{
	if (g->n)
		alg_table_iterate(alg_net(net), alg_masq_match, (void *)g);
}

static int alg_masq_dev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct alg_masq_gone g = { .n = 0 };
	const struct in_ifaddr *ifa;
	struct in_device *idev;

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	rcu_read_lock();
	idev = __in_dev_get_rcu(dev);
	if (idev) {
		in_dev_for_each_ifa_rcu(ifa, idev) {
			if (g.n < ARRAY_SIZE(g.addrs))
				g.addrs[g.n++] = ifa->ifa_local;
		}
	}
	rcu_read_unlock();
	alg_masq_flush(dev_net(dev), &g);
	return NOTIFY_DONE;
}

static int alg_masq_addr_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct alg_masq_gone g = { .n = 1 };

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	g.addrs[0] = ifa->ifa_local;
	alg_masq_flush(dev_net(ifa->ifa_dev->dev), &g);
	return NOTIFY_DONE;
}

static struct notifier_block alg_masq_dev_nb = {
	.notifier_call = alg_masq_dev_event,
};

static struct notifier_block alg_masq_addr_nb = {
	.notifier_call = alg_masq_addr_event,
};

int alg_nat_masq_init(void)
{
	int ret;

	ret = register_netdevice_notifier(&alg_masq_dev_nb);
	if (ret)
		return ret;
	ret = register_inetaddr_notifier(&alg_masq_addr_nb);
	if (ret)
		unregister_netdevice_notifier(&alg_masq_dev_nb);
	return ret;
}

void alg_nat_masq_uninit(void)
{
	unregister_inetaddr_notifier(&alg_masq_addr_nb);
	unregister_netdevice_notifier(&alg_masq_dev_nb);
}
