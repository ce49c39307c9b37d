# With shared ticket keys a session survives a reload (same keys, and the
# session context leaves the generation out), so its certificate is verified
# again at resumption: after the client CA file (same path, so the same
# session context) is overwritten with another CA, alice's old session (TLS
# 1.3 and 1.2) is not resumed and gets 403.7 without a certificate, never 200.
. "$(dirname "$0")/adv_lib.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw
KEYS=$T/ticket.keys
"$CERTMAP" ticket-keys rotate --file "$KEYS" >/dev/null 2>&1 || h_fail "rotate failed"
config() {
    cfg_reset
    H_SERVER+=" ticketKeyFile=\"$KEYS\""
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:localhost" server "$1"
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
    cfg_map alice alice alice-pw
    cfg_write
}
reload_config() { # CA-FILE: its content becomes the trusted CA (the file is watched)
    local n
    n=$(h_reloads)
    cp "$1" "$T/trust.tmp" && mv "$T/trust.tmp" "$T/trust.pem"
    h_reload_wait "$n"
    grep -a 'configuration reloaded\|reload failed' "$T/certmapd.out" | tail -n 1 |
        grep -aq 'configuration reloaded' || h_fail "the reload was refused"
}
cp "$PKI/ca.crt" "$T/trust.pem"
config "clientCaFile=\"$T/trust.pem\""
h_start

for proto in -tls1_3 -tls1_2; do
    tls_req localhost alice "$proto" -sess_out "$T/s$proto"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: alice: HTTP $TLS_STATUS"
done
# Control: with shared keys a session survives a reload that changes nothing it depends on.
reload_config "$PKI/ca.crt"
for proto in -tls1_3 -tls1_2; do
    tls_req localhost - "$proto" -sess_in "$T/s$proto"
    [ "$TLS_REUSED" = 1 ] && [ "$TLS_STATUS" = 200 ] ||
        h_fail "$proto: the session does not survive a reload with shared keys (reused=$TLS_REUSED HTTP $TLS_STATUS)"
done
reload_config "$PKI/untrusted-ca.crt"
for proto in -tls1_3 -tls1_2; do
    tls_req localhost - "$proto" -sess_in "$T/s$proto"
    [ "$TLS_STATUS" != 200 ] || h_fail "$proto: CA removed, yet the old session authenticates (reused=$TLS_REUSED)"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: CA removed, yet the old session resumed"
    [ "$TLS_STATUS" = 403 ] && grep -aqF "HTTP Error 403.7" "$T/tls.out" ||
        h_fail "$proto: old session after the CA change: HTTP $TLS_STATUS, expected 403.7"
done
h_pass
