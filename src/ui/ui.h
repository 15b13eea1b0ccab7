/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ALG_UI_H
#define _ALG_UI_H

int alg_ui_init(void);
void alg_ui_uninit(void);

#endif /* _ALG_UI_H */
