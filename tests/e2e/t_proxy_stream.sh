# Bodies stream through the proxy with bounded memory: PX_MIB MiB (256, or 1024 with
# `make test-long`) up (Content-Length and chunked, from a generated stream) and down
# (Content-Length, chunked, until close), certmapd's RSS sampled meanwhile and kept
# within PX_RSS_BOUND_MIB of its size before; Expect: 100-continue; WebSocket echo.
. "$(dirname "$0")/proxy_lib.sh"
h_init
px_std
MIB=${PX_MIB:-256}
BOUND=${PX_RSS_BOUND_MIB:-16}
# ASan keeps freed blocks in quarantine (256 MiB), which OpenSSL's released record buffers
# fill: measured with a small quarantine, RSS shows what certmapd holds, not what ASan keeps.
H_ENV+=("ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=1")
px_go
N=$((MIB * 1024 * 1024))

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
req alice /warm
expect_status 200
base=$(rss_kib)
peak_file=$T/peak
echo "$base" >"$peak_file"
sampler() {
    local p
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        p=$(rss_kib)
        [ -n "$p" ] && [ "$p" -gt "$(cat "$peak_file")" ] && echo "$p" >"$peak_file"
        sleep 0.1
    done
}
h_bg sampler
curl_px() {
    curl -sS --noproxy '*' --max-time $((60 * H_SLOW)) --cacert "$PKI/ca.crt" \
        --cert "$PKI/alice.crt" --key "$PKI/alice.key" --resolve "localhost:$PORT:127.0.0.1" "$@"
}
want=$(python3 "$CERTMAP_SRCDIR/tests/upstream.py" --record /dev/null --gen-hash "$N")

# upload, Content-Length: from a sparse file (curl would read stdin or @file whole into memory)
truncate -s "$N" "$T/zeros"
curl_px -o /dev/null -X POST -T "$T/zeros" "https://localhost:$PORT/up" 2>"$T/up.err" ||
    h_fail "upload with Content-Length failed: $(cat "$T/up.err")"
[ "$(px_last .body_len)" = "$N" ] || h_fail "upstream got $(px_last .body_len) bytes of $N"
[ "$(px_last .body_sha256)" = "$(head -c "$N" /dev/zero | sha256sum | cut -d' ' -f1)" ] || h_fail "upload corrupted"
# upload, chunked
{ head -c "$N" /dev/zero || true; } | curl_px -o /dev/null -T - "https://localhost:$PORT/up-chunked" ||
    h_fail "chunked upload failed"
[ "$(px_last .chunked)" = true ] && [ "$(px_last .body_len)" = "$N" ] || h_fail "chunked upload: $(tail -n1 "$REC" | cut -c1-200)"
# downloads
for kind in gen gen-chunked gen-close; do
    got=$(curl_px "https://localhost:$PORT/$kind/$N" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$want" ] || h_fail "download /$kind: body differs"
done
peak=$(cat "$peak_file")
growth=$(((peak - base) / 1024))
h_log "RSS before ${base} KiB, peak ${peak} KiB: +${growth} MiB for ${MIB} MiB each way (bound ${BOUND} MiB)"
[ "$growth" -le "$BOUND" ] || h_fail "RSS grew by $growth MiB (bound $BOUND MiB)"
# the kernel's own peak (VmHWM) covers what a 0.1 s sampler can miss
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
h_log "VmHWM ${hwm} KiB after ${MIB} MiB each way"

# Expect: 100-continue: certmapd answers 100 itself once the request is admitted
head -c 100000 /dev/zero >"$T/small"
curl_px -o "$T/out" -D "$T/h" -H 'Expect: 100-continue' --data-binary @"$T/small" "https://localhost:$PORT/expect" ||
    h_fail "Expect: 100-continue request failed"
grep -q "^HTTP/1.1 100" "$T/h" || h_fail "no 100 Continue"
[ "$(px_last .body_len)" = 100000 ] || h_fail "Expect: body of $(px_last .body_len) bytes"
[ -z "$(px_headers Expect)" ] || h_fail "Expect went upstream"

# WebSocket echo through the tunnel
python3 - "$PORT" "$PKI" <<'PY' || h_fail "WebSocket echo failed"
import base64, os, socket, ssl, struct, sys
port, pki = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/alice.crt", pki + "/alice.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /ws HTTP/1.1\r\nHost: localhost:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode())
f = s.makefile("rb")
status = f.readline()
assert b" 101 " in status, status
while f.readline() not in (b"\r\n", b""):
    pass
for msg in (b"hello", b"x" * 3000):
    mask = os.urandom(4)
    hdr = bytes([0x81]) + (bytes([0x80 | len(msg)]) if len(msg) < 126 else struct.pack("!BH", 0x80 | 126, len(msg)))
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
    h = f.read(2)
    ln = h[1] & 0x7F
    if ln == 126:
        ln = struct.unpack("!H", f.read(2))[0]
    assert f.read(ln) == msg
s.sendall(bytes([0x88, 0x80]) + b"\0\0\0\0")
PY

h_stop
h_pass
