// SPDX-License-Identifier: GPL-2.0
/*
 * Ingress hooks, one per device that offloaded flows come in by: hooked
 * when the first such flow is recorded (from a worker, since registering
 * sleeps), unhooked when the device goes away or the fast path is
 * switched off. The list of hooked devices changes under RTNL only.
 */

#include "flow/flow.h"

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

/* After users' own ingress chains: what they drop never gets here. */
#define ALG_FLOW_INGRESS_PRI	(INT_MAX - 1)

bool alg_flow_dev_hooked(struct alg_flow_net *fn, int ifindex)
{
	struct alg_flow_dev *d;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(d, &fn->devs, list) {
		if (d->ifindex == ifindex) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* From the packet path: ask the worker to hook a device. */
void alg_flow_dev_want(struct alg_flow_net *fn, int ifindex)
{
	int i, slot = -1;

	spin_lock_bh(&fn->lock);
	for (i = 0; i < ALG_FLOW_DEV_WANT; i++) {
		if (fn->want[i] == ifindex)
			goto out;
		if (!fn->want[i] && slot < 0)
			slot = i;
	}
	/* All taken: a later packet of the flow asks again. */
	if (slot >= 0) {
		fn->want[slot] = ifindex;
		schedule_work(&fn->dev_work);
	}
out:
	spin_unlock_bh(&fn->lock);
}

static void alg_flow_dev_hook(struct alg_flow_net *fn, struct net_device *dev)
{
	struct alg_flow_dev *d;

	ASSERT_RTNL();
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return;
	d->ops.hook = alg_flow_ingress;
	d->ops.pf = NFPROTO_NETDEV;
	d->ops.hooknum = NF_NETDEV_INGRESS;
	d->ops.priority = ALG_FLOW_INGRESS_PRI;
	d->ops.dev = dev;
	d->ifindex = dev->ifindex;
	if (nf_register_net_hook(dev_net(dev), &d->ops)) {
		kfree(d);
		return;
	}
	list_add_rcu(&d->list, &fn->devs);
}

static void alg_flow_dev_unhook(struct alg_flow_dev *d)
{
	ASSERT_RTNL();
	nf_unregister_net_hook(dev_net(d->ops.dev), &d->ops);
	list_del_rcu(&d->list);
	kfree_rcu(d, rcu);
}

static void alg_flow_dev_work(struct work_struct *work)
{
	struct alg_flow_net *fn = container_of(work, struct alg_flow_net,
					       dev_work);
	int want[ALG_FLOW_DEV_WANT];
	struct net_device *dev;
	int i;

	spin_lock_bh(&fn->lock);
	memcpy(want, fn->want, sizeof(want));
	memset(fn->want, 0, sizeof(fn->want));
	spin_unlock_bh(&fn->lock);

	rtnl_lock();
	for (i = 0; i < ALG_FLOW_DEV_WANT; i++) {
		if (!want[i] || alg_flow_dev_hooked(fn, want[i]))
			continue;
		dev = __dev_get_by_index(fn->an->net, want[i]);
		if (dev && dev->reg_state == NETREG_REGISTERED)
			alg_flow_dev_hook(fn, dev);
	}
	rtnl_unlock();
}

/* The caller has stopped new requests (the record hook is gone). */
void alg_flow_dev_unhook_all(struct alg_flow_net *fn)
{
	struct alg_flow_dev *d, *next;

	cancel_work_sync(&fn->dev_work);
	memset(fn->want, 0, sizeof(fn->want));
	rtnl_lock();
	list_for_each_entry_safe(d, next, &fn->devs, list)
		alg_flow_dev_unhook(d);
	rtnl_unlock();
}

void alg_flow_dev_net_init(struct alg_flow_net *fn)
{
	INIT_LIST_HEAD(&fn->devs);
	INIT_WORK(&fn->dev_work, alg_flow_dev_work);
}

/* A hook must go before its device: the kernel does not remove it. */
static int alg_flow_dev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct alg_flow_net *fn;
	struct alg_flow_dev *d;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	fn = READ_ONCE(alg_net(dev_net(dev))->flow);
	if (!fn)
		return NOTIFY_DONE;
	list_for_each_entry(d, &fn->devs, list) {
		if (d->ops.dev == dev) {
			alg_flow_dev_unhook(d);
			break;
		}
	}
	return NOTIFY_DONE;
}

static struct notifier_block alg_flow_dev_nb = {
	.notifier_call = alg_flow_dev_event,
};

int alg_flow_dev_init(void)
{
	return register_netdevice_notifier(&alg_flow_dev_nb);
}

void alg_flow_dev_uninit(void)
{
	unregister_netdevice_notifier(&alg_flow_dev_nb);
}
