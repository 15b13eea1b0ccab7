/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_EXT_H
#define _ALG_EXT_H

#include "core/conn.h"

#include <linux/slab.h>

/*
 * What only some connections need (a helper and its parser state, sequence
 * number adjustment after the FTP NAT helper changed a payload's length,
 * expectations) hangs off ct->ext, allocated on demand, so that the common
 * connection object stays small.
 */
struct alg_conn_ext {
	unsigned long placeholder;
};

static inline void alg_ext_kill(struct alg_conn *ct)
{
}

static inline void alg_ext_destroy(struct alg_conn *ct)
{
	kfree(ct->ext);
}

#endif /* _ALG_EXT_H */
