// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the FTP control stream parser and line assembler. */
#include "unit.h"
#include "../../src/helpers/ftp_parse.c"

static __be32 ip(unsigned int a, unsigned int b, unsigned int c,
		 unsigned int d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

static int line(const char *s, bool from_client, struct alg_ftp_match *m)
{
	return alg_ftp_parse_line(s, strlen(s), from_client, m);
}

static int client(const char *s, struct alg_ftp_match *m)
{
	return line(s, true, m);
}

static int server(const char *s, struct alg_ftp_match *m)
{
	return line(s, false, m);
}

/* The span text of a match, for comparing. */
static const char *span(const char *s, const struct alg_ftp_match *m)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)m->len, s + m->off);
	return buf;
}

UNIT_TEST(port_argument)
{
	struct alg_ftp_addr a;

	UNIT_EQ(alg_ftp_parse_port("192,168,1,2,4,1", 15, &a), 0);
	UNIT_EQ(a.addr, ip(192, 168, 1, 2));
	UNIT_EQ(a.port, 1025);
	UNIT_EQ(a.len, 15);
	/* stops after p2: the caller judges what follows */
	UNIT_EQ(alg_ftp_parse_port("1,2,3,4,0,21).", 14, &a), 0);
	UNIT_EQ(a.port, 21);
	UNIT_EQ(a.len, 12);
	/* leading zeros, up to ALG_FTP_DIGITS_MAX digits */
	UNIT_EQ(alg_ftp_parse_port("0000000001,002,03,4,000,0021", 28, &a), 0);
	UNIT_EQ(a.addr, ip(1, 2, 3, 4));
	UNIT_EQ(a.port, 21);
	UNIT_EQ(alg_ftp_parse_port("00000000001,2,3,4,5,6", 21, &a), -EINVAL);
	/* only len bytes are looked at */
	UNIT_EQ(alg_ftp_parse_port("1,2,3,4,5,67", 11, &a), 0);
	UNIT_EQ(a.port, 5 * 256 + 6);
	UNIT_EQ(alg_ftp_parse_port("1,2,3,4,5,6", 10, &a), -EINVAL);
}

UNIT_TEST(port_argument_refused)
{
	static const char *const bad[] = {
		"256,1,1,1,1,1", "1,1,1,1,256,1", "1,1,1,1,1,256",
		"1,1,1,99999,1,1", "1,1,1,1,0,0", "1,2,3,4,5",
		"1,2,3,4,5,", "1,2,3,4,,6", ",1,2,3,4,5,6", "1.2.3.4.5.6",
		"", "a,1,1,1,1,1", " 1,2,3,4,5,6",
		"1, 2,3,4,5,6", "-1,2,3,4,5,6",
		"99999999999999999999,1,1,1,1,1",
		"1,1,1,1,1,99999999999999999999999999999999999999",
		"4294967297,1,1,1,1,1",
	};
	struct alg_ftp_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = alg_ftp_parse_port(bad[i], strlen(bad[i]), &a);

		if (ret != -EINVAL)
			printf("#   %s\n", bad[i]);
		UNIT_EQ(ret, -EINVAL);
	}
	/* a NUL is not a separator */
	UNIT_EQ(alg_ftp_parse_port("1,2,3\0,4,5,6", 12, &a), -EINVAL);
}

UNIT_TEST(port_command)
{
	struct alg_ftp_match m;
	const char *s;

	s = "PORT 192,168,1,2,4,1";
	UNIT_EQ(client(s, &m), 1);
	UNIT_EQ(m.kind, ALG_FTP_PORT);
	UNIT_EQ(m.addr, ip(192, 168, 1, 2));
	UNIT_EQ(m.port, 1025);
	UNIT_EQ(m.off, 5);
	UNIT_STREQ(span(s, &m), "192,168,1,2,4,1");

	UNIT_EQ(client("port 10,0,0,1,0,20", &m), 1);
	UNIT_EQ(m.port, 20);
	UNIT_EQ(client("PoRt 10,0,0,1,0,20", &m), 1);
	s = "PORT   10,0,0,1,0,20  ";
	UNIT_EQ(client(s, &m), 1);
	UNIT_STREQ(span(s, &m), "10,0,0,1,0,20");

	/* only at the start of the line, only from the client */
	UNIT_EQ(client(" PORT 10,0,0,1,0,20", &m), 0);
	UNIT_EQ(client("NOOP PORT 10,0,0,1,0,20", &m), 0);
	UNIT_EQ(client("XPORT 10,0,0,1,0,20", &m), 0);
	UNIT_EQ(client("PORT", &m), 0);
	UNIT_EQ(client("PORT\t10,0,0,1,0,20", &m), 0);
	UNIT_EQ(client("PORTS 10,0,0,1,0,20", &m), 0);
	UNIT_EQ(server("PORT 10,0,0,1,0,20", &m), 0);
	UNIT_EQ(m.kind, ALG_FTP_NONE);

	/* PORT but unparsable */
	UNIT_EQ(client("PORT ", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,0,20 junk", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,0,20)", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,0,20,7", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,256,0,20", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,0,0", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,99999,1", &m), -EINVAL);
	UNIT_EQ(client("PORT 10,0,0,1,0,99999999999999999999", &m), -EINVAL);
	UNIT_EQ(client("PORT (10,0,0,1,0,20)", &m), -EINVAL);
	UNIT_EQ(m.kind, ALG_FTP_NONE);
}

UNIT_TEST(eprt_command)
{
	struct alg_ftp_match m;
	struct alg_ftp_addr a;
	const char *s;

	s = "EPRT |1|132.235.1.2|6275|";
	UNIT_EQ(client(s, &m), 1);
	UNIT_EQ(m.kind, ALG_FTP_EPRT);
	UNIT_EQ(m.addr, ip(132, 235, 1, 2));
	UNIT_EQ(m.port, 6275);
	UNIT_EQ(m.off, 5);
	UNIT_STREQ(span(s, &m), "|1|132.235.1.2|6275|");

	/* any delimiter in 33..126 but digits and '.' */
	s = "eprt !1!10.0.0.1!65535!  ";
	UNIT_EQ(client(s, &m), 1);
	UNIT_EQ(m.port, 65535);
	UNIT_STREQ(span(s, &m), "!1!10.0.0.1!65535!");
	UNIT_EQ(client("EpRt ~1~10.0.0.1~00021~", &m), 1);
	UNIT_EQ(m.port, 21);

	UNIT_EQ(client("EPRT |2|1080::8:800:200C:417A|5282|", &m),
		-EAFNOSUPPORT);
	UNIT_EQ(client("EPRT |3|10.0.0.1|21|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |12|10.0.0.1|21|", &m), -EINVAL);
	UNIT_EQ(client("EPRT 1110.0.0.11211", &m), -EINVAL);
	UNIT_EQ(client("EPRT .1.10.0.0.1.21.", &m), -EINVAL);
	UNIT_EQ(client("EPRT  1 10.0.0.1 21 ", &m), -EINVAL);
	UNIT_EQ(client("EPRT \1771\17710.0.0.1\17721\177", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|21", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|21!", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1||", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|0|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|65536|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|99999999999999999999|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.256|21|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.1|21|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1.1|21|", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1|10.0.0.1|21|x", &m), -EINVAL);
	UNIT_EQ(client("EPRT |1", &m), -EINVAL);
	UNIT_EQ(client("EPRT ", &m), -EINVAL);
	UNIT_EQ(client(" EPRT |1|10.0.0.1|21|", &m), 0);
	UNIT_EQ(server("EPRT |1|10.0.0.1|21|", &m), 0);

	UNIT_EQ(alg_ftp_parse_eprt("|1|1.2.3.4|5|rest", 17, &a), 0);
	UNIT_EQ(a.len, 13);
}

UNIT_TEST(pasv_227)
{
	struct alg_ftp_match m;
	const char *s;

	s = "227 Entering Passive Mode (192,168,1,2,19,137).";
	UNIT_EQ(server(s, &m), 1);
	UNIT_EQ(m.kind, ALG_FTP_PASV227);
	UNIT_EQ(m.addr, ip(192, 168, 1, 2));
	UNIT_EQ(m.port, 19 * 256 + 137);
	UNIT_EQ(m.off, 27);
	UNIT_STREQ(span(s, &m), "192,168,1,2,19,137");

	/* brackets are optional, text before and after is free */
	s = "227 Entering Passive Mode 10,1,2,3,4,5";
	UNIT_EQ(server(s, &m), 1);
	UNIT_STREQ(span(s, &m), "10,1,2,3,4,5");
	s = "227 =10,1,2,3,4,5 ok";
	UNIT_EQ(server(s, &m), 1);
	UNIT_STREQ(span(s, &m), "10,1,2,3,4,5");
	/* with a bracket the numbers follow it, digits before do not count */
	s = "227 Passive Mode v2 OK (10,1,2,3,4,5)";
	UNIT_EQ(server(s, &m), 1);
	UNIT_EQ(m.addr, ip(10, 1, 2, 3));
	s = "227 (  10,1,2,3,4,5)";
	UNIT_EQ(server(s, &m), 1);
	UNIT_EQ(m.off, 7);

	UNIT_EQ(server("227 Logout.", &m), -EINVAL);
	UNIT_EQ(m.kind, ALG_FTP_NONE);
	UNIT_EQ(server("227 ", &m), -EINVAL);
	UNIT_EQ(server("227 (", &m), -EINVAL);
	UNIT_EQ(server("227 (x1,2,3,4,5,6)", &m), -EINVAL);
	UNIT_EQ(server("227 Entering Passive Mode (256,1,1,1,1,1).", &m),
		-EINVAL);
	UNIT_EQ(server("227 Entering Passive Mode (1,1,1,1,0,0).", &m),
		-EINVAL);
	UNIT_EQ(server("227 Entering Passive Mode (1,1,1,1,1).", &m), -EINVAL);
	UNIT_EQ(server("227 Entering Passive Mode (1,1,1,1,1,", &m), -EINVAL);
	UNIT_EQ(server("227 (1,1,1,1,1,99999999999999999999)", &m), -EINVAL);
	/* not final reply lines, or not 227 at all */
	UNIT_EQ(server("227-Entering Passive Mode (1,1,1,1,1,1).", &m), 0);
	UNIT_EQ(server("227", &m), 0);
	UNIT_EQ(server("2270 (1,1,1,1,1,1)", &m), 0);
	UNIT_EQ(server(" 227 (1,1,1,1,1,1)", &m), 0);
	UNIT_EQ(server("200 227 (1,1,1,1,1,1)", &m), 0);
	UNIT_EQ(client("227 (1,1,1,1,1,1)", &m), 0);
}

UNIT_TEST(epsv_229)
{
	struct alg_ftp_match m;
	const char *s;

	s = "229 Entering Extended Passive Mode (|||6446|)";
	UNIT_EQ(server(s, &m), 1);
	UNIT_EQ(m.kind, ALG_FTP_EPSV229);
	UNIT_EQ(m.addr, 0);
	UNIT_EQ(m.port, 6446);
	UNIT_EQ(m.off, 36);
	UNIT_STREQ(span(s, &m), "|||6446|");
	s = "229 (!!!1!) trailing text";
	UNIT_EQ(server(s, &m), 1);
	UNIT_EQ(m.port, 1);
	UNIT_STREQ(span(s, &m), "!!!1!");

	UNIT_EQ(server("229 Entering Extended Passive Mode |||6446|", &m),
		-EINVAL);
	UNIT_EQ(server("229 (|||6446|", &m), -EINVAL);
	UNIT_EQ(server("229 (|||6446|x)", &m), -EINVAL);
	UNIT_EQ(server("229 (|||6446)", &m), -EINVAL);
	UNIT_EQ(server("229 (||6446|)", &m), -EINVAL);
	UNIT_EQ(server("229 (|!|6446|)", &m), -EINVAL);
	UNIT_EQ(server("229 (|||0|)", &m), -EINVAL);
	UNIT_EQ(server("229 (|||65536|)", &m), -EINVAL);
	UNIT_EQ(server("229 (|||99999999999999999999|)", &m), -EINVAL);
	UNIT_EQ(server("229 (|||)", &m), -EINVAL);
	UNIT_EQ(server("229 (111211)", &m), -EINVAL);
	UNIT_EQ(server("229 (   6446 )", &m), -EINVAL);
	UNIT_EQ(server("229 (", &m), -EINVAL);
	UNIT_EQ(server("229-(|||6446|)", &m), 0);
	UNIT_EQ(client("229 (|||6446|)", &m), 0);
}

UNIT_TEST(format)
{
	char buf[64];

	UNIT_EQ(alg_ftp_format(ALG_FTP_PORT, ip(192, 168, 1, 2), 1025, buf,
			       sizeof(buf)), 15);
	UNIT_STREQ(buf, "192,168,1,2,4,1");
	UNIT_EQ(alg_ftp_format(ALG_FTP_PASV227, ip(0, 0, 0, 0), 65535, buf,
			       sizeof(buf)), 15);
	UNIT_STREQ(buf, "0,0,0,0,255,255");
	UNIT_EQ(alg_ftp_format(ALG_FTP_EPRT, ip(255, 1, 2, 3), 21, buf,
			       sizeof(buf)), 16);
	UNIT_STREQ(buf, "|1|255.1.2.3|21|");
	UNIT_EQ(alg_ftp_format(ALG_FTP_EPSV229, ip(9, 9, 9, 9), 6446, buf,
			       sizeof(buf)), 8);
	UNIT_STREQ(buf, "|||6446|");
	UNIT_EQ(alg_ftp_format(ALG_FTP_NONE, 0, 1, buf, sizeof(buf)), -EINVAL);
	/* truncation like snprintf */
	UNIT_EQ(alg_ftp_format(ALG_FTP_EPSV229, 0, 6446, buf, 4), 8);
	UNIT_STREQ(buf, "|||");
	UNIT_EQ(alg_ftp_format(ALG_FTP_EPSV229, 0, 6446, NULL, 0), 8);
}

/* Rewrite the span of @s with (addr, port) and parse the result again. */
static void rewrite(const char *s, bool from_client, __be32 addr, u16 port,
		    const char *want)
{
	struct alg_ftp_match m, m2;
	char out[512], rep[64];
	int n;

	UNIT_EQ(line(s, from_client, &m), 1);
	n = alg_ftp_format(m.kind, addr, port, rep, sizeof(rep));
	UNIT_CHECK(n > 0);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)m.off, s, rep,
		 s + m.off + m.len);
	UNIT_STREQ(out, want);
	UNIT_EQ(line(out, from_client, &m2), 1);
	UNIT_EQ(m2.kind, m.kind);
	UNIT_EQ(m2.off, m.off);
	UNIT_EQ(m2.len, n);
	UNIT_EQ(m2.port, port);
	UNIT_EQ(m2.addr, m.kind == ALG_FTP_EPSV229 ? 0 : addr);
}

UNIT_TEST(rewrite_round_trip)
{
	__be32 pub = ip(203, 0, 113, 200);

	rewrite("PORT 10,0,0,1,4,1", true, pub, 60000,
		"PORT 203,0,113,200,234,96");
	rewrite("EPRT !1!10.0.0.1!1025!", true, pub, 60000,
		"EPRT |1|203.0.113.200|60000|");
	rewrite("227 Entering Passive Mode (10,0,0,1,4,1).", false, pub, 1,
		"227 Entering Passive Mode (203,0,113,200,0,1).");
	rewrite("229 Entering Extended Passive Mode (###1025#)", false, pub,
		65535, "229 Entering Extended Passive Mode (|||65535|)");
}

/* Collects what alg_ftp_lines_feed() hands out. */
struct got {
	int n;
	char text[16][300];
	size_t len[16];
	size_t head[16];
	size_t off[16];
	bool in_seg[16];
	int matches;
	struct alg_ftp_match m[16];
	bool from_client;
};

static void collect(const struct alg_ftp_line *l, void *arg)
{
	struct got *g = arg;
	int i = g->n;

	if (i >= 16)
		return;
	UNIT_CHECK(l->len <= ALG_FTP_LINE_MAX);
	UNIT_EQ(l->in_segment, l->head == 0);
	memcpy(g->text[i], l->s, l->len);
	g->text[i][l->len] = '\0';
	g->len[i] = l->len;
	g->head[i] = l->head;
	g->off[i] = l->off;
	g->in_seg[i] = l->in_segment;
	if (alg_ftp_parse_line(l->s, l->len, g->from_client, &g->m[i]) == 1)
		g->matches++;
	g->n++;
}

static unsigned int feed(struct alg_ftp_line_state *st, const char *s,
			 struct got *g)
{
	return alg_ftp_lines_feed(st, s, strlen(s), collect, g);
}

UNIT_TEST(lines_in_one_segment)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };
	const char *seg = "USER x\r\nPORT 10,0,0,1,0,20\r\n\nNOOP\nPASS y\r\r\n"
			  "partial";

	UNIT_EQ(feed(&st, seg, &g), 5);
	UNIT_EQ(g.n, 5);
	UNIT_STREQ(g.text[0], "USER x");
	UNIT_STREQ(g.text[1], "PORT 10,0,0,1,0,20");
	UNIT_STREQ(g.text[2], "");
	UNIT_STREQ(g.text[3], "NOOP");
	UNIT_STREQ(g.text[4], "PASS y\r");	/* only one '\r' is line end */
	UNIT_EQ(g.off[0], 0);
	UNIT_EQ(g.off[1], 8);
	UNIT_EQ(g.off[3], 29);
	UNIT_CHECK(g.in_seg[0] && g.in_seg[1] && g.in_seg[4]);
	UNIT_EQ(g.matches, 1);
	UNIT_EQ(g.m[1].kind, ALG_FTP_PORT);
	UNIT_EQ(g.off[1] + g.m[1].off, 13);	/* segment offset of span */
	UNIT_EQ(st.len, 7);
	UNIT_CHECK(!memcmp(st.buf, "partial", 7));
	/* a bare CR ends nothing */
	g.n = 0;
	UNIT_EQ(feed(&st, "\rmore\r\n", &g), 1);
	UNIT_STREQ(g.text[0], "partial\rmore");
	UNIT_CHECK(!g.in_seg[0]);
}

UNIT_TEST(port_split_over_two_segments)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };
	struct alg_ftp_line l;
	size_t seg_off;

	UNIT_EQ(feed(&st, "NOOP\r\nPORT 10,0,0", &g), 1);
	UNIT_EQ(g.matches, 0);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, true));
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, false));
	UNIT_EQ(feed(&st, ",1,0,20\r\nNOOP\r\n", &g), 2);
	UNIT_EQ(g.n, 3);
	/* conntrack still sees the whole command and can expect */
	UNIT_STREQ(g.text[1], "PORT 10,0,0,1,0,20");
	UNIT_EQ(g.matches, 1);
	UNIT_EQ(g.m[1].kind, ALG_FTP_PORT);
	UNIT_EQ(g.m[1].addr, ip(10, 0, 0, 1));
	UNIT_EQ(g.m[1].port, 20);
	UNIT_CHECK(!g.in_seg[1]);
	UNIT_EQ(g.head[1], 11);
	UNIT_EQ(g.off[1], 0);
	/* but NAT cannot rewrite a span that began in the last segment */
	l.s = g.text[1];
	l.len = g.len[1];
	l.head = g.head[1];
	l.off = g.off[1];
	l.in_segment = false;
	UNIT_CHECK(!alg_ftp_line_span(&l, g.m[1].off, g.m[1].len, &seg_off));
	/* the NOOP after it is whole in the second segment */
	UNIT_STREQ(g.text[2], "NOOP");
	UNIT_CHECK(g.in_seg[2]);
	UNIT_EQ(g.off[2], 9);
	UNIT_EQ(st.len, 0);
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, true));
}

UNIT_TEST(split_after_command_word_is_rewritable)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = false };
	struct alg_ftp_line l;
	size_t seg_off = 0;
	const char *seg2 = "(10,0,0,1,0,20).\r\n";

	UNIT_EQ(feed(&st, "227 Entering Passive Mode ", &g), 0);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, false));
	UNIT_EQ(feed(&st, seg2, &g), 1);
	UNIT_EQ(g.matches, 1);
	l.s = g.text[0];
	l.len = g.len[0];
	l.head = g.head[0];
	l.off = g.off[0];
	l.in_segment = g.in_seg[0];
	UNIT_EQ(l.head, 26);
	UNIT_CHECK(alg_ftp_line_span(&l, g.m[0].off, g.m[0].len, &seg_off));
	UNIT_EQ(seg_off, 1);
	UNIT_EQ(g.m[0].len, 13);
	if (seg_off == 1)
		UNIT_CHECK(!memcmp(seg2 + 1, "10,0,0,1,0,20", 13));
	/* a span past the end of the line is refused */
	UNIT_CHECK(!alg_ftp_line_span(&l, g.m[0].off, 100, &seg_off));
}

UNIT_TEST(split_over_three_segments)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = false };

	UNIT_EQ(feed(&st, "22", &g), 0);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, false));
	UNIT_EQ(feed(&st, "9 Entering Extended Passive Mode (|||64", &g), 0);
	UNIT_EQ(feed(&st, "46|)\r", &g), 0);
	UNIT_EQ(feed(&st, "\n", &g), 1);
	UNIT_STREQ(g.text[0], "229 Entering Extended Passive Mode (|||6446|)");
	UNIT_EQ(g.head[0], 46);
	UNIT_EQ(g.matches, 1);
	UNIT_EQ(g.m[0].port, 6446);
	UNIT_EQ(st.len, 0);
	/* and an empty segment changes nothing */
	UNIT_EQ(alg_ftp_lines_feed(&st, "", 0, collect, &g), 0);
	UNIT_EQ(st.len, 0);
}

UNIT_TEST(overlong_lines_skipped)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };
	char seg[1024];

	/* in one segment */
	memset(seg, 'A', 300);
	strcpy(seg + 300, "\r\nPORT 1,2,3,4,5,6\r\n");
	UNIT_EQ(feed(&st, seg, &g), 1);
	UNIT_STREQ(g.text[0], "PORT 1,2,3,4,5,6");
	UNIT_EQ(g.off[0], 302);

	/* over three segments, then the next line is parsed */
	g.n = 0;
	g.matches = 0;
	memset(seg, 'B', 200);
	seg[200] = '\0';
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_EQ(st.len, 200);
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_CHECK(st.overlong);
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, true));
	UNIT_EQ(feed(&st, "BB\nPORT 1,2,3,4,5,7\n", &g), 1);
	UNIT_CHECK(!st.overlong);
	UNIT_STREQ(g.text[0], "PORT 1,2,3,4,5,7");
	UNIT_CHECK(g.in_seg[0]);
	UNIT_EQ(g.off[0], 3);
	UNIT_EQ(g.matches, 1);

	/* exactly ALG_FTP_LINE_MAX bytes before the '\n' still count */
	g.n = 0;
	memset(seg, 'C', 256);
	strcpy(seg + 256, "\n");
	UNIT_EQ(feed(&st, seg, &g), 1);
	UNIT_EQ(g.len[0], 256);
	strcpy(seg + 256, "C\n");
	UNIT_EQ(feed(&st, seg, &g), 0);
	/* the same, split */
	seg[128] = '\0';
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_EQ(feed(&st, "\n", &g), 1);
	UNIT_EQ(g.len[1], 256);
	UNIT_EQ(g.head[1], 256);
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_EQ(feed(&st, seg, &g), 0);
	UNIT_EQ(feed(&st, "C", &g), 0);
	UNIT_EQ(feed(&st, "\nX\n", &g), 1);
	UNIT_STREQ(g.text[2], "X");
}

UNIT_TEST(crlf_split_between_cr_and_lf)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };

	UNIT_EQ(feed(&st, "EPRT |1|10.0.0.1|21|\r", &g), 0);
	UNIT_EQ(feed(&st, "\nPORT 1,2,3,4,5,6\n", &g), 2);
	UNIT_STREQ(g.text[0], "EPRT |1|10.0.0.1|21|");
	UNIT_EQ(g.head[0], 21);
	UNIT_STREQ(g.text[1], "PORT 1,2,3,4,5,6");
	UNIT_EQ(g.off[1], 1);
	UNIT_EQ(g.matches, 2);
	UNIT_EQ(g.m[0].kind, ALG_FTP_EPRT);
	UNIT_EQ(g.m[1].kind, ALG_FTP_PORT);
}

UNIT_TEST(pending_cmd_and_reset)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };

	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, true));
	feed(&st, "p", &g);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, true));
	feed(&st, "ORT 1", &g);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, true));
	alg_ftp_lines_reset(&st);
	UNIT_EQ(st.len, 0);
	feed(&st, "EPR", &g);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, true));
	alg_ftp_lines_reset(&st);
	feed(&st, "PASV", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, true));
	alg_ftp_lines_reset(&st);
	feed(&st, "227", &g);
	UNIT_CHECK(alg_ftp_lines_pending_cmd(&st, false));
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, true));
	alg_ftp_lines_reset(&st);
	feed(&st, "230 ok", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_cmd(&st, false));
	UNIT_EQ(g.n, 0);
}

UNIT_TEST(pending_span)
{
	struct alg_ftp_line_state st = { 0 };
	struct got g = { .from_client = true };

	/* The keyword alone: the address is still to come, whole. */
	feed(&st, "PO", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, true));
	feed(&st, "RT ", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, true));
	feed(&st, "10,0", &g);
	UNIT_CHECK(alg_ftp_lines_pending_span(&st, true));
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, false));
	alg_ftp_lines_reset(&st);
	feed(&st, "NOOP 10,0,1", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, true));
	alg_ftp_lines_reset(&st);
	feed(&st, "227 ", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, false));
	feed(&st, "Entering Passive Mode (10,", &g);
	UNIT_CHECK(alg_ftp_lines_pending_span(&st, false));
	/* Completed: nothing pending any more. */
	feed(&st, "0,1,2,200,10)\r\n", &g);
	UNIT_CHECK(!alg_ftp_lines_pending_span(&st, false));
}

int main(void)
{
	return unit_run();
}
