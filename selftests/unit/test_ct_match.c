// SPDX-License-Identifier: GPL-2.0
/*
 * The firewall's view of a connection (src/ui/ct_match.c), with match data
 * laid out as iptables' libxt_conntrack and libxt_CONNMARK write it.
 */
#include "unit.h"

#include "../../src/ui/ct_match.c"

static struct alg_tuple orig, reply;

/* 10.0.1.2:40000 -> 10.0.2.2:21, answered from 10.0.2.2 to 10.0.2.1 (SNAT). */
static struct alg_ct_view view(unsigned int ctinfo, u32 status)
{
	struct alg_ct_view v;

	memset(&orig, 0, sizeof(orig));
	orig.saddr = htonl(0x0a000102);
	orig.daddr = htonl(0x0a000202);
	orig.sport = htons(40000);
	orig.dport = htons(21);
	orig.proto = ALG_PROTO_TCP;
	alg_tuple_invert(&reply, &orig);
	reply.daddr = htonl(0x0a000201);
	memset(&v, 0, sizeof(v));
	v.tuple[0] = &orig;
	v.tuple[1] = &reply;
	v.ctinfo = ctinfo;
	v.status = status;
	v.expires = 100;
	return v;
}

static struct alg_ct_view no_conn(unsigned int ctinfo)
{
	struct alg_ct_view v;

	memset(&v, 0, sizeof(v));
	v.ctinfo = ctinfo;
	return v;
}

static struct xt_conntrack_mtinfo3 rule(u16 flags, u16 invert)
{
	struct xt_conntrack_mtinfo3 r;

	memset(&r, 0, sizeof(r));
	r.match_flags = flags;
	r.invert_flags = invert;
	return r;
}

#define ST(ci) XT_CONNTRACK_STATE_BIT(ci)

UNIT_TEST(state_bits_as_nft_and_xt_state)
{
	struct alg_ct_view v = view(IP_CT_ESTABLISHED_REPLY, 0);

	UNIT_EQ(alg_ct_state_bits(&v), NF_CT_STATE_BIT(IP_CT_ESTABLISHED));
	v = view(IP_CT_RELATED, 0);
	UNIT_EQ(alg_ct_state_bits(&v), 1 << 2);
	v = view(IP_CT_NEW, 0);
	UNIT_EQ(alg_ct_state_bits(&v), 1 << 3);
	v = no_conn(0);
	UNIT_EQ(alg_ct_state_bits(&v), NF_CT_STATE_INVALID_BIT);
	v = no_conn(IP_CT_UNTRACKED);
	UNIT_EQ(alg_ct_state_bits(&v), NF_CT_STATE_UNTRACKED_BIT);
}

UNIT_TEST(ctstate_established_related)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_STATE, 0);
	struct alg_ct_view v;

	r.state_mask = ST(IP_CT_ESTABLISHED) | ST(IP_CT_RELATED);
	v = view(IP_CT_ESTABLISHED, 0);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_RELATED_REPLY, 0);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_NEW, 0);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	v = no_conn(0);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	v = no_conn(IP_CT_UNTRACKED);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(ctstate_invalid_untracked_and_inverted)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_STATE, 0);
	struct alg_ct_view v;

	r.state_mask = XT_CONNTRACK_STATE_INVALID;
	v = no_conn(0);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_NEW, 0);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	r.state_mask = XT_CONNTRACK_STATE_UNTRACKED;
	v = no_conn(IP_CT_UNTRACKED);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	/* ! --ctstate NEW */
	r = rule(XT_CONNTRACK_STATE, XT_CONNTRACK_STATE);
	r.state_mask = ST(IP_CT_NEW);
	v = view(IP_CT_NEW, 0);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_ESTABLISHED, 0);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = no_conn(0);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(ctstate_snat_dnat_from_status)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_STATE, 0);
	struct alg_ct_view v;

	r.state_mask = XT_CONNTRACK_STATE_DNAT;
	v = view(IP_CT_NEW, IPS_DST_NAT);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_NEW, IPS_SRC_NAT);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(no_connection_matches_only_state_rules)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_PROTO,
					     XT_CONNTRACK_PROTO);
	struct alg_ct_view v = no_conn(0);

	r.l4proto = ALG_PROTO_UDP;
	/* ! --ctproto udp: still no match without a connection. */
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(ctdir_original_and_reply)
{
	/* --ctdir ORIGINAL: the flag alone; REPLY: the flag inverted. */
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_DIRECTION, 0);
	struct alg_ct_view v = view(IP_CT_ESTABLISHED, 0);

	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v = view(IP_CT_ESTABLISHED_REPLY, 0);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	r.invert_flags = XT_CONNTRACK_DIRECTION;
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(addresses_with_masks)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_ORIGSRC |
					     XT_CONNTRACK_REPLDST, 0);
	struct alg_ct_view v = view(IP_CT_NEW, 0);

	r.origsrc_addr.ip = htonl(0x0a000100);
	r.origsrc_mask.ip = htonl(0xffffff00);
	r.repldst_addr.ip = htonl(0x0a000201);	/* the SNAT address */
	r.repldst_mask.ip = htonl(0xffffffff);
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	r.invert_flags = XT_CONNTRACK_ORIGSRC;
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	r.invert_flags = 0;
	r.repldst_addr.ip = htonl(0x0a000102);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(rev3_port_ranges_host_order)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_PROTO |
					     XT_CONNTRACK_ORIGDST_PORT, 0);
	struct alg_ct_view v = view(IP_CT_NEW, 0);

	r.l4proto = ALG_PROTO_TCP;
	r.origdst_port = 21;
	r.origdst_port_high = 21;
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	r.origdst_port = 1;
	r.origdst_port_high = 20;
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	r.invert_flags = XT_CONNTRACK_ORIGDST_PORT;
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	/* --ctreplsrcport 21 (the server answers from 21) */
	r = rule(XT_CONNTRACK_REPLSRC_PORT, 0);
	r.replsrc_port = 10;
	r.replsrc_port_high = 30;
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	r.l4proto = ALG_PROTO_UDP;
	r.match_flags |= XT_CONNTRACK_PROTO;
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(rev1_single_ports_network_order)
{
	struct xt_conntrack_mtinfo1 r1;
	struct xt_conntrack_mtinfo3 r;
	struct alg_ct_view v = view(IP_CT_NEW, 0);

	memset(&r1, 0, sizeof(r1));
	r1.match_flags = XT_CONNTRACK_ORIGDST_PORT | XT_CONNTRACK_STATE;
	r1.origdst_port = htons(21);
	r1.state_mask = ST(IP_CT_NEW);
	alg_ct_conntrack_v1to3(&r, &r1);
	UNIT_EQ(r.state_mask, ST(IP_CT_NEW));
	UNIT_CHECK(alg_ct_conntrack_match(&r, false, &v));
	r1.origdst_port = htons(22);
	alg_ct_conntrack_v1to3(&r, &r1);
	UNIT_CHECK(!alg_ct_conntrack_match(&r, false, &v));
}

UNIT_TEST(rev2_keeps_wide_masks)
{
	struct xt_conntrack_mtinfo2 r2;
	struct xt_conntrack_mtinfo3 r;
	struct alg_ct_view v = no_conn(IP_CT_UNTRACKED);

	memset(&r2, 0, sizeof(r2));
	r2.match_flags = XT_CONNTRACK_STATE;
	r2.state_mask = XT_CONNTRACK_STATE_UNTRACKED;	/* bit 8: not in a u8 */
	alg_ct_conntrack_v2to3(&r, &r2);
	UNIT_CHECK(alg_ct_conntrack_match(&r, false, &v));
}

UNIT_TEST(status_and_expires)
{
	struct xt_conntrack_mtinfo3 r = rule(XT_CONNTRACK_STATUS |
					     XT_CONNTRACK_EXPIRES, 0);
	struct alg_ct_view v = view(IP_CT_ESTABLISHED, IPS_ASSURED | IPS_SEEN_REPLY);

	r.status_mask = IPS_ASSURED;
	r.expires_min = 50;
	r.expires_max = 100;
	UNIT_CHECK(alg_ct_conntrack_match(&r, true, &v));
	v.expires = 101;
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
	v.expires = 60;
	r.status_mask = IPS_DST_NAT;
	UNIT_CHECK(!alg_ct_conntrack_match(&r, true, &v));
}

UNIT_TEST(icmp_dst_all_is_type_and_code)
{
	struct alg_tuple t;

	memset(&t, 0, sizeof(t));
	t.proto = ALG_PROTO_ICMP;
	t.sport = htons(777);
	t.icmp_type = 8;
	UNIT_EQ(ntohs(alg_ct_tuple_src_all(&t)), 777);
	UNIT_EQ(ntohs(alg_ct_tuple_dst_all(&t)), 8 << 8);
}

UNIT_TEST(connmark_save_restore_set)
{
	struct xt_connmark_tginfo2 i;
	u32 ct = 0, skb = 0x12;

	memset(&i, 0, sizeof(i));
	/* --save-mark: ctmask = nfmask = ~0 */
	i.mode = XT_CONNMARK_SAVE;
	i.ctmask = ~0U;
	i.nfmask = ~0U;
	alg_ct_connmark(&i, &ct, &skb);
	UNIT_EQ(ct, 0x12);
	/* --restore-mark */
	skb = 0;
	i.mode = XT_CONNMARK_RESTORE;
	alg_ct_connmark(&i, &ct, &skb);
	UNIT_EQ(skb, 0x12);
	/* --set-xmark 0x5/0xf */
	i.mode = XT_CONNMARK_SET;
	i.ctmark = 0x5;
	i.ctmask = 0xf;
	ct = 0xf0;
	alg_ct_connmark(&i, &ct, &skb);
	UNIT_EQ(ct, 0xf5);
	/* revision 2: --save-mark --left-shift-mark 8 */
	i.mode = XT_CONNMARK_SAVE;
	i.ctmask = ~0U;
	i.nfmask = 0xff;
	i.shift_bits = 8;
	skb = 0x1ab;
	ct = 0;
	alg_ct_connmark(&i, &ct, &skb);
	UNIT_EQ(ct, 0xab00);
}

int main(void)
{
	return unit_run();
}
