# Per-path client-certificate negotiation (clientCertificate="auto", the
# default, on a site whose root needs no certificate): the handshake does
# not ask a client that can be asked later; a request that reaches
# /secure asks then (TLS 1.3 post-handshake authentication, TLS 1.2
# server-initiated renegotiation) and goes on with the certificate, mapped
# as one from the handshake; a TLS 1.3 client without post-handshake
# authentication is asked in the handshake as before.
. "$(dirname "$0")/late_lib.sh"
h_init
late_site
h_start

# TLS 1.3 with post-handshake authentication: nothing asked for "/"...
late_get alice / -tls1_3 -enable_pha
adv_expect_tls "TLS 1.3 PHA /" 200
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "a CertificateRequest for /: handshake $CR_HS, after $CR_LATE"
expect_log 1 - 200 0 /
# ...asked after the request for /secure/, served as alice.
late_get alice /secure/ -tls1_3 -enable_pha
adv_expect_tls "TLS 1.3 PHA /secure/" 200
[ "$CR_HS" = 0 ] && [ "$CR_LATE" -ge 1 ] || h_fail "TLS 1.3 PHA: CertificateRequest in handshake $CR_HS, after $CR_LATE"
expect_log 1 alice 200 0 /secure/
# Declined (no certificate configured): 403.7 on /secure, anonymous on /neg.
late_get - /secure/ -tls1_3 -enable_pha
adv_expect_tls "TLS 1.3 PHA, no certificate, /secure/" 403 7
[ "$CR_LATE" -ge 1 ] || h_fail "TLS 1.3 PHA without certificate: not asked"
late_get - /neg/ -tls1_3 -enable_pha
adv_expect_tls "TLS 1.3 PHA, no certificate, /neg/" 200
expect_log 1 - 200 0 /neg/

# TLS 1.2: renegotiation started by the server.
late_get alice / -tls1_2
adv_expect_tls "TLS 1.2 /" 200
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "TLS 1.2: a CertificateRequest for /: handshake $CR_HS, after $CR_LATE"
late_get alice /secure/ -tls1_2
adv_expect_tls "TLS 1.2 /secure/" 200
[ "$CR_HS" = 0 ] && [ "$CR_LATE" -ge 1 ] || h_fail "TLS 1.2: CertificateRequest in handshake $CR_HS, after $CR_LATE"
grep -aq 'HelloRequest' "$T/tls.out" || h_fail "TLS 1.2: no HelloRequest"
expect_log 1 alice 200 0 /secure/
late_get - /secure/ -tls1_2
adv_expect_tls "TLS 1.2, no certificate, /secure/" 403 7

# A certificate obtained late is verified as one from the handshake.
for mode in "-tls1_3 -enable_pha" "-tls1_2"; do
    read -ra P <<<"$mode"
    late_get untrusted /secure/ "${P[@]}"
    adv_expect_tls "$mode untrusted, late" 403 16
    late_get expired /secure/ "${P[@]}"
    adv_expect_tls "$mode expired, late" 403 17
    late_get revoked /secure/ "${P[@]}"
    adv_expect_tls "$mode revoked, late" 403 13
done

# TLS 1.3 without post-handshake authentication (browsers): asked in the handshake.
late_get alice / -tls1_3
adv_expect_tls "TLS 1.3 without PHA /" 200
[ "$CR_HS" -ge 1 ] || h_fail "TLS 1.3 without PHA: not asked in the handshake"
late_get alice /secure/ -tls1_3
adv_expect_tls "TLS 1.3 without PHA /secure/" 200
expect_log 1 alice 200 0 /secure/

# curl offers post-handshake authentication: no certificate request on "/"
# (its verbose trace names each handshake message), a late one on /secure/.
req alice / -v
expect_status 200
! grep -q 'Request CERT' "$T/curl.err" || h_fail "curl was asked for a certificate on /"
expect_log 1 - 200 0 /
req alice /secure/ -v
expect_status 200
expect_body_contains "certmap late secure"
grep -q 'Request CERT' "$T/curl.err" || h_fail "curl was not asked for a certificate on /secure/"
expect_log 1 alice 200 0 /secure/
req - /secure/
expect_status 403 7

# Keep-alive and pipelining: "/", "/secure/", "/" in one write over TLS 1.2,
# the certificate asked for in the middle; three answers, in order.
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /secure/ HTTP/1.1\r\nHost: localhost\r\n\r\nGET /neg/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout $((10 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
        -CAfile "$PKI/ca.crt" -cert "$PKI/alice.crt" -key "$PKI/alice.key" -tls1_2 -ign_eof >"$T/pipe.out" 2>&1
got=$(grep -a -o -E '^HTTP/1\.1 [0-9]{3}|certmap late [a-z]+' "$T/pipe.out" | tr '\n' '|')
[ "$got" = "HTTP/1.1 200|certmap late root|HTTP/1.1 200|certmap late secure|HTTP/1.1 200|certmap late neg|" ] ||
    h_fail "pipelined requests around a renegotiation: $got"

adv_pass
