// SPDX-License-Identifier: GPL-2.0
/*
 * alg_conntrack: a connection tracker, NAT engine and FTP application-layer
 * gateway for IPv4, independent of nf_conntrack/nf_nat.
 */

#include "core/conn.h"
#include "core/netns.h"
#include "core/nfct.h"
#include "core/table.h"
#include "nat/nat.h"
#include "nat/nat_ftp.h"
#include "helpers/ftp.h"
#include "flow/flow.h"
#include "ui/ui.h"

#include <linux/module.h>
#include <linux/init.h>

static int __init alg_mod_init(void)
{
	int ret;

	/* The packet path relies on the object layout the design promises. */
	BUILD_BUG_ON(offsetof(struct alg_conn, ct_general) != 0);
	/* Three cache lines; lock debugging makes spinlock_t larger. */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_DEBUG_SPINLOCK) &&
		     !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) &&
		     sizeof(struct alg_conn) > 192);

	ret = alg_table_init();
	if (ret < 0)
		goto err_table;

	ret = alg_conn_init();
	if (ret < 0)
		goto err_conn;

	ret = alg_nat_init();
	if (ret < 0)
		goto err_nat;

	ret = alg_ftp_init();
	if (ret < 0)
		goto err_ftp;

	alg_nat_ftp_init();

	ret = alg_nfct_init();
	if (ret < 0)
		goto err_nfct;

	/* Per namespace: the core, then NAT, then the interfaces to both. */
	ret = alg_netns_init();
	if (ret < 0)
		goto err_netns;

	ret = alg_nat_netns_init();
	if (ret < 0)
		goto err_nat_netns;

	/* Before the fast path's state: its hooks must go before their devices. */
	ret = alg_flow_dev_init();
	if (ret < 0)
		goto err_flow_dev;

	ret = alg_flow_netns_init();
	if (ret < 0)
		goto err_flow_netns;

	ret = alg_ui_init();
	if (ret < 0)
		goto err_ui;

	/* Device events reach into per-namespace state: only while it exists. */
	ret = alg_nat_masq_init();
	if (ret < 0)
		goto err_masq;

	pr_info("loaded (connection object %zu bytes)\n",
		sizeof(struct alg_conn));
	return 0;

err_masq:
	alg_ui_uninit();
err_ui:
	alg_flow_netns_uninit();
err_flow_netns:
	alg_flow_dev_uninit();
err_flow_dev:
	alg_nat_netns_uninit();
err_nat_netns:
	alg_netns_uninit();
err_netns:
	alg_nfct_uninit();
err_nfct:
	alg_nat_ftp_uninit();
	alg_ftp_uninit();
err_ftp:
	alg_nat_uninit();
err_nat:
	alg_conn_uninit();
err_conn:
err_table:
	return ret;
}

static void __exit alg_mod_exit(void)
{
	alg_nat_masq_uninit();
	alg_ui_uninit();
	alg_flow_netns_uninit();
	alg_flow_dev_uninit();
	alg_nat_netns_uninit();
	alg_netns_uninit();
	alg_nfct_uninit();
	alg_nat_ftp_uninit();
	alg_ftp_uninit();
	alg_nat_uninit();
	alg_conn_uninit();
	pr_info("unloaded\n");
}

module_init(alg_mod_init);
module_exit(alg_mod_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(ALG_CONNTRACK_VERSION);	/* from VERSION, by Kbuild */
MODULE_DESCRIPTION("Connection tracking, NAT and FTP ALG for IPv4 gateways");
MODULE_AUTHOR("alg_conntrack developers");
