// SPDX-License-Identifier: GPL-2.0
/*
 * Expiry without a timer per connection: lookups kill what they find
 * expired, and this worker sweeps a slice of the table at a time so that
 * idle entries go too. It speeds up while it finds expired entries and
 * slows down on a clean table.
 */

#include "core/gc.h"
#include "core/conn.h"
#include "core/table.h"

#include <linux/rculist_nulls.h>

/* A default-sized table is swept whole each run; a huge one in 32 slices. */
#define ALG_GC_SLICES		32
#define ALG_GC_MIN_BUCKETS	16384
#define ALG_GC_INTERVAL_IDLE	(HZ / 4)
#define ALG_GC_INTERVAL_BUSY	1

static void alg_gc_work(struct work_struct *work)
{
	struct alg_net *an = container_of(to_delayed_work(work), struct alg_net,
					  gc_work);
	unsigned int budget = min(an->buckets, max(an->buckets / ALG_GC_SLICES,
						   (unsigned int)ALG_GC_MIN_BUCKETS));
	unsigned int b = an->gc_next, expired = 0;
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	struct alg_conn *ct;

	/* An empty table (a namespace that tracks nothing) costs nothing. */
	if (!atomic_read(&an->count))
		budget = 0;
	rcu_read_lock();
	while (budget--) {
		if (b >= an->buckets)
			b = 0;
		hlist_nulls_for_each_entry_rcu(h, n, &an->hash[b], node) {
			ct = alg_th_conn(h);
			if (!alg_conn_expired(ct) ||
			    !refcount_inc_not_zero(&ct->ct_general.use))
				continue;
			smp_acquire__after_ctrl_dep();
			/* Recycled under us? Then it is not ours to kill. */
			if (alg_conn_reapable(ct, an->net) && alg_conn_kill(ct))
				expired++;
			alg_conn_put(ct);
		}
		if (!(++b & 1023)) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	an->gc_next = b;
	if (!READ_ONCE(an->exiting))
		queue_delayed_work(system_power_efficient_wq, &an->gc_work,
				   expired ? ALG_GC_INTERVAL_BUSY :
					     ALG_GC_INTERVAL_IDLE);
}

void alg_gc_net_start(struct alg_net *an)
{
	/* Not deferrable: idle CPUs would leave expired entries counted. */
	INIT_DELAYED_WORK(&an->gc_work, alg_gc_work);
	queue_delayed_work(system_power_efficient_wq, &an->gc_work,
			   ALG_GC_INTERVAL_IDLE);
}

void alg_gc_net_stop(struct alg_net *an)
{
	WRITE_ONCE(an->exiting, true);
	cancel_delayed_work_sync(&an->gc_work);
}
