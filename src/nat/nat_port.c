// SPDX-License-Identifier: GPL-2.0
/*
 * Port and address choice for NAT, in the spirit of nf_nat's
 * nf_nat_l4proto_unique_tuple(): try the original, else scan a bounded
 * window from a hashed or random start.
 */
#include "alg_conntrack/nat_port.h"

/*
 * A cheap avalanche (lowbias32) so that neighbouring inputs, such as
 * consecutive source ports or addresses, start far apart.
 */
static u32 alg_nat_mix(u32 x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

int alg_nat_port_pick(u16 lo, u16 hi, u16 wanted, bool random, u32 rand_seed,
		      bool (*in_use)(u16 port, void *arg), void *arg, u16 *out)
{
	u32 n, start, tries, i;
	u32 state;
	u16 port;

	if (lo > hi)
		return -EINVAL;
	/* up to 65536 ports, so the count needs more than a u16 */
	n = (u32)hi - lo + 1;
	if (!random && wanted >= lo && wanted <= hi && !in_use(wanted, arg)) {
		*out = wanted;
		return 0;
	}
	state = random ? rand_seed : alg_nat_mix(wanted ^ alg_nat_mix(rand_seed));
	tries = n < ALG_NAT_PORT_SCAN_ALL ? n : ALG_NAT_PORT_SCAN_ALL;
	for (;;) {
		start = state % n;
		for (i = 0; i < tries; i++) {
			port = lo + (start + i) % n;
			if (!in_use(port, arg)) {
				*out = port;
				return 0;
			}
		}
		tries /= 2;
		if (n <= ALG_NAT_PORT_SCAN_ALL || tries < 16)
			return -ENOSPC;
		state = alg_nat_mix(state + 0x9e3779b9U);
	}
}

__be32 alg_nat_addr_pick(__be32 lo, __be32 hi, u32 hash)
{
	u32 l = be32_to_cpu(lo), h = be32_to_cpu(hi);
	u64 n;

	if (l >= h)
		return lo;
	/* scale instead of '%': no 64-bit division on 32-bit kernels */
	n = (u64)(h - l) + 1;
	return cpu_to_be32(l + (u32)(((u64)alg_nat_mix(hash) * n) >> 32));
}
