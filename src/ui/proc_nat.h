/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_PROC_NAT_H
#define _ALG_PROC_NAT_H

#include "core/netns.h"

int alg_proc_nat_net_init(struct alg_net *an);
void alg_proc_nat_net_uninit(struct alg_net *an);

#endif /* _ALG_PROC_NAT_H */
