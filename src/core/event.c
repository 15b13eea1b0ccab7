// SPDX-License-Identifier: GPL-2.0
/*
 * Connection and expectation events for the one interface that reports
 * them (ctnetlink): registered once at module init, after everything it
 * reads exists, and unregistered before that goes.
 */

#include "core/event.h"

const struct alg_event_ops __rcu *alg_event_ops;

void alg_event_register(const struct alg_event_ops *ops)
{
	rcu_assign_pointer(alg_event_ops, ops);
}

/* Returns once no CPU is inside a callback. */
void alg_event_unregister(void)
{
	RCU_INIT_POINTER(alg_event_ops, NULL);
	synchronize_rcu();
}
