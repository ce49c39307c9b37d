# certmapd stops reading a socket once a read came back short (edge-triggered
# epoll brings the next bytes): what arrives in the same burst as a request
# must still be seen.  Pipelined requests in separate TLS records and in one
# record, a request followed at once by close_notify and the FIN, or by the
# FIN alone (TLS and plain HTTP): every request is answered, the connection
# stays usable after a burst, and a closing client is let go at once, not
# after the idle timeout (300 s here).
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_port HPORT
H_WAIT_PORTS+=("$HPORT")
cfg_http "127.0.0.1:$HPORT:"
H_LIMITS='idleTimeoutSeconds="300"'
h_start

python3 - "$PORT" "$HPORT" "$PKI" $((20 * H_SLOW)) <<'PY' || h_fail "read edges: see above"
import socket, ssl, sys, time

port, hport, pki, bound = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
REQ = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/alice.crt", pki + "/alice.key")
failed = []


class Tls:
    """TLS over a plain socket through memory BIOs: records are sent when and as we say."""

    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname="localhost")
        self.eof = False
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.flush()
                self.pull(bound)
        self.flush()

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def pull(self, timeout):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if not data:
            self.inc.write_eof()
            self.eof = True
        else:
            self.inc.write(data)

    def records(self, *chunks):
        """Each chunk its own record, all of them in one send()."""
        for c in chunks:
            self.obj.write(c)
        self.flush()

    def read_until(self, responses, deadline):
        """Plaintext until that many status lines (or the connection's end)."""
        got = b""
        while got.count(b"HTTP/1.1 200") < responses and time.monotonic() < deadline:
            try:
                got += self.obj.read(65536)
                continue
            except (ssl.SSLWantReadError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
                pass
            if self.eof:
                break
            try:
                self.pull(max(0.01, deadline - time.monotonic()))
            except socket.timeout:
                break
        return got

    def closed_within(self, deadline):
        """True when the server ends the connection (its FIN) before deadline."""
        if self.eof:
            return True
        while time.monotonic() < deadline:
            try:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except ConnectionResetError:
                return True
        return False


def check(what, cond):
    if not cond:
        failed.append(what)
        print("FAIL:", what)


# three requests, three records, one segment; then two requests in one record
t = Tls()
t.records(REQ, REQ, REQ)
got = t.read_until(3, time.monotonic() + bound)
check("3 pipelined records: %d answers" % got.count(b"HTTP/1.1 200"), got.count(b"HTTP/1.1 200") == 3)
t.records(REQ + REQ)
got = t.read_until(2, time.monotonic() + bound)
check("2 requests in one record: %d answers" % got.count(b"HTTP/1.1 200"), got.count(b"HTTP/1.1 200") == 2)
# the connection still reads after the bursts
t.records(REQ)
got = t.read_until(1, time.monotonic() + bound)
check("request after the bursts: %d answers" % got.count(b"HTTP/1.1 200"), got.count(b"HTTP/1.1 200") == 1)
t.sock.close()

# a request, close_notify and the FIN in one burst
t = Tls()
t.obj.write(REQ)
try:
    t.obj.unwrap()
except ssl.SSLWantReadError:
    pass
t.flush()
t.sock.shutdown(socket.SHUT_WR)
got = t.read_until(1, time.monotonic() + bound)
check("request + close_notify + FIN: %d answers" % got.count(b"HTTP/1.1 200"), got.count(b"HTTP/1.1 200") == 1)
check("request + close_notify + FIN: still open", t.closed_within(time.monotonic() + bound))
t.sock.close()

# a request and the FIN without close_notify
t = Tls()
t.records(REQ)
t.sock.shutdown(socket.SHUT_WR)
got = t.read_until(1, time.monotonic() + bound)
check("request + FIN: %d answers" % got.count(b"HTTP/1.1 200"), got.count(b"HTTP/1.1 200") == 1)
check("request + FIN: still open", t.closed_within(time.monotonic() + bound))
t.sock.close()

# plain HTTP: two requests and the FIN in one burst (the site requires TLS: 403.4 each)
s = socket.create_connection(("127.0.0.1", hport))
s.sendall(REQ + REQ)
s.shutdown(socket.SHUT_WR)
s.settimeout(bound)
got, t0 = b"", time.monotonic()
try:
    while time.monotonic() - t0 < bound:
        d = s.recv(65536)
        if not d:
            break
        got += d
    else:
        got = None
except socket.timeout:
    got = None
except ConnectionResetError:
    pass
check("plain request + FIN: still open", got is not None)
check("plain 2 requests + FIN: answers", got is None or got.count(b"HTTP/1.1 ") == 2)
s.close()
sys.exit(1 if failed else 0)
PY

h_stop
h_pass
