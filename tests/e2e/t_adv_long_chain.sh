# Very long client chains: a client certificate under 10 intermediate CAs,
# and one under 60, each sent with its whole chain and mapped.  certmapd
# must answer (200 if its verify depth admits the chain, else 403.16), never
# crash, hang or authenticate a chain that did not verify; it keeps serving.
# The binding has no CRL here (a CRL of the root alone would make every
# intermediate unverifiable for revocation: 403.13).
. "$(dirname "$0")/adv_lib.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw

# chain N: $PKI/chainN.crt/.key (leaf, clientAuth) and $PKI/chainN-ints.pem
# (intermediates, leaf's issuer first), under the demo CA.
chain() {
    local n=$1 i issuer=ca
    printf '%s\n' "basicConstraints = critical, CA:TRUE" "keyUsage = critical, keyCertSign, cRLSign" \
        "subjectKeyIdentifier = hash" "authorityKeyIdentifier = keyid" >"$T/int_ext.cnf"
    : >"$T/ints.tmp"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/int.key" 2>/dev/null
    for ((i = 1; i <= n; i++)); do
        openssl req -new -key "$T/int.key" -subj "/O=certmap adv/CN=chain$n int $i" -out "$T/int.csr" 2>/dev/null
        if [ $i = 1 ]; then
            openssl x509 -req -in "$T/int.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -days 30 -sha256 \
                -set_serial $((70000 + i)) -extfile "$T/int_ext.cnf" -out "$T/int$i.crt" 2>/dev/null
        else
            openssl x509 -req -in "$T/int.csr" -CA "$T/int$((i - 1)).crt" -CAkey "$T/int.key" -days 30 -sha256 \
                -set_serial $((70000 + i)) -extfile "$T/int_ext.cnf" -out "$T/int$i.crt" 2>/dev/null
        fi || h_fail "intermediate $i of $n failed"
        cat "$T/int$i.crt" "$T/ints.tmp" >"$T/ints.new" && mv "$T/ints.new" "$T/ints.tmp"
    done
    mv "$T/ints.tmp" "$PKI/chain$n-ints.pem"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/chain$n.key" 2>/dev/null
    openssl req -new -key "$PKI/chain$n.key" -subj "/O=certmap adv/CN=chain$n leaf" -out "$T/leaf.csr" 2>/dev/null
    printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
        "extendedKeyUsage = clientAuth" >"$T/leaf_ext.cnf"
    openssl x509 -req -in "$T/leaf.csr" -CA "$T/int$n.crt" -CAkey "$T/int.key" -days 30 -sha256 \
        -set_serial 79999 -extfile "$T/leaf_ext.cnf" -out "$PKI/chain$n.crt" 2>/dev/null || h_fail "leaf of $n failed"
    # The chain really verifies (without a depth limit) from the demo CA.
    openssl verify -CAfile "$PKI/ca.crt" -untrusted "$PKI/chain$n-ints.pem" "$PKI/chain$n.crt" >/dev/null ||
        h_fail "chain $n does not verify with openssl verify"
}
chain 10
chain 60

cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:localhost" server "clientCaFile=\"$PKI/ca.crt\""
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_map chain10 alice alice-pw
cfg_map chain60 alice alice-pw
h_start

for n in 10 60; do
    for proto in -tls1_3 -tls1_2; do
        adv_tls_get localhost "$PKI/chain$n" localhost / $proto -cert_chain "$PKI/chain$n-ints.pem"
        case $TLS_STATUS in
        200) expect_log 1 alice 200 0 / ;;
        403) adv_expect_tls "$proto chain of $n intermediates" 403 16 ;;
        *) h_fail "$proto chain of $n intermediates: HTTP $TLS_STATUS, expected 200 or 403.16$(adv_tls_show)" ;;
        esac
        h_log "$proto chain of $n intermediates: HTTP $TLS_STATUS"
        adv_check_clean
    done
    # Without the intermediates the leaf cannot verify: 403.16.
    adv_tls_get localhost "$PKI/chain$n" localhost /
    adv_expect_tls "chain $n leaf alone" 403 16
done
# A chain in the wrong order and one with the root repeated many times.
awk 'BEGIN{RS="-----END CERTIFICATE-----\n"} NF {c[++n]=$0 RS} END {for (i = n; i >= 1; i--) printf "%s", c[i]}' \
    "$PKI/chain10-ints.pem" >"$T/rev.pem"
adv_tls_get localhost "$PKI/chain10" localhost / -cert_chain "$T/rev.pem"
case $TLS_STATUS in 200 | 403) ;; *) h_fail "reversed chain: HTTP $TLS_STATUS$(adv_tls_show)" ;; esac
for i in $(seq 1 100); do cat "$PKI/ca.crt"; done >"$T/roots.pem"
adv_tls_get localhost "$PKI/chain10" localhost / -cert_chain "$T/roots.pem"
case $TLS_STATUS in 403 | 000) ;; *) h_fail "leaf with 100 copies of the root: HTTP $TLS_STATUS, expected 403.16 or a refused handshake$(adv_tls_show)" ;; esac
[ "$TLS_STATUS" = 000 ] || adv_expect_tls "leaf with 100 roots" 403 16

adv_tls_get localhost alice localhost /
adv_expect_tls "alice after the long chains" 200
adv_pass
