#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ctnl_bad.py: malformed ctnetlink requests, each of which must be answered
with an error (and none may crash the kernel or create anything).

Prints "# ok"/"# not ok" lines and exits 1 if any request was accepted.

  ctnl_bad.py fill N [BASE]   create N UDP entries (10.1.x.y:1000 ->
                              10.0.2.2:2000+) through ctnetlink, 200 requests
                              per write; prints how many were refused"""
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 1, 4, 0x200, 0x400, 0x300
CT, EXP = 1, 2
MSG_NEW, MSG_GET, MSG_DEL = 0, 1, 2
NESTED = 0x8000
AF_INET = 2
(CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_PROTOINFO, CTA_HELP, CTA_NAT_SRC,
 CTA_TIMEOUT, CTA_MARK) = range(1, 9)
CTA_ID, CTA_NAT_DST, CTA_SEQ_ADJ_ORIG, CTA_ZONE, CTA_FILTER = 12, 13, 15, 18, 25
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC = 1, 2, 3
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_EXPECT_MASTER, CTA_EXPECT_TUPLE, CTA_EXPECT_MASK = 1, 2, 3


def attr(t, data):
    ln = 4 + len(data)
    return struct.pack('=HH', ln, t) + data + b'\0' * ((4 - ln % 4) % 4)


def nest(t, *parts):
    return attr(t | NESTED, b''.join(parts))


def ip4(s):
    return socket.inet_aton(s)


def tuple_(t=CTA_TUPLE_ORIG, src='10.0.1.2', dst='10.0.2.2', proto=17, sport=7, dport=8,
           ip=None, pr=None):
    ip = ip if ip is not None else [attr(CTA_IP_V4_SRC, ip4(src)), attr(CTA_IP_V4_DST, ip4(dst))]
    pr = pr if pr is not None else [attr(CTA_PROTO_NUM, bytes([proto])),
                                    attr(CTA_PROTO_SRC_PORT, struct.pack('!H', sport)),
                                    attr(CTA_PROTO_DST_PORT, struct.pack('!H', dport))]
    return nest(t, nest(CTA_TUPLE_IP, *ip), nest(CTA_TUPLE_PROTO, *pr))


SEQ = [100]


def request(sock, subsys, msg, flags, payload, family=AF_INET, raw_len=None):
    SEQ[0] += 1
    body = struct.pack('=BBH', family, 0, 0) + payload
    ln = raw_len if raw_len is not None else 16 + len(body)
    hdr = struct.pack('=IHHII', ln, subsys << 8 | msg, NLM_F_REQUEST | NLM_F_ACK | flags,
                      SEQ[0], 0)
    sock.send(hdr + body)
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, seq, _ = struct.unpack_from('=IHHII', data, off)
            if typ == 2:  # NLMSG_ERROR
                return struct.unpack_from('=i', data, off + 16)[0]
            if typ == 3:  # NLMSG_DONE
                return 0
            off += max((ln + 3) & ~3, 16)


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.settimeout(5)
    s.bind((0, 0))
    timeout = attr(CTA_TIMEOUT, struct.pack('!I', 30))
    cases = [
        ('create with a 2-byte CTA_STATUS', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + attr(CTA_STATUS, b'\0\0')),
        ('create with a 3-byte address', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(ip=[attr(CTA_IP_V4_SRC, b'\1\2\3'), attr(CTA_IP_V4_DST, ip4('10.0.2.2'))])
         + timeout),
        ('create with the tuple not nested', CT, MSG_NEW, NLM_F_CREATE,
         attr(CTA_TUPLE_ORIG, ip4('10.0.1.2') * 4) + timeout),
        ('create with no protocol in the tuple', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(pr=[]) + timeout),
        ('create with no ports', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(pr=[attr(CTA_PROTO_NUM, b'\x11')]) + timeout),
        ('create with no addresses', CT, MSG_NEW, NLM_F_CREATE, tuple_(ip=[]) + timeout),
        ('create with an IPv6 address', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(ip=[attr(CTA_IP_V6_SRC, b'\0' * 16)]) + timeout),
        ('create in zone 7', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + attr(CTA_ZONE, struct.pack('!H', 7))),
        ('create a TCP entry without its state', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(proto=6) + timeout),
        ('create with a NAT range running backwards', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + nest(CTA_NAT_SRC, attr(1, ip4('10.0.2.9')) +
                                   attr(2, ip4('10.0.2.1')))),
        ('create with a 2-byte NAT address', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + nest(CTA_NAT_SRC, attr(1, b'\1\2'))),
        ('create with a NAT port range running backwards', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + nest(CTA_NAT_DST, attr(1, ip4('10.0.2.2')) +
                                   nest(3, attr(1, struct.pack('!H', 90)) +
                                        attr(2, struct.pack('!H', 80))))),
        ('create with an IPv6 NAT address', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + nest(CTA_NAT_SRC, attr(4, b'\0' * 16))),
        ('create with a 2-byte sequence adjustment', CT, MSG_NEW, NLM_F_CREATE,
         tuple_(proto=6) + timeout + nest(CTA_PROTOINFO, nest(1, attr(1, b'\3'))) +
         nest(CTA_SEQ_ADJ_ORIG, attr(1, b'\0\0'))),
        ('create with a huge timeout', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + attr(CTA_TIMEOUT, struct.pack('!I', 0xffffffff))),
        ('create with a helper that does not exist', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + timeout + nest(CTA_HELP, attr(1, b'nosuch\0'))),
        ('create with a reply that is not the inverse', CT, MSG_NEW, NLM_F_CREATE,
         tuple_() + tuple_(CTA_TUPLE_REPLY, '10.0.2.2', '10.0.2.1', 17, 2, 9) + timeout),
        ('get of nothing', CT, MSG_GET, 0, tuple_()),
        ('get without a tuple', CT, MSG_GET, 0, b''),
        ('update of nothing', CT, MSG_NEW, 0, tuple_() + attr(CTA_MARK, struct.pack('!I', 1))),
        ('delete of nothing', CT, MSG_DEL, 0, tuple_()),
        ('dump with a filter flag and no tuple', CT, MSG_GET, NLM_F_DUMP,
         nest(CTA_FILTER, attr(1, struct.pack('=I', 1)))),
        ('dump with unknown filter flags', CT, MSG_GET, NLM_F_DUMP,
         tuple_() + nest(CTA_FILTER, attr(1, struct.pack('=I', 1 << 20)))),
        ('delete of an expectation that does not exist', EXP, MSG_DEL, 0,
         tuple_(CTA_EXPECT_TUPLE)),
        ('create an expectation without mask or master', EXP, MSG_NEW, NLM_F_CREATE,
         tuple_(CTA_EXPECT_TUPLE)),
        ('create an expectation with a wildcard address', EXP, MSG_NEW, NLM_F_CREATE,
         tuple_(CTA_EXPECT_TUPLE) + tuple_(CTA_EXPECT_MASK, '255.255.255.255', '0.0.0.0',
                                           17, 0, 65535) +
         tuple_(CTA_EXPECT_MASTER)),
        ('an IPv6 get', CT, MSG_GET, 0, tuple_(), 10),
    ]
    bad = 0
    for c in cases:
        name, subsys, msg, flags, payload = c[:5]
        family = c[5] if len(c) > 5 else AF_INET
        err = request(s, subsys, msg, flags, payload, family)
        if err < 0:
            print('# ok - %s: %s' % (name, os.strerror(-err)))
        else:
            print('# not ok - %s: accepted' % name)
            bad += 1
    # A dump must still work after all that, and find the table empty.
    err = request(s, CT, MSG_GET, NLM_F_DUMP, b'')
    print('# %s - a dump afterwards works (%d)' % ('ok' if err == 0 else 'not ok', err))
    return 1 if bad or err else 0


def fill(n, base):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, 0))
    s.setblocking(False)
    timeout = attr(CTA_TIMEOUT, struct.pack('!I', 600))
    refused = 0
    batch = []
    for i in range(base, base + n):
        src = '10.%d.%d.%d' % (1 + (i >> 16), (i >> 8) & 255, i & 255)
        body = struct.pack('=BBH', AF_INET, 0, 0) + tuple_(src=src, sport=1000, dport=2000) + timeout
        hdr = struct.pack('=IHHII', 16 + len(body), CT << 8 | MSG_NEW,
                          NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, i, 0)
        batch.append(hdr + body)
        if len(batch) == 200 or i == base + n - 1:
            s.send(b''.join(batch))
            batch = []
            try:
                while True:
                    data = s.recv(65536)
                    off = 0
                    while off + 16 <= len(data):
                        ln, typ = struct.unpack_from('=IH', data, off)
                        refused += typ == 2
                        off += max((ln + 3) & ~3, 16)
            except BlockingIOError:
                pass
    print('refused %d' % refused)
    return 0


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == 'fill':
        sys.exit(fill(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0))
    sys.exit(main())
