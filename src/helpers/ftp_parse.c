// SPDX-License-Identifier: GPL-2.0
/*
 * FTP control stream parsing, after the forms nf_conntrack_ftp knows but
 * stricter: out-of-range numbers are refused, never wrapped, because a
 * wrapped number would make us expect (and NAT open) some other port.
 */
#include "alg_conntrack/ftp_parse.h"

#ifndef __KERNEL__
#include <stdio.h>
#endif

static bool alg_ftp_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static char alg_ftp_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Whether the first @n bytes of @s equal those of lower-case @word. */
static bool alg_ftp_prefix_icase(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!word[i] || alg_ftp_lower(s[i]) != word[i])
			return false;
	return true;
}

static bool alg_ftp_starts_icase(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && alg_ftp_prefix_icase(s, n, word);
}

/*
 * A decimal number at s[0]: returns the digits consumed, or -EINVAL for
 * none, too many, or a value above @max. The value is checked as it
 * grows, so long digit strings cannot overflow it.
 */
static int alg_ftp_number(const char *s, size_t len, u32 max, u32 *out)
{
	u32 v = 0;
	size_t i;

	for (i = 0; i < len && alg_ftp_is_digit(s[i]); i++) {
		if (i == ALG_FTP_DIGITS_MAX)
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -EINVAL;
	}
	if (!i)
		return -EINVAL;
	*out = v;
	return i;
}

/* @n numbers up to @max separated by @sep; returns bytes used or error. */
static int alg_ftp_numbers(const char *s, size_t len, char sep, int n,
			   u32 max, u32 *v)
{
	size_t i = 0;
	int k, used;

	for (k = 0; k < n; k++) {
		if (k) {
			if (i >= len || s[i] != sep)
				return -EINVAL;
			i++;
		}
		used = alg_ftp_number(s + i, len - i, max, &v[k]);
		if (used < 0)
			return used;
		i += used;
	}
	return i;
}

static __be32 alg_ftp_quad(const u32 *v)
{
	return cpu_to_be32(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
}

int alg_ftp_parse_port(const char *s, size_t len, struct alg_ftp_addr *out)
{
	u32 v[6];
	int used;

	used = alg_ftp_numbers(s, len, ',', 6, 255, v);
	if (used < 0)
		return used;
	if (!(v[4] | v[5]))
		return -EINVAL;
	out->addr = alg_ftp_quad(v);
	out->port = v[4] << 8 | v[5];
	out->len = used;
	return 0;
}

/*
 * RFC 2428 allows ASCII 33..126; a digit or '.' as delimiter would make
 * the fields ambiguous, so those are refused.
 */
static bool alg_ftp_delim_ok(char d)
{
	return d >= 33 && d <= 126 && !alg_ftp_is_digit(d) && d != '.';
}

/* "port<d>" at s[*i]; moves *i past the delimiter. */
static int alg_ftp_delim_port(const char *s, size_t len, size_t *i, char d,
			      u16 *port)
{
	u32 v;
	int used;

	used = alg_ftp_number(s + *i, len - *i, 65535, &v);
	if (used < 0)
		return used;
	*i += used;
	if (!v || *i >= len || s[*i] != d)
		return -EINVAL;
	(*i)++;
	*port = v;
	return 0;
}

int alg_ftp_parse_eprt(const char *s, size_t len, struct alg_ftp_addr *out)
{
	size_t i = 3;
	u32 v[4];
	int used;
	char d;

	if (len < 3 || !alg_ftp_delim_ok(s[0]) || s[2] != s[0])
		return -EINVAL;
	d = s[0];
	if (s[1] == '2')
		return -EAFNOSUPPORT;
	if (s[1] != '1')
		return -EINVAL;
	used = alg_ftp_numbers(s + i, len - i, '.', 4, 255, v);
	if (used < 0)
		return used;
	i += used;
	if (i >= len || s[i] != d)
		return -EINVAL;
	i++;
	used = alg_ftp_delim_port(s, len, &i, d, &out->port);
	if (used)
		return used;
	out->addr = alg_ftp_quad(v);
	out->len = i;
	return 0;
}

int alg_ftp_parse_epsv(const char *s, size_t len, struct alg_ftp_addr *out)
{
	size_t i = 3;
	int err;

	if (len < 3 || !alg_ftp_delim_ok(s[0]) || s[1] != s[0] ||
	    s[2] != s[0])
		return -EINVAL;
	err = alg_ftp_delim_port(s, len, &i, s[0], &out->port);
	if (err)
		return err;
	out->addr = 0;
	out->len = i;
	return 0;
}

static size_t alg_ftp_skip_spaces(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* Client commands: the argument, then only spaces up to the line end. */
static int alg_ftp_parse_cmd(const char *line, size_t len,
			     struct alg_ftp_match *m, struct alg_ftp_addr *a)
{
	size_t i = alg_ftp_skip_spaces(line, len, 5);
	int err;

	if (m->kind == ALG_FTP_PORT)
		err = alg_ftp_parse_port(line + i, len - i, a);
	else
		err = alg_ftp_parse_eprt(line + i, len - i, a);
	if (err)
		return err;
	m->off = i;
	if (alg_ftp_skip_spaces(line, len, i + a->len) != len)
		return -EINVAL;
	return 0;
}

static int alg_ftp_parse_227(const char *line, size_t len,
			     struct alg_ftp_match *m, struct alg_ftp_addr *a)
{
	const char *paren = memchr(line + 4, '(', len - 4);
	size_t i;

	if (paren) {
		i = alg_ftp_skip_spaces(line, len, paren - line + 1);
	} else {
		i = 4;
		while (i < len && !alg_ftp_is_digit(line[i]))
			i++;
	}
	m->off = i;
	return alg_ftp_parse_port(line + i, len - i, a);
}

static int alg_ftp_parse_229(const char *line, size_t len,
			     struct alg_ftp_match *m, struct alg_ftp_addr *a)
{
	const char *paren = memchr(line + 4, '(', len - 4);
	size_t i;
	int err;

	if (!paren)
		return -EINVAL;
	i = paren - line + 1;
	err = alg_ftp_parse_epsv(line + i, len - i, a);
	if (err)
		return err;
	if (i + a->len >= len || line[i + a->len] != ')')
		return -EINVAL;
	m->off = i;
	return 0;
}

int alg_ftp_parse_line(const char *line, size_t len, bool from_client,
		       struct alg_ftp_match *m)
{
	struct alg_ftp_addr a;
	int err;

	memset(m, 0, sizeof(*m));
	if (from_client && alg_ftp_starts_icase(line, len, "port "))
		m->kind = ALG_FTP_PORT;
	else if (from_client && alg_ftp_starts_icase(line, len, "eprt "))
		m->kind = ALG_FTP_EPRT;
	else if (!from_client && alg_ftp_starts_icase(line, len, "227 "))
		m->kind = ALG_FTP_PASV227;
	else if (!from_client && alg_ftp_starts_icase(line, len, "229 "))
		m->kind = ALG_FTP_EPSV229;
	else
		return 0;

	if (m->kind == ALG_FTP_PASV227)
		err = alg_ftp_parse_227(line, len, m, &a);
	else if (m->kind == ALG_FTP_EPSV229)
		err = alg_ftp_parse_229(line, len, m, &a);
	else
		err = alg_ftp_parse_cmd(line, len, m, &a);
	if (err) {
		memset(m, 0, sizeof(*m));
		return err;
	}
	m->addr = a.addr;
	m->port = a.port;
	m->len = a.len;
	return 1;
}

int alg_ftp_format(enum alg_ftp_kind kind, __be32 addr, u16 port, char *buf,
		   size_t size)
{
	u32 a = be32_to_cpu(addr);
	unsigned int a0 = a >> 24, a1 = (a >> 16) & 0xff;
	unsigned int a2 = (a >> 8) & 0xff, a3 = a & 0xff;

	switch (kind) {
	case ALG_FTP_PORT:
	case ALG_FTP_PASV227:
		return snprintf(buf, size, "%u,%u,%u,%u,%u,%u", a0, a1, a2, a3,
				port >> 8, port & 0xff);
	case ALG_FTP_EPRT:
		return snprintf(buf, size, "|1|%u.%u.%u.%u|%u|", a0, a1, a2, a3,
				port);
	case ALG_FTP_EPSV229:
		return snprintf(buf, size, "|||%u|", port);
	default:
		return -EINVAL;
	}
}

void alg_ftp_lines_reset(struct alg_ftp_line_state *st)
{
	st->len = 0;
	st->overlong = false;
}

/* Carry an unterminated tail, or give up on it once it is too long. */
static void alg_ftp_lines_carry(struct alg_ftp_line_state *st,
				const char *s, size_t len)
{
	size_t room = ALG_FTP_LINE_MAX - st->len;

	if (st->overlong)
		return;
	if (len > room) {
		st->overlong = true;
		st->len = 0;
		return;
	}
	memcpy(st->buf + st->len, s, len);
	st->len += len;
}

unsigned int alg_ftp_lines_feed(struct alg_ftp_line_state *st,
				const char *data, size_t len,
				void (*cb)(const struct alg_ftp_line *line,
					   void *arg),
				void *arg)
{
	struct alg_ftp_line l;
	unsigned int n = 0;
	size_t pos = 0, piece;
	const char *nl;

	while (pos < len) {
		nl = memchr(data + pos, '\n', len - pos);
		if (!nl) {
			alg_ftp_lines_carry(st, data + pos, len - pos);
			break;
		}
		piece = nl - (data + pos);
		l.off = pos;
		pos += piece + 1;
		if (st->overlong || piece > (size_t)ALG_FTP_LINE_MAX - st->len) {
			alg_ftp_lines_reset(st);
			continue;
		}
		l.head = st->len;
		l.in_segment = !st->len;
		if (st->len) {
			memcpy(st->buf + st->len, data + l.off, piece);
			l.s = st->buf;
			l.len = st->len + piece;
			st->len = 0;
		} else {
			l.s = data + l.off;
			l.len = piece;
		}
		if (l.len && l.s[l.len - 1] == '\r')
			l.len--;
		cb(&l, arg);
		n++;
	}
	return n;
}

bool alg_ftp_line_span(const struct alg_ftp_line *line, u32 off, u32 len,
		       size_t *seg_off)
{
	if (off < line->head || off + (size_t)len > line->len)
		return false;
	*seg_off = line->off + (off - line->head);
	return true;
}

bool alg_ftp_lines_pending_cmd(const struct alg_ftp_line_state *st,
			       bool from_client)
{
	size_t n = st->len;

	if (st->overlong || !n)
		return false;
	if (from_client) {
		n = n < 5 ? n : 5;
		return alg_ftp_prefix_icase(st->buf, n, "port ") ||
		       alg_ftp_prefix_icase(st->buf, n, "eprt ");
	}
	n = n < 4 ? n : 4;
	return alg_ftp_prefix_icase(st->buf, n, "227 ") ||
	       alg_ftp_prefix_icase(st->buf, n, "229 ");
}

bool alg_ftp_lines_pending_span(const struct alg_ftp_line_state *st,
				bool from_client)
{
	return alg_ftp_lines_pending_cmd(st, from_client) &&
	       st->len > (from_client ? 5 : 4);
}
