/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_EXPECT_H
#define _ALG_EXPECT_H

#include "core/conn.h"
#include "core/netns.h"

#include <linux/seq_file.h>
#include <linux/timer.h>

/*
 * A connection a helper has announced: its ORIGINAL tuple, any source port.
 * Owned by its master, which it keeps referenced; gone when used, when it
 * times out, or when the master dies.
 */
struct alg_expect {
	struct hlist_node hnode;	/* namespace hash, by tuple */
	struct hlist_node lnode;	/* master's list */
	struct alg_tuple tuple;		/* sport is a wildcard */
	struct alg_conn *master;
	/* NAT: where the expected connection must really go. */
	__be32 saved_addr;
	__be16 saved_port;
	u8 dir;				/* of the expected connection, vs master */
	/* Set up the new connection (NAT); an error drops its packet. */
	int (*expectfn)(struct alg_conn *ct, struct alg_expect *exp);
	struct timer_list timeout;
	refcount_t use;
	struct rcu_head rcu;
};

struct alg_expect_net {
	spinlock_t lock;	/* hash, masters' lists, count */
	unsigned int count;
	unsigned int hsize;
	struct hlist_head hash[];
};

unsigned int alg_expect_buckets(const struct alg_net *an);
int alg_expect_walk_bucket(struct alg_net *an, unsigned int b,
			   int (*fn)(const struct alg_expect *exp, void *data),
			   void *data);
unsigned int alg_expect_kill_if(struct alg_net *an,
				bool (*fn)(const struct alg_expect *exp, void *data),
				void *data);
struct alg_expect *alg_expect_alloc(struct alg_conn *master);
void alg_expect_put(struct alg_expect *exp);
int alg_expect_insert_timeout(struct alg_expect *exp, unsigned int secs);

static inline int alg_expect_insert(struct alg_expect *exp)
{
	return alg_expect_insert_timeout(exp, 0);
}

void alg_expect_remove(struct alg_expect *exp);
struct alg_expect *alg_expect_take(struct alg_net *an, const struct alg_tuple *t);
void alg_expect_kill_master(struct alg_conn *master);
void alg_expect_show(struct alg_net *an, struct seq_file *s);

int alg_expect_net_init(struct alg_net *an);
void alg_expect_net_uninit(struct alg_net *an);

#endif /* _ALG_EXPECT_H */
