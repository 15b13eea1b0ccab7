/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure-logic parts of alg_conntrack (tuple math, TCP state table, rule and
 * FTP parsers, port search) are compiled twice: into the module and into the
 * userspace unit tests. This header is the only place that knows the difference.
 */
#ifndef _ALG_COMPAT_H
#define _ALG_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/ctype.h>
#include <asm/byteorder.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <ctype.h>
#include <arpa/inet.h>
#include <linux/types.h>	/* __u8 .. __be32, as the kernel has them */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef min
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#endif
#define BIT(n) (1UL << (n))
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)
#define cpu_to_be16(x) htons(x)
#define cpu_to_be32(x) htonl(x)
#define be16_to_cpu(x) ntohs(x)
#define be32_to_cpu(x) ntohl(x)
#define __force
#define fallthrough __attribute__((__fallthrough__))
/* The kernel's ctinfo of an untracked packet: uapi hides it from userspace. */
#define IP_CT_UNTRACKED 7
#endif

#endif /* _ALG_COMPAT_H */
