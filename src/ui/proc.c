// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/alg_conntrack: one line per connection, in the field format of
 * /proc/net/nf_conntrack so that scripts written for one read the other.
 * /proc/net/stat/alg_conntrack: per-CPU counters like /proc/net/stat/nf_conntrack.
 */

#include "ui/proc.h"
#include "core/conn.h"
#include "core/table.h"
#include "proto/proto.h"
#include "core/expect.h"
#include "core/helper.h"

#include <linux/proc_fs.h>
#include <linux/rculist_nulls.h>
#include <linux/seq_file.h>

struct alg_proc_iter {
	struct seq_net_private p;
	unsigned int bucket;
};

static struct hlist_nulls_node *alg_proc_first(struct seq_file *s)
{
	struct alg_proc_iter *st = s->private;
	struct alg_net *an = alg_net(seq_file_net(s));
	struct hlist_nulls_node *n;

	for (; st->bucket < an->buckets; st->bucket++) {
		n = rcu_dereference(hlist_nulls_first_rcu(&an->hash[st->bucket]));
		if (!is_a_nulls(n))
			return n;
	}
	return NULL;
}

static struct hlist_nulls_node *alg_proc_next(struct seq_file *s,
					      struct hlist_nulls_node *n)
{
	struct alg_proc_iter *st = s->private;

	n = rcu_dereference(hlist_nulls_next_rcu(n));
	if (!is_a_nulls(n))
		return n;
	/* End of a chain (ours, or one the entry moved to): next bucket. */
	st->bucket++;
	return alg_proc_first(s);
}

static void *alg_proc_start(struct seq_file *s, loff_t *pos)
	__acquires(RCU)
{
	struct alg_proc_iter *st = s->private;
	struct hlist_nulls_node *n;
	loff_t off = *pos;

	rcu_read_lock();
	st->bucket = 0;
	n = alg_proc_first(s);
	while (n && off--)
		n = alg_proc_next(s, n);
	return n;
}

static void *alg_proc_seq_next(struct seq_file *s, void *v, loff_t *pos)
{
	(*pos)++;
	return alg_proc_next(s, v);
}

static void alg_proc_stop(struct seq_file *s, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static void alg_proc_tuple(struct seq_file *s, const struct alg_tuple *t)
{
	seq_printf(s, "src=%pI4 dst=%pI4 ", &t->saddr, &t->daddr);
	switch (t->proto) {
	case ALG_PROTO_TCP:
	case ALG_PROTO_UDP:
		seq_printf(s, "sport=%u dport=%u ", ntohs(t->sport), ntohs(t->dport));
		break;
	case ALG_PROTO_ICMP:
		seq_printf(s, "type=%u code=%u id=%u ", t->icmp_type,
			   t->icmp_code, ntohs(t->sport));
		break;
	}
}

static int alg_proc_show(struct seq_file *s, void *v)
{
	struct alg_tuple_hash *h = hlist_nulls_entry(v, struct alg_tuple_hash, node);
	struct alg_conn *ct = alg_th_conn(h);
	const struct alg_proto *p;
	s32 left;

	if (h->tuple.dir != ALG_DIR_ORIGINAL)
		return 0;
	if (!refcount_inc_not_zero(&ct->ct_general.use))
		return 0;
	smp_acquire__after_ctrl_dep();
	if (!alg_conn_in_table(ct, seq_file_net(s)))
		goto out;
	if (alg_conn_expired(ct)) {
		alg_conn_kill(ct);
		goto out;
	}
	p = alg_proto_find(alg_conn_proto(ct));
	left = alg_conn_expires(ct);
	seq_printf(s, "%-8s %u %-8s %u %ld ", "ipv4", 2, p->name,
		   alg_conn_proto(ct), (long)(left > 0 ? left / HZ : 0));
	if (p->show)
		p->show(s, ct);
	alg_proc_tuple(s, alg_conn_tuple(ct, ALG_DIR_ORIGINAL));
	if (!test_bit(ALG_CONN_SEEN_REPLY, &ct->status))
		seq_puts(s, "[UNREPLIED] ");
	alg_proc_tuple(s, alg_conn_tuple(ct, ALG_DIR_REPLY));
	if (test_bit(ALG_CONN_ASSURED, &ct->status))
		seq_puts(s, "[ASSURED] ");
	if (test_bit(ALG_CONN_OFFLOAD, &ct->status))
		seq_puts(s, "[OFFLOAD] ");
	seq_printf(s, "mark=%u ", READ_ONCE(ct->mark));
	if (alg_conn_helper(ct))
		seq_printf(s, "helper=%s ", alg_conn_helper(ct)->name);
	if (ct->master) {
		const struct alg_tuple *mt = alg_conn_tuple(ct->master,
							    ALG_DIR_ORIGINAL);

		seq_printf(s, "master=%pI4:%u-%pI4:%u ", &mt->saddr,
			   ntohs(mt->sport), &mt->daddr, ntohs(mt->dport));
	}
	seq_printf(s, "use=%u\n", refcount_read(&ct->ct_general.use));
out:
	alg_conn_put(ct);
	return 0;
}

static const struct seq_operations alg_proc_conntrack_ops = {
	.start = alg_proc_start,
	.next = alg_proc_seq_next,
	.stop = alg_proc_stop,
	.show = alg_proc_show,
};

static void *alg_proc_stat_start(struct seq_file *s, loff_t *pos)
{
	int cpu;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	for (cpu = *pos - 1; cpu < nr_cpu_ids; ++cpu) {
		if (!cpu_possible(cpu))
			continue;
		*pos = cpu + 1;
		return per_cpu_ptr(alg_net(seq_file_net(s))->stat, cpu);
	}
	return NULL;
}

static void *alg_proc_stat_next(struct seq_file *s, void *v, loff_t *pos)
{
	int cpu;

	for (cpu = *pos; cpu < nr_cpu_ids; ++cpu) {
		if (!cpu_possible(cpu))
			continue;
		*pos = cpu + 1;
		return per_cpu_ptr(alg_net(seq_file_net(s))->stat, cpu);
	}
	(*pos)++;
	return NULL;
}

static void alg_proc_stat_stop(struct seq_file *s, void *v)
{
}

static int alg_proc_stat_show(struct seq_file *s, void *v)
{
	struct alg_net *an = alg_net(seq_file_net(s));
	const struct alg_stat *st = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(s, "entries  clashres found    new      invalid  ignore   delete   chainlength insert   insert_failed drop     early_drop icmp_error expect_new expect_create expect_delete search_restart ftp_bad_cmd ftp_third_party offload  fastpath\n");
		return 0;
	}
	/* nf_conntrack's columns, in its order; then the FTP helper's. */
	seq_printf(s, "%08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x\n",
		   atomic_read(&an->count), st->clash_resolve, st->found, 0,
		   st->invalid, 0, 0, st->chaintoolong, st->insert,
		   st->insert_failed, st->drop, st->early_drop, st->icmp_error,
		   st->expect_new, st->expect_create, st->expect_delete,
		   st->search_restart, st->ftp_bad_cmd, st->ftp_third_party,
		   st->offload, st->fastpath);
	return 0;
}

static const struct seq_operations alg_proc_stat_ops = {
	.start = alg_proc_stat_start,
	.next = alg_proc_stat_next,
	.stop = alg_proc_stat_stop,
	.show = alg_proc_stat_show,
};

static int alg_proc_expect_show(struct seq_file *s, void *v)
{
	alg_expect_show(alg_net(seq_file_single_net(s)), s);
	return 0;
}

int alg_proc_net_init(struct alg_net *an)
{
	struct net *net = an->net;

	if (!proc_create_net("alg_conntrack", 0440, net->proc_net,
			     &alg_proc_conntrack_ops, sizeof(struct alg_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net("alg_conntrack", 0444, net->proc_net_stat,
			     &alg_proc_stat_ops, sizeof(struct seq_net_private)))
		goto err_stat;
	if (!proc_create_net_single("alg_conntrack_expect", 0440, net->proc_net,
				    alg_proc_expect_show, NULL))
		goto err_expect;
	return 0;

err_expect:
	remove_proc_entry("alg_conntrack", net->proc_net_stat);
err_stat:
	remove_proc_entry("alg_conntrack", net->proc_net);
	return -ENOMEM;
}

void alg_proc_net_uninit(struct alg_net *an)
{
	remove_proc_entry("alg_conntrack_expect", an->net->proc_net);
	remove_proc_entry("alg_conntrack", an->net->proc_net_stat);
	remove_proc_entry("alg_conntrack", an->net->proc_net);
}
