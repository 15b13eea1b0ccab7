/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_SYSCTL_H
#define _ALG_SYSCTL_H

#include "core/netns.h"

int alg_sysctl_net_init(struct alg_net *an);
void alg_sysctl_net_uninit(struct alg_net *an);

#endif /* _ALG_SYSCTL_H */
