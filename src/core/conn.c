// SPDX-License-Identifier: GPL-2.0
/*
 * Connection objects: allocation, the last-reference destructor and the
 * kill path (hash -> dying list -> freed when no packet refers to it).
 */

#include "core/conn.h"
#include "core/event.h"
#include "core/netns.h"
#include "core/table.h"
#include "core/ext.h"

#include <linux/net.h>
#include <linux/slab.h>

static struct kmem_cache *alg_conn_cache __read_mostly;

/*
 * NAT's cleanup of a connection it bound (netfilter's nf_nat_hook), so that
 * the core need not know NAT. Set before the first connection exists and
 * cleared after the last is freed, so it needs no RCU.
 */
static void (*alg_conn_nat_destroy)(struct alg_conn *ct) __read_mostly;

void alg_conn_nat_destroy_set(void (*fn)(struct alg_conn *ct))
{
	alg_conn_nat_destroy = fn;
}

struct alg_conn *alg_conn_alloc(struct net *net, const struct alg_tuple *orig,
				const struct alg_tuple *reply, gfp_t gfp)
{
	struct alg_net *an = alg_net(net);
	struct alg_conn *ct;

	if (unlikely(atomic_inc_return(&an->count) > an->cfg.max)) {
		if (!alg_table_early_drop(an)) {
			atomic_dec(&an->count);
			ALG_STAT_INC(an, insert_failed);
			net_warn_ratelimited("table full, dropping packet\n");
			return ERR_PTR(-ENOSPC);
		}
	}
	ct = kmem_cache_alloc(alg_conn_cache, gfp);
	if (!ct) {
		atomic_dec(&an->count);
		return ERR_PTR(-ENOMEM);
	}
	/*
	 * A lockless reader may still walk the hash nodes of this object's
	 * previous life, so they are left alone (SLAB_TYPESAFE_BY_RCU); the
	 * reference count is still zero, which makes such readers skip it
	 * until everything below is written.
	 */
	spin_lock_init(&ct->lock);
	ct->timeout = 0;
	ct->status = 0;
	ct->mark = 0;
	ct->th[ALG_DIR_ORIGINAL].tuple = *orig;
	ct->th[ALG_DIR_ORIGINAL].tuple.dir = ALG_DIR_ORIGINAL;
	ct->th[ALG_DIR_REPLY].tuple = *reply;
	ct->th[ALG_DIR_REPLY].tuple.dir = ALG_DIR_REPLY;
	ct->th[ALG_DIR_ORIGINAL].node.pprev = NULL;
	memset((char *)ct + offsetof(struct alg_conn, net), 0,
	       sizeof(*ct) - offsetof(struct alg_conn, net));
	write_pnet(&ct->net, net);
	/*
	 * A reader whose refcount_inc_not_zero() succeeds from here on must
	 * see the cleared status (no stale CONFIRMED) and the new net: pairs
	 * with smp_acquire__after_ctrl_dep() after the readers' increment.
	 */
	smp_wmb();
	refcount_set(&ct->ct_general.use, 1);
	return ct;
}

/* Free a connection that nothing refers to any more (refcount is zero). */
void alg_conn_free(struct alg_conn *ct)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));

	alg_ext_destroy(ct);
	if (alg_conn_nat_destroy)
		alg_conn_nat_destroy(ct);
	alg_table_del_list(an, ct);
	if (ct->master)
		alg_conn_put(ct->master);
	kmem_cache_free(alg_conn_cache, ct);
	/* Last: namespace teardown waits for this count to reach zero. */
	smp_mb__before_atomic();
	atomic_dec(&an->count);
}

/*
 * Take a connection out of service. The caller holds a reference. Returns
 * false if somebody else killed it first. portid: the netlink request that
 * asked for it (its DESTROY event says so), else 0.
 */
bool alg_conn_kill_report(struct alg_conn *ct, u32 portid)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));

	if (test_and_set_bit(ALG_CONN_DYING, &ct->status))
		return false;
	alg_ext_kill(ct);
	if (alg_table_unhash(an, ct)) {
		alg_event_conn_report(ct, ALG_EVENT_DESTROY, portid);
		alg_table_add_dying(an, ct);
		alg_conn_put(ct);	/* the table's reference */
	}
	return true;
}

bool alg_conn_kill(struct alg_conn *ct)
{
	return alg_conn_kill_report(ct, 0);
}

/* A RST was sent on behalf of this connection (nf_reject): let it go soon. */
void alg_conn_set_closing(struct alg_conn *ct)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));

	if (alg_conn_proto(ct) != ALG_PROTO_TCP)
		return;
	spin_lock_bh(&ct->lock);
	if (ct->proto.tcp.state < ALG_TCP_TIME_WAIT) {
		ct->proto.tcp.state = ALG_TCP_CLOSE;
		alg_conn_refresh(ct, an->cfg.tcp_timeouts[ALG_TCP_CLOSE] * HZ);
	}
	spin_unlock_bh(&ct->lock);
}

int alg_conn_init(void)
{
	/*
	 * No SLAB_HWCACHE_ALIGN: a TYPESAFE_BY_RCU object keeps the slab's
	 * free pointer outside itself (192 + 8 bytes), which cache-line
	 * alignment would round up to 256, a third more memory per connection.
	 */
	alg_conn_cache = kmem_cache_create("alg_conntrack", sizeof(struct alg_conn),
					   0, SLAB_TYPESAFE_BY_RCU, NULL);
	return alg_conn_cache ? 0 : -ENOMEM;
}

void alg_conn_uninit(void)
{
	/* kmem_cache_destroy() waits for the RCU grace period itself. */
	kmem_cache_destroy(alg_conn_cache);
}
