# The benchmark load generator (bench/mtls-load) counts right: against the
# real certmapd, a bounded run reports exactly the requests it made with the
# statuses the server answered (200 for a mapped certificate, 401 for an
# unmapped one), and its handshake, resume and idle modes do what they say.
. "$(dirname "$0")/harness.sh"
LOAD=${CERTMAP_BINDIR}/mtls-load
[ -x "$LOAD" ] || h_fail "$LOAD is not built"
h_init
h_std
h_start

jnum() { grep -o "\"$1\":[0-9.]*" <<<"$2" | head -n 1 | cut -d: -f2; }
run_load() { # CERT ARGS... -> OUT
    local who=$1
    shift
    OUT=$(timeout $((30 * H_SLOW)) "$LOAD" --port "$PORT" --cacert "$PKI/ca.crt" \
        --cert "$PKI/$who.crt" --key "$PKI/$who.key" --path /index.html "$@") ||
        h_fail "mtls-load failed: $OUT"
    h_log "$OUT"
}

# keep-alive, a bounded count: exactly 200 requests, all 200, on 4 connections.
run_load alice --mode keepalive --connections 4 --duration $((20 * H_SLOW)) --requests 200
[ "$(jnum requests "$OUT")" = 200 ] || h_fail "keepalive: expected 200 requests"
grep -q '"status":{"200":200}' <<<"$OUT" || h_fail "keepalive: expected 200 x 200"
grep -q '"errors":{"connect":0,"handshake":0,"io":0,"http":0,"timeout":0}' <<<"$OUT" ||
    h_fail "keepalive: errors reported"
[ "$(jnum handshakes "$OUT")" = 4 ] || h_fail "keepalive: expected 4 handshakes (one per connection)"

# pipelined keep-alive: 10 batches of 5.
run_load alice --mode keepalive --connections 1 --pipeline 5 --duration $((20 * H_SLOW)) --requests 50
grep -q '"status":{"200":50}' <<<"$OUT" || h_fail "pipeline: expected 50 x 200"

# An unmapped certificate: every request counted as 401.
run_load carol --mode keepalive --connections 2 --duration $((20 * H_SLOW)) --requests 20
grep -q '"status":{"401":20}' <<<"$OUT" || h_fail "unmapped: expected 20 x 401"

# handshake mode: a full handshake per request, none resumed.
run_load alice --mode handshake --tls 1.3 --connections 1 --duration $((20 * H_SLOW)) --requests 10
grep -q '"status":{"200":10}' <<<"$OUT" || h_fail "handshake: expected 10 x 200"
[ "$(jnum handshakes "$OUT")" = 10 ] || h_fail "handshake: expected 10 handshakes"
[ "$(jnum resumed "$OUT")" = 0 ] || h_fail "handshake: nothing may resume"

# resume mode: after each connection's first handshake, sessions resume.
run_load alice --mode resume --tls 1.2 --connections 1 --duration $((20 * H_SLOW)) --requests 10
grep -q '"status":{"200":10}' <<<"$OUT" || h_fail "resume: expected 10 x 200"
[ "$(jnum resumed "$OUT")" = 9 ] || h_fail "resume: expected 9 resumed handshakes"

# idle mode: every connection authenticates once, then stays open.
run_load alice --mode idle --connections 20 --duration 2
[ "$(jnum established_idle "$OUT")" = 20 ] || h_fail "idle: expected 20 idle connections"
grep -q '"status":{"200":20}' <<<"$OUT" || h_fail "idle: expected 20 x 200"

# Only loopback targets are accepted.
"$LOAD" --host 192.0.2.1 --port "$PORT" --cacert "$PKI/ca.crt" >/dev/null 2>&1 &&
    h_fail "mtls-load accepted a non-loopback target"

h_stop
h_pass
