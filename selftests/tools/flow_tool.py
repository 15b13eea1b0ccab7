#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flow_tool.py: a long-lived flow for the fast-path selftest (26).

Standard library only. Run inside a namespace with `ip netns exec`.

  flow_tool.py echo --port P [--bind A]
      Echo server on TCP and UDP port P (UDP bound to A, so that answers
      come from A whatever route they take). A TCP message starting with
      "RST" makes it close that connection with a reset (SO_LINGER 0).
      Prints "ready" once listening.

  flow_tool.py stream --dst A --port P [--udp] [--sport S] [--size N]
                      [--pace MS] --stop FILE [--rst]
      Send N-byte messages (default 200) every MS ms (default 20) on one
      TCP connection or UDP socket, each answered by the echo server,
      until FILE exists. Every 10 answers prints "answered=K" (flushed).
      UDP: a message unanswered within 1 s counts as lost and the stream
      goes on; TCP: an echo that differs, none within 30 s or an error
      ends it (exit 1).
      With --rst (TCP) it then asks for a reset and expects one.
      Ends with "sent=S answered=K lost=L" (and "reset").
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time


def tcp_client(c):
    buf = b''
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            if d.startswith(b'RST'):
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack('ii', 1, 0))
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()
    return buf


def cmd_echo(a):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(('0.0.0.0', a.port))
    t.listen(16)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a.bind, a.port))

    def udp():
        while True:
            d, peer = u.recvfrom(65536)
            u.sendto(d, peer)
    threading.Thread(target=udp, daemon=True).start()
    print('ready', flush=True)
    while True:
        c, _ = t.accept()
        threading.Thread(target=tcp_client, args=(c,), daemon=True).start()


def recv_exact(s, n):
    got = b''
    while len(got) < n:
        d = s.recv(n - len(got))
        if not d:
            raise ConnectionError('closed after %d of %d bytes' % (len(got), n))
        got += d
    return got


def udp_answer(s, msg):
    """The answer to msg; late answers to earlier messages are skipped."""
    while True:
        got = s.recv(65536)
        if got[:8] >= msg[:8]:
            return got


def cmd_stream(a):
    kind = socket.SOCK_DGRAM if a.udp else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport:
        s.bind(('0.0.0.0', a.sport))
    s.settimeout(1 if a.udp else 30)
    s.connect((a.dst, a.port))
    sent = answered = lost = 0
    while not os.path.exists(a.stop):
        msg = (b'%08d' % sent).ljust(a.size, b'.')
        sent += 1
        try:
            s.send(msg)
            got = udp_answer(s, msg) if a.udp else recv_exact(s, len(msg))
        except socket.timeout:
            if not a.udp:
                print('timeout at message %d' % sent, flush=True)
                return 1
            lost += 1
            continue
        except OSError as e:
            print('error at message %d: %s' % (sent, e), flush=True)
            return 1
        if got != msg:
            if a.udp:
                lost += 1
                continue
            print('echo differs at message %d' % sent, flush=True)
            return 1
        answered += 1
        if answered % 10 == 0:
            print('answered=%d' % answered, flush=True)
        time.sleep(a.pace / 1000.0)
    rc = 0
    print('sent=%d answered=%d lost=%d' % (sent, answered, lost), flush=True)
    if a.rst:
        s.send(b'RST')
        try:
            d = s.recv(100)
            print('no reset: got %r' % d, flush=True)
            rc = 1
        except ConnectionResetError:
            print('reset', flush=True)
    return rc


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    sp = sub.add_parser('echo')
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--bind', default='0.0.0.0')
    sp = sub.add_parser('stream')
    sp.add_argument('--dst', required=True)
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--udp', action='store_true')
    sp.add_argument('--sport', type=int, default=0)
    sp.add_argument('--size', type=int, default=200)
    sp.add_argument('--pace', type=int, default=20)
    sp.add_argument('--stop', required=True)
    sp.add_argument('--rst', action='store_true')
    a = ap.parse_args()
    return cmd_echo(a) if a.cmd == 'echo' else cmd_stream(a)


if __name__ == '__main__':
    sys.exit(main())
