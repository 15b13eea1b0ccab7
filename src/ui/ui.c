// SPDX-License-Identifier: GPL-2.0
/*
 * The user interfaces of a namespace: sysctls, the /proc/net files of the
 * table and of the NAT rules. Registered after the core's and NAT's
 * pernet_operations, so a namespace's files appear once everything they
 * show exists and are gone before any of it goes.
 */

#include "ui/ui.h"
#include "ui/proc.h"
#include "ui/proc_nat.h"
#include "ui/sysctl.h"

static int __net_init alg_ui_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	int ret;

	ret = alg_sysctl_net_init(an);
	if (ret < 0)
		goto err_sysctl;

	ret = alg_proc_net_init(an);
	if (ret < 0)
		goto err_proc;

	ret = alg_proc_nat_net_init(an);
	if (ret < 0)
		goto err_proc_nat;

	return 0;

err_proc_nat:
	alg_proc_net_uninit(an);
err_proc:
	alg_sysctl_net_uninit(an);
err_sysctl:
	return ret;
}

static void __net_exit alg_ui_net_exit(struct net *net)
{
	struct alg_net *an = alg_net(net);

	alg_proc_nat_net_uninit(an);
	alg_proc_net_uninit(an);
	alg_sysctl_net_uninit(an);
}

static struct pernet_operations alg_ui_net_ops = {
	.init = alg_ui_net_init,
	.exit = alg_ui_net_exit,
};

int alg_ui_init(void)
{
	return register_pernet_subsys(&alg_ui_net_ops);
}

void alg_ui_uninit(void)
{
	unregister_pernet_subsys(&alg_ui_net_ops);
}
