// SPDX-License-Identifier: GPL-2.0
/*
 * The user interfaces: per namespace the sysctls and the /proc/net files
 * of the table and of the NAT rules; the firewall's connection matches
 * (nft ct, xtables state/conntrack/...); ctnetlink. Registered after the
 * core's and NAT's pernet_operations, so a namespace's files appear once
 * everything they show exists and are gone before any of it goes.
 */

#include "ui/ui.h"
#include "ui/ct.h"
#include "ui/ctnetlink.h"
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

/*
 * The firewall's matches last: a rule can use them from the moment they
 * are registered, and then finds every namespace's state in place.
 */
int alg_ui_init(void)
{
	int ret;

	ret = register_pernet_subsys(&alg_ui_net_ops);
	if (ret < 0)
		goto err_pernet;

	ret = alg_xt_ct_init();
	if (ret < 0)
		goto err_xt;

	ret = alg_nft_ct_init();
	if (ret < 0)
		goto err_nft;

	ret = alg_ctnetlink_init();
	if (ret < 0)
		goto err_ctnetlink;

	return 0;

err_ctnetlink:
	alg_nft_ct_uninit();
err_nft:
	alg_xt_ct_uninit();
err_xt:
	unregister_pernet_subsys(&alg_ui_net_ops);
err_pernet:
	return ret;
}

void alg_ui_uninit(void)
{
	alg_ctnetlink_uninit();
	alg_nft_ct_uninit();
	alg_xt_ct_uninit();
	unregister_pernet_subsys(&alg_ui_net_ops);
}
