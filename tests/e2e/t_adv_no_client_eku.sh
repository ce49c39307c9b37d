# A client certificate whose extended key usage is serverAuth only (no
# clientAuth) is refused with 403.16 even though it chains to the trusted CA
# and is mapped: on a location that requires a mapped certificate, on one
# that only negotiates one (with anonymous access), and when its TLS session
# is resumed.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
cfg_map noclient noclient noclient-pw
h_account noclient noclient-pw
mkdir -p "$WWW/anon"
printf 'anon page\n' >"$WWW/anon/index.html"
cfg_location "Default Web Site/anon" ssl="Ssl, SslNegotiateCert" anon=true certmap=true
h_start

openssl x509 -in "$PKI/noclient.crt" -noout -ext extendedKeyUsage | grep -q 'TLS Web Server Authentication' ||
    h_fail "noclient.crt does not have the serverAuth-only EKU this test needs"
! openssl x509 -in "$PKI/noclient.crt" -noout -ext extendedKeyUsage | grep -q 'Client' ||
    h_fail "noclient.crt has clientAuth"

req alice /
expect_status 200

for proto in --tlsv1.3 "--tlsv1.2 --tls-max 1.2"; do
    read -ra P <<<"$proto"
    req noclient / "${P[@]}"
    expect_status 403 16
    expect_log 1 - 403 16 /
    expect_body_lacks "certmap e2e site A"
    req noclient /anon/ "${P[@]}"
    expect_status 403 16
    expect_body_lacks "anon page"
done

for proto in -tls1_3 -tls1_2; do
    adv_tls_get localhost noclient localhost / $proto -sess_out "$T/sess"
    adv_expect_tls "$proto noclient" 403 16
    adv_tls_get localhost - localhost / $proto -sess_in "$T/sess"
    if [ "$TLS_REUSED" = 1 ]; then
        adv_expect_tls "$proto noclient resumed" 403 16
    else
        adv_expect_tls "$proto noclient session not resumed" 403 7
    fi
done
adv_pass
