/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_FTP_H
#define _ALG_NAT_FTP_H

#include "alg_conntrack/ftp_parse.h"
#include "core/conn.h"
#include "helpers/expect.h"

/* Longest rewritten text: "|1|255.255.255.255|65535|". */
#define ALG_NAT_FTP_REP_MAX	32

/*
 * A rewrite done, kept by the conntrack helper: a retransmission of the
 * same bytes must leave the gateway rewritten exactly as the first one did
 * (which may have been lost beyond it), with no new expectation.
 */
struct alg_nat_ftp_rewrite {
	u32 seq;	/* where the original text started in the stream */
	u16 len;	/* its length; 0: no record */
	u8 replen;
	char rep[ALG_NAT_FTP_REP_MAX];
};

/*
 * The calls between the FTP conntrack helper and the FTP NAT helper, as
 * nf_conntrack_ftp calls nf_nat_ftp. alg_nat_ftp(): for a connection with
 * NAT, instead of inserting exp itself, the conntrack helper hands over the
 * announcement at payload offset off (length m->len) of the linear skb.
 * The NAT helper moves the expectation to the translated address and a
 * free port, rewrites the text, adds the size change to *diff and fills rw
 * (but its seq). Returns NF_ACCEPT or NF_DROP.
 */
unsigned int alg_nat_ftp(struct sk_buff *skb, struct alg_conn *ct,
			 enum ip_conntrack_info ctinfo, unsigned int off,
			 const struct alg_ftp_match *m, struct alg_expect *exp,
			 int *diff, struct alg_nat_ftp_rewrite *rw);

/* Redo rw at payload offset off of a retransmission; false: drop it. */
bool alg_nat_ftp_redo(struct sk_buff *skb, unsigned int off,
		      const struct alg_nat_ftp_rewrite *rw);

#endif /* _ALG_NAT_FTP_H */
