/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_FTP_H
#define _ALG_NAT_FTP_H

#include "core/expect.h"

/* The FTP NAT helper: fills and clears the FTP helper's NAT part. */
void alg_nat_ftp_init(void);
/* An expected data connection translated as its master (nat-follow-master). */
int alg_nat_ftp_follow(struct alg_conn *ct, struct alg_expect *exp);
void alg_nat_ftp_uninit(void);

#endif /* _ALG_NAT_FTP_H */
