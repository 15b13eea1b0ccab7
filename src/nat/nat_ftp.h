/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_FTP_H
#define _ALG_NAT_FTP_H

#include "alg_conntrack/ftp_parse.h"
#include "core/conn.h"
#include "helpers/expect.h"

/*
 * The one call between the FTP conntrack helper and the FTP NAT helper, as
 * nf_conntrack_ftp calls nf_nat_ftp: for a connection with NAT, instead of
 * inserting exp itself, the conntrack helper hands over the announcement at
 * payload offset off (length len) of the linear skb. The NAT helper moves
 * the expectation to the translated address and a free port, rewrites the
 * text and adds the size change to *diff. Returns NF_ACCEPT or NF_DROP.
 */
unsigned int alg_nat_ftp(struct sk_buff *skb, struct alg_conn *ct,
			 enum ip_conntrack_info ctinfo, unsigned int off,
			 const struct alg_ftp_match *m, struct alg_expect *exp,
			 int *diff);

#endif /* _ALG_NAT_FTP_H */
