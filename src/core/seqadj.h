/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_SEQADJ_H
#define _ALG_SEQADJ_H

#include "core/conn.h"

void alg_seqadj_set(struct alg_conn *ct, enum ip_conntrack_info ctinfo,
		    u32 seq, s32 off);
struct alg_seqadj;
void alg_seqadj_load(struct alg_conn *ct, int dir, const struct alg_seqadj *sa);
s32 alg_seqadj_offset(struct alg_conn *ct, int dir, u32 seq);
bool alg_seqadj_packet(struct sk_buff *skb, struct alg_conn *ct,
		       enum ip_conntrack_info ctinfo);

#endif /* _ALG_SEQADJ_H */
