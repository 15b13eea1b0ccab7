// SPDX-License-Identifier: GPL-2.0
/*
 * net.alg_conntrack.* : per-namespace settings. Out-of-range values are
 * refused with -EINVAL by proc_dointvec_minmax, never clamped.
 */

#include "ui/sysctl.h"
#include "core/table.h"
#include "flow/flow.h"

#include <linux/sysctl.h>
#include <net/net_namespace.h>

static int alg_sysctl_timeout_max = INT_MAX / HZ;
static int alg_sysctl_u8_max = 255;

#define ALG_INT(n, field, lo, hi) {					\
	.procname = (n), .data = (void *)offsetof(struct alg_net, field),	\
	.maxlen = sizeof(int), .mode = 0644,				\
	.proc_handler = proc_dointvec_minmax, .extra1 = (lo), .extra2 = (hi) }
#define ALG_BOOL(n, field) ALG_INT(n, field, SYSCTL_ZERO, SYSCTL_ONE)
#define ALG_TIMEOUT(n, field) ALG_INT(n, field, SYSCTL_ONE, &alg_sysctl_timeout_max)
#define ALG_TCP_TO(n, i) ALG_TIMEOUT("tcp_timeout_" n, cfg.tcp_timeouts[i])

/* Switching the fast path registers or removes its hooks. */
static int alg_sysctl_fastpath(alg_ctl_table *table, int write, void *buffer,
			       size_t *lenp, loff_t *ppos)
{
	struct alg_net *an = (struct alg_net *)((char *)table->data -
				offsetof(struct alg_net, cfg.fastpath));
	int val = READ_ONCE(an->cfg.fastpath);
	struct ctl_table tmp = *table;
	int ret;

	tmp.data = &val;
	ret = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;
	return alg_flow_net_set(an, val);
}

/* .data holds offsets into struct alg_net until a namespace's copy is made. */
static const struct ctl_table alg_sysctl_template[] = {
	ALG_INT("max", cfg.max, SYSCTL_ONE, SYSCTL_INT_MAX),
	{ .procname = "count", .data = (void *)offsetof(struct alg_net, count),
	  .maxlen = sizeof(int), .mode = 0444, .proc_handler = proc_dointvec },
	{ .procname = "buckets", .data = (void *)offsetof(struct alg_net, buckets),
	  .maxlen = sizeof(unsigned int), .mode = 0444,
	  .proc_handler = proc_douintvec },
	ALG_BOOL("enable", cfg.enable),
	ALG_BOOL("tcp_be_liberal", cfg.tcp_be_liberal),
	ALG_BOOL("tcp_loose", cfg.tcp_loose),
	ALG_INT("tcp_max_retrans", cfg.tcp_max_retrans, SYSCTL_ONE, &alg_sysctl_u8_max),
	ALG_BOOL("log_invalid", cfg.log_invalid),
	ALG_BOOL("checksum", cfg.checksum),
	ALG_TCP_TO("syn_sent", ALG_TCP_SYN_SENT),
	ALG_TCP_TO("syn_recv", ALG_TCP_SYN_RECV),
	ALG_TCP_TO("established", ALG_TCP_ESTABLISHED),
	ALG_TCP_TO("fin_wait", ALG_TCP_FIN_WAIT),
	ALG_TCP_TO("close_wait", ALG_TCP_CLOSE_WAIT),
	ALG_TCP_TO("last_ack", ALG_TCP_LAST_ACK),
	ALG_TCP_TO("time_wait", ALG_TCP_TIME_WAIT),
	ALG_TCP_TO("close", ALG_TCP_CLOSE),
	ALG_TCP_TO("syn_sent2", ALG_TCP_SYN_SENT2),
	ALG_TCP_TO("max_retrans", ALG_TCP_TIMEOUT_RETRANS),
	ALG_TCP_TO("unacknowledged", ALG_TCP_TIMEOUT_UNACK),
	ALG_TIMEOUT("udp_timeout", cfg.udp_timeout),
	ALG_TIMEOUT("udp_timeout_stream", cfg.udp_timeout_stream),
	ALG_TIMEOUT("icmp_timeout", cfg.icmp_timeout),
	ALG_TIMEOUT("generic_timeout", cfg.generic_timeout),
	ALG_INT("expect_max", cfg.expect_max, SYSCTL_ONE, SYSCTL_INT_MAX),
	ALG_BOOL("helper_auto", cfg.helper_auto),
	{ .procname = "fastpath", .data = (void *)offsetof(struct alg_net, cfg.fastpath),
	  .maxlen = sizeof(int), .mode = 0644, .proc_handler = alg_sysctl_fastpath,
	  .extra1 = SYSCTL_ZERO, .extra2 = SYSCTL_ONE },
	{ }
};

int alg_sysctl_net_init(struct alg_net *an)
{
	struct ctl_table *t;
	int i;

	t = kmemdup(alg_sysctl_template, sizeof(alg_sysctl_template), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; t[i].procname; i++) {
		unsigned long off = (unsigned long)t[i].data;

		/*
		 * The limits bound memory the whole host pays for (atomic slab):
		 * not for the root of a namespace that an unprivileged user
		 * made (unshare -Urn), as nf_conntrack keeps them too.
		 */
		if (an->net->user_ns != &init_user_ns &&
		    (off == offsetof(struct alg_net, cfg.max) ||
		     off == offsetof(struct alg_net, cfg.expect_max)))
			t[i].mode = 0444;
		t[i].data = (char *)an + off;
	}
	an->sysctl = alg_register_net_sysctl(an->net, "net/alg_conntrack", t,
					     ARRAY_SIZE(alg_sysctl_template) - 1);
	if (!an->sysctl) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

void alg_sysctl_net_uninit(struct alg_net *an)
{
	const struct ctl_table *t = an->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(an->sysctl);
	kfree(t);
}
