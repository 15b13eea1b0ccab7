/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_PROC_H
#define _ALG_PROC_H

#include <net/net_namespace.h>

int alg_proc_net_init(struct net *net);
void alg_proc_net_uninit(struct net *net);

#endif /* _ALG_PROC_H */
