/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_NFCT_H
#define _ALG_NFCT_H

int alg_nfct_init(void);
void alg_nfct_uninit(void);

#endif /* _ALG_NFCT_H */
