#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pkt.py: packet and connection tools for the alg_conntrack selftests.

No dependencies beyond the Python standard library. Every subcommand takes
--ns NAME to enter the network namespace /run/netns/NAME first.

Raw packets (IPv4 header, checksums and lengths computed here, sent through
a raw socket with IP_HDRINCL):

  pkt.py tcp  --src A --dst B --sport P --dport Q [--seq N] [--ack N]
              [--flags SA] [--win N] [--payload TEXT] [--count N]
              [--bad-csum]  (the TCP checksum off by one)
  pkt.py udp  --src A --dst B --sport P --dport Q [--payload TEXT]
  pkt.py icmp-echo --src A --dst B --id N [--seq N] [--type 8]
  pkt.py icmp-unreach --src A --dst B [--code 3]
              (--quote-udp SRC:SPORT DST:DPORT | --quote-tcp SRC:SPORT DST:DPORT)

  TCP flags are letters: F S R P A U E C (e.g. "SA" for SYN/ACK, "RA").

Sockets:

  pkt.py drive [--client-ns C --server-ns S]
      Holds TCP connections whose client end lives in namespace C and whose
      server end lives in namespace S, and moves them on one step per
      command read from stdin (one reply line per command on stdout, "ok
      ..." or "err ..."). Meant to run as a bash coproc. Commands:
        listen PORT                  listening socket in S
        unlisten PORT                close it (half-open requests die)
        connect ID HOST PORT [TMO]   blocking connect from C (and accept in S);
                                     replies "ok SPORT"
        connect_nb ID HOST PORT      start a non-blocking connect; "ok SPORT"
        accept ID [TMO]              accept the server end of ID
        send ID c|s TEXT             send on the client / server end
        recv ID c|s [TMO]            "ok TEXT", "ok EOF" or "err timeout"
        echo ID [TMO]                round trip client -> server -> client
        shutdown ID c|s              shutdown(SHUT_WR): sends FIN
        close ID c|s                 close()
        rst ID c|s                   SO_LINGER 0 + close(): sends RST
        seqs ID c|s                  "ok SND_NXT RCV_NXT" (via TCP_REPAIR)
        udp ID HOST PORT             connected UDP socket in C; "ok SPORT"
                                     (then send/recv ID c ...; recv reports
                                     "err ECONNREFUSED" after an ICMP error)
        udpecho ID HOST PORT [TMO]   udp ID, one datagram answered by S
                                     (bound to PORT there); "ok SPORT"
        uagain ID [TMO]              one more datagram on udpecho ID's
                                     socket, answered by S; "ok IP:PORT":
                                     where S saw it come from
        count                        number of connections held
        ns C S                       use other client/server namespaces
        sysctl NS KEY [VALUE]        read (and first write) a sysctl of
                                     namespace NS; "ok VALUE"
        load DST DUR NTCP NUDP       traffic C -> S for DUR s: NTCP TCP echo
                                     connections to port 5000 and NUDP UDP
                                     datagrams to 5001 (S serves both), then
                                     UDP until DUR is up; errors are counted
        pkt c|s tcp|udp|icmp-echo|icmp-unreach ARGS...
                                     send a raw packet from C or S, as the
                                     subcommands above (no python start-up)
        quit
"""

import argparse
import ctypes
import errno
import os
import select
import socket
import struct
import sys
import threading
import time

CLONE_NEWNET = 0x40000000

TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCP_REPAIR_OFF_NO_WP = -1

_libc = None


def setns(name):
    """Enter a network namespace by name (/run/netns/NAME) or path."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    path = name if name.startswith('/') else '/run/netns/' + name
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, 'setns %s: %s' % (path, os.strerror(e)))
    finally:
        os.close(fd)


# ---------------------------------------------------------------- packets

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip_hdr(src, dst, proto, payload_len, ttl=64, ident=0x1234, df=True):
    total = 20 + payload_len
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, ident,
                      0x4000 if df else 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr)
    return hdr[:10] + struct.pack('!H', c) + hdr[12:]


def pseudo(src, dst, proto, length):
    return struct.pack('!4s4sBBH', socket.inet_aton(src),
                       socket.inet_aton(dst), 0, proto, length)


TCP_FLAG_BITS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08,
                 'A': 0x10, 'U': 0x20, 'E': 0x40, 'C': 0x80}


def flag_letters(s):
    """argparse type: TCP flag letters, checked, kept as a string."""
    tcp_flags(s)
    return s


def tcp_flags(s):
    v = 0
    for ch in s.upper():
        if ch not in TCP_FLAG_BITS:
            raise ValueError('bad TCP flag %r' % ch)
        v |= TCP_FLAG_BITS[ch]
    return v


def tcp_seg(src, dst, sport, dport, seq, ack, flags, win, payload=b'',
            options=b''):
    if len(options) % 4:
        options += b'\0' * (4 - len(options) % 4)
    doff = (20 + len(options)) // 4
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, doff << 4, flags, win, 0, 0) + options
    seg = hdr + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp_dgram(src, dst, sport, dport, payload=b''):
    length = 8 + len(payload)
    d = struct.pack('!HHHH', sport, dport, length, 0) + payload
    c = csum(pseudo(src, dst, 17, length) + d) or 0xffff
    return d[:6] + struct.pack('!H', c) + d[8:]


def icmp_msg(typ, code, rest, payload=b''):
    m = struct.pack('!BBH', typ, code, 0) + rest + payload
    c = csum(m)
    return m[:2] + struct.pack('!H', c) + m[4:]


def ip_packet(src, dst, proto, l4, ttl=64):
    return ip_hdr(src, dst, proto, len(l4), ttl=ttl) + l4


def raw_send(pkt, dst, count=1):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        for _ in range(count):
            s.sendto(pkt, (dst, 0))
    finally:
        s.close()


def endpoint(s):
    host, _, port = s.rpartition(':')
    return host, int(port)


def cmd_tcp(a):
    seg = tcp_seg(a.src, a.dst, a.sport, a.dport, a.seq, a.ack,
                  tcp_flags(a.flags), a.win, a.payload.encode())
    if a.bad_csum:
        c = struct.unpack('!H', seg[16:18])[0]
        seg = seg[:16] + struct.pack('!H', c ^ 1) + seg[18:]
    raw_send(ip_packet(a.src, a.dst, 6, seg, a.ttl), a.dst, a.count)


def cmd_udp(a):
    d = udp_dgram(a.src, a.dst, a.sport, a.dport, a.payload.encode())
    raw_send(ip_packet(a.src, a.dst, 17, d, a.ttl), a.dst, a.count)


def cmd_icmp_echo(a):
    m = icmp_msg(a.type, 0, struct.pack('!HH', a.id, a.seq),
                 a.payload.encode())
    raw_send(ip_packet(a.src, a.dst, 1, m, a.ttl), a.dst, a.count)


def cmd_icmp_unreach(a):
    if a.quote_udp:
        (qs, qsp), (qd, qdp) = map(endpoint, a.quote_udp)
        l4 = udp_dgram(qs, qd, qsp, qdp, b'quoted')
        proto = 17
    elif a.quote_tcp:
        (qs, qsp), (qd, qdp) = map(endpoint, a.quote_tcp)
        l4 = tcp_seg(qs, qd, qsp, qdp, 1000, 0, tcp_flags('S'), 1000)
        proto = 6
    else:
        sys.exit('icmp-unreach: --quote-udp or --quote-tcp needed')
    inner = ip_packet(qs, qd, proto, l4)
    # RFC 792: the quoted IP header plus (at least) 8 bytes of its payload.
    m = icmp_msg(3, a.code, b'\0\0\0\0', inner[:20 + 8 + a.quote_extra])
    raw_send(ip_packet(a.src, a.dst, 1, m, a.ttl), a.dst, a.count)


# ---------------------------------------------------------------- driver

class Driver:
    def __init__(self, cns, sns):
        self.home = os.open('/proc/self/ns/net', os.O_RDONLY)
        self.cns, self.sns = cns, sns
        self.listeners = {}
        self.pending = {}       # (port, peer sport) -> accepted socket
        self.conns = {}         # id -> {'c': sock, 's': sock, 'sport', 'port'}

    def _in(self, ns, fn):
        setns(ns)
        try:
            return fn()
        finally:
            if _libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns home')

    def end(self, cid, side):
        c = self.conns.get(cid)
        if c is None:
            raise KeyError('no connection %s' % cid)
        if side not in ('c', 's'):
            raise ValueError('side must be c or s')
        if c.get(side) is None:
            raise KeyError('connection %s has no %s end' % (cid, side))
        return c[side]

    def do_listen(self, port):
        port = int(port)

        def mk():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', port))
            s.listen(512)
            return s
        self.listeners[port] = self._in(self.sns, mk)
        return 'ok'

    def do_unlisten(self, port):
        self.listeners.pop(int(port)).close()
        return 'ok'

    def do_pkt(self, side, *argv):
        try:
            a = build_parser().parse_args(list(argv))
        except SystemExit:
            return 'err bad pkt arguments'
        if a.cmd not in ('tcp', 'udp', 'icmp-echo', 'icmp-unreach'):
            return 'err pkt sends packets only'
        self._in(self.cns if side == 'c' else self.sns, lambda: a.fn(a))
        return 'ok'

    def _client_sock(self):
        return self._in(self.cns, lambda: socket.socket(socket.AF_INET,
                                                         socket.SOCK_STREAM))

    def do_connect(self, cid, host, port, tmo='5'):
        port = int(port)
        s = self._client_sock()
        s.settimeout(float(tmo))
        try:
            s.connect((host, port))
        except OSError as e:
            s.close()
            name = 'timeout' if isinstance(e, socket.timeout) else \
                errno.errorcode.get(e.errno, str(e.errno))
            return 'err ' + name
        s.settimeout(None)
        sport = s.getsockname()[1]
        self.conns[cid] = {'c': s, 's': None, 'sport': sport, 'port': port}
        if port in self.listeners:
            r = self.do_accept(cid, tmo)
            if not r.startswith('ok'):
                return r
        return 'ok %d' % sport

    def do_connect_nb(self, cid, host, port):
        port = int(port)
        s = self._client_sock()
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            return 'err ' + errno.errorcode.get(rc, str(rc))
        sport = s.getsockname()[1]
        self.conns[cid] = {'c': s, 's': None, 'sport': sport, 'port': port}
        return 'ok %d' % sport

    def do_accept(self, cid, tmo='5'):
        c = self.conns[cid]
        key = (c['port'], c['sport'])
        ls = self.listeners.get(c['port'])
        if ls is None:
            return 'err no listener on %d' % c['port']
        deadline = time.time() + float(tmo)
        own = c['c'].getsockname()[0]
        while key not in self.pending:
            left = deadline - time.time()
            if left <= 0:
                return 'err accept timeout'
            r, _, _ = select.select([ls], [], [], left)
            if r:
                a, peer = ls.accept()
                if peer[0] != own:
                    # Source NAT: the one connection that arrived now.
                    key = (c['port'], peer[1])
                self.pending[(c['port'], peer[1])] = a
        c['s'] = self.pending.pop(key)
        return 'ok %d' % c['sport']

    def do_send(self, cid, side, *text):
        self.end(cid, side).sendall(' '.join(text).encode())
        return 'ok'

    def do_recv(self, cid, side, tmo='5'):
        s = self.end(cid, side)
        s.settimeout(float(tmo))
        try:
            d = s.recv(65536)
        except socket.timeout:
            return 'err timeout'
        except OSError as e:
            return 'err ' + errno.errorcode.get(e.errno, str(e.errno))
        finally:
            s.settimeout(None)
        return 'ok ' + (d.decode(errors='replace').replace('\n', ' ')
                        if d else 'EOF')

    def _recv_exact(self, s, n, deadline):
        buf = b''
        while len(buf) < n:
            left = deadline - time.time()
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            d = s.recv(n - len(buf))
            if not d:
                raise EOFError()
            buf += d
        s.settimeout(None)
        return buf

    def do_echo(self, cid, tmo='5'):
        c, s = self.end(cid, 'c'), self.end(cid, 's')
        msg = ('echo-%s-%f\n' % (cid, time.time())).encode()
        deadline = time.time() + float(tmo)
        try:
            c.sendall(msg)
            got = self._recv_exact(s, len(msg), deadline)
            s.sendall(got)
            back = self._recv_exact(c, len(msg), deadline)
        except socket.timeout:
            return 'err timeout'
        except EOFError:
            return 'err EOF'
        except OSError as e:
            return 'err ' + errno.errorcode.get(e.errno, str(e.errno))
        return 'ok' if back == msg else 'err mismatch'

    def do_shutdown(self, cid, side):
        self.end(cid, side).shutdown(socket.SHUT_WR)
        return 'ok'

    def do_close(self, cid, side):
        self.end(cid, side).close()
        self.conns[cid][side] = None
        return 'ok'

    def do_rst(self, cid, side):
        s = self.end(cid, side)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
        s.close()
        self.conns[cid][side] = None
        return 'ok'

    def do_seqs(self, cid, side):
        s = self.end(cid, side)
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
        try:
            s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
            snd = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ)
            s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
            rcv = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ)
        finally:
            s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
        return 'ok %d %d' % (snd & 0xffffffff, rcv & 0xffffffff)

    def do_udp(self, cid, host, port):
        def mk():
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.connect((host, int(port)))
            return u
        u = self._in(self.cns, mk)
        self.conns[cid] = {'c': u, 's': None, 'sport': u.getsockname()[1],
                           'port': int(port)}
        return 'ok %d' % u.getsockname()[1]

    def do_udpecho(self, cid, host, port, tmo='3'):
        """One datagram from C to HOST:PORT, answered by a socket of S
        bound to PORT (made on first use), the answer read back in C."""
        port, tmo = int(port), float(tmo)
        if ('udp', port) not in self.listeners:
            def mk():
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.bind(('0.0.0.0', port))
                return u
            self.listeners[('udp', port)] = self._in(self.sns, mk)
        srv = self.listeners[('udp', port)]
        r = self.do_udp(cid, host, port)
        err, _ = self._uround(self.conns[cid]['c'], srv, tmo, b'ping')
        return err or r

    def do_uagain(self, cid, tmo='3'):
        srv = self.listeners[('udp', self.conns[cid]['port'])]
        err, a = self._uround(self.end(cid, 'c'), srv, float(tmo), b'again')
        return err or 'ok %s:%d' % a

    @staticmethod
    def _uround(c, srv, tmo, msg):
        """MSG from C, answered by SRV: (None, where SRV saw it from), or
        (the error reply, None)."""
        c.settimeout(tmo)
        srv.settimeout(tmo)
        try:
            c.send(msg)
            d, a = srv.recvfrom(64)
            srv.sendto(d, a)
            c.recv(64)
        except socket.timeout:
            return 'err timeout', None
        except OSError as e:
            return 'err ' + errno.errorcode.get(e.errno, str(e.errno)), None
        return None, a

    def do_count(self):
        return 'ok %d' % len(self.conns)

    def do_sysctl(self, ns, key, value=None):
        path = '/proc/sys/' + key.replace('.', '/')

        def rw():
            if value is not None:
                with open(path, 'w') as f:
                    f.write(value + '\n')
            with open(path) as f:
                return f.read().strip()
        return 'ok ' + self._in(ns, rw)

    def do_ns(self, cns, sns):
        self.cns, self.sns = cns, sns
        return 'ok'

    def do_load(self, dst, dur, ntcp, nudp):
        """Traffic from C to S for DUR seconds at least: NTCP echo
        connections, a burst of NUDP datagrams, then UDP until the time is
        up. Network errors are counted, never fatal: the path may vanish."""
        dur, ntcp, nudp = float(dur), int(ntcp), int(nudp)
        stats = {'tcp_ok': 0, 'tcp_err': 0, 'udp_tx': 0, 'udp_rx': 0,
                 'udp_err': 0}

        def mk_server():
            ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(('0.0.0.0', 5000))
            ls.listen(64)
            us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            us.bind(('0.0.0.0', 5001))
            return ls, us
        ls, us = self._in(self.sns, mk_server)
        stop = threading.Event()

        def serve():
            conns = []
            while not stop.is_set():
                try:
                    r, _, _ = select.select([ls, us] + conns, [], [], 0.05)
                except (OSError, ValueError):
                    break
                for x in r:
                    try:
                        if x is ls:
                            c, _ = ls.accept()
                            conns.append(c)
                        elif x is us:
                            d, peer = us.recvfrom(2048)
                            us.sendto(d, peer)
                        else:
                            d = x.recv(2048)
                            if d:
                                x.sendall(d)
                            else:
                                conns.remove(x)
                                x.close()
                    except OSError:
                        if x in conns:
                            conns.remove(x)
                            x.close()
            for c in conns:
                c.close()
        th = threading.Thread(target=serve, daemon=True)
        th.start()
        end = time.time() + dur
        us_c = []
        try:
            setns(self.cns)
            for _ in range(4):
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.setblocking(False)
                us_c.append(u)

            def udp_round(n):
                for i in range(n):
                    try:
                        us_c[i % len(us_c)].sendto(b'u' * 64, (dst, 5001))
                        stats['udp_tx'] += 1
                    except OSError:
                        stats['udp_err'] += 1
                for u in us_c:
                    while True:
                        try:
                            u.recv(2048)
                            stats['udp_rx'] += 1
                        except OSError:
                            break
            for _ in range(ntcp):
                try:
                    c = socket.create_connection((dst, 5000), timeout=0.5)
                    c.settimeout(0.5)
                    c.sendall(b'hello')
                    c.recv(100)
                    c.close()
                    stats['tcp_ok'] += 1
                except OSError:
                    stats['tcp_err'] += 1
            udp_round(nudp)
            while time.time() < end:
                udp_round(8)
                time.sleep(0.01)
        finally:
            _libc.setns(self.home, CLONE_NEWNET)
            for u in us_c:
                u.close()
            stop.set()
            th.join()
            ls.close()
            us.close()
        return 'ok ' + ' '.join('%s=%d' % kv for kv in sorted(stats.items()))

    def run(self):
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == 'quit':
                print('ok', flush=True)
                break
            fn = getattr(self, 'do_' + words[0], None)
            if fn is None:
                reply = 'err unknown command ' + words[0]
            else:
                try:
                    reply = fn(*words[1:])
                except Exception as e:   # report, keep serving
                    reply = 'err %s: %s' % (type(e).__name__, e)
            print(reply, flush=True)


def cmd_drive(a):
    # Sockets stay in the namespace they were made in; the driver enters
    # the client's or the server's one just to make each socket.
    Driver(a.client_ns, a.server_ns).run()


# ---------------------------------------------------------------- main

def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ns', help='enter /run/netns/NS first')
    sub = p.add_subparsers(dest='cmd', required=True)

    def l3(sp):
        sp.add_argument('--src', required=True)
        sp.add_argument('--dst', required=True)
        sp.add_argument('--ttl', type=int, default=64)
        sp.add_argument('--count', type=int, default=1)

    sp = sub.add_parser('tcp')
    l3(sp)
    sp.add_argument('--sport', type=int, required=True)
    sp.add_argument('--dport', type=int, required=True)
    sp.add_argument('--seq', type=lambda x: int(x, 0), default=1000)
    sp.add_argument('--ack', type=lambda x: int(x, 0), default=0)
    sp.add_argument('--flags', type=flag_letters, default='S')
    sp.add_argument('--win', type=int, default=64240)
    sp.add_argument('--payload', default='')
    sp.add_argument('--bad-csum', action='store_true')
    sp.set_defaults(fn=cmd_tcp)

    sp = sub.add_parser('udp')
    l3(sp)
    sp.add_argument('--sport', type=int, required=True)
    sp.add_argument('--dport', type=int, required=True)
    sp.add_argument('--payload', default='hello')
    sp.set_defaults(fn=cmd_udp)

    sp = sub.add_parser('icmp-echo')
    l3(sp)
    sp.add_argument('--id', type=int, required=True)
    sp.add_argument('--seq', type=int, default=1)
    sp.add_argument('--type', type=int, default=8)
    sp.add_argument('--payload', default='ping')
    sp.set_defaults(fn=cmd_icmp_echo)

    sp = sub.add_parser('icmp-unreach')
    l3(sp)
    sp.add_argument('--code', type=int, default=3)
    sp.add_argument('--quote-udp', nargs=2, metavar=('SRC:SPORT', 'DST:DPORT'))
    sp.add_argument('--quote-tcp', nargs=2, metavar=('SRC:SPORT', 'DST:DPORT'))
    sp.add_argument('--quote-extra', type=int, default=0,
                    help='quote this many more bytes than the minimum')
    sp.set_defaults(fn=cmd_icmp_unreach)

    sp = sub.add_parser('drive')
    sp.add_argument('--client-ns', default='')
    sp.add_argument('--server-ns', default='')
    sp.set_defaults(fn=cmd_drive)

    return p


def main():
    a = build_parser().parse_args()
    if a.ns:
        setns(a.ns)
    a.fn(a)


if __name__ == '__main__':
    main()
