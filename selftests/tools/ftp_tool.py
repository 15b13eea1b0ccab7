#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ftp_tool.py: FTP clients and servers for the FTP ALG selftests (30-34).

Standard library only. Run each part inside its namespace (ip netns exec).

  ftp_tool.py client --host H [--port 21] --mode pasv|epsv|port|eprt
              --op OP [--op OP...] [--timeout S] [--gw-ns NS]
      One FTP session with ftplib doing each OP in turn ("get REMOTE
      LOCAL", "put LOCAL REMOTE", "ls [PATH]", each may start with
      "MODE:" to use that mode instead), every data connection opened
      exactly the way its mode says (no fallback to another mode). The 227 address is used as
      sent (a missing rewrite shows). Logs "ANNOUNCE <cmd>" and
      "REPLY <reply>" to stderr; with --gw-ns also "EXPECT <line>" for each
      expectation in that namespace's /proc/net/alg_conntrack_expect, read
      right after the announcement. Exit 0 when all completed.

  ftp_tool.py hostile-client --host H --own A --seen A2 --gw-ns NS
              [--port 21] [--third A3] [--gw-addrs A,B]
      Misbehaving client against a real FTP server (vsftpd). A is the
      client's own address, A2 the address the server sees (A2 = A without
      NAT). Prints "CHECK 0|1 text" and "DIAG text" lines (see ftp_lib.sh).

  ftp_tool.py fake-server --listen ADDR --port P [--greeting TEXT]
              [--data-port P2] [--once]
      A scripted "FTP server": sends GREETING (default "220 fake"), then
      answers each line: "SAY text" -> text CRLF, "RAW hex" -> those bytes,
      "SPLIT hex1 hex2" -> hex1, 0.4 s pause, hex2 (TCP_NODELAY: two
      segments), "DATA p" -> listen on ADDR:p for one data connection that
      gets "DATA-OK p" and is closed; "QUIT" -> "221 bye" and close;
      anything else -> "200 ok". --data-port opens a data listener at start
      that serves any number of data connections.

  Global option --tag T (before the subcommand) prefixes CHECK texts.

  ftp_tool.py hostile-server --host H --port P --server-addr A --gw-ns NS
              [--third A3] [--client-addr C]
      Client side of the misbehaving-server scenario against fake-server
      (through the gateway): asks the fake server for malformed, foreign,
      overlong, repeated and split 227/229 replies. Looks only at the
      expectations from C (default 10.0.1.2). CHECK/DIAG lines.

  ftp_tool.py hold --host H [--port 21] --cmd LINE [--cmd LINE...]
              --ctl FILE
      Logs in, sends the commands (e.g. PORT ...), prints "ready", then
      waits (up to 300 s) for FILE to say "rst" (close by RST, SO_LINGER 0),
      "list" (open the data connection of the last PASV only now, LIST
      over it; exit 0 on its 226) or anything else (plain close). Leaves
      expectations pending.

  ftp_tool.py port-list --host H [--port 21] --own A --data-port P
      Logs in, PORT A:P, LIST over it; exit 0 if the listing arrived.

  ftp_tool.py lost-announce --host H [--port 21] --own A --data-port P
              --gw-ns NS --dev DEV
      Logs in, then has tc in NS drop the next data segment to port 21
      leaving DEV, sends PORT A:P (so its first, rewritten transmission is
      lost), removes the filter and checks that the retransmission reached
      the server as it should (200), that LIST over it works and the
      control connection goes on. CHECK/DIAG lines.

  ftp_tool.py greet-client --host H --port P
      Connects, reads the first line (a 227 greeting), connects to the
      address it names, reads the data, then checks the control connection
      still carries replies. CHECK/DIAG lines.
"""

import argparse
import sys
sys.modules.setdefault('ssl', None)  # ftplib without TLS: starts faster
import ftplib  # noqa: E402
import os
import re
import socket
import struct
import subprocess
import threading
import time

# ------------------------------------------------------------ common


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def out(*a):
    print(*a, flush=True)


TAG = ''


def check(ok, text):
    out('CHECK %d %s%s' % (1 if ok else 0, TAG, text))
    return ok


def diag(text):
    out('DIAG %s' % text)


_ns_tids = {}


def _ns_tid(name):
    """A thread parked in namespace name, so that its /proc/.../net shows
    that namespace's files without a process per read; None if setns is
    not to be had."""
    if name in _ns_tids:
        return _ns_tids[name]
    import ctypes
    res = {}
    ready = threading.Event()

    def park():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open('/run/netns/' + name, os.O_RDONLY)
            ok = libc.setns(fd, 0x40000000) == 0  # CLONE_NEWNET
            os.close(fd)
            res['tid'] = threading.get_native_id() if ok else None
        except OSError:
            res['tid'] = None
        ready.set()
        if res['tid']:
            threading.Event().wait()
    threading.Thread(target=park, daemon=True).start()
    ready.wait()
    _ns_tids[name] = res['tid']
    return res['tid']


def expects(gw_ns):
    """Expectations of namespace gw_ns: list of (src, dst, dport)."""
    tid = _ns_tid(gw_ns)
    if tid:
        with open('/proc/self/task/%d/net/alg_conntrack_expect' % tid) as f:
            text = f.read()
    else:
        text = subprocess.run(['ip', 'netns', 'exec', gw_ns, 'cat',
                               '/proc/net/alg_conntrack_expect'],
                              capture_output=True, text=True,
                              timeout=20).stdout
    res = []
    for line in text.splitlines():
        m = re.search(r'src=(\S+) dst=(\S+) sport=\d+ dport=(\d+)', line)
        if m:
            res.append((m.group(1), m.group(2), int(m.group(3))))
    return res


def port_args(addr, port):
    return ','.join(addr.split('.') + [str(port >> 8), str(port & 255)])


# ------------------------------------------------------------ client


class ModeFTP(ftplib.FTP):
    """ftplib with the data connection opened in one fixed mode."""

    def __init__(self, mode, gw_ns=None, **kw):
        self.mode = mode
        self.gw_ns = gw_ns
        super().__init__(**kw)
        self.set_pasv(mode in ('pasv', 'epsv'))

    def _after_announce(self, cmd, resp):
        log('ANNOUNCE %s' % cmd)
        log('REPLY %s' % resp)
        if self.gw_ns:
            for e in expects(self.gw_ns):
                log('EXPECT src=%s dst=%s dport=%d' % e)

    def makepasv(self):
        if self.mode == 'pasv':
            resp = self.sendcmd('PASV')
            self._after_announce('PASV', resp)
            host, port = ftplib.parse227(resp)
        else:
            resp = self.sendcmd('EPSV')
            self._after_announce('EPSV', resp)
            host, port = ftplib.parse229(resp, self.sock.getpeername())
        return host, port

    def makeport(self):
        host = self.sock.getsockname()[0]
        sock = socket.create_server((host, 0), backlog=1)
        port = sock.getsockname()[1]
        if self.mode == 'port':
            cmd = 'PORT ' + port_args(host, port)
        else:
            cmd = 'EPRT |1|%s|%d|' % (host, port)
        resp = self.voidcmd(cmd)
        self._after_announce(cmd, resp)
        if self.timeout is not None:
            sock.settimeout(self.timeout)
        return sock


def cmd_client(a):
    t0 = time.time()
    f = ModeFTP(a.mode, a.gw_ns, timeout=a.timeout)
    f.connect(a.host, a.port)
    f.login('anonymous', 'test@')
    for op in a.op:
        w = op.split()
        if ':' in w[0]:
            # "MODE:OP ...": this data connection in another mode
            f.mode, w[0] = w[0].split(':', 1)
            f.set_pasv(f.mode in ('pasv', 'epsv'))
        if w[0] == 'get':
            with open(w[2], 'wb') as fp:
                f.retrbinary('RETR ' + w[1], fp.write, blocksize=65536)
        elif w[0] == 'put':
            with open(w[1], 'rb') as fp:
                f.storbinary('STOR ' + w[2], fp, blocksize=65536)
        elif w[0] == 'ls':
            lines = []
            f.retrlines('LIST ' + (w[1] if len(w) > 1 else ''), lines.append)
            for line in lines:
                out(line)
        else:
            raise ValueError('unknown op %r' % op)
    f.quit()
    log('TIME %.2f' % (time.time() - t0))
    return 0


# ------------------------------------------------------------ raw control


class Ctl:
    """A raw FTP control connection: send bytes, read reply lines."""

    def __init__(self, host, port, timeout=10):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''
        self.timeout = timeout

    def local(self):
        return self.s.getsockname()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def line(self, timeout=None):
        """One line (without CRLF), or None on timeout/EOF."""
        self.s.settimeout(timeout or self.timeout)
        while b'\n' not in self.buf:
            try:
                d = self.s.recv(65536)
            except (socket.timeout, OSError):
                return None
            if not d:
                return None
            self.buf += d
        ln, self.buf = self.buf.split(b'\n', 1)
        return ln.rstrip(b'\r').decode(errors='replace')

    def reply(self, timeout=None):
        """A complete FTP reply (multi-line aware): its last line."""
        ln = self.line(timeout)
        if ln is None:
            return None
        if len(ln) >= 4 and ln[3] == '-':
            code = ln[:3]
            while True:
                ln = self.line(timeout)
                if ln is None or (ln.startswith(code) and ln[3:4] == ' '):
                    return ln
        return ln

    def cmd(self, text, timeout=None):
        self.send(text + '\r\n')
        return self.reply(timeout)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def rst(self):
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack('ii', 1, 0))
        self.s.close()


def login(c):
    r = c.reply()
    if not r or not r.startswith('220'):
        return False
    r = c.cmd('USER anonymous')
    if r and r.startswith('331'):
        r = c.cmd('PASS test@')
    return bool(r and r.startswith('230'))


def active_list(c, host, port, timeout=10):
    """LIST through an active data connection to host:port (already
    announced by the caller): returns the listing text or None."""
    ls = socket.create_server((host, port), backlog=1)
    ls.settimeout(timeout)
    c.send('LIST\r\n')
    r = c.reply(timeout)
    if not r or not r.startswith('150'):
        ls.close()
        diag('LIST (data port %d) got %r' % (port, r))
        return None
    try:
        d, _ = ls.accept()
    except OSError as e:
        ls.close()
        diag('LIST (data port %d): no data connection: %s' % (port, e))
        return None
    ls.close()
    d.settimeout(timeout)
    data = b''
    try:
        while True:
            x = d.recv(65536)
            if not x:
                break
            data += x
    except OSError:
        pass
    d.close()
    r = c.reply(timeout)
    if not r or not r.startswith('226'):
        diag('LIST (data port %d) ended with %r' % (port, r))
        return None
    return data.decode(errors='replace')


# ------------------------------------------------------------ hostile client


def cmd_hostile_client(a):
    own, seen, srv = a.own, a.seen, a.host
    B = a.base
    gwaddrs = a.gw_addrs.split(',') if a.gw_addrs else []
    fails = 0

    def exps():
        return set(expects(a.gw_ns))

    def bounded(where):
        """At most one expectation (one control connection is open), all
        from the server to the client's own address."""
        e = exps()
        bad = [x for x in e if x[1] != seen or x[0] != srv]
        ok = check(len(e) <= 1 and not bad,
                   '%s: <= 1 expectation, none but server -> %s' %
                   (where, seen))
        if not ok:
            diag('expectations: %s' % sorted(e))
        return e

    def none_new(before, what):
        e = exps()
        new = e - before
        ok = check(not new, '%s: no expectation' % what)
        if not ok:
            diag('new expectations: %s' % sorted(new))
        return e

    c = Ctl(a.host, a.port)
    if not check(login(c), 'login on the control connection'):
        return 1
    lip, lport = c.local()

    # baseline: a proper PORT opens exactly the expected pinhole
    e0 = exps()
    r = c.cmd('PORT ' + port_args(own, B + 1))
    new = exps() - e0
    check(r and r.startswith('200') and len(new) == 1 and
          list(new)[0][1] == seen and list(new)[0][0] == srv,
          'baseline PORT %s:%d -> one expectation server -> %s (reply %r)'
          % (own, B + 1, seen, r))
    diag('baseline expectation: %s' % sorted(new))
    lst = active_list(c, own, B + 1)
    check(lst is not None and 'pub' in lst,
          'baseline PORT: LIST over the data connection works')
    bounded('after baseline')

    steps = [
        ('PORT to a third host %s' % a.third,
         ['PORT ' + port_args(a.third, B + 2)]),
    ]
    for i, g in enumerate(gwaddrs):
        steps.append(('PORT to the gateway\'s own %s' % g,
                      ['PORT ' + port_args(g, B + 3 + i)]))
    steps += [
        ('PORT with port 1023', ['PORT ' + port_args(own, 1023)]),
        ('PORT with port 21', ['PORT ' + port_args(own, 21)]),
        ('PORT with a byte 256', ['PORT %s,256,1' % own.replace('.', ',')]),
        ('PORT with a byte 99999',
         ['PORT %s,99999,1' % own.replace('.', ',')]),
        ('PORT with an address byte 256',
         ['PORT 256,0,1,2,195,80']),
        ('PORT with 7 numbers', ['PORT %s,195,81,1' % own.replace('.', ',')]),
        ('PORT to 0.0.0.0', ['PORT 0,0,0,0,195,90']),
        ('EPRT to 0.0.0.0', ['EPRT |1|0.0.0.0|%d|' % (B + 14)]),
        ('EPRT with port 99999', ['EPRT |1|%s|99999|' % own]),
        ('EPRT with port 0', ['EPRT |1|%s|0|' % own]),
        ('EPRT to a third host', ['EPRT |1|%s|%d|' % (a.third, B + 10)]),
        ('EPRT |2| (IPv6)', ['EPRT |2|::1|%d|' % (B + 11)]),
        ('NOOP PORT ... (PORT not at line start)',
         ['NOOP PORT ' + port_args(own, B + 12)]),
        ('overlong (2000 byte) PORT line',
         ['PORT ' + port_args(own, B + 13) + ' ' * 1975]),
        ('overlong (2000 byte) NOOP line', ['NOOP ' + 'x' * 1995]),
    ]
    for what, cmds in steps:
        before = exps()
        for cmd in cmds:
            r = c.cmd(cmd)
            if r is None:
                check(False, '%s: the server answered' % what)
        none_new(before, what)
    # the helper kept its footing: a proper PORT still works on this control
    # connection after all of that
    e0 = exps()
    r = c.cmd('PORT ' + port_args(own, B + 20))
    new = exps() - e0
    check(r and r.startswith('200') and len(new) == 1,
          'PORT after the malformed ones opens an expectation (%r)' % r)
    lst = active_list(c, own, B + 20)
    check(lst is not None and 'pub' in lst,
          'LIST after the malformed ones works over the data connection')
    bounded('after the malformed commands')

    # 1000 PORT commands in a row, sent at once (a few per segment)
    n = 1000
    burst = ''.join('PORT %s\r\n' % port_args(own, a.burst_base + i)
                    for i in range(n))
    t0 = time.time()
    c.send(burst)
    got = ok200 = 0
    while got < n:
        r = c.reply(20)
        if r is None:
            break
        got += 1
        ok200 += r.startswith('200')
    diag('%d PORT commands: %d replies (%d of them 200) in %.1f s'
         % (n, got, ok200, time.time() - t0))
    check(got == n, '%d PORT commands in a row: the server answered each' % n)
    e = bounded('after %d PORT commands' % n)
    diag('expectation left by the burst: %s' % sorted(e))
    e0 = exps()
    r = c.cmd('PORT ' + port_args(own, B + 25))
    new = exps() - e0
    check(r and r.startswith('200') and len(new) == 1,
          'PORT after the burst opens an expectation (%r, %s)'
          % (r, sorted(new)))
    lst = active_list(c, own, B + 25)
    check(lst is not None and 'pub' in lst,
          'LIST after the burst works over the data connection')
    bounded('after the burst and a LIST')

    # PORT split across two TCP segments: "PO" ... "RT h,h,h,h,p,p"
    e0 = exps()
    c.send('PO')
    time.sleep(0.4)
    c.send('RT %s\r\n' % port_args(own, B + 30))
    r = c.reply()
    new = exps() - e0
    check(r and r.startswith('200') and len(new) == 1,
          'PORT split as "PO" + "RT ...": accepted and expected (%r, %s)'
          % (r, sorted(new)))
    lst = active_list(c, own, B + 30)
    check(lst is not None and 'pub' in lst,
          'split PORT: the data connection opens and LIST arrives')

    if a.split_numbers:
        # split inside the address: without NAT the whole line is seen;
        # with NAT the gateway must hold the first part back until TCP
        # resends it together with the rest
        e0 = exps()
        c.send('PORT ' + port_args(own, B + 31)[:6])
        time.sleep(0.4)
        c.send(port_args(own, B + 31)[6:] + '\r\n')
        r = c.reply()
        new = exps() - e0
        check(r and r.startswith('200') and len(new) == 1,
              'PORT split inside the numbers: expected (%r, %s)'
              % (r, sorted(new)))
        lst = active_list(c, own, B + 31)
        check(lst is not None and 'pub' in lst,
              'PORT split inside the numbers: LIST arrives')

    if a.bytewise:
        # one byte per segment: the sender's window fills with one-byte
        # segments and it resends no more than those, so holding back can
        # never complete the address; the gateway must see that and let
        # it go, not stall the connection (as nf_conntrack_ftp would)
        t0 = time.time()
        for ch in 'PORT ' + port_args(own, B + 32) + '\r\n':
            c.send(ch)
            time.sleep(0.01)
        r = c.reply(20)
        check(r is not None,
              'PORT sent one byte per segment: answered in %.1f s, not '
              'stalled (%r)' % (time.time() - t0, r))
        r = c.cmd('NOOP')
        check(r and r.startswith('200'),
              'PORT one byte per segment: the control connection goes on '
              '(NOOP -> %r)' % r)

    r = c.cmd('NOOP')
    check(r and r.startswith('200'),
          'the control connection still works at the end (NOOP -> %r)' % r)
    bounded('at the end')
    r = c.cmd('QUIT')
    c.close()

    # an unterminated PORT line, then the connection closes
    c = Ctl(a.host, a.port)
    check(login(c), 'second control connection: login')
    before = exps()
    c.send('PORT ' + port_args(own, B + 40))
    time.sleep(0.5)
    none_new(before, 'PORT line without terminator (pending)')
    c.close()
    time.sleep(0.3)
    none_new(before, 'PORT line without terminator, connection closed')

    # and life goes on
    c = Ctl(a.host, a.port)
    check(login(c), 'third control connection: login')
    c.cmd('PORT ' + port_args(own, B + 41))
    lst = active_list(c, own, B + 41)
    check(lst is not None and 'pub' in lst,
          'third control connection: PORT + LIST works')
    c.cmd('QUIT')
    c.close()
    return 0


# ------------------------------------------------------------ fake server


def data_listener(addr, port, timeout=30, count=1):
    """Serve "DATA-OK port" to up to count connections on addr:port."""
    ls = socket.create_server((addr, port), backlog=4)
    ls.settimeout(timeout)

    def run():
        for _ in range(count):
            try:
                d, _ = ls.accept()
                d.sendall(b'DATA-OK %d\r\n' % port)
                d.close()
            except OSError:
                break
        ls.close()
    threading.Thread(target=run, daemon=True).start()


def fake_session(c, a):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall((a.greeting or '220 fake').encode() + b'\r\n')
    buf = b''
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            break
        if not d:
            break
        buf += d
        while b'\n' in buf:
            ln, buf = buf.split(b'\n', 1)
            ln = ln.rstrip(b'\r').decode(errors='replace')
            w = ln.split(' ', 1)
            verb = w[0].upper()
            arg = w[1] if len(w) > 1 else ''
            if verb == 'SAY':
                c.sendall(arg.encode() + b'\r\n')
            elif verb == 'RAW':
                c.sendall(bytes.fromhex(arg))
            elif verb == 'SPLIT':
                h1, h2 = arg.split()
                c.sendall(bytes.fromhex(h1))
                time.sleep(0.4)
                c.sendall(bytes.fromhex(h2))
            elif verb == 'DATA':
                data_listener(a.listen, int(arg))
                c.sendall(b'200 listening\r\n')
            elif verb == 'QUIT':
                c.sendall(b'221 bye\r\n')
                c.close()
                return
            else:
                c.sendall(b'200 ok\r\n')
    c.close()


def cmd_fake_server(a):
    ls = socket.create_server((a.listen, a.port), backlog=16)
    for p in a.data_port or []:
        data_listener(a.listen, p, timeout=600, count=1000)
    out('ready')
    while True:
        c, _ = ls.accept()
        t = threading.Thread(target=fake_session, args=(c, a), daemon=True)
        t.start()
        if a.once:
            t.join()
            return 0


# ------------------------------------------------------------ hostile server


def data_get(host, port, timeout=10):
    try:
        d = socket.create_connection((host, port), timeout=timeout)
        d.settimeout(timeout)
        data = b''
        while True:
            x = d.recv(4096)
            if not x:
                break
            data += x
        d.close()
        return data.decode(errors='replace')
    except OSError as e:
        log('data connection to %s:%d: %s' % (host, port, e))
        return None


def cmd_hostile_server(a):
    srv, third = a.server_addr, a.third
    # who the expectation must lead to: the announcing server itself, as the
    # client reaches it
    target = a.host

    def exps():
        # the ones for data connections from this client (others, e.g. to
        # a real server elsewhere, are not this scenario's business)
        return set(x for x in expects(a.gw_ns) if x[0] == a.client_addr)

    def bounded(where):
        e = exps()
        bad = [x for x in e if x[1] != target]
        ok = check(len(e) <= 1 and not bad,
                   '%s: <= 1 expectation, none but to the server %s' %
                   (where, target))
        if not ok:
            diag('expectations: %s' % sorted(e))
        return e

    c = Ctl(a.host, a.port)
    r = c.reply()
    check(r == '220 fake', 'fake server greets (%r)' % r)

    def say(text):
        # the fake server's answer is exactly one line
        c.send('SAY ' + text + '\r\n')
        return c.line()

    def alive(what):
        r = c.cmd('NOOP')
        return check(r == '200 ok',
                     '%s: the control connection still carries replies (%r)'
                     % (what, r))

    # "227 Logout." (a 227 without numbers) must not block anything
    before = exps()
    r = say('227 Logout.')
    check(r == '227 Logout.', '"227 Logout." reaches the client unchanged (%r)'
          % r)
    check(not (exps() - before), '"227 Logout.": no expectation')
    alive('after "227 Logout."')

    cases = [
        ('227 to a third host',
         '227 Entering Passive Mode (%s)' % port_args(third, 50100)),
        ('227 with port 1023',
         '227 Entering Passive Mode (%s)' % port_args(srv, 1023)),
        ('227 with a byte 256',
         '227 Entering Passive Mode (%s,256,1)' % srv.replace('.', ',')),
        ('227 with a byte 99999',
         '227 Entering Passive Mode (%s,99999,1)' % srv.replace('.', ',')),
        ('227 without closing numbers',
         '227 Entering Passive Mode (%s,195' % srv.replace('.', ',')),
        ('229 with port 99999', '229 Entering Extended Passive Mode (|||99999|)'),
        ('229 with port 0', '229 Entering Extended Passive Mode (|||0|)'),
        ('229 without brackets', '229 Entering Extended Passive Mode |||50101|'),
        ('227- continuation line',
         '227-Entering Passive Mode (%s)' % port_args(srv, 50102)),
        ('overlong (2000 byte) 227',
         '227 Entering Passive Mode (%s)' % port_args(srv, 50103) + ' ' * 1960),
    ]
    for what, text in cases:
        before = exps()
        r = say(text)
        new = exps() - before
        ok = check(r is not None and not new, '%s: no expectation' % what)
        if not ok:
            diag('reply %r, new %s' % (r, sorted(new)))
    alive('after the malformed replies')

    # a proper 227: the expectation leads to the server, the data flows
    before = exps()
    c.cmd('DATA 50110')
    r = say('227 Entering Passive Mode (%s)' % port_args(srv, 50110))
    new = exps() - before
    check(len(new) == 1 and list(new)[0][1] == target,
          'proper 227: one expectation to %s (%s)' % (target, sorted(new)))
    m = re.search(r'\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)', r or '')
    host = '.'.join(m.groups()[:4]) if m else None
    port = int(m.group(5)) * 256 + int(m.group(6)) if m else 0
    d = data_get(host, port) if m else None
    check(d is not None and d.startswith('DATA-OK'),
          'proper 227 (client got %r): data connection works' % r)
    bounded('after the proper 227')

    # 1000 227 replies in a row
    n = 1000
    burst = b''.join(b'227 Entering Passive Mode (%s)\r\n' %
                     port_args(srv, 40000 + i).encode() for i in range(n))
    c.send('RAW ' + burst.hex() + '\r\n')
    got = 0
    last = None
    while got < n:
        r = c.line(20)
        if r is None:
            break
        if r.startswith('227 '):
            got += 1
            last = r
    check(got == n, '%d 227 replies in a row all reach the client' % n)
    e = bounded('after %d 227 replies' % n)
    alive('after %d 227 replies' % n)
    diag('last 227: %r, expectations %s' % (last, sorted(e)))

    # a 227 split across two TCP segments: "22" ... "7 Entering ..."
    before = exps()
    c.cmd('DATA 50120')
    text = '227 Entering Passive Mode (%s)\r\n' % port_args(srv, 50120)
    c.send('SPLIT %s %s\r\n' % (text[:2].encode().hex(),
                                 text[2:].encode().hex()))
    r = c.line()
    new = exps() - before
    check(r == text.rstrip('\r\n').replace(srv.replace('.', ','),
                                            target.replace('.', ',')) and
          len(new) == 1,
          'split 227 ("22" + "7 ..."): arrives whole, expected (%r, %s)'
          % (r, sorted(new)))
    m = re.search(r'\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)', r or '')
    d = data_get('.'.join(m.groups()[:4]),
                 int(m.group(5)) * 256 + int(m.group(6))) if m else None
    check(d is not None and d.startswith('DATA-OK'),
          'split 227: data connection works')

    # a 227 split inside its numbers: under NAT the gateway holds the
    # first part back until TCP resends it with the rest (the client is
    # the NATed side here, so the text stays the same: this shows that
    # holding back delivers the reply whole and in time, not a rewrite)
    before = exps()
    c.cmd('DATA 50125')
    text = '227 Entering Passive Mode (%s)\r\n' % port_args(srv, 50125)
    cut = text.index('(') + 5
    t0 = time.time()
    c.send('SPLIT %s %s\r\n' % (text[:cut].encode().hex(),
                                 text[cut:].encode().hex()))
    r = c.line()
    new = exps() - before
    check(r == text.rstrip('\r\n').replace(srv.replace('.', ','),
                                            target.replace('.', ',')) and
          len(new) == 1,
          '227 split inside the numbers: arrives whole, expected (%r, %s, '
          '%.1f s)' % (r, sorted(new), time.time() - t0))
    m = re.search(r'\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)', r or '')
    d = data_get('.'.join(m.groups()[:4]),
                 int(m.group(5)) * 256 + int(m.group(6))) if m else None
    check(d is not None and d.startswith('DATA-OK'),
          '227 split inside the numbers: data connection works')
    alive('after the split 227')

    # a proper 229
    before = exps()
    c.cmd('DATA 50130')
    r = say('229 Entering Extended Passive Mode (|||50130|)')
    new = exps() - before
    check(len(new) == 1 and list(new)[0][1] == target,
          'proper 229: one expectation to %s (%s)' % (target, sorted(new)))
    m = re.search(r'\(\|\|\|(\d+)\|\)', r or '')
    d = data_get(a.host, int(m.group(1))) if m else None
    check(d is not None and d.startswith('DATA-OK'),
          'proper 229 (client got %r): data connection works' % r)
    alive('at the end')
    bounded('at the end')
    c.cmd('QUIT')
    c.close()
    return 0


# ------------------------------------------------------------ hold, greet


def cmd_hold(a):
    c = Ctl(a.host, a.port)
    if not login(c):
        log('login failed')
        return 1
    pasv = None
    for cmd in a.cmd:
        r = c.cmd(cmd)
        log('%s -> %r' % (cmd, r))
        if cmd == 'PASV':
            pasv = r
    out('ready')
    what = ''
    for _ in range(3000):
        try:
            with open(a.ctl) as fp:
                what = fp.read().strip()
        except OSError:
            pass
        if what:
            break
        time.sleep(0.1)
    if what == 'list':
        return hold_list(c, pasv)
    if what == 'rst':
        c.rst()
    else:
        c.close()
    out('closed ' + (what or 'timeout'))
    return 0


def hold_list(c, pasv):
    """The data connection of the held PASV, opened only now, for a LIST."""
    m = re.search(r'\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)', pasv or '')
    if not m:
        out('list: no 227 reply (%r)' % pasv)
        return 1
    host = '.'.join(m.groups()[:4])
    port = int(m.group(5)) * 256 + int(m.group(6))
    try:
        d = socket.create_connection((host, port), timeout=10)
    except OSError as e:
        out('list: data connection to %s:%d failed: %s' % (host, port, e))
        return 1
    r1 = c.cmd('LIST')
    data = b''
    d.settimeout(10)
    try:
        while True:
            chunk = d.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        out('list: data connection broke: %s' % e)
        return 1
    d.close()
    r2 = c.reply()
    c.close()
    out('listed %d bytes: %s / %s' % (len(data), r1, r2))
    return 0 if r2 and r2.startswith('226') else 1


def cmd_greet_client(a):
    c = Ctl(a.host, a.port)
    r = c.line()
    diag('greeting as the client got it: %r' % r)
    m = re.search(r'\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)', r or '')
    check(m is not None and '.'.join(m.groups()[:4]) == a.host,
          '227 greeting names the address the client dialled, %s' % a.host)
    if m:
        host = '.'.join(m.groups()[:4])
        port = int(m.group(5)) * 256 + int(m.group(6))
        d = data_get(host, port)
        check(d is not None and d.startswith('DATA-OK'),
              'data connection to the 227 greeting\'s address works (%r)' % d)
    r = c.cmd('NOOP')
    check(r == '200 ok', 'control connection still works after it (%r)' % r)
    r = c.cmd('SAY 211 end of test')
    check(r == '211 end of test', 'and carries more replies (%r)' % r)
    c.cmd('QUIT')
    c.close()
    return 0


def cmd_port_list(a):
    c = Ctl(a.host, a.port)
    if not login(c):
        log('login failed')
        return 1
    r = c.cmd('PORT ' + port_args(a.own, a.data_port))
    out('PORT -> %r' % r)
    lst = active_list(c, a.own, a.data_port, timeout=a.timeout)
    out('LIST -> %s' % ('ok' if lst is not None else 'failed'))
    c.cmd('QUIT')
    c.close()
    return 0 if lst is not None else 1


def cmd_lost_announce(a):
    """PORT (or, from the fake server, a 227) whose first transmission
    is dropped after the gateway: the retransmission must be rewritten
    the same way, and the control connection must go on."""
    gw = ['ip', 'netns', 'exec', a.gw_ns, 'tc']

    def tc(*args):
        return subprocess.run(gw + list(args), capture_output=True,
                              text=True, timeout=20)

    c = Ctl(a.host, a.port)
    if not check(login(c), 'login'):
        return 1
    r = c.cmd('NOOP')
    # drop data segments (IP length 64..127) to the server's port 21
    # leaving the gateway, until the filter is removed
    tc('qdisc', 'del', 'dev', a.dev, 'root')
    r1 = tc('qdisc', 'add', 'dev', a.dev, 'root', 'handle', '1:', 'prio')
    r2 = tc('filter', 'add', 'dev', a.dev, 'parent', '1:', 'prio', '1',
            'protocol', 'ip', 'u32', 'match', 'ip', 'dport', str(a.port),
            '0xffff', 'match', 'u16', '0x0040', '0xffc0', 'at', '2',
            'action', 'drop')
    if not check(r1.returncode == 0 and r2.returncode == 0,
                 'tc filter dropping the next data segment to port %d '
                 'on %s' % (a.port, a.dev)):
        diag('tc: %s %s' % (r1.stderr.strip(), r2.stderr.strip()))
        return 1
    t0 = time.time()
    c.send('PORT %s\r\n' % port_args(a.own, a.data_port))
    dropped = 0
    while time.time() - t0 < 5:
        st = tc('-s', 'filter', 'show', 'dev', a.dev).stdout
        m = re.search(r'dropped (\d+)', st)
        dropped = int(m.group(1)) if m else 0
        if dropped:
            break
        time.sleep(0.05)
    tc('qdisc', 'del', 'dev', a.dev, 'root')
    check(dropped >= 1, 'the first transmission of the PORT segment was '
          'dropped behind the gateway (%d)' % dropped)
    r = c.reply(15)
    diag('reply to the retransmitted PORT: %r (%.1f s)'
         % (r, time.time() - t0))
    check(r is not None and r.startswith('200'),
          'the retransmitted PORT reached the server rewritten (%r)' % r)
    lst = active_list(c, a.own, a.data_port) if r and r.startswith('200') \
        else None
    check(lst is not None and 'pub' in lst,
          'LIST over the retransmitted PORT\'s data connection works')
    r = c.cmd('NOOP', 10)
    check(r is not None and r.startswith('200'),
          'the control connection still works (NOOP -> %r)' % r)
    c.close()
    return 0


def cmd_full_expect(a):
    """Under NAT, with the expectation table full (expect_max=1 on the
    gateway), a PORT cannot be rewritten: its segment is dropped, and must
    be read again as new when TCP resends it, once there is room."""
    def sysctl(v):
        return subprocess.run(['ip', 'netns', 'exec', a.gw_ns, 'sysctl',
                               '-qw', 'net.alg_conntrack.expect_max=%s' % v],
                              capture_output=True, timeout=20).returncode

    old = subprocess.run(['ip', 'netns', 'exec', a.gw_ns, 'sysctl', '-n',
                          'net.alg_conntrack.expect_max'],
                         capture_output=True, text=True, timeout=20)
    if not check(sysctl(1) == 0, 'expect_max=1 on the gateway'):
        return 1
    try:
        first = Ctl(a.host, a.port)
        second = Ctl(a.host, a.port)
        check(login(first) and login(second), 'two control connections')
        r = first.cmd('PORT ' + port_args(a.own, a.data_port))
        check(r is not None and r.startswith('200') and
              len(expects(a.gw_ns)) == 1,
              'the first PORT takes the only expectation (%r)' % r)
        second.send('PORT %s\r\n' % port_args(a.own, a.data_port + 1))
        r = second.reply(1.5)
        check(r is None, 'the second PORT cannot be rewritten: it is held '
              '(%r)' % r)
        lst = active_list(first, a.own, a.data_port)
        check(lst is not None and 'pub' in lst,
              'the first PORT\'s LIST uses up its expectation')
        r = second.reply(20)
        check(r is not None and r.startswith('200'),
              'then the retransmitted second PORT is rewritten (%r)' % r)
        lst = active_list(second, a.own, a.data_port + 1) \
            if r and r.startswith('200') else None
        check(lst is not None and 'pub' in lst,
              'and its LIST works over the data connection')
        first.close()
        second.close()
    finally:
        sysctl(old.stdout.strip() or 4096)
    return 0


# ------------------------------------------------------------ main


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--tag', help='prefix of the CHECK texts')
    sub = p.add_subparsers(dest='cmd', required=True)

    s = sub.add_parser('client')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--mode', required=True,
                   choices=['pasv', 'epsv', 'port', 'eprt'])
    s.add_argument('--op', action='append', required=True)
    s.add_argument('--timeout', type=float, default=30)
    s.add_argument('--gw-ns')
    s.set_defaults(fn=cmd_client)

    s = sub.add_parser('hostile-client')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--own', required=True)
    s.add_argument('--seen', required=True)
    s.add_argument('--gw-ns', required=True)
    s.add_argument('--third', default='10.0.2.99')
    s.add_argument('--gw-addrs', default='')
    s.add_argument('--split-numbers', action='store_true')
    s.add_argument('--bytewise', action='store_true',
                   help='also a PORT sent one byte per segment')
    s.add_argument('--base', type=int, default=50000,
                   help='data ports used are BASE+1..BASE+41')
    s.add_argument('--burst-base', type=int, default=40000,
                   help='the 1000 PORT commands use BURST_BASE..+999')
    s.set_defaults(fn=cmd_hostile_client)

    s = sub.add_parser('fake-server')
    s.add_argument('--listen', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--greeting')
    s.add_argument('--data-port', type=int, action='append')
    s.add_argument('--once', action='store_true')
    s.set_defaults(fn=cmd_fake_server)

    s = sub.add_parser('hostile-server')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--server-addr', required=True)
    s.add_argument('--client-addr', default='10.0.1.2')
    s.add_argument('--gw-ns', required=True)
    s.add_argument('--third', default='10.0.2.99')
    s.set_defaults(fn=cmd_hostile_server)

    s = sub.add_parser('hold')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--cmd', action='append', default=[])
    s.add_argument('--ctl', required=True)
    s.set_defaults(fn=cmd_hold)

    s = sub.add_parser('port-list')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--own', required=True)
    s.add_argument('--data-port', type=int, required=True)
    s.add_argument('--timeout', type=float, default=10)
    s.set_defaults(fn=cmd_port_list)

    s = sub.add_parser('lost-announce')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--own', required=True)
    s.add_argument('--data-port', type=int, required=True)
    s.add_argument('--gw-ns', required=True)
    s.add_argument('--dev', required=True)
    s.set_defaults(fn=cmd_lost_announce)

    s = sub.add_parser('full-expect')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.add_argument('--own', required=True)
    s.add_argument('--data-port', type=int, required=True)
    s.add_argument('--gw-ns', required=True)
    s.set_defaults(fn=cmd_full_expect)

    s = sub.add_parser('greet-client')
    s.add_argument('--host', required=True)
    s.add_argument('--port', type=int, default=21)
    s.set_defaults(fn=cmd_greet_client)

    a = p.parse_args()
    global TAG
    TAG = a.tag + ': ' if a.tag else ''
    try:
        return a.fn(a)
    except (OSError, ftplib.Error, EOFError) as e:
        log('error: %s: %s' % (type(e).__name__, e))
        if a.cmd in ('hostile-client', 'hostile-server', 'greet-client',
                     'lost-announce', 'full-expect'):
            check(False, '%s ended early with %s: %s' %
                  (a.cmd, type(e).__name__, e))
        return 1


if __name__ == '__main__':
    sys.exit(main())
