# A Host header naming another site than the TLS server name gets 421
# (Misdirected Request): the handshake's certificate and trust settings are
# those of the SNI site, so the request must not be routed to the other one.
# Also when the other site is named by an absolute-form target, by a second
# request on a keep-alive connection, or with case and trailing-dot tricks.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_two_sites
h_start

# Controls: each site with its own name.
adv_tls_get localhost alice localhost / -tls1_3
adv_expect_tls "alice on A" 200
adv_tls_get b.localhost bob b.localhost / -tls1_3
adv_expect_tls "bob on B" 200
adv_tls_get localhost alice "localhost:$PORT" /
adv_expect_tls "Host with port" 200

for proto in -tls1_3 -tls1_2; do
    adv_tls_get localhost alice b.localhost / $proto
    adv_expect_tls "$proto SNI A, Host B" 421
    ! grep -aqF "certmap e2e site B" "$T/tls.out" || h_fail "$proto: B's content with SNI A"
    adv_tls_get b.localhost bob localhost / $proto
    adv_expect_tls "$proto SNI B, Host A" 421
    ! grep -aqF "certmap e2e site A" "$T/tls.out" || h_fail "$proto: A's content with SNI B"
    adv_tls_get localhost alice "B.LOCALHOST." / $proto
    adv_expect_tls "$proto SNI A, Host B.LOCALHOST." 421
    adv_tls_get localhost alice "b.localhost:$PORT" / $proto
    adv_expect_tls "$proto SNI A, Host b.localhost:PORT" 421
    # Absolute-form target naming B (RFC 9112: it overrides Host).
    adv_tls_get localhost alice localhost "https://b.localhost:$PORT/" $proto
    adv_expect_tls "$proto SNI A, target https://b.localhost/" 421
    ! grep -aqF "certmap e2e site B" "$T/tls.out" || h_fail "$proto: B's content via absolute-form target"
done

# Keep-alive: the first request for A is served, the second names B.
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\nHost: b.localhost\r\nConnection: close\r\n\r\n' |
    timeout $((10 * H_SLOW)) openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost \
        -cert "$PKI/alice.crt" -key "$PKI/alice.key" >"$T/ka.out" 2>&1
sts=$(grep -a -o -E '^HTTP/1\.1 [0-9]{3}' "$T/ka.out" | awk '{print $2}' | tr '\n' ' ')
[ "$sts" = "200 421 " ] || h_fail "keep-alive A then B: statuses '$sts', expected '200 421 '"
! grep -aqF "certmap e2e site B" "$T/ka.out" || h_fail "keep-alive: B's content on A's connection"

# No SNI at all: the default context serves the handshake; Host B with
# alice's certificate (mapped only on A) is 421 when that context is A's,
# 401.2 when it is B's -- never B's content.
adv_tls_get - alice b.localhost /
case $TLS_STATUS in
421 | 401) ;;
*) h_fail "no SNI, Host B, alice: HTTP $TLS_STATUS, expected 421 (or 401.2 of B)$(adv_tls_show)" ;;
esac
! grep -aqF "certmap e2e site B" "$T/tls.out" || h_fail "no SNI: B's content for alice (not mapped on B)"
adv_pass
