/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels alg_conntrack supports (Debian 12's
 * 6.1 and Debian 13's 6.12) lives here, so that src/ is written against one
 * API. Kbuild force-includes this file into every object and defines the
 * ALG_HAVE_* flags it tests by probing the target kernel's headers (see
 * compat/probes.mk): a probe also follows an API that a distribution kernel
 * backported, which a version number would not.
 */
#ifndef _ALG_KERNEL_COMPAT_H
#define _ALG_KERNEL_COMPAT_H

/*
 * Since 6.5 sysctl tables are registered with their size, and the empty
 * sentinel entry is on its way out; 6.1 only knows the sentinel. Callers
 * pass the count of real entries and keep the sentinel, which both accept.
 */
#ifdef ALG_HAVE_SYSCTL_SZ
#define alg_register_net_sysctl(net, path, table, n) \
	register_net_sysctl_sz(net, path, table, n)
#else
#define alg_register_net_sysctl(net, path, table, n) \
	register_net_sysctl(net, path, table)
#endif

/* Since 6.11 a sysctl handler gets its table const. */
#ifdef ALG_HAVE_CONST_CTL_TABLE
#define alg_ctl_table const struct ctl_table
#else
#define alg_ctl_table struct ctl_table
#endif

/* Since 6.5 the GSO helpers have their own header. */
#ifdef ALG_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

#endif /* _ALG_KERNEL_COMPAT_H */
