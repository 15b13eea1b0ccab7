/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_EXT_H
#define _ALG_EXT_H

#include "core/conn.h"

/* A connection's sequence number shift after NAT changed a payload size. */
struct alg_seqadj {
	u32 correction_pos;
	s32 offset_before;
	s32 offset_after;
};

struct alg_helper;

/*
 * What only some connections need (a helper and its parser state, sequence
 * adjustment after the FTP NAT helper changed a payload's length, the
 * expectations it owns) hangs off ct->ext, allocated on demand, so that the
 * common connection object stays small. Set before confirmation only, so
 * the pointer never changes under a packet of a confirmed connection.
 */
struct alg_conn_ext {
	const struct alg_helper *helper;
	struct hlist_head expects;	/* under the namespace's expect lock */
	unsigned int nexpect;
	struct alg_seqadj seqadj[ALG_DIR_MAX];
	u8 help[] __aligned(8);		/* helper->data_size bytes */
};

struct alg_conn_ext *alg_ext_add(struct alg_conn *ct, unsigned int data_size,
				 gfp_t gfp);
void alg_ext_kill(struct alg_conn *ct);
void alg_ext_destroy(struct alg_conn *ct);

#endif /* _ALG_EXT_H */
