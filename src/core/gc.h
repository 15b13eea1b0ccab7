/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_GC_H
#define _ALG_GC_H

#include "core/netns.h"

void alg_gc_net_start(struct alg_net *an);
void alg_gc_net_stop(struct alg_net *an);

#endif /* _ALG_GC_H */
