/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_TABLE_H
#define _ALG_TABLE_H

#include "core/conn.h"
#include "core/netns.h"

extern unsigned int alg_table_hashsize;
extern unsigned int alg_table_max;

struct alg_tuple_hash *alg_table_find(struct alg_net *an,
				      const struct alg_tuple *t);
int alg_table_confirm(struct alg_net *an, struct alg_conn *ct);
bool alg_table_unhash(struct alg_net *an, struct alg_conn *ct);
bool alg_table_tuple_taken(struct alg_net *an, const struct alg_tuple *t,
			   const struct alg_conn *ignore);
void alg_table_add_unconfirmed(struct alg_net *an, struct alg_conn *ct);
void alg_table_del_list(struct alg_net *an, struct alg_conn *ct);
void alg_table_add_dying(struct alg_net *an, struct alg_conn *ct);
bool alg_table_early_drop(struct alg_net *an);

/*
 * Kill every confirmed connection of a namespace for which fn returns true.
 * fn runs under RCU and must not sleep; it may see a connection that is
 * being recycled, so it is asked again once a reference is held. May sleep
 * between buckets.
 */
void alg_table_iterate(struct alg_net *an,
		       bool (*fn)(struct alg_conn *ct, void *data), void *data);

int alg_table_walk_bucket(struct alg_net *an, unsigned int b,
			  int (*fn)(struct alg_conn *ct, void *data), void *data);

int alg_table_net_init(struct alg_net *an);
void alg_table_net_uninit(struct alg_net *an);
int alg_table_init(void);

#endif /* _ALG_TABLE_H */
