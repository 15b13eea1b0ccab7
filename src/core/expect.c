// SPDX-License-Identifier: GPL-2.0
/*
 * Expectations: the data connections a helper has seen announced. They are
 * looked up without a lock for every new connection of the namespace (and
 * skipped at once while there are none); taking, adding and removing them
 * takes the namespace's expectation lock, which only helpers and new
 * connections matching an expectation ever need.
 *
 * Each one holds a reference on its master. The reference the tables hold
 * belongs to whoever stops its timer: a removal path that fails to stop it
 * leaves the unlinking to the timer, which is running.
 */

#include "core/expect.h"
#include "core/helper.h"
#include "core/ext.h"
#include "core/event.h"

#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define ALG_EXPECT_HSIZE	1024

static u32 alg_expect_hash(const struct alg_tuple *t)
{
	return jhash_3words((__force u32)t->saddr, (__force u32)t->daddr,
			    (__force u32)t->dport << 8 | t->proto, 0) %
	       ALG_EXPECT_HSIZE;
}

static bool alg_expect_match(const struct alg_expect *exp,
			     const struct alg_tuple *t)
{
	return exp->tuple.saddr == t->saddr && exp->tuple.daddr == t->daddr &&
	       exp->tuple.dport == t->dport && exp->tuple.proto == t->proto;
}

void alg_expect_put(struct alg_expect *exp)
{
	if (!refcount_dec_and_test(&exp->use))
		return;
	alg_conn_put(exp->master);
	kfree_rcu(exp, rcu);
}

/* With the lock held: out of both lists; the caller owns the tables' ref. */
static void alg_expect_unlink(struct alg_expect_net *en, struct alg_expect *exp)
{
	lockdep_assert_held(&en->lock);
	alg_event_expect(exp, ALG_EVENT_DESTROY);
	hlist_del_rcu(&exp->hnode);
	hlist_del(&exp->lnode);
	exp->master->ext->nexpect--;
	en->count--;
}

static void alg_expect_timeout(struct timer_list *t)
{
	struct alg_expect *exp = from_timer(exp, t, timeout);
	struct alg_expect_net *en = alg_net(alg_conn_net(exp->master))->expect;

	spin_lock_bh(&en->lock);
	alg_expect_unlink(en, exp);
	spin_unlock_bh(&en->lock);
	alg_expect_put(exp);
}

/*
 * The timer is set up here, not at insert: a helper undoing a segment
 * removes its expectations whether or not they made it into the table,
 * and del_timer() wants an initialised timer either way.
 */
struct alg_expect *alg_expect_alloc(struct alg_conn *master)
{
	struct alg_expect *exp = kzalloc(sizeof(*exp), GFP_ATOMIC);

	if (!exp)
		return NULL;
	refcount_set(&exp->use, 1);
	timer_setup(&exp->timeout, alg_expect_timeout, 0);
	alg_conn_get(master);
	exp->master = master;
	return exp;
}

/*
 * Publish exp (tuple filled in). -EBUSY if another expectation already has
 * the tuple, -EMFILE when the namespace's limit is reached. At the master's
 * own limit its oldest expectation makes room, as in netfilter.
 */
/*
 * Add exp to the table and its master's list, to time out after secs
 * seconds (0: the master's helper's timeout).
 */
int alg_expect_insert_timeout(struct alg_expect *exp, unsigned int secs)
{
	struct alg_conn *master = exp->master;
	struct alg_net *an = alg_net(alg_conn_net(master));
	const struct alg_helper *h = alg_conn_helper(master);
	struct alg_expect_net *en = an->expect;
	struct alg_expect *old, *oldest = NULL;
	u32 b = alg_expect_hash(&exp->tuple);
	int ret = 0;

	spin_lock_bh(&en->lock);
	if (alg_conn_dying(master)) {
		ret = -ENOENT;
		goto out;
	}
	hlist_for_each_entry(old, &en->hash[b], hnode) {
		if (alg_expect_match(old, &exp->tuple)) {
			ret = -EBUSY;
			goto out;
		}
	}
	if (h && master->ext->nexpect >= h->max_expected) {
		hlist_for_each_entry(old, &master->ext->expects, lnode)
			oldest = old;	/* added at the head: the last is oldest */
		if (oldest && del_timer(&oldest->timeout)) {
			alg_expect_unlink(en, oldest);
			ALG_STAT_INC(an, expect_delete);
		} else {
			oldest = NULL;
		}
	}
	if (en->count >= READ_ONCE(an->cfg.expect_max)) {
		net_warn_ratelimited("expectation table full\n");
		ret = -EMFILE;
		goto out;
	}
	refcount_inc(&exp->use);	/* the tables' reference */
	exp->timeout.expires = jiffies +
		(secs ?: h ? h->expect_timeout : 300) * (unsigned long)HZ;
	hlist_add_head_rcu(&exp->hnode, &en->hash[b]);
	hlist_add_head(&exp->lnode, &master->ext->expects);
	master->ext->nexpect++;
	en->count++;
	add_timer(&exp->timeout);
	ALG_STAT_INC(an, expect_create);
	alg_event_expect(exp, ALG_EVENT_NEW);
out:
	spin_unlock_bh(&en->lock);
	if (oldest)
		alg_expect_put(oldest);
	return ret;
}

/* Withdraw an inserted expectation (e.g. its announcement was not sent). */
void alg_expect_remove(struct alg_expect *exp)
{
	struct alg_expect_net *en = alg_net(alg_conn_net(exp->master))->expect;
	bool mine;

	spin_lock_bh(&en->lock);
	mine = del_timer(&exp->timeout);
	if (mine)
		alg_expect_unlink(en, exp);
	spin_unlock_bh(&en->lock);
	if (mine)
		alg_expect_put(exp);
}

/* A new connection with tuple t: the expectation it fulfils, now used up. */
struct alg_expect *alg_expect_take(struct alg_net *an, const struct alg_tuple *t)
{
	struct alg_expect_net *en = an->expect;
	u32 b = alg_expect_hash(t);
	struct alg_expect *exp, *found = NULL;

	if (!READ_ONCE(en->count))
		return NULL;
	rcu_read_lock();
	hlist_for_each_entry_rcu(exp, &en->hash[b], hnode) {
		if (alg_expect_match(exp, t)) {
			found = exp;
			break;
		}
	}
	rcu_read_unlock();
	if (!found)
		return NULL;

	spin_lock_bh(&en->lock);
	/* Recheck under the lock: it may have been taken or timed out. */
	found = NULL;
	hlist_for_each_entry(exp, &en->hash[b], hnode) {
		if (alg_expect_match(exp, t) && !alg_conn_dying(exp->master) &&
		    del_timer(&exp->timeout)) {
			alg_expect_unlink(en, exp);
			found = exp;	/* the tables' reference is now ours */
			ALG_STAT_INC(an, expect_new);
			break;
		}
	}
	spin_unlock_bh(&en->lock);
	return found;
}

void alg_expect_kill_master(struct alg_conn *master)
{
	struct alg_net *an = alg_net(alg_conn_net(master));
	struct alg_expect_net *en = an->expect;
	struct alg_expect *exp, *gone[8];
	struct hlist_node *next;
	unsigned int n, i;

	do {
		n = 0;
		spin_lock_bh(&en->lock);
		hlist_for_each_entry_safe(exp, next, &master->ext->expects, lnode) {
			if (n == ARRAY_SIZE(gone))
				break;
			if (!del_timer(&exp->timeout))
				continue;	/* its timer is unlinking it */
			alg_expect_unlink(en, exp);
			ALG_STAT_INC(an, expect_delete);
			gone[n++] = exp;
		}
		spin_unlock_bh(&en->lock);
		for (i = 0; i < n; i++)
			alg_expect_put(gone[i]);
	} while (n == ARRAY_SIZE(gone));
}

unsigned int alg_expect_buckets(const struct alg_net *an)
{
	return an->expect->hsize;
}

/*
 * Call fn on the expectations of bucket b, under the lock, newest first;
 * a nonzero return stops the walk and is returned.
 */
int alg_expect_walk_bucket(struct alg_net *an, unsigned int b,
			   int (*fn)(const struct alg_expect *exp, void *data),
			   void *data)
{
	struct alg_expect_net *en = an->expect;
	struct alg_expect *exp;
	int ret = 0;

	spin_lock_bh(&en->lock);
	hlist_for_each_entry(exp, &en->hash[b], hnode) {
		ret = fn(exp, data);
		if (ret)
			break;
	}
	spin_unlock_bh(&en->lock);
	return ret;
}

/* Remove the expectations fn picks (under the lock); returns how many. */
unsigned int alg_expect_kill_if(struct alg_net *an,
				bool (*fn)(const struct alg_expect *exp, void *data),
				void *data)
{
	struct alg_expect_net *en = an->expect;
	struct alg_expect *exp, *gone[8];
	struct hlist_node *next;
	unsigned int b, n, i, total = 0;

	for (b = 0; b < en->hsize; b++) {
		do {
			n = 0;
			spin_lock_bh(&en->lock);
			hlist_for_each_entry_safe(exp, next, &en->hash[b], hnode) {
				if (n == ARRAY_SIZE(gone))
					break;
				if (!fn(exp, data) || !del_timer(&exp->timeout))
					continue;
				alg_expect_unlink(en, exp);
				ALG_STAT_INC(an, expect_delete);
				gone[n++] = exp;
			}
			spin_unlock_bh(&en->lock);
			for (i = 0; i < n; i++)
				alg_expect_put(gone[i]);
			total += n;
		} while (n == ARRAY_SIZE(gone));
	}
	return total;
}

/* /proc/net/alg_conntrack_expect, in /proc/net/nf_conntrack_expect's format. */
void alg_expect_show(struct alg_net *an, struct seq_file *s)
{
	struct alg_expect_net *en = an->expect;
	struct alg_expect *exp;
	unsigned int b;

	spin_lock_bh(&en->lock);
	for (b = 0; b < en->hsize; b++) {
		hlist_for_each_entry(exp, &en->hash[b], hnode) {
			const struct alg_helper *h = alg_conn_helper(exp->master);
			long left = (long)(exp->timeout.expires - jiffies);

			seq_printf(s, "%ld l3proto = 2 proto=%u src=%pI4 dst=%pI4 sport=0 dport=%u %s\n",
				   left > 0 ? left / HZ : 0, exp->tuple.proto,
				   &exp->tuple.saddr, &exp->tuple.daddr,
				   ntohs(exp->tuple.dport), h ? h->name : "");
		}
	}
	spin_unlock_bh(&en->lock);
}

int alg_expect_net_init(struct alg_net *an)
{
	struct alg_expect_net *en;
	unsigned int i;

	en = kvzalloc(struct_size(en, hash, ALG_EXPECT_HSIZE), GFP_KERNEL);
	if (!en)
		return -ENOMEM;
	spin_lock_init(&en->lock);
	en->hsize = ALG_EXPECT_HSIZE;
	for (i = 0; i < en->hsize; i++)
		INIT_HLIST_HEAD(&en->hash[i]);
	an->expect = en;
	return 0;
}

/* After the table is empty: every master is gone, so is every expectation. */
void alg_expect_net_uninit(struct alg_net *an)
{
	WARN_ON_ONCE(an->expect->count);
	kvfree(an->expect);
	an->expect = NULL;
}
