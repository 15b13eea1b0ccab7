/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_UI_CT_H
#define _ALG_UI_CT_H

#include "alg_conntrack/ct_match.h"
#include "core/conn.h"

#include <linux/skbuff.h>

struct alg_conn *alg_ct_view_skb(struct alg_ct_view *v,
				 const struct sk_buff *skb, u8 pf);
const char *alg_ct_master_helper(const struct alg_conn *ct);

int alg_xt_ct_init(void);
void alg_xt_ct_uninit(void);
int alg_nft_ct_init(void);
void alg_nft_ct_uninit(void);

#endif /* _ALG_UI_CT_H */
