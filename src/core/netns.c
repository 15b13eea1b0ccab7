// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each namespace gets its own tables, hooks and proc
 * files, set up and torn down here in one order.
 */

#include "core/netns.h"
#include "core/hooks.h"
#include "ui/proc.h"

unsigned int alg_net_id __read_mostly;

static int __net_init alg_netns_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	int ret;

	an->net = net;

	ret = alg_proc_net_init(net);
	if (ret < 0)
		goto err_proc;

	ret = alg_hooks_net_init(net);
	if (ret < 0)
		goto err_hooks;

	return 0;

err_hooks:
	alg_proc_net_uninit(net);
err_proc:
	return ret;
}

static void __net_exit alg_netns_net_exit(struct net *net)
{
	alg_hooks_net_uninit(net);
	alg_proc_net_uninit(net);
}

static struct pernet_operations alg_netns_ops = {
	.init = alg_netns_net_init,
	.exit = alg_netns_net_exit,
	.id = &alg_net_id,
	.size = sizeof(struct alg_net),
};

int alg_netns_init(void)
{
	return register_pernet_subsys(&alg_netns_ops);
}

void alg_netns_uninit(void)
{
	unregister_pernet_subsys(&alg_netns_ops);
}
