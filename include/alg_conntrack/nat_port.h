/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Choosing the NAT address and port (or ICMP id) inside a rule's range.
 * Pure: whether a port is taken is asked through a callback, and any
 * randomness comes in as an argument, so the unit tests can drive it.
 */
#ifndef _ALG_NAT_PORT_H
#define _ALG_NAT_PORT_H

#include "alg_conntrack/compat.h"

/* Ranges up to this many ports are searched completely. */
#define ALG_NAT_PORT_SCAN_ALL	128
/*
 * Larger ranges get rounds of 128, 64, 32 and 16 consecutive ports, each
 * from a fresh pseudo-random start, so a nearly full range costs at most
 * this many in_use() calls (plus one for the wanted port) before -ENOSPC,
 * like nf_nat, instead of walking 64k ports under a lock.
 */
#define ALG_NAT_PORT_MAX_TRIES	(128 + 64 + 32 + 16)

/*
 * Pick a port in [lo, hi] (host order; lo may be 0 for ICMP ids) for which
 * in_use() is false and store it in *out.
 *
 * Without @random, @wanted (the original port) is kept if it is in range
 * and free; otherwise the search starts at an offset hashed from @wanted
 * and @rand_seed (callers may pass a per-connection hash or 0), so that
 * clashes do not all pile up from @lo.
 *
 * With @random (--random), @wanted is NOT kept even if free, as in nf_nat:
 * the point of --random is that the public port says nothing about the
 * private one. The search starts at @rand_seed % range, so pass a fresh
 * random number.
 *
 * Returns 0, -EINVAL for lo > hi, or -ENOSPC when no free port was found
 * within ALG_NAT_PORT_MAX_TRIES tries (a range of up to
 * ALG_NAT_PORT_SCAN_ALL ports is always searched completely).
 */
int alg_nat_port_pick(u16 lo, u16 hi, u16 wanted, bool random, u32 rand_seed,
		      bool (*in_use)(u16 port, void *arg), void *arg, u16 *out);

/*
 * An address in [lo, hi] (network order) chosen only by @hash, so one
 * source (hash it) keeps one public address across its connections. The
 * hash is mixed first, so raw addresses are fine as @hash. lo >= hi gives
 * lo.
 */
__be32 alg_nat_addr_pick(__be32 lo, __be32 hi, u32 hash);

#endif /* _ALG_NAT_PORT_H */
