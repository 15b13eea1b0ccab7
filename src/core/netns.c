// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each namespace gets its own table, settings, proc
 * files, GC worker and hooks, set up here in one order and torn down in the
 * reverse one. Hooks go first on the way out so no new packet arrives while
 * the table is emptied.
 */

#include "core/netns.h"
#include "core/gc.h"
#include "core/hooks.h"
#include "core/table.h"
#include "nat/nat.h"
#include "helpers/expect.h"
#include "ui/proc.h"
#include "ui/proc_nat.h"
#include "ui/sysctl.h"

unsigned int alg_net_id __read_mostly;

static int __net_init alg_netns_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	int ret;

	an->net = net;
	alg_sysctl_defaults(an);

	ret = alg_table_net_init(an);
	if (ret < 0)
		goto err_table;

	ret = alg_nat_net_init(an);
	if (ret < 0)
		goto err_nat;

	ret = alg_expect_net_init(an);
	if (ret < 0)
		goto err_expect;

	ret = alg_sysctl_net_init(an);
	if (ret < 0)
		goto err_sysctl;

	ret = alg_proc_net_init(an);
	if (ret < 0)
		goto err_proc;

	ret = alg_proc_nat_net_init(an);
	if (ret < 0)
		goto err_proc_nat;

	alg_gc_net_start(an);

	ret = alg_hooks_net_init(net);
	if (ret < 0)
		goto err_hooks;

	return 0;

err_hooks:
	alg_gc_net_stop(an);
	alg_proc_nat_net_uninit(an);
err_proc_nat:
	alg_proc_net_uninit(an);
err_proc:
	alg_sysctl_net_uninit(an);
err_sysctl:
	alg_expect_net_uninit(an);
err_expect:
	alg_nat_net_uninit(an);
err_nat:
	alg_table_net_uninit(an);
err_table:
	return ret;
}

static void __net_exit alg_netns_net_exit(struct net *net)
{
	struct alg_net *an = alg_net(net);

	alg_hooks_net_uninit(net);
	alg_proc_nat_net_uninit(an);
	alg_proc_net_uninit(an);
	alg_gc_net_stop(an);
	alg_sysctl_net_uninit(an);
	/* Connections point into the NAT state until they are freed. */
	alg_table_net_uninit(an);
	alg_expect_net_uninit(an);
	alg_nat_net_uninit(an);
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
