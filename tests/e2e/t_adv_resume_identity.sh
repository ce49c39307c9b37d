# A resumed TLS session carries exactly the identity of its original
# handshake: alice's session resumed while the client offers carol's
# certificate is still alice (and the reverse); a session whose certificate
# failed verification (untrusted 403.16, expired 403.17) keeps failing the
# same way when resumed; a session without certificate never becomes an
# authenticated one.  TLS 1.3 tickets, TLS 1.2 tickets and TLS 1.2 session IDs.
. "$(dirname "$0")/adv_lib.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw
h_account carol carol-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:localhost"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_map carol carol carol-pw
h_start

for mode in "-tls1_3" "-tls1_2" "-tls1_2 -no_ticket"; do
    read -ra P <<<"$mode"
    s=$T/sess
    rm -f "$s".*

    # alice's session, resumed while offering carol's certificate.
    adv_tls_get localhost alice localhost / "${P[@]}" -sess_out "$s.alice"
    adv_expect_tls "$mode alice" 200
    expect_log 1 alice 200 0 /
    if [ "$mode" = "-tls1_2 -no_ticket" ] && [ ! -s "$s.alice" ]; then
        h_log "$mode: no resumable session without tickets (no session-ID cache); skipped"
        continue
    fi
    adv_tls_get localhost carol localhost / "${P[@]}" -sess_in "$s.alice"
    [ "$TLS_REUSED" = 1 ] || h_fail "$mode: alice's session was not resumed"
    adv_expect_tls "$mode resumed alice offering carol" 200
    expect_log 1 alice 200 0 /
    adv_tls_get localhost - localhost / "${P[@]}" -sess_in "$s.alice"
    [ "$TLS_REUSED" = 1 ] || h_fail "$mode: alice's session was not resumed (no certificate offered)"
    adv_expect_tls "$mode resumed alice without a certificate" 200
    expect_log 1 alice 200 0 /

    # The reverse.
    adv_tls_get localhost carol localhost / "${P[@]}" -sess_out "$s.carol"
    adv_expect_tls "$mode carol" 200
    adv_tls_get localhost alice localhost / "${P[@]}" -sess_in "$s.carol"
    [ "$TLS_REUSED" = 1 ] || h_fail "$mode: carol's session was not resumed"
    adv_expect_tls "$mode resumed carol offering alice" 200
    expect_log 1 carol 200 0 /

    # Failed verifications stay failed.
    for c in untrusted:16 expired:17; do
        who=${c%%:*} sub=${c#*:}
        adv_tls_get localhost "$who" localhost / "${P[@]}" -sess_out "$s.$who"
        adv_expect_tls "$mode $who" 403 "$sub"
        if [ -s "$s.$who" ]; then
            adv_tls_get localhost alice localhost / "${P[@]}" -sess_in "$s.$who"
            if [ "$TLS_REUSED" = 1 ]; then
                adv_expect_tls "$mode resumed $who session offering alice" 403 "$sub"
                expect_log 1 - 403 "$sub" /
            else
                adv_expect_tls "$mode $who session not resumed, alice full handshake" 200
            fi
        fi
    done

    # No certificate: 403.7, and resuming that session while offering
    # alice's certificate cannot add one.
    adv_tls_get localhost - localhost / "${P[@]}" -sess_out "$s.none"
    adv_expect_tls "$mode no certificate" 403 7
    if [ -s "$s.none" ]; then
        adv_tls_get localhost alice localhost / "${P[@]}" -sess_in "$s.none"
        if [ "$TLS_REUSED" = 1 ]; then
            adv_expect_tls "$mode resumed certificate-less session offering alice" 403 7
        else
            adv_expect_tls "$mode certificate-less session not resumed, alice full handshake" 200
        fi
    fi
done
adv_pass
