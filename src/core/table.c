// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table of a namespace: an RCU hash of hlist_nulls chains,
 * each connection in it twice (ORIGINAL and REPLY tuple). Lookups take no
 * lock; inserts and deletes take the striped lock(s) of the bucket(s).
 *
 * The hash is siphash with a per-namespace random key, so a remote host
 * cannot aim packets at one bucket. Each chain's nulls marker is its bucket
 * number: a lockless reader that was carried into another chain (the object
 * was freed and reused) sees a foreign marker at the end and restarts.
 *
 * Locks, outermost first (none is held across another not listed after it):
 *   /proc/net/alg_nat file mutex -> the namespace's NAT rules mutex
 *   table bucket locks (two: the lower index first) -> per-CPU list lock
 * and leaves, never held with another: ct->lock, the expectation lock, the
 * NAT bysource locks, the helper registry mutex. Every spinlock the packet
 * path takes is taken with BHs off, the per-CPU list lock included.
 */

#include "core/table.h"
#include "core/conn.h"

#include <linux/module.h>
#include <linux/random.h>
#include <linux/rculist_nulls.h>
#include <linux/vmalloc.h>
#include <linux/sched.h>

unsigned int alg_table_hashsize __read_mostly = 16384;
module_param_named(hashsize, alg_table_hashsize, uint, 0444);
MODULE_PARM_DESC(hashsize, "hash buckets per namespace (power of two not required)");

unsigned int alg_table_max __read_mostly = 262144;
module_param_named(max, alg_table_max, uint, 0444);
MODULE_PARM_DESC(max, "default maximum connections per namespace");

/* Chains longer than this on insert mean an attack or a bad table size. */
#define ALG_CHAIN_MAX		64
#define ALG_LOCKS		1024
#define ALG_EARLY_DROP_SCAN	64

static spinlock_t alg_table_locks[ALG_LOCKS] __cacheline_aligned_in_smp;

/* The lists of the per-CPU heads end in values no bucket number can have. */
#define ALG_NULLS_UNCONFIRMED	BIT(30)
#define ALG_NULLS_DYING		(BIT(30) + 1)

static u32 alg_table_hash(const struct alg_net *an, const struct alg_tuple *t)
{
	/* The key part is 15 bytes; hash it as two words plus the tail. */
	u64 a, b;

	memcpy(&a, t, 8);
	b = (u64)(__force u16)t->sport | (u64)(__force u16)t->dport << 16 |
	    (u64)t->proto << 32 | (u64)t->icmp_type << 40 |
	    (u64)t->icmp_code << 48;
	return (u32)siphash_2u64(a, b, &an->hash_key);
}

static unsigned int alg_table_bucket(const struct alg_net *an, u32 hash)
{
	return reciprocal_scale(hash, an->buckets);
}

static bool alg_table_key_equal(const struct alg_tuple_hash *h,
				const struct alg_tuple *t, const struct net *net)
{
	const struct alg_conn *ct = alg_th_conn(h);

	return alg_tuple_equal(&h->tuple, t) && alg_conn_confirmed(ct) &&
	       net_eq(alg_conn_net(ct), net);
}

/* Find a confirmed, live connection by either tuple; returns it referenced. */
struct alg_tuple_hash *alg_table_find(struct alg_net *an,
				      const struct alg_tuple *t)
{
	unsigned int bucket = alg_table_bucket(an, alg_table_hash(an, t));
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	struct alg_conn *ct;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(h, n, &an->hash[bucket], node) {
		ct = alg_th_conn(h);
		if (!alg_tuple_equal(&h->tuple, t))
			continue;
		if (alg_conn_expired(ct)) {
			/* Lazy expiry: the GC will get to it, but not first. */
			if (refcount_inc_not_zero(&ct->ct_general.use)) {
				smp_acquire__after_ctrl_dep();
				if (alg_conn_reapable(ct, an->net))
					alg_conn_kill(ct);
				alg_conn_put(ct);
			}
			continue;
		}
		if (!refcount_inc_not_zero(&ct->ct_general.use))
			continue;
		/* Pairs with the release in confirm: tuple and status are set. */
		smp_acquire__after_ctrl_dep();
		if (unlikely(!alg_table_key_equal(h, t, an->net))) {
			alg_conn_put(ct);
			goto begin;
		}
		if (unlikely(alg_conn_dying(ct))) {
			alg_conn_put(ct);
			continue;
		}
		rcu_read_unlock();
		ALG_STAT_INC(an, found);
		return h;
	}
	if (get_nulls_value(n) != bucket) {
		ALG_STAT_INC(an, search_restart);
		goto begin;
	}
	rcu_read_unlock();
	return NULL;
}

/* Sparse counts two acquisitions whether one or two locks are taken. */
static void alg_table_lock2(unsigned int l1, unsigned int l2)
	__acquires(alg_table_locks) __acquires(alg_table_locks)
{
	l1 %= ALG_LOCKS;
	l2 %= ALG_LOCKS;
	if (l1 == l2) {
		spin_lock(&alg_table_locks[l1]);
		__acquire(alg_table_locks);
	} else if (l1 < l2) {
		spin_lock(&alg_table_locks[l1]);
		spin_lock_nested(&alg_table_locks[l2], SINGLE_DEPTH_NESTING);
	} else {
		spin_lock(&alg_table_locks[l2]);
		spin_lock_nested(&alg_table_locks[l1], SINGLE_DEPTH_NESTING);
	}
}

static void alg_table_unlock2(unsigned int l1, unsigned int l2)
	__releases(alg_table_locks) __releases(alg_table_locks)
{
	l1 %= ALG_LOCKS;
	l2 %= ALG_LOCKS;
	spin_unlock(&alg_table_locks[l1]);
	if (l1 != l2)
		spin_unlock(&alg_table_locks[l2]);
	else
		__release(alg_table_locks);
}

/* Whether some confirmed connection other than ignore uses tuple t. */
bool alg_table_tuple_taken(struct alg_net *an, const struct alg_tuple *t,
			   const struct alg_conn *ignore)
{
	unsigned int bucket = alg_table_bucket(an, alg_table_hash(an, t));
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	bool taken = false;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(h, n, &an->hash[bucket], node) {
		if (alg_tuple_equal(&h->tuple, t) && alg_th_conn(h) != ignore &&
		    !alg_conn_expired(alg_th_conn(h))) {
			taken = true;
			goto out;
		}
	}
	if (get_nulls_value(n) != bucket)
		goto begin;
out:
	rcu_read_unlock();
	return taken;
}

static bool alg_table_chain_has(struct alg_net *an, unsigned int bucket,
				const struct alg_tuple *t, unsigned int *len)
{
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;

	lockdep_assert_held(&alg_table_locks[bucket % ALG_LOCKS]);
	*len = 0;
	hlist_nulls_for_each_entry(h, n, &an->hash[bucket], node) {
		if (alg_tuple_equal(&h->tuple, t) &&
		    !alg_conn_expired(alg_th_conn(h)))
			return true;
		(*len)++;
	}
	return false;
}

/*
 * Put a new connection into the hash under both tuples. Returns 0, -EEXIST
 * when a connection with one of the tuples already exists (a clash, e.g. two
 * CPUs racing on the first packets of one UDP flow), -ENOSPC when a chain is
 * too long, -ENOENT when the connection died before confirmation.
 */
int alg_table_confirm(struct alg_net *an, struct alg_conn *ct)
{
	u32 h0 = alg_table_hash(an, &ct->th[ALG_DIR_ORIGINAL].tuple);
	u32 h1 = alg_table_hash(an, &ct->th[ALG_DIR_REPLY].tuple);
	unsigned int b0 = alg_table_bucket(an, h0);
	unsigned int b1 = alg_table_bucket(an, h1);
	unsigned int len0, len1;
	int ret = 0;

	local_bh_disable();
	alg_table_lock2(b0, b1);
	if (unlikely(alg_conn_dying(ct))) {
		ret = -ENOENT;
		goto out;
	}
	if (alg_table_chain_has(an, b0, &ct->th[ALG_DIR_ORIGINAL].tuple, &len0) ||
	    alg_table_chain_has(an, b1, &ct->th[ALG_DIR_REPLY].tuple, &len1)) {
		ret = -EEXIST;
		goto out;
	}
	if (len0 > ALG_CHAIN_MAX || len1 > ALG_CHAIN_MAX) {
		ALG_STAT_INC(an, chaintoolong);
		ret = -ENOSPC;
		goto out;
	}
	alg_table_del_list(an, ct);
	ct->timeout += alg_now();
	/* The table's own reference; the packet keeps its one. */
	refcount_inc(&ct->ct_general.use);
	/* Readers that find the node must see the tuple and the bit. */
	smp_wmb();
	set_bit(ALG_CONN_CONFIRMED, &ct->status);
	hlist_nulls_add_head_rcu(&ct->th[ALG_DIR_ORIGINAL].node, &an->hash[b0]);
	hlist_nulls_add_head_rcu(&ct->th[ALG_DIR_REPLY].node, &an->hash[b1]);
	ALG_STAT_INC(an, insert);
out:
	alg_table_unlock2(b0, b1);
	local_bh_enable();
	return ret;
}

/*
 * Take a connection out of the hash if it is in it. Under the bucket locks,
 * so that it cannot race with confirmation: either confirm saw DYING and
 * did not insert, or it inserted and we see CONFIRMED here.
 */
bool alg_table_unhash(struct alg_net *an, struct alg_conn *ct)
{
	unsigned int b0 = alg_table_bucket(an,
			alg_table_hash(an, &ct->th[ALG_DIR_ORIGINAL].tuple));
	unsigned int b1 = alg_table_bucket(an,
			alg_table_hash(an, &ct->th[ALG_DIR_REPLY].tuple));
	bool was = false;

	local_bh_disable();
	alg_table_lock2(b0, b1);
	if (alg_conn_confirmed(ct)) {
		hlist_nulls_del_rcu(&ct->th[ALG_DIR_ORIGINAL].node);
		hlist_nulls_del_rcu(&ct->th[ALG_DIR_REPLY].node);
		was = true;
	}
	alg_table_unlock2(b0, b1);
	local_bh_enable();
	return was;
}

void alg_table_add_unconfirmed(struct alg_net *an, struct alg_conn *ct)
{
	struct alg_pcpu *pcpu;

	local_bh_disable();
	ct->cpu = smp_processor_id();
	pcpu = per_cpu_ptr(an->pcpu, ct->cpu);
	spin_lock(&pcpu->lock);
	hlist_nulls_add_head(&ct->th[ALG_DIR_ORIGINAL].node, &pcpu->unconfirmed);
	spin_unlock(&pcpu->lock);
	local_bh_enable();
}

void alg_table_add_dying(struct alg_net *an, struct alg_conn *ct)
{
	struct alg_pcpu *pcpu;

	local_bh_disable();
	ct->cpu = smp_processor_id();
	pcpu = per_cpu_ptr(an->pcpu, ct->cpu);
	spin_lock(&pcpu->lock);
	hlist_nulls_add_head(&ct->th[ALG_DIR_ORIGINAL].node, &pcpu->dying);
	spin_unlock(&pcpu->lock);
	local_bh_enable();
}

/* Remove from whichever per-CPU list holds it (unconfirmed or dying). */
void alg_table_del_list(struct alg_net *an, struct alg_conn *ct)
{
	struct alg_pcpu *pcpu = per_cpu_ptr(an->pcpu, ct->cpu);

	spin_lock_bh(&pcpu->lock);
	if (!hlist_nulls_unhashed(&ct->th[ALG_DIR_ORIGINAL].node))
		hlist_nulls_del_init_rcu(&ct->th[ALG_DIR_ORIGINAL].node);
	spin_unlock_bh(&pcpu->lock);
}

/*
 * Table full: evict a connection that never became ASSURED (a half-open
 * TCP connection, an unanswered UDP flow), looking at a few buckets from a
 * random start, as netfilter does. Established traffic is never evicted.
 */
bool alg_table_early_drop(struct alg_net *an)
{
	unsigned int start = get_random_u32_below(an->buckets), i, seen = 0;
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	struct alg_conn *victim = NULL, *ct;

	rcu_read_lock();
	for (i = 0; i < an->buckets && seen < ALG_EARLY_DROP_SCAN; i++) {
		unsigned int b = (start + i) % an->buckets;

		hlist_nulls_for_each_entry_rcu(h, n, &an->hash[b], node) {
			ct = alg_th_conn(h);
			seen++;
			if (h->tuple.dir != ALG_DIR_ORIGINAL ||
			    test_bit(ALG_CONN_ASSURED, &ct->status) ||
			    !alg_conn_confirmed(ct) ||
			    alg_conn_dying(ct))
				continue;
			if (!refcount_inc_not_zero(&ct->ct_general.use))
				continue;
			smp_acquire__after_ctrl_dep();
			/* Looked at before the reference: decide again. */
			if (h->tuple.dir == ALG_DIR_ORIGINAL &&
			    !test_bit(ALG_CONN_ASSURED, &ct->status) &&
			    alg_conn_in_table(ct, an->net)) {
				victim = ct;
				goto found;
			}
			alg_conn_put(ct);
		}
	}
found:
	rcu_read_unlock();
	if (!victim)
		return false;
	if (alg_conn_kill(victim))
		ALG_STAT_INC(an, early_drop);
	alg_conn_put(victim);
	return true;
}

void alg_table_iterate(struct alg_net *an,
		       bool (*fn)(struct alg_conn *ct, void *data), void *data)
{
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	struct alg_conn *ct;
	unsigned int b;

	/*
	 * Every device and address going down walks the table for MASQUERADE
	 * (each namespace torn down, each rmmod): an idle namespace's
	 * 16384 empty buckets are not worth a look.
	 */
	if (!atomic_read(&an->count))
		return;
	for (b = 0; b < an->buckets; b++) {
restart:
		rcu_read_lock();
		hlist_nulls_for_each_entry_rcu(h, n, &an->hash[b], node) {
			if (h->tuple.dir != ALG_DIR_ORIGINAL)
				continue;
			ct = alg_th_conn(h);
			/* Cheap look first; decided again once referenced. */
			if (!fn(ct, data) ||
			    !refcount_inc_not_zero(&ct->ct_general.use))
				continue;
			smp_acquire__after_ctrl_dep();
			if (!alg_conn_in_table(ct, an->net) || !fn(ct, data)) {
				alg_conn_put(ct);
				continue;
			}
			rcu_read_unlock();
			alg_conn_kill(ct);
			alg_conn_put(ct);
			/* The chain changed under us: walk it again. */
			goto restart;
		}
		rcu_read_unlock();
		if ((b & 255) == 255)
			cond_resched();
	}
}

/*
 * Call fn on each live connection whose original tuple hashes into bucket b,
 * under that bucket's lock, so that the chain holds still: nothing joins or
 * leaves it and every entry on it keeps the table's reference. fn must not
 * sleep; a nonzero return stops the walk and is returned.
 */
int alg_table_walk_bucket(struct alg_net *an, unsigned int b,
			  int (*fn)(struct alg_conn *ct, void *data), void *data)
{
	spinlock_t *lock = &alg_table_locks[b % ALG_LOCKS];
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	struct alg_conn *ct;
	int ret = 0;

	spin_lock_bh(lock);
	hlist_nulls_for_each_entry(h, n, &an->hash[b], node) {
		if (h->tuple.dir != ALG_DIR_ORIGINAL)
			continue;
		ct = alg_th_conn(h);
		if (!alg_conn_in_table(ct, an->net) || alg_conn_expired(ct))
			continue;
		ret = fn(ct, data);
		if (ret)
			break;
	}
	spin_unlock_bh(lock);
	return ret;
}

static bool alg_table_kill_all(struct alg_conn *ct, void *data)
{
	return true;
}

/* Unconfirmed connections belong to packets in flight: mark them only. */
static void alg_table_kill_unconfirmed(struct alg_net *an)
{
	struct hlist_nulls_node *n;
	struct alg_tuple_hash *h;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct alg_pcpu *pcpu = per_cpu_ptr(an->pcpu, cpu);

		spin_lock_bh(&pcpu->lock);
		hlist_nulls_for_each_entry(h, n, &pcpu->unconfirmed, node)
			set_bit(ALG_CONN_DYING, &alg_th_conn(h)->status);
		spin_unlock_bh(&pcpu->lock);
	}
}

int alg_table_net_init(struct alg_net *an)
{
	unsigned int i;
	int cpu;

	an->buckets = alg_table_hashsize;
	an->hash = kvmalloc_array(an->buckets, sizeof(*an->hash),
				  GFP_KERNEL | __GFP_ZERO);
	if (!an->hash)
		return -ENOMEM;
	for (i = 0; i < an->buckets; i++)
		INIT_HLIST_NULLS_HEAD(&an->hash[i], i);
	an->pcpu = alloc_percpu(struct alg_pcpu);
	if (!an->pcpu)
		goto err_hash;
	for_each_possible_cpu(cpu) {
		struct alg_pcpu *pcpu = per_cpu_ptr(an->pcpu, cpu);

		spin_lock_init(&pcpu->lock);
		INIT_HLIST_NULLS_HEAD(&pcpu->unconfirmed, ALG_NULLS_UNCONFIRMED);
		INIT_HLIST_NULLS_HEAD(&pcpu->dying, ALG_NULLS_DYING);
	}
	an->stat = alloc_percpu(struct alg_stat);
	if (!an->stat)
		goto err_pcpu;
	get_random_bytes(&an->hash_key, sizeof(an->hash_key));
	atomic_set(&an->count, 0);
	return 0;

err_pcpu:
	free_percpu(an->pcpu);
err_hash:
	kvfree(an->hash);
	return -ENOMEM;
}

/*
 * The hooks are gone when this runs. Kill everything, then wait for the
 * packets still in flight to drop their references: freeing the table
 * before would leave them pointing into it.
 */
void alg_table_net_uninit(struct alg_net *an)
{
	unsigned long start = jiffies;
	bool warned = false;

	an->exiting = true;
	for (;;) {
		alg_table_kill_unconfirmed(an);
		alg_table_iterate(an, alg_table_kill_all, NULL);
		if (!atomic_read(&an->count))
			break;
		if (!warned && time_after(jiffies, start + 10 * HZ)) {
			pr_info("waiting for %d connections still referenced by packets\n",
				atomic_read(&an->count));
			warned = true;
		}
		schedule_timeout_uninterruptible(1);
	}
	free_percpu(an->stat);
	free_percpu(an->pcpu);
	kvfree(an->hash);
}

int alg_table_init(void)
{
	int i;

	if (!alg_table_hashsize || alg_table_hashsize > (1U << 26) ||
	    !alg_table_max || alg_table_max > INT_MAX) {
		pr_err("hashsize must be 1..2^26 and max 1..INT_MAX\n");
		return -EINVAL;
	}
	for (i = 0; i < ALG_LOCKS; i++)
		spin_lock_init(&alg_table_locks[i]);
	return 0;
}
