// SPDX-License-Identifier: GPL-2.0
/* Connection extensions: see ext.h for why they are separate. */

#include "core/ext.h"
#include "core/expect.h"

#include <linux/slab.h>

struct alg_conn_ext *alg_ext_add(struct alg_conn *ct, unsigned int data_size,
				 gfp_t gfp)
{
	struct alg_conn_ext *ext;

	if (ct->ext)
		return ct->ext;
	ext = kzalloc(sizeof(*ext) + data_size, gfp);
	if (!ext)
		return NULL;
	INIT_HLIST_HEAD(&ext->expects);
	ct->ext = ext;
	return ext;
}

/* The connection is going: what it expected will not come. */
void alg_ext_kill(struct alg_conn *ct)
{
	if (ct->ext)
		alg_expect_kill_master(ct);
}

void alg_ext_destroy(struct alg_conn *ct)
{
	kfree(ct->ext);
}
