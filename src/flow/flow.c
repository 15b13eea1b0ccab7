// SPDX-License-Identifier: GPL-2.0
/*
 * Switching the fast path on and off in a namespace
 * (net.alg_conntrack.fastpath). Off, none of its hooks is registered, so
 * it costs the packet path nothing; switched off, every flow goes back to
 * the normal path at once.
 */

#include "flow/flow.h"

#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

static bool alg_flow_default;
module_param_named(fastpath, alg_flow_default, bool, 0444);
MODULE_PARM_DESC(fastpath, "net.alg_conntrack.fastpath of every namespace at its start (default 0)");

static void alg_flow_stop(struct alg_flow_net *fn)
{
	lockdep_assert_held(&fn->enable_lock);
	/* No packet is in the record hook past this: no new flow or request. */
	alg_flow_record_unregister(fn->an->net);
	spin_lock_bh(&fn->lock);
	fn->recording = false;
	spin_unlock_bh(&fn->lock);
	alg_flow_dev_unhook_all(fn);
	alg_flow_gc_stop(fn);
	alg_flow_flush(fn);
}

static int alg_flow_start(struct alg_flow_net *fn)
{
	int ret;

	lockdep_assert_held(&fn->enable_lock);
	spin_lock_bh(&fn->lock);
	fn->recording = true;
	spin_unlock_bh(&fn->lock);
	ret = alg_flow_record_register(fn->an->net);
	if (ret < 0) {
		spin_lock_bh(&fn->lock);
		fn->recording = false;
		spin_unlock_bh(&fn->lock);
		return ret;
	}
	alg_flow_gc_start(fn);
	return 0;
}

int alg_flow_net_set(struct alg_net *an, bool on)
{
	struct alg_flow_net *fn = an->flow;
	int ret = 0;

	mutex_lock(&fn->enable_lock);
	if (on) {
		if (!fn->recording)
			ret = alg_flow_start(fn);
		if (!ret)
			WRITE_ONCE(an->cfg.fastpath, 1);
	} else {
		/* The ingress hooks pass everything on from here. */
		WRITE_ONCE(an->cfg.fastpath, 0);
		if (fn->recording)
			alg_flow_stop(fn);
	}
	mutex_unlock(&fn->enable_lock);
	return ret;
}

static int __net_init alg_flow_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	struct alg_flow_net *fn;
	int ret;

	fn = kzalloc(sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return -ENOMEM;
	fn->an = an;
	mutex_init(&fn->enable_lock);
	ret = alg_flow_table_init(fn);
	if (ret < 0)
		goto err_table;
	alg_flow_dev_net_init(fn);
	/* Complete before the device notifier can see it. */
	WRITE_ONCE(an->flow, fn);

	ret = alg_flow_net_set(an, alg_flow_default);
	if (ret < 0)
		goto err_set;
	return 0;

err_set:
	rtnl_lock();
	WRITE_ONCE(an->flow, NULL);
	rtnl_unlock();
	alg_flow_table_uninit(fn);
err_table:
	kfree(fn);
	return ret;
}

static void __net_exit alg_flow_net_exit(struct net *net)
{
	struct alg_net *an = alg_net(net);
	struct alg_flow_net *fn = an->flow;

	alg_flow_net_set(an, false);
	/* The device notifier runs under RTNL: it sees the state or nothing. */
	rtnl_lock();
	WRITE_ONCE(an->flow, NULL);
	rtnl_unlock();
	alg_flow_table_uninit(fn);
	kfree(fn);
}

static struct pernet_operations alg_flow_net_ops = {
	.init = alg_flow_net_init,
	.exit = alg_flow_net_exit,
};

int alg_flow_netns_init(void)
{
	return register_pernet_subsys(&alg_flow_net_ops);
}

void alg_flow_netns_uninit(void)
{
	unregister_pernet_subsys(&alg_flow_net_ops);
	/* Freed flows drop their connection from an RCU callback. */
	rcu_barrier();
}
