# After a reload that removes a mapping, a session resumed from before the
# reload no longer authenticates (the class of Envoy CVE-2022-21654): alice
# saves sessions (TLS 1.3 ticket, TLS 1.2 ticket, TLS 1.2 session ID), her
# mapping is removed with `certmap remove mapping`, and once the server has
# reloaded, every one of those sessions gets 401.2 (resumed) or 403.7 (full
# handshake without a certificate) -- never 200.  Re-adding the mapping with
# `certmap add mapping` makes her work again.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_start
SITE="Default Web Site"

MODES=("-tls1_3" "-tls1_2" "-tls1_2 -no_ticket")
for i in "${!MODES[@]}"; do
    read -ra P <<<"${MODES[$i]}"
    adv_tls_get localhost alice localhost / "${P[@]}" -sess_out "$T/sess.$i"
    adv_expect_tls "${MODES[$i]} alice" 200
    if [ ! -s "$T/sess.$i" ]; then
        [ "$i" = 2 ] || h_fail "${MODES[$i]}: no session saved"
        h_log "${MODES[$i]}: no resumable session without tickets (no session-ID cache); skipped"
        continue
    fi
    adv_tls_get localhost - localhost / "${P[@]}" -sess_in "$T/sess.$i"
    RESUMES[$i]=$TLS_REUSED
    [ "$TLS_REUSED" = 1 ] || [ "$i" = 2 ] || h_fail "${MODES[$i]}: alice's session does not resume (control)"
    [ "$TLS_REUSED" = 0 ] || adv_expect_tls "${MODES[$i]} alice resumed" 200
done

"$CERTMAP" -c "$CFG" remove mapping --site "$SITE" --cert "$PKI/alice.crt" >"$T/cli.out" 2>&1 ||
    h_fail "certmap remove mapping failed: $(cat "$T/cli.out")"
grep -q "$(cert_b64 alice | head -c 40)" "$CFG" && h_fail "alice's mapping is still in the file"

alice_refused() {
    adv_tls_get localhost alice localhost /
    [ "$TLS_STATUS" = 401 ]
}
# The configuration file changed: certmapd reloads by itself (inotify).
deadline=$((SECONDS + 5 * H_SLOW))
until alice_refused; do
    if [ $SECONDS -ge $deadline ]; then
        h_log "NOTE: no reload 5 s after the file changed (inotify); sending SIGHUP"
        adv_reload_until alice_refused || h_fail "alice still gets HTTP $TLS_STATUS 10 s after SIGHUP"
        break
    fi
    sleep 0.2
done
adv_expect_tls "fresh alice after the removal" 401 2

for i in "${!MODES[@]}"; do
    read -ra P <<<"${MODES[$i]}"
    [ -s "$T/sess.$i" ] || continue
    for who in - alice; do
        adv_tls_get localhost "$who" localhost / "${P[@]}" -sess_in "$T/sess.$i"
        h_log "old session ${MODES[$i]} offering '$who': HTTP $TLS_STATUS, resumed=$TLS_REUSED"
        [ "$TLS_STATUS" != 200 ] ||
            h_fail "${MODES[$i]}: session from before the reload (offering '$who') still authenticates: HTTP 200, reused=$TLS_REUSED"
        if [ "$TLS_REUSED" = 1 ]; then
            adv_expect_tls "${MODES[$i]} resumed old session ($who)" 401 2
        elif [ "$who" = - ]; then
            adv_expect_tls "${MODES[$i]} old session, full handshake without certificate" 403 7
        else
            adv_expect_tls "${MODES[$i]} old session, full handshake with alice" 401 2
        fi
        expect_log 1 - "$TLS_STATUS" "$([ "$TLS_STATUS" = 401 ] && echo 2 || echo 7)" /
    done
done

# Mapping back: alice is served again (the reload path works both ways).
printf 'alice-pw\n' | "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$PKI/alice.crt" --user alice \
    --password-stdin >"$T/cli.out" 2>&1 || h_fail "certmap add mapping failed: $(cat "$T/cli.out")"
alice_ok() {
    adv_tls_get localhost alice localhost /
    [ "$TLS_STATUS" = 200 ]
}
adv_reload_until alice_ok || h_fail "alice not served again after re-adding her mapping (HTTP $TLS_STATUS)"
expect_log 1 alice 200 0 /
adv_pass
