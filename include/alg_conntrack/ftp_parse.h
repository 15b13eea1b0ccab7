/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FTP control stream as the FTP helper sees it: cutting TCP payload
 * into lines, finding the four ways an endpoint announces a data address
 * (PORT, EPRT, 227 and 229 replies) and printing the replacement text NAT
 * writes over them. Pure, so the unit tests and the fuzzer can drive it.
 *
 * Spans: each match reports the part of the line that NAT rewrites, always
 * from the first to the last byte that encodes the address or port:
 *	PORT h1,h2,h3,h4,p1,p2		"h1,h2,h3,h4,p1,p2"
 *	227 ... (h1,h2,h3,h4,p1,p2).	"h1,h2,h3,h4,p1,p2" (not the brackets)
 *	EPRT |1|a.b.c.d|port|		"|1|a.b.c.d|port|" (both delimiters)
 *	229 ... (|||port|)		"|||port|" (not the brackets)
 * The delimited forms include their delimiters so alg_ftp_format() can
 * always write '|', whatever delimiter the peer chose.
 */
#ifndef _ALG_FTP_PARSE_H
#define _ALG_FTP_PARSE_H

#include "alg_conntrack/compat.h"

/* Longest line carried across segments; longer lines are skipped. */
#define ALG_FTP_LINE_MAX	256
/* Leading zeros are fine, but a number may have at most this many digits. */
#define ALG_FTP_DIGITS_MAX	10

enum alg_ftp_kind {
	ALG_FTP_NONE,
	ALG_FTP_PORT,		/* client: PORT h1,h2,h3,h4,p1,p2 */
	ALG_FTP_EPRT,		/* client: EPRT |1|a.b.c.d|port| (RFC 2428) */
	ALG_FTP_PASV227,	/* server: 227 ... h1,h2,h3,h4,p1,p2 */
	ALG_FTP_EPSV229,	/* server: 229 ... (|||port|) (RFC 2428) */
};

/* One address/port text parsed from the start of a buffer. */
struct alg_ftp_addr {
	__be32 addr;	/* 0 for the 229 form, which carries none */
	u16 port;	/* host order, never 0 */
	u16 len;	/* bytes of the span, from the start of the buffer */
};

struct alg_ftp_match {
	enum alg_ftp_kind kind;
	__be32 addr;	/* 0 for ALG_FTP_EPSV229 */
	u16 port;	/* host order, never 0 */
	u32 off;	/* span start, from the start of the line */
	u32 len;	/* span length */
};

/*
 * Each parses exactly one form starting at s[0] and stops right after the
 * span; what may follow is the caller's business. 0 on success, -EINVAL
 * for anything malformed: a number above 255 (above 65535 for the delimited
 * port), port 0, more than ALG_FTP_DIGITS_MAX digits, a missing separator.
 * alg_ftp_parse_port():	"h1,h2,h3,h4,p1,p2" (PORT argument, 227 text)
 * alg_ftp_parse_eprt():	"<d>1<d>a.b.c.d<d>port<d>", <d> any of ASCII
 *				33..126 but digits and '.'; net-prt 2 (IPv6)
 *				gives -EAFNOSUPPORT
 * alg_ftp_parse_epsv():	"<d><d><d>port<d>", <d> as above
 */
int alg_ftp_parse_port(const char *s, size_t len, struct alg_ftp_addr *out);
int alg_ftp_parse_eprt(const char *s, size_t len, struct alg_ftp_addr *out);
int alg_ftp_parse_epsv(const char *s, size_t len, struct alg_ftp_addr *out);

/*
 * One complete line, without its line end, that begins at a line start.
 * From the client: "PORT " and "EPRT " in any case, at the very start of
 * the line, then any spaces, the argument, and nothing but spaces after it.
 * From the server: "227 " and "229 " at the very start. Multi-line replies
 * ("227-...") are not matched: servers send 227/229 as one final line, and
 * a "227-" line is free text. In a 227 reply the numbers start after the
 * first '(' if there is one, else at the first digit; anything may follow
 * them. A 229 reply needs "(" before and ")" right after the span.
 *
 * Returns 1 with *m filled, 0 if the line is none of these, or a negative
 * errno if it is one of them but malformed (-EAFNOSUPPORT for EPRT |2|);
 * the caller counts that and lets the packet pass unchanged.
 */
int alg_ftp_parse_line(const char *line, size_t len, bool from_client,
		       struct alg_ftp_match *m);

/*
 * The replacement text for a span of @kind, in the span convention above,
 * always with '|' as delimiter. Like snprintf: returns the length needed
 * and NUL-terminates what fits; -EINVAL for an unknown kind.
 */
int alg_ftp_format(enum alg_ftp_kind kind, __be32 addr, u16 port, char *buf,
		   size_t size);

/*
 * Per-direction line assembler. A line split over TCP segments is carried
 * here until its '\n' arrives; lines longer than ALG_FTP_LINE_MAX bytes
 * (before the '\n') are skipped whether or not they were split, so which
 * lines come out never depends on segmentation. The caller must feed the
 * stream in order and exactly once (track the sequence number; call
 * alg_ftp_lines_reset() after a gap). Zero-initialised state is valid.
 */
struct alg_ftp_line_state {
	u16 len;		/* bytes carried in buf */
	bool overlong;		/* skipping to the next '\n' */
	char buf[ALG_FTP_LINE_MAX];
};

/*
 * A complete line, with one trailing '\r' removed. s points into the
 * segment when the whole line is in it, else into the state's buffer.
 * head is how many of its bytes came in earlier segments (already sent on
 * unchanged, so NAT cannot rewrite those); the rest of the line starts at
 * segment offset off. in_segment == (head == 0).
 */
struct alg_ftp_line {
	const char *s;
	size_t len;
	size_t head;
	size_t off;
	bool in_segment;
};

void alg_ftp_lines_reset(struct alg_ftp_line_state *st);

/*
 * Feed one segment's payload; @cb is called for each line completed in it,
 * in order. @line and its text are valid only during the call. Returns how
 * many lines were passed to @cb.
 */
unsigned int alg_ftp_lines_feed(struct alg_ftp_line_state *st,
				const char *data, size_t len,
				void (*cb)(const struct alg_ftp_line *line,
					   void *arg),
				void *arg);

/*
 * Where the match span [@off, @off + @len) of @line lies in the current
 * segment: true with *seg_off set if it is wholly in it, false if part of
 * it was in an earlier segment.
 *
 * What NAT does with a split line: conntrack always sees the line and
 * expects the data connection (with the peer's own address and port). If
 * the span is in the current segment, NAT rewrites it as usual. If not,
 * the address already left untranslated and NAT cannot fix it: it counts
 * the case and lets the packet pass, and the data connection through NAT
 * will most likely fail. To make that rarer, NAT drops a segment that
 * ends in a partial line alg_ftp_lines_pending_span() flags (restoring the
 * state saved before feeding it), as nf_conntrack_ftp drops on a partial
 * match: the sender retransmits, together with the rest once written.
 */
bool alg_ftp_line_span(const struct alg_ftp_line *line, u32 off, u32 len,
		       size_t *seg_off);

/* Whether the partial line carried in @st may become a PORT/EPRT/227/229. */
bool alg_ftp_lines_pending_cmd(const struct alg_ftp_line_state *st,
			       bool from_client);

/*
 * Whether that partial line goes on past its keyword, so that the address
 * (which only follows the keyword) may already have begun: the case NAT
 * cannot fix once the segment has left.
 */
bool alg_ftp_lines_pending_span(const struct alg_ftp_line_state *st,
				bool from_client);

#endif /* _ALG_FTP_PARSE_H */
