# After a reload that removes the trusted client CA (the binding's
# clientCaFile now names another CA), a session resumed from before the
# reload no longer authenticates (Envoy CVE-2022-21654 class): every saved
# session (TLS 1.3 ticket, TLS 1.2 ticket, TLS 1.2 session ID) gets 403.16
# (resumed: its certificate no longer verifies) or 403.7 (full handshake
# without a certificate) -- never 200.  Same when a CRL revoking alice is
# added instead.
. "$(dirname "$0")/adv_lib.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw

# config CLIENTCA_ATTRS: the standard site with alice mapped.
config() {
    cfg_reset
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:localhost" server "$1"
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
    cfg_map alice alice alice-pw
    cfg_write
}
config "clientCaFile=\"$PKI/ca.crt\""
h_start

# reload_config CLIENTCA_ATTRS: rewrites the configuration and waits for the
# one reload that the file change triggers (inotify; SIGHUP when certmapd
# could not watch the file) to be finished, so that the sessions saved next
# are made under the new trust settings (a reload that changes the CA or the
# CRL flags ends the sessions made before it).
reload_config() {
    local n
    n=$(h_reloads)
    config "$1"
    if grep -aq 'for changes; reload with SIGHUP' "$T/certmapd.out"; then
        kill -HUP "$SERVER_PID" || h_fail "SIGHUP: certmapd is gone"
    fi
    h_reload_wait "$n"
    grep -a 'configuration reloaded\|reload failed' "$T/certmapd.out" | tail -n 1 |
        grep -aq 'configuration reloaded' || h_fail "the reload was refused"
}

MODES=("-tls1_3" "-tls1_2" "-tls1_2 -no_ticket")
save_sessions() { # TAG
    local i P
    for i in "${!MODES[@]}"; do
        read -ra P <<<"${MODES[$i]}"
        adv_tls_get localhost alice localhost / "${P[@]}" -sess_out "$T/sess.$1.$i"
        adv_expect_tls "${MODES[$i]} alice" 200
        if [ ! -s "$T/sess.$1.$i" ]; then
            [ "$i" = 2 ] || h_fail "${MODES[$i]}: no session saved"
            h_log "${MODES[$i]}: no resumable session without tickets (no session-ID cache); skipped"
            continue
        fi
        adv_tls_get localhost - localhost / "${P[@]}" -sess_in "$T/sess.$1.$i"
        [ "$TLS_REUSED" = 1 ] || [ "$i" = 2 ] || h_fail "${MODES[$i]}: alice's session does not resume (control)"
        [ "$TLS_REUSED" = 0 ] || adv_expect_tls "${MODES[$i]} alice resumed" 200
    done
}
check_sessions() { # TAG SUBSTATUS
    local i P who
    for i in "${!MODES[@]}"; do
        read -ra P <<<"${MODES[$i]}"
        [ -s "$T/sess.$1.$i" ] || continue
        for who in - alice; do
            adv_tls_get localhost "$who" localhost / "${P[@]}" -sess_in "$T/sess.$1.$i"
            h_log "old session ${MODES[$i]} offering '$who': HTTP $TLS_STATUS, resumed=$TLS_REUSED"
            [ "$TLS_STATUS" != 200 ] ||
                h_fail "$1: ${MODES[$i]}: session from before the reload (offering '$who') still authenticates, reused=$TLS_REUSED"
            if [ "$TLS_REUSED" = 1 ] || [ "$who" = alice ]; then
                adv_expect_tls "$1: ${MODES[$i]} old session ($who, reused=$TLS_REUSED)" 403 "$2"
            else
                adv_expect_tls "$1: ${MODES[$i]} old session, full handshake without certificate" 403 7
            fi
        done
    done
}
alice_is() { # STATUS
    adv_tls_get localhost alice localhost /
    [ "$TLS_STATUS" = "$1" ]
}

# 1. The trusted CA goes away.
save_sessions ca
reload_config "clientCaFile=\"$PKI/untrusted-ca.crt\""
alice_is 403 || h_fail "CA removed: fresh alice still gets HTTP $TLS_STATUS after the reload"
adv_expect_tls "CA removed: fresh alice" 403 16
check_sessions ca 16

# 2. Back to the demo CA, then a CRL revoking alice appears.
reload_config "clientCaFile=\"$PKI/ca.crt\""
alice_is 200 || h_fail "CA restored: alice gets HTTP $TLS_STATUS"
save_sessions crl
# A CRL of the demo CA listing alice's serial, made with `openssl ca`.
mkdir -p "$T/ca"
: >"$T/ca/index.txt"
echo 2000 >"$T/ca/crlnumber"
cat >"$T/ca/ca.cnf" <<CNF
[ ca ]
default_ca = c
[ c ]
database = $T/ca/index.txt
crlnumber = $T/ca/crlnumber
certificate = $PKI/ca.crt
private_key = $PKI/ca.key
default_md = sha256
default_crl_days = 30
CNF
openssl ca -config "$T/ca/ca.cnf" -revoke "$PKI/alice.crt" >/dev/null 2>&1 || h_fail "openssl ca -revoke failed"
openssl ca -config "$T/ca/ca.cnf" -gencrl -out "$T/ca/crl.pem" >/dev/null 2>&1 || h_fail "openssl ca -gencrl failed"
openssl verify -CAfile "$PKI/ca.crt" -crl_check -CRLfile "$T/ca/crl.pem" "$PKI/alice.crt" >/dev/null 2>&1 &&
    h_fail "the new CRL does not revoke alice"
reload_config "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$T/ca/crl.pem\""
alice_is 403 || h_fail "CRL added: fresh alice still gets HTTP $TLS_STATUS"
adv_expect_tls "CRL added: fresh alice" 403 13
check_sessions crl 13
adv_pass
