/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_FTP_H
#define _ALG_FTP_H

#include "alg_conntrack/ftp_parse.h"
#include "core/conn.h"
#include "core/expect.h"
#include "core/helper.h"

/* Longest rewritten text: "|1|255.255.255.255|65535|". */
#define ALG_FTP_REP_MAX	32

/*
 * A rewrite done, kept by the conntrack helper: a retransmission of the
 * same bytes must leave the gateway rewritten exactly as the first one did
 * (which may have been lost beyond it), with no new expectation.
 */
struct alg_ftp_rewrite {
	u32 seq;	/* where the original text started in the stream */
	u16 len;	/* its length; 0: no record */
	u8 replen;
	char rep[ALG_FTP_REP_MAX];
};

/*
 * What the FTP NAT helper does for the conntrack helper, as nf_nat_ftp does
 * for nf_conntrack_ftp; it puts this in alg_ftp_helper.nat at init.
 * announce(): for a connection with NAT, instead of inserting exp itself,
 * the conntrack helper hands over the announcement at payload offset off
 * (length m->len) of the linear skb. NAT moves the expectation to the
 * translated address and a free port, rewrites the text, adds the size
 * change to *diff and fills rw (but its seq). Returns NF_ACCEPT or NF_DROP.
 * redo(): redo rw at payload offset off of a retransmission; false: drop.
 */
struct alg_ftp_nat {
	unsigned int (*announce)(struct sk_buff *skb, struct alg_conn *ct,
				 enum ip_conntrack_info ctinfo, unsigned int off,
				 const struct alg_ftp_match *m,
				 struct alg_expect *exp, int *diff,
				 struct alg_ftp_rewrite *rw);
	bool (*redo)(struct sk_buff *skb, unsigned int off,
		     const struct alg_ftp_rewrite *rw);
};

extern struct alg_helper alg_ftp_helper;

int alg_ftp_init(void);
void alg_ftp_uninit(void);

#endif /* _ALG_FTP_H */
