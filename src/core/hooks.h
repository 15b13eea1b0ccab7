/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_HOOKS_H
#define _ALG_HOOKS_H

#include <net/net_namespace.h>

int alg_hooks_net_init(struct net *net);
void alg_hooks_net_uninit(struct net *net);

#endif /* _ALG_HOOKS_H */
