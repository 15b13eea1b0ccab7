// SPDX-License-Identifier: GPL-2.0
/*
 * Offloaded flows: both directions of a connection, keyed by the tuple
 * their packets come in with, in an rhashtable that the fast path reads
 * under RCU. A flow holds a reference to its connection, dropped only one
 * grace period after the flow left the table, so a reader that found the
 * flow may use its connection without taking a reference of its own (no
 * atomic operation per packet). A worker lets flows go once their
 * connection is dying or expired.
 */

#include "flow/flow.h"

#include <linux/rhashtable.h>

#define ALG_FLOW_GC_INTERVAL	HZ

static const struct rhashtable_params alg_flow_params = {
	.head_offset = offsetof(struct alg_flow_way, node),
	.key_offset = offsetof(struct alg_flow_way, tuple),
	.key_len = ALG_TUPLE_KEY_LEN,
	.automatic_shrinking = true,
};

/* Caller holds the RCU read lock. */
struct alg_flow_way *alg_flow_find(struct alg_flow_net *fn,
				   const struct alg_tuple *t)
{
	return rhashtable_lookup(&fn->table, t, alg_flow_params);
}

static void alg_flow_free_rcu(struct rcu_head *head)
{
	struct alg_flow *f = container_of(head, struct alg_flow, rcu);
	int dir;

	for (dir = 0; dir < ALG_DIR_MAX; dir++)
		dst_release(rcu_dereference_protected(f->way[dir].dst, 1));
	alg_conn_put(f->ct);
	kfree(f);
}

/* Out of the table; freed once no reader can hold it. */
static void alg_flow_unlink(struct alg_flow_net *fn, struct alg_flow *f)
{
	lockdep_assert_held(&fn->lock);
	rhashtable_remove_fast(&fn->table, &f->way[ALG_DIR_ORIGINAL].node,
			       alg_flow_params);
	rhashtable_remove_fast(&fn->table, &f->way[ALG_DIR_REPLY].node,
			       alg_flow_params);
	list_del(&f->list);
	clear_bit(ALG_CONN_OFFLOAD, &f->ct->status);
	call_rcu(&f->rcu, alg_flow_free_rcu);
}

/*
 * Hand ct to the fast path. Its routes are filled in as its packets pass
 * the normal path (alg_flow_way_set_route). -EEXIST if it is there already.
 */
int alg_flow_offload(struct alg_flow_net *fn, struct alg_conn *ct)
{
	struct alg_flow *f;
	int dir, ret;

	if (test_and_set_bit(ALG_CONN_OFFLOAD, &ct->status))
		return -EEXIST;
	f = kzalloc(sizeof(*f), GFP_ATOMIC);
	if (!f) {
		ret = -ENOMEM;
		goto err_bit;
	}
	for (dir = 0; dir < ALG_DIR_MAX; dir++)
		f->way[dir].tuple = *alg_conn_tuple(ct, dir);
	alg_conn_get(ct);
	f->ct = ct;

	spin_lock_bh(&fn->lock);
	if (!fn->recording) {
		ret = -ESHUTDOWN;
		goto err_unlock;
	}
	ret = rhashtable_lookup_insert_fast(&fn->table,
					    &f->way[ALG_DIR_ORIGINAL].node,
					    alg_flow_params);
	if (ret)
		goto err_unlock;
	ret = rhashtable_lookup_insert_fast(&fn->table,
					    &f->way[ALG_DIR_REPLY].node,
					    alg_flow_params);
	if (ret) {
		/* A reader may have found the first way already. */
		rhashtable_remove_fast(&fn->table, &f->way[ALG_DIR_ORIGINAL].node,
				       alg_flow_params);
		spin_unlock_bh(&fn->lock);
		call_rcu(&f->rcu, alg_flow_free_rcu);
		goto err_bit;
	}
	list_add(&f->list, &fn->flows);
	spin_unlock_bh(&fn->lock);
	ALG_STAT_INC(fn->an, offload);
	return 0;

err_unlock:
	spin_unlock_bh(&fn->lock);
	alg_conn_put(ct);
	kfree(f);
err_bit:
	clear_bit(ALG_CONN_OFFLOAD, &ct->status);
	return ret;
}

/*
 * The route a way's packets took through the normal path. A reader may
 * still use the old one: dst_release() frees a route only after a grace
 * period.
 */
void alg_flow_way_set_route(struct alg_flow_way *w, struct dst_entry *dst,
			    int iif)
{
	struct dst_entry *old;

	dst_hold(dst);
	WRITE_ONCE(w->iif, iif);
	old = unrcu_pointer(xchg(&w->dst, RCU_INITIALIZER(dst)));
	dst_release(old);
}

static bool alg_flow_stale(const struct alg_flow *f)
{
	return !alg_conn_in_table(f->ct, alg_conn_net(f->ct)) ||
	       alg_conn_expired(f->ct);
}

static void alg_flow_gc(struct work_struct *work)
{
	struct alg_flow_net *fn = container_of(to_delayed_work(work),
					       struct alg_flow_net, gc_work);
	struct alg_flow *f, *next;

	spin_lock_bh(&fn->lock);
	list_for_each_entry_safe(f, next, &fn->flows, list)
		if (alg_flow_stale(f))
			alg_flow_unlink(fn, f);
	spin_unlock_bh(&fn->lock);
	queue_delayed_work(system_power_efficient_wq, &fn->gc_work,
			   ALG_FLOW_GC_INTERVAL);
}

/* Every flow goes; the caller has stopped new ones (fn->recording). */
void alg_flow_flush(struct alg_flow_net *fn)
{
	struct alg_flow *f, *next;

	spin_lock_bh(&fn->lock);
	list_for_each_entry_safe(f, next, &fn->flows, list)
		alg_flow_unlink(fn, f);
	spin_unlock_bh(&fn->lock);
}

void alg_flow_gc_start(struct alg_flow_net *fn)
{
	queue_delayed_work(system_power_efficient_wq, &fn->gc_work,
			   ALG_FLOW_GC_INTERVAL);
}

void alg_flow_gc_stop(struct alg_flow_net *fn)
{
	cancel_delayed_work_sync(&fn->gc_work);
}

int alg_flow_table_init(struct alg_flow_net *fn)
{
	spin_lock_init(&fn->lock);
	INIT_LIST_HEAD(&fn->flows);
	INIT_DELAYED_WORK(&fn->gc_work, alg_flow_gc);
	return rhashtable_init(&fn->table, &alg_flow_params);
}

/* After alg_flow_flush(): the table is empty. */
void alg_flow_table_uninit(struct alg_flow_net *fn)
{
	rhashtable_destroy(&fn->table);
}
