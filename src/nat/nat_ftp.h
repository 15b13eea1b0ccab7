/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NAT_FTP_H
#define _ALG_NAT_FTP_H

/* The FTP NAT helper: fills and clears the FTP helper's NAT part. */
void alg_nat_ftp_init(void);
void alg_nat_ftp_uninit(void);

#endif /* _ALG_NAT_FTP_H */
