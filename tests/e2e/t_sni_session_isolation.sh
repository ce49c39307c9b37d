# TLS session resumption is isolated per site: a session (ticket) from site A
# resumes on A with the certificate of its original handshake, but offered to
# site B (another SNI on the same port) it gives a full handshake, never an
# authenticated request on B.  TLS 1.3 and TLS 1.2.
. "$(dirname "$0")/harness.sh"
h_init
h_two_sites
h_start

for proto in -tls1_3 -tls1_2; do
    rm -f "$T/sessA" "$T/sessB"
    # Full handshake with alice on A; save the session.
    tls_req localhost alice "$proto" -sess_out "$T/sessA"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: alice on A: HTTP $TLS_STATUS, expected 200"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: first handshake reported as resumed"
    [ -s "$T/sessA" ] || h_fail "$proto: no session ticket received from site A"
    expect_log 1 alice 200 0 /

    # Control: the session resumes on A and still carries alice's certificate.
    tls_req localhost - "$proto" -sess_in "$T/sessA"
    [ "$TLS_REUSED" = 1 ] || h_fail "$proto: session from A not resumed on A (resumption off?)"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: resumed session on A: HTTP $TLS_STATUS, expected 200"
    expect_log 1 alice 200 0 /

    # A's session offered to B, without a certificate: full handshake, 403.7.
    tls_req b.localhost - "$proto" -sess_in "$T/sessA"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: session from site A resumed on site B"
    [ "$TLS_STATUS" = 403 ] || h_fail "$proto: A's session on B: HTTP $TLS_STATUS, expected 403 (403.7)"
    grep -aqF "HTTP Error 403.7" "$T/tls.out" || h_fail "$proto: A's session on B: not 403.7"
    grep -aqF "certmap e2e site B" "$T/tls.out" && h_fail "$proto: B's content served"
    expect_log 2 - 403 7 /

    # And the other way round: bob's session from B offered to A.
    tls_req b.localhost bob "$proto" -sess_out "$T/sessB"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: bob on B: HTTP $TLS_STATUS, expected 200"
    [ -s "$T/sessB" ] || h_fail "$proto: no session ticket received from site B"
    tls_req localhost - "$proto" -sess_in "$T/sessB"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: session from site B resumed on site A"
    [ "$TLS_STATUS" = 403 ] || h_fail "$proto: B's session on A: HTTP $TLS_STATUS, expected 403 (403.7)"
    expect_log 1 - 403 7 /
done

h_stop
h_pass
