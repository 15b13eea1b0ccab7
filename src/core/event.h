/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_EVENT_H
#define _ALG_EVENT_H

#include "core/conn.h"

#include <linux/rcupdate.h>

struct alg_expect;

/* What happened to a connection or expectation, as ctnetlink's groups. */
enum alg_event {
	ALG_EVENT_NEW,
	ALG_EVENT_UPDATE,	/* protocol state or status bits changed */
	ALG_EVENT_DESTROY,
};

/*
 * One listener (the ctnetlink interface), as netfilter's nf_ct_event_notifier:
 * the core reports, it does not know who listens. Called from the packet
 * path and timers with BHs off or from process context; must not sleep.
 */
struct alg_event_ops {
	/* portid: the netlink request that caused it, else 0 */
	void (*conn)(struct alg_conn *ct, enum alg_event ev, u32 portid);
	void (*expect)(struct alg_expect *exp, enum alg_event ev);
};

extern const struct alg_event_ops __rcu *alg_event_ops;

static inline void alg_event_conn_report(struct alg_conn *ct,
					 enum alg_event ev, u32 portid)
{
	const struct alg_event_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(alg_event_ops);
	if (ops)
		ops->conn(ct, ev, portid);
	rcu_read_unlock();
}

static inline void alg_event_conn(struct alg_conn *ct, enum alg_event ev)
{
	alg_event_conn_report(ct, ev, 0);
}

static inline void alg_event_expect(struct alg_expect *exp, enum alg_event ev)
{
	const struct alg_event_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(alg_event_ops);
	if (ops)
		ops->expect(exp, ev);
	rcu_read_unlock();
}

/* The status bits whose change is an update event. */
#define ALG_EVENT_STATUS	(BIT(ALG_CONN_SEEN_REPLY) | BIT(ALG_CONN_ASSURED))

void alg_event_register(const struct alg_event_ops *ops);
void alg_event_unregister(void);

#endif /* _ALG_EVENT_H */
