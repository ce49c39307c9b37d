# A client certificate obtained after the handshake belongs to the TLS
# session: resuming the session (TLS 1.3 ticket issued after post-handshake
# authentication, TLS 1.2 ticket of the renegotiation) without offering any
# certificate is still alice; the session never resumes on another site of
# the same port, even one that maps alice and trusts the same CA.
. "$(dirname "$0")/late_lib.sh"
h_init
late_site
mkdir -p "$T/www-b/secure"
printf 'certmap late site B\n' >"$T/www-b/secure/index.html"
cfg_site "Site B" 2 "$T/www-b"
cfg_https "127.0.0.1:$PORT:b.localhost" server-b
cfg_location "Site B" ssl="Ssl" anon=true certmap=true o2o=true
cfg_map alice alice alice-pw
cfg_location "Site B/secure" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false
h_start

s=$T/sess
for mode in "-tls1_3 -enable_pha" "-tls1_2"; do
    read -ra P <<<"$mode"
    rm -f "$s".*
    late_get alice /secure/ "${P[@]}" -sess_out "$s.a"
    adv_expect_tls "$mode alice late" 200
    [ "$CR_LATE" -ge 1 ] || h_fail "$mode: the certificate was not asked for late"
    expect_log 1 alice 200 0 /secure/
    [ -s "$s.a" ] || h_fail "$mode: no session saved"

    # Resumed without a certificate on the client side: still alice, nothing asked.
    late_get - /secure/ "${P[@]}" -sess_in "$s.a"
    [ "$TLS_REUSED" = 1 ] || h_fail "$mode: the session was not resumed$(adv_tls_show)"
    adv_expect_tls "$mode resumed" 200
    [ "$CR_HS$CR_LATE" = 00 ] || h_fail "$mode resumed: asked again (handshake $CR_HS, after $CR_LATE)"
    expect_log 1 alice 200 0 /secure/

    # Site B never resumes site A's session.
    LATE_SNI=b.localhost late_get - /secure/ "${P[@]}" -sess_in "$s.a"
    [ "$TLS_REUSED" = 0 ] || h_fail "$mode: site A's session resumed on site B"
    grep -aqF "certmap late site B" "$T/tls.out" && h_fail "$mode: site B served alice from A's session"
    adv_expect_tls "$mode A's session on B, no certificate" 403 7
    expect_log 2 - 403 7 /secure/
done

adv_pass
