// SPDX-License-Identifier: GPL-2.0
#include "unit.h"
#include "alg_conntrack/tuple.h"

static struct alg_tuple tcp_tuple(void)
{
	struct alg_tuple t;

	memset(&t, 0, sizeof(t));
	t.saddr = htonl(0x0a000102);
	t.daddr = htonl(0x0a000202);
	t.sport = htons(40000);
	t.dport = htons(21);
	t.proto = ALG_PROTO_TCP;
	return t;
}

UNIT_TEST(tcp_invert_swaps_addresses_and_ports)
{
	struct alg_tuple t = tcp_tuple(), r;

	UNIT_CHECK(alg_tuple_invert(&r, &t));
	UNIT_EQ(r.saddr, t.daddr);
	UNIT_EQ(r.daddr, t.saddr);
	UNIT_EQ(ntohs(r.sport), 21);
	UNIT_EQ(ntohs(r.dport), 40000);
	UNIT_EQ(r.dir, ALG_DIR_REPLY);
}

UNIT_TEST(invert_twice_is_identity)
{
	struct alg_tuple t = tcp_tuple(), r, rr;

	alg_tuple_invert(&r, &t);
	alg_tuple_invert(&rr, &r);
	UNIT_CHECK(alg_tuple_equal(&t, &rr));
	UNIT_CHECK(!alg_tuple_equal(&t, &r));
}

UNIT_TEST(icmp_echo_keeps_id_and_flips_type)
{
	struct alg_tuple t = tcp_tuple(), r;

	t.proto = ALG_PROTO_ICMP;
	t.sport = htons(0x1234);
	t.dport = 0;
	t.icmp_type = 8;
	UNIT_CHECK(alg_tuple_invert(&r, &t));
	UNIT_EQ(r.icmp_type, 0);
	UNIT_EQ(ntohs(r.sport), 0x1234);
}

UNIT_TEST(icmp_error_types_have_no_reply)
{
	struct alg_tuple t = tcp_tuple(), r;

	t.proto = ALG_PROTO_ICMP;
	t.icmp_type = 3;	/* destination unreachable */
	UNIT_CHECK(!alg_tuple_invert(&r, &t));
	t.icmp_type = 11;	/* time exceeded */
	UNIT_CHECK(!alg_tuple_invert(&r, &t));
}

UNIT_TEST(key_excludes_direction)
{
	struct alg_tuple a = tcp_tuple(), b = tcp_tuple();

	b.dir = ALG_DIR_REPLY;
	UNIT_CHECK(alg_tuple_equal(&a, &b));
	UNIT_EQ(ALG_TUPLE_KEY_LEN, 15);
}

int main(void)
{
	return unit_run();
}
