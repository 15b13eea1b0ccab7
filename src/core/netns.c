// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state of the core: settings, expectations, the table, its
 * GC worker and the hooks, set up in that order and torn down in exactly
 * the reverse one: hooks first on the way out, so that no new packet
 * arrives while the table is emptied, and the table before the
 * expectations its connections own. NAT and the user interfaces have
 * their own pernet_operations, registered after these (so set up after and
 * torn down before them).
 */

#include "core/netns.h"
#include "core/expect.h"
#include "core/gc.h"
#include "core/hooks.h"
#include "core/table.h"

unsigned int alg_net_id __read_mostly;

/* Defaults as in nf_conntrack, so that switching changes no behaviour. */
static const struct alg_net_cfg alg_netns_cfg_default = {
	.enable = 1,
	.tcp_loose = 1,
	.tcp_max_retrans = 3,
	.checksum = 1,
	.udp_timeout = 30,
	.udp_timeout_stream = 120,
	.icmp_timeout = 30,
	.generic_timeout = 600,
	.expect_max = 4096,
	.helper_auto = 1,
};

static void alg_netns_cfg_defaults(struct alg_net_cfg *c)
{
	*c = alg_netns_cfg_default;
	c->max = alg_table_max;
	memcpy(c->tcp_timeouts, alg_tcp_timeouts_default, sizeof(c->tcp_timeouts));
}

static int __net_init alg_netns_net_init(struct net *net)
{
	struct alg_net *an = alg_net(net);
	int ret;

	an->net = net;
	alg_netns_cfg_defaults(&an->cfg);

	ret = alg_expect_net_init(an);
	if (ret < 0)
		goto err_expect;

	ret = alg_table_net_init(an);
	if (ret < 0)
		goto err_table;

	alg_gc_net_start(an);

	ret = alg_hooks_net_init(net);
	if (ret < 0)
		goto err_hooks;

	return 0;

err_hooks:
	alg_gc_net_stop(an);
	alg_table_net_uninit(an);
err_table:
	alg_expect_net_uninit(an);
err_expect:
	return ret;
}

static void __net_exit alg_netns_net_exit(struct net *net)
{
	struct alg_net *an = alg_net(net);

	alg_hooks_net_uninit(net);
	alg_gc_net_stop(an);
	alg_table_net_uninit(an);
	alg_expect_net_uninit(an);
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
