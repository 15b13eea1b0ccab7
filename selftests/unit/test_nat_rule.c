// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the /proc/net/alg_nat rule parser, printer and matcher. */
#include "unit.h"
#include "../../src/nat/nat_rule_parse.c"

static __be32 ip(unsigned int a, unsigned int b, unsigned int c,
		 unsigned int d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

static int parse(const char *s, struct alg_nat_rule *r, u32 *pos,
		 const char **why)
{
	return alg_nat_rule_parse(s, strlen(s), r, pos, why);
}

/* The reason a line is refused, or "OK" if it is not. */
static const char *why_of(const char *s)
{
	struct alg_nat_rule r;
	const char *why = "(not set)";
	u32 pos;
	int ret = parse(s, &r, &pos, &why);

	if (ret >= 0)
		return "OK";
	if (ret != -EINVAL)
		return "(wrong errno)";
	return why;
}

static const char *fmt(const struct alg_nat_rule *r)
{
	static char buf[1024];

	alg_nat_rule_format(r, buf, sizeof(buf));
	return buf;
}

UNIT_TEST(snat_example_fields)
{
	struct alg_nat_rule r;
	const char *why = NULL;
	u32 pos = 99;
	int ret;

	static const char *const text[] = {
		"-A POSTROUTING -s 10.0.0.7/24 -o eth0 -p tcp --dport 80 -j SNAT --to-source 1.2.3.4-1.2.3.5:1024-2000 --random\n",
		"-A POSTROUTING -s 10.0.0.0/24 -o eth0 -p tcp --dport 80 -j SNAT --to-source 1.2.3.4-1.2.3.5:1024-2000 --random",
	};

	ret = parse(text[0], &r, &pos, &why);
	UNIT_EQ(ret, ALG_NAT_CMD_APPEND);
	UNIT_CHECK(!why);	/* untouched on success */
	UNIT_EQ(pos, 0);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_POSTROUTING);
	UNIT_EQ(r.target, ALG_NAT_TGT_SNAT);
	UNIT_EQ(r.match, ALG_NAT_M_SRC | ALG_NAT_M_OUT | ALG_NAT_M_PROTO |
		ALG_NAT_M_DPORT);
	UNIT_EQ(r.inv, 0);
	UNIT_EQ(r.src, ip(10, 0, 0, 0));	/* stored masked */
	UNIT_EQ(r.src_mask, ip(255, 255, 255, 0));
	UNIT_STREQ(r.out_if, "eth0");
	UNIT_EQ(r.proto, 6);
	UNIT_EQ(r.dport_lo, 80);
	UNIT_EQ(r.dport_hi, 80);
	UNIT_EQ(r.to_addr_lo, ip(1, 2, 3, 4));
	UNIT_EQ(r.to_addr_hi, ip(1, 2, 3, 5));
	UNIT_EQ(r.to_port_lo, 1024);
	UNIT_EQ(r.to_port_hi, 2000);
	UNIT_EQ(r.tflags, ALG_NAT_T_PORTS | ALG_NAT_T_RANDOM);
	UNIT_STREQ(fmt(&r), text[1]);
}

UNIT_TEST(commands)
{
	struct alg_nat_rule r;
	u32 pos;

	UNIT_EQ(parse("", &r, &pos, NULL), ALG_NAT_CMD_NONE);
	UNIT_EQ(parse("\n", &r, &pos, NULL), ALG_NAT_CMD_NONE);
	UNIT_EQ(parse(" \t ", &r, &pos, NULL), ALG_NAT_CMD_NONE);
	UNIT_EQ(parse("# -A nonsense \x7e", &r, &pos, NULL), ALG_NAT_CMD_NONE);
	UNIT_EQ(parse("  #comment", &r, &pos, NULL), ALG_NAT_CMD_NONE);
	UNIT_EQ(parse("*nat\n", &r, &pos, NULL), ALG_NAT_CMD_BEGIN);
	UNIT_EQ(parse("COMMIT\r\n", &r, &pos, NULL), ALG_NAT_CMD_COMMIT);

	UNIT_EQ(parse("-F", &r, &pos, NULL), ALG_NAT_CMD_FLUSH);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_ALL);
	UNIT_EQ(parse("-F  \t", &r, &pos, NULL), ALG_NAT_CMD_FLUSH);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_ALL);
	UNIT_EQ(parse("--flush INPUT", &r, &pos, NULL), ALG_NAT_CMD_FLUSH);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_INPUT);

	UNIT_EQ(parse("-I OUTPUT -j ACCEPT", &r, &pos, NULL),
		ALG_NAT_CMD_INSERT);
	UNIT_EQ(pos, 1);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_OUTPUT);
	UNIT_EQ(parse("--insert OUTPUT 7 -j ACCEPT", &r, &pos, NULL),
		ALG_NAT_CMD_INSERT);
	UNIT_EQ(pos, 7);
	UNIT_EQ(r.target, ALG_NAT_TGT_ACCEPT);

	UNIT_EQ(parse("-D PREROUTING 12", &r, &pos, NULL),
		ALG_NAT_CMD_DELETE_NUM);
	UNIT_EQ(pos, 12);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_PREROUTING);
	UNIT_EQ(parse("--delete PREROUTING -p udp -j REDIRECT", &r, &pos, NULL),
		ALG_NAT_CMD_DELETE_SPEC);
	UNIT_EQ(pos, 0);
	UNIT_EQ(r.target, ALG_NAT_TGT_REDIRECT);
	UNIT_EQ(r.proto, 17);

	UNIT_EQ(parse("--append INPUT --source 1.1.1.1 --jump ACCEPT", &r,
		      &pos, NULL), ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.src, ip(1, 1, 1, 1));
	UNIT_EQ(r.src_mask, 0xffffffffU);
}

UNIT_TEST(refused_with_reason)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "-A FOO -j ACCEPT", "unknown chain" },
		{ "-A postrouting -j ACCEPT", "unknown chain" },
		{ "-A", "missing chain" },
		{ "-A POSTROUTING", "missing rule" },
		{ "-D POSTROUTING  ", "missing rule" },
		{ "-I POSTROUTING 3", "missing rule" },
		{ "-X POSTROUTING", "unknown command" },
		{ "hello", "unknown command" },
		{ "commit", "unknown command" },
		{ "*filter", "unsupported table" },
		{ "*", "unsupported table" },
		{ "COMMIT now", "trailing garbage" },
		{ "*nat x", "trailing garbage" },
		{ "-F INPUT OUTPUT", "trailing garbage" },
		{ "-F FOO", "unknown chain" },
		{ "-D INPUT 3 -j ACCEPT", "trailing garbage" },
		{ "-I INPUT 0 -j ACCEPT", "bad rule number" },
		{ "-D INPUT 65536", "bad rule number" },
		{ "-D INPUT 3x", "bad rule number" },
		{ "-A POSTROUTING -j FOO", "unknown target" },
		{ "-A POSTROUTING -j accept", "unknown target" },
		{ "-A POSTROUTING -s 1.2.3.4", "missing -j target" },
		{ "-A POSTROUTING -j", "missing option value" },
		{ "-A POSTROUTING -j ACCEPT -s", "missing option value" },
		{ "-A POSTROUTING -j ACCEPT --foo", "unknown option" },
		{ "-A POSTROUTING -j ACCEPT -x 1", "unknown option" },
		{ "-A POSTROUTING -j ACCEPT ACCEPT", "unknown option" },
		{ "-A POSTROUTING -j ACCEPT -j ACCEPT", "duplicate option" },
		{ "-A POSTROUTING -s 1.1.1.1 --source 2.2.2.2 -j ACCEPT",
		  "duplicate option" },
		{ "-A POSTROUTING -p tcp -p udp -j ACCEPT", "duplicate option" },
		{ "-A POSTROUTING ! -j ACCEPT", "option cannot be negated" },
		{ "-A POSTROUTING -j ACCEPT !", "'!' without an option" },
		{ "-A POSTROUTING ! ! -s 1.1.1.1 -j ACCEPT", "unknown option" },
		{ "-A POSTROUTING -s 1.2.3.4x -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s 256.1.1.1 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s 1.2.3 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s 1.2.3.4.5 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s 1..2.3 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s -1.2.3.4 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s +1.2.3.4 -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s host.example -j ACCEPT", "bad address" },
		{ "-A POSTROUTING -s 99999999999999999999.1.1.1 -j ACCEPT",
		  "bad address" },
		{ "-A POSTROUTING -s 1.2.3.4/33 -j ACCEPT", "bad mask" },
		{ "-A POSTROUTING -s 1.2.3.4/ -j ACCEPT", "bad mask" },
		{ "-A POSTROUTING -s 1.2.3.4/2x -j ACCEPT", "bad mask" },
		{ "-A POSTROUTING -s 1.2.3.4/255.255.0 -j ACCEPT", "bad mask" },
		{ "-A POSTROUTING -s 1.2.3.4/8/8 -j ACCEPT", "bad mask" },
		{ "-A POSTROUTING -j SNAT", "missing --to-source" },
		{ "-A PREROUTING -j DNAT", "missing --to-destination" },
		{ "-A PREROUTING -j CT", "missing --helper" },
		{ "-A PREROUTING -j SNAT --to-source 1.2.3.4",
		  "target not allowed in this chain" },
		{ "-A OUTPUT -j MASQUERADE", "target not allowed in this chain" },
		{ "-A POSTROUTING -j DNAT --to-destination 1.2.3.4",
		  "target not allowed in this chain" },
		{ "-A INPUT -j REDIRECT", "target not allowed in this chain" },
		{ "-A POSTROUTING -j CT --helper ftp",
		  "target not allowed in this chain" },
		{ "-A POSTROUTING -i eth0 -j ACCEPT",
		  "-i not allowed in this chain" },
		{ "-A OUTPUT -i eth0 -j ACCEPT", "-i not allowed in this chain" },
		{ "-A PREROUTING -o eth0 -j ACCEPT",
		  "-o not allowed in this chain" },
		{ "-A INPUT -o eth0 -j ACCEPT", "-o not allowed in this chain" },
		{ "-A POSTROUTING -j SNAT --to-source 1.2.3.5-1.2.3.4",
		  "address range reversed" },
		{ "-A POSTROUTING -j SNAT --to-source 1.2.3.4-",
		  "bad address" },
		{ "-A POSTROUTING -j SNAT --to-source -1.2.3.4",
		  "bad address" },
		{ "-A POSTROUTING -j SNAT --to-source :1000", "bad address" },
		{ "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:",
		  "bad port" },
		{ "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:2000-1000",
		  "port range reversed" },
		{ "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:0",
		  "port 0 not allowed" },
		{ "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:65536",
		  "port out of range" },
		{ "-A POSTROUTING -p tcp --dport 90:80 -j ACCEPT",
		  "port range reversed" },
		{ "-A POSTROUTING -p tcp --dport 0 -j ACCEPT",
		  "port 0 not allowed" },
		{ "-A POSTROUTING -p tcp --sport 0:10 -j ACCEPT",
		  "port 0 not allowed" },
		{ "-A POSTROUTING -p tcp --dport 65536 -j ACCEPT",
		  "port out of range" },
		{ "-A POSTROUTING -p tcp --dport 99999999999999999999 -j ACCEPT",
		  "port out of range" },
		{ "-A POSTROUTING -p tcp --dport 8x -j ACCEPT", "bad port" },
		{ "-A POSTROUTING -p tcp --dport :80 -j ACCEPT", "bad port" },
		{ "-A POSTROUTING -p tcp --dport 80: -j ACCEPT", "bad port" },
		{ "-A POSTROUTING -p tcp --dport 80-90 -j ACCEPT", "bad port" },
		{ "-A POSTROUTING -p tcp --dport -80 -j ACCEPT", "bad port" },
		{ "-A POSTROUTING -p tcp --dport 1:2:3 -j ACCEPT", "bad port" },
		{ "-A POSTROUTING --dport 80 -j ACCEPT",
		  "option --dport needs -p tcp or udp" },
		{ "-A POSTROUTING -p icmp --sport 80 -j ACCEPT",
		  "option --sport needs -p tcp or udp" },
		{ "-A POSTROUTING ! -p tcp --dport 80 -j ACCEPT",
		  "option --dport needs -p tcp or udp" },
		{ "-A POSTROUTING -p all --dport 80 -j ACCEPT",
		  "option --dport needs -p tcp or udp" },
		{ "-A POSTROUTING -j SNAT --to-source 1.2.3.4:1000",
		  "ports in --to-source need -p tcp or udp" },
		{ "-A PREROUTING -p icmp -j DNAT --to-destination 1.2.3.4:99",
		  "ports in --to-destination need -p tcp or udp" },
		{ "-A POSTROUTING -j MASQUERADE --to-ports 1000",
		  "option --to-ports needs -p tcp or udp" },
		{ "-A PREROUTING -p tcp -j REDIRECT --to-ports 0",
		  "port 0 not allowed" },
		{ "-A PREROUTING -p tcp -j REDIRECT --to-ports 2-1",
		  "port range reversed" },
		{ "-A PREROUTING -p tcp -j REDIRECT --to-ports 1:2",
		  "bad port" },
		{ "-A POSTROUTING -j MASQUERADE --to-source 1.2.3.4",
		  "--to-source needs -j SNAT" },
		{ "-A PREROUTING -j REDIRECT --to-destination 1.2.3.4",
		  "--to-destination needs -j DNAT" },
		{ "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4 --to-ports 5",
		  "--to-ports needs -j MASQUERADE or REDIRECT" },
		{ "-A POSTROUTING -j ACCEPT --random",
		  "--random needs a NAT target" },
		{ "-A PREROUTING -j CT --helper ftp --random",
		  "--random needs a NAT target" },
		{ "-A PREROUTING -j ACCEPT --helper ftp",
		  "--helper needs -j CT" },
		{ "-A PREROUTING -j CT --helper FTP", "bad helper name" },
		{ "-A PREROUTING -j CT --helper ftp.x", "bad helper name" },
		{ "-A PREROUTING -j CT --helper abcdefghijklmnop",
		  "bad helper name" },
		{ "-A PREROUTING -j CT --helper ftp",
		  "--helper needs -p, not negated" },
		{ "-A PREROUTING ! -p tcp -j CT --helper ftp",
		  "--helper needs -p, not negated" },
		{ "-A PREROUTING -i abcdefghijklmnop -j ACCEPT",
		  "bad interface name" },
		{ "-A PREROUTING -i eth/0 -j ACCEPT", "bad interface name" },
		{ "-A PREROUTING -i eth0:1 -j ACCEPT", "bad interface name" },
		{ "-A PREROUTING -i .. -j ACCEPT", "bad interface name" },
		{ "-A PREROUTING -p foo -j ACCEPT", "unknown protocol" },
		{ "-A PREROUTING -p 256 -j ACCEPT", "unknown protocol" },
		{ "-A PREROUTING -p 6x -j ACCEPT", "unknown protocol" },
		{ "-A PREROUTING ! -p all -j ACCEPT", "! -p all matches nothing" },
		{ "-A PREROUTING -j ACCEPT\x01", "unexpected character" },
		{ "-A PREROUTING -j ACCEPT \x7f", "unexpected character" },
		{ "-A PREROUTING -j ACCEPT \x80", "unknown option" },
		{ "-A PREROUTING\r -j ACCEPT", "unexpected character" },
		{ "-A PREROUTING -j ACCEPT\n\n", "unexpected character" },
		{ "-A PREROUTING\n-j ACCEPT", "unexpected character" },
		{ "\x1b[31m-F", "unexpected character" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = why_of(cases[i].line);

		if (strcmp(got, cases[i].why))
			printf("#   line: %s\n", cases[i].line);
		UNIT_STREQ(got, cases[i].why);
	}
}

UNIT_TEST(line_length_and_binary)
{
	char line[ALG_NAT_LINE_MAX + 88];
	struct alg_nat_rule r;
	const char *why = "(unset)";
	u32 pos;
	size_t n;

	memset(line, ' ', sizeof(line));
	memcpy(line, "-A INPUT -j ACCEPT", 18);
	/* exactly ALG_NAT_LINE_MAX is fine, with or without a '\n' */
	UNIT_EQ(alg_nat_rule_parse(line, ALG_NAT_LINE_MAX, &r, &pos, &why),
		ALG_NAT_CMD_APPEND);
	line[ALG_NAT_LINE_MAX] = '\n';
	UNIT_EQ(alg_nat_rule_parse(line, ALG_NAT_LINE_MAX + 1, &r, &pos, &why),
		ALG_NAT_CMD_APPEND);
	line[ALG_NAT_LINE_MAX] = ' ';
	UNIT_EQ(alg_nat_rule_parse(line, ALG_NAT_LINE_MAX + 1, &r, &pos, &why),
		-EINVAL);
	UNIT_STREQ(why, "line too long");
	UNIT_EQ(alg_nat_rule_parse(line, sizeof(line), &r, &pos, &why),
		-EINVAL);
	UNIT_STREQ(why, "line too long");

	/* a NUL inside the given length is binary, not an end */
	n = strlen("-A INPUT -j ACCEPT");
	line[n] = '\0';
	why = "(unset)";
	UNIT_EQ(alg_nat_rule_parse(line, n + 3, &r, &pos, &why), -EINVAL);
	UNIT_STREQ(why, "unexpected character");
	UNIT_EQ(r.target, ALG_NAT_TGT_NONE);	/* cleared on error */

	/* the line is not NUL-terminated: only len bytes count */
	memcpy(line, "-A INPUT -j ACCEPTXYZ", 21);
	UNIT_EQ(alg_nat_rule_parse(line, n, &r, &pos, &why),
		ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.target, ALG_NAT_TGT_ACCEPT);
	memcpy(line, "-A INPUT -s 1.2.3.45", 20);
	UNIT_EQ(alg_nat_rule_parse(line, 19, &r, &pos, &why), -EINVAL);
	UNIT_STREQ(why, "missing -j target");

	/* NULL why and pos are allowed */
	UNIT_EQ(alg_nat_rule_parse("-F x", 4, &r, NULL, NULL), -EINVAL);
	UNIT_EQ(alg_nat_rule_parse("-D INPUT 4", 10, &r, NULL, NULL),
		ALG_NAT_CMD_DELETE_NUM);
}

UNIT_TEST(accepted_forms)
{
	struct alg_nat_rule r;
	u32 pos;

	/* leading zeros are decimal, not octal */
	UNIT_EQ(parse("-A POSTROUTING -s 010.001.0.0/016 -p 06 --dport 08 -j ACCEPT",
		      &r, &pos, NULL), ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.src, ip(10, 1, 0, 0));
	UNIT_EQ(r.src_mask, ip(255, 255, 0, 0));
	UNIT_EQ(r.proto, 6);
	UNIT_EQ(r.dport_lo, 8);
	/* protocol names in any case, tabs as separators */
	UNIT_EQ(parse("-A\tPREROUTING\t-p\tUDP\t--sport\t1:65535\t-j\tACCEPT",
		      &r, &pos, NULL), ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.proto, 17);
	UNIT_EQ(r.sport_lo, 1);
	UNIT_EQ(r.sport_hi, 65535);
	/* target options may come before -j, matches after it */
	UNIT_EQ(parse("-A POSTROUTING --random -j MASQUERADE -o ppp0",
		      &r, &pos, NULL), ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.tflags, ALG_NAT_T_RANDOM);
	UNIT_STREQ(r.out_if, "ppp0");
	/* -p all is no protocol match at all */
	UNIT_EQ(parse("-A INPUT -p all -j ACCEPT", &r, &pos, NULL),
		ALG_NAT_CMD_APPEND);
	UNIT_EQ(r.match, 0);
	UNIT_STREQ(fmt(&r), "-A INPUT -j ACCEPT");
	/* 15 characters fit in IFNAMSIZ */
	UNIT_EQ(parse("-A PREROUTING -i abcdefghijklmno -j ACCEPT", &r, &pos,
		      NULL), ALG_NAT_CMD_APPEND);
	UNIT_STREQ(r.in_if, "abcdefghijklmno");
	UNIT_EQ(parse("-A PREROUTING -p udp -j CT --helper a-b_c9", &r, &pos,
		      NULL), ALG_NAT_CMD_APPEND);
	UNIT_STREQ(r.helper, "a-b_c9");
	/* MASQUERADE and REDIRECT need no options */
	UNIT_EQ(parse("-A POSTROUTING -j MASQUERADE", &r, &pos, NULL),
		ALG_NAT_CMD_APPEND);
	/* but not in INPUT, which has no out interface to take it from */
	UNIT_EQ(parse("-A INPUT -j MASQUERADE", &r, &pos, NULL), -EINVAL);
	UNIT_EQ(parse("-A OUTPUT -j REDIRECT", &r, &pos, NULL),
		ALG_NAT_CMD_APPEND);
}

/* parse, print, compare with the canonical text, parse that again */
static void round_trip(const char *in, const char *canon)
{
	struct alg_nat_rule r, r2;
	const char *why = "";
	char out[1024];
	u32 pos;
	int ret, n;

	ret = parse(in, &r, &pos, &why);
	if (ret < 0)
		printf("#   %s: %s\n", in, why);
	UNIT_CHECK(ret == ALG_NAT_CMD_APPEND || ret == ALG_NAT_CMD_INSERT ||
		   ret == ALG_NAT_CMD_DELETE_SPEC);
	n = alg_nat_rule_format(&r, out, sizeof(out));
	UNIT_EQ(n, strlen(out));
	UNIT_STREQ(out, canon);
	UNIT_EQ(alg_nat_rule_parse(out, n, &r2, &pos, &why),
		ALG_NAT_CMD_APPEND);
	UNIT_CHECK(alg_nat_rule_equal(&r, &r2));
}

UNIT_TEST(round_trip)
{
	/* what was written, then how it is printed */
	static const char *const cases[][2] = {
		{
			"-A POSTROUTING -j MASQUERADE",
			"-A POSTROUTING -j MASQUERADE",
		}, {
			"-I POSTROUTING 2 -p udp -o eth1 -j MASQUERADE --to-ports 1000-2000 --random",
			"-A POSTROUTING -o eth1 -p udp -j MASQUERADE --to-ports 1000-2000 --random",
		}, {
			"-D PREROUTING -p tcp -d 192.168.0.1 --dport 21 -i eth0 -j DNAT --to-destination 10.0.0.2:2121",
			"-A PREROUTING -d 192.168.0.1 -i eth0 -p tcp --dport 21 -j DNAT --to-destination 10.0.0.2:2121",
		}, {
			"-A PREROUTING -p tcp --dport 21 -j CT --helper ftp",
			"-A PREROUTING -p tcp --dport 21 -j CT --helper ftp",
		}, {
			"-A OUTPUT -p tcp --dport 80:88 -j REDIRECT --to-ports 3128",
			"-A OUTPUT -p tcp --dport 80:88 -j REDIRECT --to-ports 3128",
		}, {
			"-A INPUT -s 1.2.3.4/32 -d 0.0.0.0/0 -j SNAT --to-source 5.6.7.8-5.6.7.8",
			"-A INPUT -s 1.2.3.4 -d 0.0.0.0/0 -j SNAT --to-source 5.6.7.8",
		}, {
			"-A PREROUTING -s 10.9.8.7/255.0.255.0 -j ACCEPT",
			"-A PREROUTING -s 10.0.8.0/255.0.255.0 -j ACCEPT",
		}, {
			"-A PREROUTING -s 10.9.8.7/255.255.128.0 -j ACCEPT",
			"-A PREROUTING -s 10.9.0.0/17 -j ACCEPT",
		}, {
			"-A PREROUTING ! -s 10.0.0.0/8 ! -d 1.1.1.1 ! -i eth+ ! -p tcp -j ACCEPT",
			"-A PREROUTING ! -s 10.0.0.0/8 ! -d 1.1.1.1 ! -i eth+ ! -p tcp -j ACCEPT",
		}, {
			"-A POSTROUTING -p udp ! --sport 53 ! --dport 1:1023 ! -o lo -j SNAT --to-source 9.9.9.9-9.9.9.10:1-65535",
			"-A POSTROUTING ! -o lo -p udp ! --sport 53 ! --dport 1:1023 -j SNAT --to-source 9.9.9.9-9.9.9.10:1-65535",
		}, {
			"-A PREROUTING -p 47 -j DNAT --to-destination 1.1.1.1 --random",
			"-A PREROUTING -p 47 -j DNAT --to-destination 1.1.1.1 --random",
		}, {
			"-A PREROUTING -p 6 --sport 5 -j ACCEPT",
			"-A PREROUTING -p tcp --sport 5 -j ACCEPT",
		}, {
			"-A PREROUTING -p ICMP -j ACCEPT",
			"-A PREROUTING -p icmp -j ACCEPT",
		},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		round_trip(cases[i][0], cases[i][1]);
}

/* What iptables-save -t nat (1.8.9, legacy and nft) writes, as it writes it. */
UNIT_TEST(iptables_save_forms)
{
	static const char *const cases[][2] = {
		{
			"-A PREROUTING -d 192.0.2.1/32 -i eth0 -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.0.1.2:22",
			"-A PREROUTING -d 192.0.2.1 -i eth0 -p tcp --dport 2222 -j DNAT --to-destination 10.0.1.2:22",
		}, {
			"-A PREROUTING -p udp -m udp ! --sport 53 -j ACCEPT",
			"-A PREROUTING -p udp ! --sport 53 -j ACCEPT",
		}, {
			"-A PREROUTING -p tcp -m multiport --dports 80,443,8000:8080 -j DNAT --to-destination 10.0.1.3",
			"-A PREROUTING -p tcp -m multiport --dports 80,443,8000:8080 -j DNAT --to-destination 10.0.1.3",
		}, {
			"-A POSTROUTING -p udp -m multiport ! --sports 1:1023 -j MASQUERADE",
			"-A POSTROUTING -p udp -m multiport ! --sports 1:1023 -j MASQUERADE",
		}, {
			"-A POSTROUTING -s 10.0.1.0/24 -o eth1 -m comment --comment \"lan to wan\" -j MASQUERADE --random-fully",
			"-A POSTROUTING -s 10.0.1.0/24 -o eth1 -m comment --comment \"lan to wan\" -j MASQUERADE --random-fully",
		}, {
			"-A POSTROUTING -m comment --comment lan_out-1 -j SNAT --to-source 192.0.2.1-192.0.2.4 --persistent",
			"-A POSTROUTING -m comment --comment lan_out-1 -j SNAT --to-source 192.0.2.1-192.0.2.4 --persistent",
		}, {
			"-A PREROUTING -m comment --comment \"say \\\"hi\\\" \\\\ it's\" -j ACCEPT",
			"-A PREROUTING -m comment --comment \"say \\\"hi\\\" \\\\ it\\'s\" -j ACCEPT",
		}, {
			/* iptables-restore joins quoted pieces into one word */
			"-A PREROUTING -m comment --comment a\"b c\"d -j ACCEPT",
			"-A PREROUTING -m comment --comment \"ab cd\" -j ACCEPT",
		}, {
			"-A PREROUTING -m comment --comment \"caf\xc3\xa9\" -j ACCEPT",
			"-A PREROUTING -m comment --comment \"caf\xc3\xa9\" -j ACCEPT",
		}, {
			/* An option without a value right after a quoted one
			 * (the fuzzer found it refused as quoted). */
			"-A POSTROUTING -j MASQUERADE -m comment --comment \"a b\" --random",
			"-A POSTROUTING -m comment --comment \"a b\" -j MASQUERADE --random",
		}, {
			"-A PREROUTING -p tcp -m tcp --sport 1024:65535 --dport 80 -m multiport --sports 1,2 -j ACCEPT",
			"-A PREROUTING -p tcp --sport 1024:65535 --dport 80 -m multiport --sports 1,2 -j ACCEPT",
		}, {
			"-A PREROUTING -p icmp -m icmp -j ACCEPT",
			"-A PREROUTING -p icmp -j ACCEPT",
		}, {
			"-A PREROUTING -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT",
			"-A PREROUTING -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT",
		}, {
			"-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.3 --random --persistent",
			"-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.3 --random --persistent",
		},
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "-A PREROUTING -m tcp -j ACCEPT", "-m tcp/udp/icmp needs the same -p, not negated" },
		{ "-A PREROUTING -p udp -m tcp --dport 1 -j ACCEPT", "-m tcp/udp/icmp needs the same -p, not negated" },
		{ "-A PREROUTING ! -p tcp -m tcp -j ACCEPT", "-m tcp/udp/icmp needs the same -p, not negated" },
		{ "-A PREROUTING -p tcp -m tcp -m tcp -j ACCEPT", "duplicate -m" },
		{ "-A PREROUTING -p tcp -m state --state NEW -j ACCEPT", "unsupported -m match (known: tcp udp icmp multiport comment)" },
		{ "-A PREROUTING -p tcp --dports 80 -j ACCEPT", "--sports and --dports need -m multiport" },
		{ "-A PREROUTING -p tcp -m multiport -j ACCEPT", "-m multiport needs --sports or --dports" },
		{ "-A PREROUTING -m multiport --dports 80 -j ACCEPT", "-m multiport needs -p tcp or udp" },
		{ "-A PREROUTING -p tcp -m multiport --dports 80 --sports 1 -j ACCEPT", "one multiport match per rule" },
		{ "-A PREROUTING -p tcp -m multiport --ports 80 -j ACCEPT", "multiport --ports (either direction) is not supported" },
		{ "-A PREROUTING -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT", "too many ports in a multiport list" },
		{ "-A PREROUTING -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16 -j ACCEPT", "too many ports in a multiport list" },
		{ "-A PREROUTING -p tcp -m multiport --dports 80,,81 -j ACCEPT", "bad port" },
		{ "-A PREROUTING -p tcp -m multiport --dports 80, -j ACCEPT", "bad port" },
		{ "-A PREROUTING -p tcp -m multiport --dports 9:8 -j ACCEPT", "port range reversed" },
		{ "-A PREROUTING -p tcp -m multiport --dports 0 -j ACCEPT", "port 0 not allowed" },
		{ "-A PREROUTING --comment x -j ACCEPT", "--comment needs -m comment" },
		{ "-A PREROUTING -m comment -j ACCEPT", "-m comment needs --comment" },
		{ "-A PREROUTING -m comment --comment \"open -j ACCEPT", "unterminated quote" },
		{ "-A PREROUTING -m comment --comment \"\" -j ACCEPT", "empty --comment" },
		{ "-A PREROUTING -s \"1.2.3.4\" -j ACCEPT", "quotes are only taken in --comment" },
		{ "-A PREROUTING -j MASQUERADE --random-fully", "target not allowed in this chain" },
		{ "-A PREROUTING -j DNAT --to-destination 1.1.1.1 --random-fully", "--random-fully needs -j SNAT or MASQUERADE" },
		{ "-A POSTROUTING -j MASQUERADE --persistent", "--persistent needs -j SNAT or DNAT" },
		{ ":FORWARD ACCEPT [0:0]", "unknown chain" },
		{ ":PREROUTING DROP [0:0]", "only policy ACCEPT is supported" },
		{ ":MYCHAIN - [0:0]", "user-defined chains are not supported" },
		{ ":PREROUTING", "missing chain policy" },
		{ ":PREROUTING ACCEPT [0:x]", "bad chain counters" },
		{ ":PREROUTING ACCEPT 0:0", "bad chain counters" },
		{ ":PREROUTING ACCEPT [0:0] x", "trailing garbage" },
	};
	char comment[400];
	struct alg_nat_rule r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		round_trip(cases[i][0], cases[i][1]);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *got = why_of(bad[i].line);

		if (strcmp(got, bad[i].why))
			printf("#   line: %s\n", bad[i].line);
		UNIT_STREQ(got, bad[i].why);
	}

	UNIT_EQ(parse(":POSTROUTING ACCEPT [12:3456]", &r, NULL, NULL),
		ALG_NAT_CMD_POLICY);
	UNIT_EQ(r.chain, ALG_NAT_CHAIN_POSTROUTING);
	UNIT_EQ(parse(":INPUT ACCEPT", &r, NULL, NULL), ALG_NAT_CMD_POLICY);
	UNIT_EQ(parse(":OUTPUT ACCEPT [18446744073709551615:1]", &r, NULL, NULL),
		ALG_NAT_CMD_POLICY);

	/* 255 bytes of comment are kept, 256 refused */
	strcpy(comment, "-A INPUT -m comment --comment ");
	memset(comment + strlen(comment), 'c', 255);
	strcpy(comment + 30 + 255, " -j ACCEPT");
	UNIT_EQ(parse(comment, &r, NULL, NULL), ALG_NAT_CMD_APPEND);
	UNIT_EQ(strlen(r.comment), 255);
	memset(comment + 30, 'c', 256);
	strcpy(comment + 30 + 256, " -j ACCEPT");
	UNIT_STREQ(why_of(comment), "comment longer than 255 characters");
}

UNIT_TEST(format_truncates_like_snprintf)
{
	struct alg_nat_rule r;
	char buf[16];
	const char *full = "-A INPUT -s 1.2.3.4 -j ACCEPT";
	int n;

	UNIT_EQ(parse(full, &r, NULL, NULL), ALG_NAT_CMD_APPEND);
	memset(buf, 'x', sizeof(buf));
	n = alg_nat_rule_format(&r, buf, sizeof(buf));
	UNIT_EQ(n, strlen(full));
	UNIT_EQ(strlen(buf), sizeof(buf) - 1);
	UNIT_CHECK(!strncmp(buf, full, sizeof(buf) - 1));
	UNIT_EQ(alg_nat_rule_format(&r, NULL, 0), strlen(full));
	buf[0] = 'x';
	UNIT_EQ(alg_nat_rule_format(&r, buf, 1), strlen(full));
	UNIT_EQ(buf[0], '\0');
}

UNIT_TEST(equal_compares_every_part)
{
	static const char *const lines[] = {
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4",
		"-A INPUT -p tcp -j SNAT --to-source 1.2.3.4",
		"-A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4",
		"-A POSTROUTING ! -p tcp -j SNAT --to-source 1.2.3.4",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.5",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4-1.2.3.5",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:5",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4 --random",
		"-A POSTROUTING -p tcp -j MASQUERADE",
		"-A POSTROUTING -p tcp -j ACCEPT",
		"-A POSTROUTING -s 1.0.0.0/8 -p tcp -j ACCEPT",
		"-A POSTROUTING -s 1.0.0.0/9 -p tcp -j ACCEPT",
		"-A POSTROUTING -d 1.0.0.0/8 -p tcp -j ACCEPT",
		"-A POSTROUTING -o eth0 -p tcp -j ACCEPT",
		"-A POSTROUTING -o eth1 -p tcp -j ACCEPT",
		"-A POSTROUTING -p tcp --sport 1 -j ACCEPT",
		"-A POSTROUTING -p tcp --dport 1 -j ACCEPT",
		"-A POSTROUTING -p tcp --dport 1:2 -j ACCEPT",
		"-A PREROUTING -p tcp -j CT --helper ftp",
		"-A PREROUTING -p tcp -j CT --helper tftp",
		"-A POSTROUTING -p tcp -m multiport --dports 1 -j ACCEPT",
		"-A POSTROUTING -p tcp -m multiport --sports 1 -j ACCEPT",
		"-A POSTROUTING -p tcp -m multiport ! --sports 1 -j ACCEPT",
		"-A POSTROUTING -p tcp -m multiport --sports 1,2 -j ACCEPT",
		"-A POSTROUTING -p tcp -m multiport --sports 1:2 -j ACCEPT",
		"-A POSTROUTING -p tcp -m comment --comment a -j ACCEPT",
		"-A POSTROUTING -p tcp -m comment --comment b -j ACCEPT",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4 --random-fully",
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4 --persistent",
	};
	struct alg_nat_rule a, b;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		UNIT_CHECK(parse(lines[i], &a, NULL, NULL) > 0);
		for (j = 0; j < ARRAY_SIZE(lines); j++) {
			UNIT_CHECK(parse(lines[j], &b, NULL, NULL) > 0);
			UNIT_EQ(alg_nat_rule_equal(&a, &b), i == j);
		}
	}
	/* the same rule spelt differently is equal */
	parse("-A POSTROUTING -s 1.2.3.4/24 -p TCP -j ACCEPT", &a, NULL, NULL);
	parse("--append POSTROUTING --protocol 6 --source 1.2.3.0/255.255.255.0 --jump ACCEPT",
	      &b, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_equal(&a, &b));
}

UNIT_TEST(match)
{
	struct alg_nat_rule r;
	__be32 in = ip(10, 0, 0, 5), out = ip(10, 0, 1, 5), far = ip(8, 8, 8, 8);

	parse("-A POSTROUTING -s 10.0.0.0/24 -o eth+ -p tcp --dport 80:90 -j MASQUERADE",
	      &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, in, far, 6, 1234, 80, NULL, "eth0"));
	UNIT_CHECK(alg_nat_rule_match(&r, in, far, 6, 1234, 90, "x", "eth"));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, far, 6, 1234, 91, NULL, "eth0"));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, far, 6, 1234, 79, NULL, "eth0"));
	UNIT_CHECK(!alg_nat_rule_match(&r, out, far, 6, 1234, 80, NULL, "eth0"));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, far, 17, 1234, 80, NULL, "eth0"));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, far, 6, 1234, 80, NULL, "et0"));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, far, 6, 1234, 80, NULL, NULL));

	parse("-A PREROUTING ! -s 10.0.0.0/24 ! -i eth0 -p udp ! --sport 53 -j ACCEPT",
	      &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 17, 54, 1, "eth1", NULL));
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 17, 54, 1, NULL, NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 17, 53, 1, "eth1", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, in, in, 17, 54, 1, "eth1", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 17, 54, 1, "eth0", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 6, 54, 1, "eth1", NULL));

	parse("-A PREROUTING ! -p icmp ! -d 1.2.3.4 -j ACCEPT", &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 6, 0, 0, "a", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 1, 0, 0, "a", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, ip(1, 2, 3, 4), 6, 0, 0, "a",
				       NULL));

	/* no matches: everything matches */
	parse("-A INPUT -j ACCEPT", &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, 0, 0, 0, 0, 0, NULL, NULL));
	/* "+" alone matches any interface, but not none */
	parse("-A INPUT -i + -j ACCEPT", &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, 0, 0, 0, 0, 0, "anything", NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, 0, 0, 0, 0, 0, NULL, NULL));
	/* multiport: any entry of the list, on the side it names */
	parse("-A PREROUTING -p tcp -m multiport --dports 80,8000:8010 -j ACCEPT",
	      &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 6, 5, 80, NULL, NULL));
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 6, 5, 8005, NULL, NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 6, 80, 81, NULL, NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 6, 5, 8011, NULL, NULL));
	parse("-A PREROUTING -p udp -m multiport ! --sports 53,123 -j ACCEPT",
	      &r, NULL, NULL);
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 17, 123, 9, NULL, NULL));
	UNIT_CHECK(alg_nat_rule_match(&r, far, in, 17, 124, 53, NULL, NULL));
	UNIT_CHECK(!alg_nat_rule_match(&r, far, in, 6, 124, 53, NULL, NULL));
	/* a comment matches nothing by itself */
	parse("-A INPUT -m comment --comment x -j ACCEPT", &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, 0, 0, 0, 0, 0, NULL, NULL));
	/* /0 matches every address */
	parse("-A INPUT -s 1.2.3.4/0 -j ACCEPT", &r, NULL, NULL);
	UNIT_CHECK(alg_nat_rule_match(&r, far, 0, 0, 0, 0, NULL, NULL));
}

UNIT_TEST(names)
{
	UNIT_STREQ(alg_nat_chain_name(ALG_NAT_CHAIN_OUTPUT), "OUTPUT");
	UNIT_STREQ(alg_nat_chain_name(ALG_NAT_CHAIN_ALL), "?");
	UNIT_STREQ(alg_nat_target_name(ALG_NAT_TGT_MASQUERADE), "MASQUERADE");
	UNIT_STREQ(alg_nat_target_name(ALG_NAT_NTARGETS), "?");
}

int main(void)
{
	return unit_run();
}
