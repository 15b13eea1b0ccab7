// SPDX-License-Identifier: GPL-2.0
/* Unit tests for NAT port and address choice. */
#include "unit.h"
#include "../../src/nat/nat_port.c"

/* A set of used ports plus a count of how often it was asked. */
struct used {
	unsigned char bit[65536 / 8];
	unsigned int calls;
	int all;	/* every port is in use */
};

static void use(struct used *u, unsigned int port)
{
	u->bit[port / 8] |= 1 << (port % 8);
}

static bool in_use(u16 port, void *arg)
{
	struct used *u = arg;

	u->calls++;
	return u->all || (u->bit[port / 8] & (1 << (port % 8)));
}

static struct used *fresh(void)
{
	static struct used u;

	memset(&u, 0, sizeof(u));
	return &u;
}

UNIT_TEST(wanted_kept_when_free)
{
	struct used *u = fresh();
	u16 out = 0;

	UNIT_EQ(alg_nat_port_pick(1024, 2000, 1500, false, 77, in_use, u,
				  &out), 0);
	UNIT_EQ(out, 1500);
	UNIT_EQ(u->calls, 1);
	/* the range ends are inside */
	UNIT_EQ(alg_nat_port_pick(1024, 2000, 1024, false, 0, in_use, u,
				  &out), 0);
	UNIT_EQ(out, 1024);
	UNIT_EQ(alg_nat_port_pick(1024, 2000, 2000, false, 0, in_use, u,
				  &out), 0);
	UNIT_EQ(out, 2000);
}

UNIT_TEST(wanted_taken_or_outside)
{
	struct used *u = fresh();
	u16 out = 0, again = 0;

	use(u, 1500);
	UNIT_EQ(alg_nat_port_pick(1024, 2000, 1500, false, 0, in_use, u,
				  &out), 0);
	UNIT_CHECK(out >= 1024 && out <= 2000);
	UNIT_CHECK(out != 1500);
	/* without --random the choice is repeatable */
	UNIT_EQ(alg_nat_port_pick(1024, 2000, 1500, false, 0, in_use, u,
				  &again), 0);
	UNIT_EQ(again, out);

	UNIT_EQ(alg_nat_port_pick(1024, 2000, 80, false, 0, in_use, u, &out),
		0);
	UNIT_CHECK(out >= 1024 && out <= 2000);
	UNIT_EQ(alg_nat_port_pick(1024, 2000, 65535, false, 0, in_use, u,
				  &out), 0);
	UNIT_CHECK(out >= 1024 && out <= 2000);
}

UNIT_TEST(start_is_spread_not_lo)
{
	struct used *u = fresh();
	unsigned int w, at_lo = 0, seen = 0;
	unsigned char hit[1000] = { 0 };
	u16 out;

	/* wanted outside the range: the first try is the start offset */
	for (w = 1; w <= 500; w++) {
		UNIT_EQ(alg_nat_port_pick(10000, 10999, w, false, 0, in_use, u,
					  &out), 0);
		UNIT_CHECK(out >= 10000 && out <= 10999);
		at_lo += out == 10000;
		if (!hit[out - 10000]++)
			seen++;
	}
	UNIT_CHECK(at_lo < 5);
	UNIT_CHECK(seen > 250);
}

UNIT_TEST(range_of_ten)
{
	struct used *u;
	unsigned int p, free_port, start;
	u16 out;

	/* all used: every port asked exactly once (+1 for wanted) */
	u = fresh();
	for (p = 100; p <= 109; p++)
		use(u, p);
	UNIT_EQ(alg_nat_port_pick(100, 109, 105, false, 3, in_use, u, &out),
		-ENOSPC);
	UNIT_EQ(u->calls, 11);

	/* one free port is found wherever it is, wrapping past hi */
	for (free_port = 100; free_port <= 109; free_port++) {
		u = fresh();
		for (p = 100; p <= 109; p++)
			if (p != free_port)
				use(u, p);
		out = 0;
		UNIT_EQ(alg_nat_port_pick(100, 109, 105, false, 0, in_use, u,
					  &out), 0);
		UNIT_EQ(out, free_port);
		UNIT_CHECK(u->calls <= 11);
	}

	/* random: the scan starts at seed % 10 and wraps */
	for (start = 0; start < 10; start++) {
		u = fresh();
		use(u, 100 + start);
		UNIT_EQ(alg_nat_port_pick(100, 109, 0, true, start + 10 * 7,
					  in_use, u, &out), 0);
		UNIT_EQ(out, 100 + (start + 1) % 10);
		UNIT_EQ(u->calls, 2);
	}
	/* the last port in use: wrap to lo */
	u = fresh();
	use(u, 109);
	UNIT_EQ(alg_nat_port_pick(100, 109, 0, true, 9, in_use, u, &out), 0);
	UNIT_EQ(out, 100);
}

UNIT_TEST(random_does_not_keep_wanted)
{
	struct used *u = fresh();
	u16 out;

	UNIT_EQ(alg_nat_port_pick(1000, 1009, 1000, true, 5, in_use, u, &out),
		0);
	UNIT_EQ(out, 1005);
	UNIT_EQ(alg_nat_port_pick(1000, 1009, 1000, true, 6, in_use, u, &out),
		0);
	UNIT_EQ(out, 1006);
}

UNIT_TEST(single_port_and_bad_range)
{
	struct used *u = fresh();
	u16 out = 7;

	UNIT_EQ(alg_nat_port_pick(5000, 5000, 1, false, 0, in_use, u, &out),
		0);
	UNIT_EQ(out, 5000);
	UNIT_EQ(alg_nat_port_pick(5000, 5000, 1, true, 12345, in_use, u, &out),
		0);
	UNIT_EQ(out, 5000);
	use(u, 5000);
	UNIT_EQ(alg_nat_port_pick(5000, 5000, 5000, false, 0, in_use, u, &out),
		-ENOSPC);
	out = 7;
	UNIT_EQ(alg_nat_port_pick(5001, 5000, 5000, false, 0, in_use, u, &out),
		-EINVAL);
	UNIT_EQ(out, 7);
	/* ICMP ids may be 0 */
	u = fresh();
	UNIT_EQ(alg_nat_port_pick(0, 0, 0, false, 0, in_use, u, &out), 0);
	UNIT_EQ(out, 0);
}

UNIT_TEST(full_range_is_bounded)
{
	struct used *u = fresh();
	u16 out;

	u->all = 1;
	UNIT_EQ(alg_nat_port_pick(1, 65535, 80, false, 0, in_use, u, &out),
		-ENOSPC);
	UNIT_EQ(u->calls, 1 + ALG_NAT_PORT_MAX_TRIES);
	u->calls = 0;
	UNIT_EQ(alg_nat_port_pick(0, 65535, 80, true, 0xffffffff, in_use, u,
				  &out), -ENOSPC);
	UNIT_EQ(u->calls, ALG_NAT_PORT_MAX_TRIES);
	/* 129 ports is past the complete-scan limit */
	u->calls = 0;
	UNIT_EQ(alg_nat_port_pick(1000, 1128, 0, true, 0, in_use, u, &out),
		-ENOSPC);
	UNIT_EQ(u->calls, ALG_NAT_PORT_MAX_TRIES);
	/* 128 ports is searched completely */
	u->calls = 0;
	UNIT_EQ(alg_nat_port_pick(1000, 1127, 0, true, 0, in_use, u, &out),
		-ENOSPC);
	UNIT_EQ(u->calls, 128);
}

UNIT_TEST(full_range_finds_free)
{
	struct used *u = fresh();
	unsigned int p;
	u16 out;

	/* half of everything used: still found at once, edges included */
	for (p = 0; p < 65536; p += 2)
		use(u, p);
	UNIT_EQ(alg_nat_port_pick(1, 65535, 80, false, 0, in_use, u, &out),
		0);
	UNIT_CHECK(out & 1);
	UNIT_CHECK(u->calls <= 3);
	UNIT_EQ(alg_nat_port_pick(0, 65535, 0, true, 65535, in_use, u, &out),
		0);
	UNIT_EQ(out, 65535);
	UNIT_EQ(alg_nat_port_pick(65535, 65535, 1, false, 0, in_use, u, &out),
		0);
	UNIT_EQ(out, 65535);
	/* u16 arithmetic must not wrap at the top: hi = 65535 taken, go on */
	use(u, 65535);
	UNIT_EQ(alg_nat_port_pick(65533, 65535, 0, true, 2, in_use, u, &out),
		0);
	UNIT_EQ(out, 65533);
}

UNIT_TEST(addr_pick)
{
	__be32 lo = htonl(0x01020300), hi = htonl(0x01020303), a;
	unsigned int h, count[4] = { 0 };

	UNIT_EQ(alg_nat_addr_pick(lo, lo, 1234), lo);
	UNIT_EQ(alg_nat_addr_pick(hi, lo, 1234), hi);	/* reversed: lo arg */
	for (h = 0; h < 4000; h++) {
		a = alg_nat_addr_pick(lo, hi, h);
		UNIT_CHECK(ntohl(a) >= 0x01020300 && ntohl(a) <= 0x01020303);
		count[ntohl(a) - 0x01020300]++;
		/* same hash, same address */
		UNIT_EQ(alg_nat_addr_pick(lo, hi, h), a);
	}
	for (h = 0; h < 4; h++)
		UNIT_CHECK(count[h] > 800 && count[h] < 1200);
	/* whole address space: no overflow */
	a = alg_nat_addr_pick(0, 0xffffffffU, 0xdeadbeef);
	UNIT_EQ(a, alg_nat_addr_pick(0, 0xffffffffU, 0xdeadbeef));
	UNIT_CHECK(alg_nat_addr_pick(0, 0xffffffffU, 1) !=
		   alg_nat_addr_pick(0, 0xffffffffU, 2));
	/* two adjacent addresses */
	lo = htonl(0x0a000001);
	hi = htonl(0x0a000002);
	count[0] = 0;
	count[1] = 0;
	for (h = 0; h < 100; h++)
		count[ntohl(alg_nat_addr_pick(lo, hi, h)) - 0x0a000001]++;
	UNIT_EQ(count[0] + count[1], 100);
	UNIT_CHECK(count[0] > 20 && count[1] > 20);
}

int main(void)
{
	return unit_run();
}
