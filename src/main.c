// SPDX-License-Identifier: GPL-2.0
/*
 * alg_conntrack: a connection tracker, NAT engine and FTP application-layer
 * gateway for IPv4, independent of nf_conntrack/nf_nat.
 */

#include "core/netns.h"

#include <linux/module.h>
#include <linux/init.h>

static int __init alg_mod_init(void)
{
	int ret;

	ret = alg_netns_init();
	if (ret < 0)
		goto err_netns;

	pr_info("alg_conntrack loaded\n");
	return 0;

err_netns:
	return ret;
}

static void __exit alg_mod_exit(void)
{
	alg_netns_uninit();
	pr_info("alg_conntrack unloaded\n");
}

module_init(alg_mod_init);
module_exit(alg_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Connection tracking, NAT and FTP ALG for IPv4 gateways");
MODULE_AUTHOR("alg_conntrack developers");
