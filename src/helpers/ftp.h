/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_FTP_H
#define _ALG_FTP_H

int alg_ftp_init(void);
void alg_ftp_uninit(void);

#endif /* _ALG_FTP_H */
