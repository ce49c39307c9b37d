# Session resumption across sites (the class of nginx CVE-2025-23419 and
# Apache CVE-2025-23048): sites A (localhost) and B (b.localhost) share one
# port and even one server certificate, but trust different client CAs: A
# the demo CA, B only the "untrusted" CA.  alice (demo CA) is mapped on both,
# so only the trust store keeps her out of B.  A session alice made on A,
# offered with B's SNI (with or without B's Host, with no SNI at all), must
# get a full handshake or 403.7 -- never B's content and never a 200.  And
# the other way round for a session of B.  TLS 1.3 and 1.2.
. "$(dirname "$0")/adv_lib.sh"
h_init
mkdir -p "$T/www-b"
printf 'certmap e2e site A\n' >"$WWW/index.html"
printf 'certmap e2e site B\n' >"$T/www-b/index.html"
h_account alice alice-pw
h_account untrusted untrusted-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:localhost"
cfg_site "Site B" 2 "$T/www-b"
cfg_https "127.0.0.1:$PORT:b.localhost" server "clientCaFile=\"$PKI/untrusted-ca.crt\""
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_location "Site B" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_map untrusted untrusted untrusted-pw
h_start

not_b() { # LABEL: the last response is not B's content and not a 200
    grep -aqF "certmap e2e site B" "$T/tls.out" && h_fail "$1: site B's content served$(adv_tls_show)"
    [ "$TLS_STATUS" != 200 ] || h_fail "$1: HTTP 200 (reused=$TLS_REUSED)$(adv_tls_show)"
}

for proto in -tls1_3 -tls1_2; do
    s=$T/sess
    rm -f "$s".*
    # Controls: B works with its own CA, and refuses alice on a full handshake.
    adv_tls_get b.localhost untrusted b.localhost / $proto -sess_out "$s.B"
    adv_expect_tls "$proto untrusted on B" 200
    grep -aqF "certmap e2e site B" "$T/tls.out" || h_fail "$proto: B's content missing"
    expect_log 2 untrusted 200 0 /
    adv_tls_get b.localhost alice b.localhost / $proto
    adv_expect_tls "$proto alice on B (full handshake)" 403 16
    # alice on A; her session resumes on A.
    adv_tls_get localhost alice localhost / $proto -sess_out "$s.A"
    adv_expect_tls "$proto alice on A" 200
    [ -s "$s.A" ] || h_fail "$proto: no session from A"
    adv_tls_get localhost - localhost / $proto -sess_in "$s.A"
    [ "$TLS_REUSED" = 1 ] || h_fail "$proto: A's session does not resume on A (control)"
    adv_expect_tls "$proto A's session on A" 200

    # A's session offered to B.
    adv_tls_get b.localhost - b.localhost / $proto -sess_in "$s.A"
    not_b "$proto A's session, SNI B, Host B"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: A's session resumed on B (HTTP $TLS_STATUS)"
    adv_expect_tls "$proto A's session, SNI B, Host B" 403 7
    adv_tls_get b.localhost alice b.localhost / $proto -sess_in "$s.A"
    not_b "$proto A's session offered with alice's certificate, SNI B"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: A's session resumed on B"
    adv_tls_get b.localhost - localhost / $proto -sess_in "$s.A"
    not_b "$proto A's session, SNI B, Host A"
    case $TLS_STATUS in
    421 | 403) ;;
    *) h_fail "$proto: A's session, SNI B, Host A: HTTP $TLS_STATUS, expected 421 or 403.7$(adv_tls_show)" ;;
    esac
    adv_tls_get - - b.localhost / $proto -sess_in "$s.A"
    not_b "$proto A's session, no SNI, Host B"

    # B's session offered to A: full handshake, 403.7; never A's content.
    adv_tls_get localhost - localhost / $proto -sess_in "$s.B"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: B's session resumed on A (HTTP $TLS_STATUS)"
    adv_expect_tls "$proto B's session on A" 403 7
    ! grep -aqF "certmap e2e site A" "$T/tls.out" || h_fail "$proto: A's content served to B's session"
done
adv_pass
