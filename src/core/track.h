/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_TRACK_H
#define _ALG_TRACK_H

#include <linux/netfilter.h>

unsigned int alg_track_defrag(struct sk_buff *skb,
			      const struct nf_hook_state *state);
unsigned int alg_track_in(struct sk_buff *skb,
			  const struct nf_hook_state *state);
unsigned int alg_track_confirm(struct sk_buff *skb);

#endif /* _ALG_TRACK_H */
