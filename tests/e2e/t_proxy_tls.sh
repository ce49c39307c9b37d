# An https upstream: verified against the system store by default (the demo CA is not in it:
# 502.3), then against <certmap><upstream caFile>, with SNI and the host name checked (a
# certificate for another name: 502.3); a reload to another CA does not reuse a connection
# verified under the old one.  A Unix-socket upstream (http://unix:/path.sock:/path).
. "$(dirname "$0")/proxy_lib.sh"
h_init
h_port UPS
h_port UPB
SOCK=$T/up.sock
PX_RULES="
        <rule name=\"tls\" stopProcessing=\"true\"><match url=\"^tls/(.*)\" />
          <action type=\"Rewrite\" url=\"https://localhost:$UPS/{R:1}\" /></rule>
        <rule name=\"tls by address\" stopProcessing=\"true\"><match url=\"^tlsip/(.*)\" />
          <action type=\"Rewrite\" url=\"https://127.0.0.1:$UPS/{R:1}\" /></rule>
        <rule name=\"wrong name\" stopProcessing=\"true\"><match url=\"^wrongname/(.*)\" />
          <action type=\"Rewrite\" url=\"https://localhost:$UPB/{R:1}\" /></rule>
        <rule name=\"unix\" stopProcessing=\"true\"><match url=\"^sock/(.*)\" />
          <action type=\"Rewrite\" url=\"http://unix:$SOCK:/{R:1}\" /></rule>"
px_std
up=("$CERTMAP_SRCDIR/tests/upstream.py")
h_bg python3 "${up[@]}" --port "$UPS" --record "$T/tls.jsonl" --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key"
h_bg python3 "${up[@]}" --port "$UPB" --record "$T/tlsb.jsonl" --tls-cert "$PKI/server-b.crt" --tls-key "$PKI/server-b.key"
h_bg python3 "${up[@]}" --unix "$SOCK" --record "$T/unix.jsonl"
px_wait_port "$UPS"
px_wait_port "$UPB"
for i in $(seq 1 $((100 * H_SLOW))); do
    [ -S "$SOCK" ] && break
    sleep 0.05
done
[ -S "$SOCK" ] || h_fail "the upstream does not listen on $SOCK"
px_go
REC=$T/tls.jsonl

# no caFile: the system store, which does not hold the demo CA
req alice /tls/a
expect_status 502 3
expect_body_lacks "localhost:$UPS"
grep -aq "proxy to https://localhost:$UPS: TLS: certificate verify failed: unable to get local issuer certificate" "$T/certmapd.out" ||
    h_fail "the error log does not name the verification failure: $(grep -a 'proxy to' "$T/certmapd.out" | tail -n 2)"

H_UPSTREAM="caFile=\"$PKI/ca.crt\""
px_reload
req alice /tls/b?q=1
expect_status 200
[ "$(px_last .target)" = "/b?q=1" ] || h_fail "target over TLS: $(px_last .target)"
[ "$(px_last .sni)" = localhost ] || h_fail "SNI sent: $(px_last .sni)"
# an address: checked against the certificate's IP SAN, and no SNI (RFC 6066 forbids addresses)
req alice /tlsip/c
expect_status 200
[ "$(px_last .target)" = /c ] && [ "$(px_last .sni)" = null ] || h_fail "by address: $(tail -n 1 "$REC" | cut -c1-200)"
# the demo CA signed it, but for b.localhost: the name check fails
req alice /wrongname/d
expect_status 502 3
grep -aq "proxy to https://localhost:$UPB: TLS: certificate verify failed: hostname mismatch" "$T/certmapd.out" ||
    h_fail "the error log does not name the host name mismatch: $(grep -a 'proxy to' "$T/certmapd.out" | tail -n 2)"
[ ! -s "$T/tlsb.jsonl" ] || h_fail "a request went to the upstream whose name does not match"

# another CA: pooled connections verified under the old one are not reused
for i in 1 2 3 4; do
    req alice "/tls/warm$i"
    expect_status 200
done
H_UPSTREAM="caFile=\"$PKI/untrusted-ca.crt\""
px_reload
n=$(wc -l <"$REC")
for i in 1 2 3 4; do
    req alice "/tls/after$i"
    expect_status 502 3
done
[ "$(wc -l <"$REC")" = "$n" ] || h_fail "a connection verified under the old caFile was reused"

# a Unix socket: the path after the socket's ':' is the target, Host is "localhost"
REC=$T/unix.jsonl
req alice '/sock/u/v?w=1'
expect_status 200
expect_log 1 alice 200 0 /sock/u/v
[ "$(px_last .target)" = "/u/v?w=1" ] || h_fail "unix target: $(px_last .target)"
[ "$(px_headers Host)" = localhost ] || h_fail "unix Host: $(px_headers Host)"

h_stop
h_pass
