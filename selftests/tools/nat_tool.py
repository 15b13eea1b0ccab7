#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nat_tool.py: small socket tools for the NAT selftests (20-24).

Standard library only. Run inside a namespace with `ip netns exec`.

  nat_tool.py serve [--tcp PORT] [--udp PORT] [--bind ADDR]
      TCP: on each connection first send "peer=IP:PORT local=IP:PORT\\n",
      then echo everything received until EOF, then close.
      UDP: answer each datagram with "peer=IP:PORT local=IP:PORT DATA"
      (local: the datagram's destination address, from IP_PKTINFO).
      Prints "ready" once listening (stdout, flushed).

  nat_tool.py req --dst A --port P [--src A] [--sport S] [--bytes N] [--hold SECS]
                  [--go FILE] [--timeout SECS]
      One TCP connection: send N random bytes (after --hold seconds, or once
      FILE exists, 60 s at most), read
      the peer line and the echo; prints the peer line; exits 0 only if the
      echo is byte-for-byte what was sent.

  nat_tool.py ureq --dst A --port P [--src A] [--sport S] [--msg TEXT] [--timeout S]
                   [--connect]
      One UDP request (re-sent up to 3 times); prints the answer; exit 1 on
      no answer. With --connect the socket is connected, so an ICMP port
      unreachable that matches it prints "refused" (exit 2). With --nocsum
      (needs --sport) the request goes out through a raw socket with a UDP
      checksum of 0 ("none"); the answer is read on the bound UDP socket.
      With --size N the request is TEXT padded with 'x' to N bytes, sent
      without don't-fragment, and the answer is printed as
      "peer=.. local=.. len=L" (L: bytes of the request echoed back).

  nat_tool.py batch
      Each line of stdin is "TAG req ARGS..." or "TAG ureq ARGS...", run one
      after the other in this one process (under TCG a python start costs
      about half a second); prints "TAG " and what that command would have
      printed ("TAG" alone where it printed nothing or failed).

  nat_tool.py hold --port P
      Accept TCP connections and keep all of them open (never read/close).
      Prints "ready" once listening.

  nat_tool.py pmtu --dst A --port P [--size N] [--wait SECS]
      UDP with don't-fragment (IP_PMTUDISC_DO): send a datagram of N bytes,
      wait for an ICMP fragmentation-needed to lower the path MTU, send
      again; prints "mtu=M" (the socket's IP_MTU).

  nat_tool.py wr FILE [--each-line]
      Write stdin to FILE (e.g. /proc/net/alg_nat) in one write(), or one
      write() per line with --each-line, all through one open file. Prints
      "ok" or the errno name (EINVAL, ENOENT...) for each write; exit 0 only
      if every write succeeded.

  nat_tool.py flood --dst A --port P --n N [--wait SECS] [--linger SECS]
      N non-blocking TCP connects at once; after --wait seconds prints
      "ok=.. refused=.. reset=.. timeout=.. other=.." (timeout: still not
      connected), keeps the connections --linger seconds, then exits 0.
"""

import argparse
import errno
import os
import resource
import select
import socket
import struct
import sys
import threading
import time

IP_PKTINFO = 8
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
IP_PMTUDISC_DO = 2
IP_MTU = 14


def line_of(sock_peer, sock_local):
    return 'peer=%s:%d local=%s:%d' % (sock_peer[0], sock_peer[1],
                                       sock_local[0], sock_local[1])


def tcp_echo(c):
    try:
        c.settimeout(30)
        c.sendall((line_of(c.getpeername(), c.getsockname()) + '\n').encode())
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    finally:
        c.close()


def cmd_serve(a):
    socks = []
    if a.tcp:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((a.bind, a.tcp))
        t.listen(128)
        socks.append(t)
    if a.udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        u.bind((a.bind, a.udp))
        socks.append(u)
    print('ready', flush=True)
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            if s.type == socket.SOCK_STREAM:
                try:
                    c, _ = s.accept()
                except OSError:
                    continue
                threading.Thread(target=tcp_echo, args=(c,), daemon=True).start()
            else:
                d, anc, _, peer = s.recvmsg(65536, 256)
                local = s.getsockname()
                for lvl, typ, val in anc:
                    if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                        # struct in_pktinfo: ifindex, spec_dst, addr
                        local = (socket.inet_ntoa(val[8:12]), local[1])
                msg = line_of(peer, local) + ' ' + \
                    d.decode('ascii', 'replace')
                try:
                    s.sendto(msg.encode(), peer)
                except OSError:
                    pass  # e.g. no route back: that is what NAT is for


def cmd_req(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport or a.src != '0.0.0.0':
        s.bind((a.src, a.sport))
    s.settimeout(a.timeout)
    s.connect((a.dst, a.port))
    data = os.urandom(a.bytes)
    got = bytearray()

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got.extend(d)
        except OSError as e:
            print('recv error: %s' % e, file=sys.stderr)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    if a.hold:
        time.sleep(a.hold)
    end = time.time() + a.go_wait
    while a.go and not os.path.exists(a.go) and time.time() < end:
        time.sleep(0.1)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    th.join(a.timeout)
    s.close()
    nl = got.find(b'\n')
    if nl < 0:
        print('no peer line (%d bytes back)' % len(got), file=sys.stderr)
        return 1
    print(got[:nl].decode('ascii', 'replace'), flush=True)
    echo = bytes(got[nl + 1:])
    if echo != data:
        print('echo mismatch: sent %d bytes, got %d back' %
              (len(data), len(echo)), file=sys.stderr)
        return 1
    return 0


def cmd_ureq(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport or a.src != '0.0.0.0':
        s.bind((a.src, a.sport))
    s.settimeout(a.timeout)
    if a.connect:
        s.connect((a.dst, a.port))
    msg = a.msg
    if a.size:
        msg = a.msg + 'x' * max(0, a.size - len(a.msg))
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    raw = None
    if a.nocsum:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                            socket.IPPROTO_UDP)
        payload = msg.encode()
        dgram = struct.pack('!HHHH', a.sport, a.port, 8 + len(payload),
                            0) + payload
    for _ in range(3):
        try:
            if raw:
                raw.sendto(dgram, (a.dst, 0))
            elif a.connect:
                s.send(msg.encode())
            else:
                s.sendto(msg.encode(), (a.dst, a.port))
            d, _ = s.recvfrom(65536)
        except socket.timeout:
            continue
        except ConnectionRefusedError:
            print('refused', flush=True)
            return 2
        text = d.decode('ascii', 'replace')
        if a.size:
            f = text.split(' ', 2) + ['', '']
            text = '%s %s len=%d' % (f[0], f[1], len(f[2]))
        print(text, flush=True)
        return 0
    print('no answer', file=sys.stderr)
    return 1


def cmd_hold(a):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(('0.0.0.0', a.port))
    t.listen(1024)
    held = []
    print('ready', flush=True)
    while True:
        c, _ = t.accept()
        held.append(c)


def cmd_flood(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(want, hard) if hard != resource.RLIM_INFINITY
                            else want, hard))
    socks = {}
    res = {'ok': 0, 'refused': 0, 'reset': 0, 'timeout': 0, 'other': 0}
    poller = select.poll()
    for _ in range(a.n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((a.dst, a.port))
        if err not in (0, errno.EINPROGRESS):
            res['other'] += 1
            s.close()
            continue
        socks[s.fileno()] = s
        poller.register(s.fileno(), select.POLLOUT)
    pending = set(socks)
    end = time.time() + a.wait
    while pending:
        left = end - time.time()
        if left <= 0:
            break
        for fd, _ in poller.poll(left * 1000):
            if fd not in pending:
                continue
            pending.discard(fd)
            poller.unregister(fd)
            err = socks[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                res['ok'] += 1
            elif err == errno.ECONNREFUSED:
                res['refused'] += 1
            elif err == errno.ECONNRESET:
                res['reset'] += 1
            elif err == errno.ETIMEDOUT:
                res['timeout'] += 1
            else:
                res['other'] += 1
    res['timeout'] += len(pending)
    print(' '.join('%s=%d' % (k, res[k]) for k in
                   ('ok', 'refused', 'reset', 'timeout', 'other')), flush=True)
    time.sleep(a.linger)
    for s in socks.values():
        s.close()
    return 0




def cmd_pmtu(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.connect((a.dst, a.port))
    end = time.time() + a.wait
    while True:
        try:
            s.send(b'x' * a.size)
        except OSError as e:
            if e.errno != errno.EMSGSIZE:
                raise
        mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
        if mtu < a.size + 28 or time.time() > end:
            break
        time.sleep(0.2)
    print('mtu=%d' % mtu)
    return 0


def cmd_wr(a):
    data = sys.stdin.buffer.read()
    chunks = data.splitlines(keepends=True) if a.each_line else [data]
    fd = os.open(a.file, os.O_WRONLY)
    rc = 0
    for c in chunks:
        try:
            os.write(fd, c)
            print('ok')
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)))
            rc = 1
    os.close(fd)
    return rc


def cmd_batch(a):
    import io
    import shlex
    p = parser()
    rc = 0
    for line in sys.stdin:
        w = shlex.split(line)
        if not w:
            continue
        out = io.StringIO()
        real = sys.stdout
        sys.stdout = out
        try:
            sub = p.parse_args(w[1:])
            if sub.cmd not in ('req', 'ureq') or run(sub):
                rc = 1
        except (Exception, SystemExit) as e:
            print('%s: %s' % (w[0], e), file=sys.stderr)
            rc = 1
        finally:
            sys.stdout = real
        got = out.getvalue().split('\n', 1)[0]
        print(('%s %s' % (w[0], got)).rstrip(), flush=True)
    return rc


def parser():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    sp = sub.add_parser('serve')
    sp.add_argument('--tcp', type=int, default=0)
    sp.add_argument('--udp', type=int, default=0)
    sp.add_argument('--bind', default='0.0.0.0')
    sp = sub.add_parser('req')
    sp.add_argument('--dst', required=True)
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--sport', type=int, default=0)
    sp.add_argument('--src', default='0.0.0.0')
    sp.add_argument('--bytes', type=int, default=1000)
    sp.add_argument('--hold', type=float, default=0)
    sp.add_argument('--go', default='')
    sp.add_argument('--go-wait', type=float, default=60)
    sp.add_argument('--timeout', type=float, default=20)
    sp = sub.add_parser('ureq')
    sp.add_argument('--dst', required=True)
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--sport', type=int, default=0)
    sp.add_argument('--src', default='0.0.0.0')
    sp.add_argument('--msg', default='hello')
    sp.add_argument('--connect', action='store_true')
    sp.add_argument('--nocsum', action='store_true')
    sp.add_argument('--size', type=int, default=0)
    sp.add_argument('--timeout', type=float, default=2)
    sp = sub.add_parser('hold')
    sp.add_argument('--port', type=int, required=True)
    sp = sub.add_parser('flood')
    sp.add_argument('--dst', required=True)
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--n', type=int, default=1000)
    sp.add_argument('--wait', type=float, default=6)
    sp.add_argument('--linger', type=float, default=0)
    sp = sub.add_parser('pmtu')
    sp.add_argument('--dst', required=True)
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--size', type=int, default=1400)
    sp.add_argument('--wait', type=float, default=5)
    sp = sub.add_parser('wr')
    sp.add_argument('file')
    sp.add_argument('--each-line', action='store_true')
    sub.add_parser('batch')
    return p


def run(a):
    return {'serve': cmd_serve, 'req': cmd_req, 'ureq': cmd_ureq,
            'hold': cmd_hold, 'flood': cmd_flood, 'wr': cmd_wr,
            'pmtu': cmd_pmtu, 'batch': cmd_batch}[a.cmd](a)


def main():
    return run(parser().parse_args())


if __name__ == '__main__':
    sys.exit(main() or 0)
