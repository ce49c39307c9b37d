# Certificates that look like alice's mapped one but are not it, each signed
# by the trusted demo CA so that only the mapping lookup can tell: the same
# subject, issuer and serial with another key (alice-twin); the same subject,
# issuer, serial AND key with a validity one second different (so the DER
# differs in one byte of the TBS and in the signature); the same subject and
# key with the serial one higher.  None authenticates: 401.2.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_start

serial=$(openssl x509 -in "$PKI/alice.crt" -noout -serial | sed 's/^serial=//')
end=$(openssl x509 -in "$PKI/alice.crt" -noout -enddate | sed 's/^notAfter=//')
days=$((($(date -u -d "$end" +%s) - $(date -u +%s)) / 86400))
subj="/O=certmap demo/CN=alice"
# Same key as alice (adv_issue reuses an existing key file).
cp "$PKI/alice.key" "$PKI/resigned.key"
adv_issue resigned "$subj" -set_serial "0x$serial" -days "$days"
cp "$PKI/alice.key" "$PKI/nextserial.key"
adv_issue nextserial "$subj" -set_serial "0x$(printf '%X' $((16#$serial + 1)))"

# The lookalikes are what they claim to be.
same() { openssl x509 -in "$PKI/$1.crt" -noout -subject -issuer -serial; }
[ "$(same resigned)" = "$(same alice)" ] || h_fail "resigned.crt differs from alice in subject/issuer/serial"
[ "$(same alice-twin)" = "$(same alice)" ] || h_fail "alice-twin.crt differs from alice in subject/issuer/serial"
pk() { openssl x509 -in "$PKI/$1.crt" -noout -pubkey; }
[ "$(pk resigned)" = "$(pk alice)" ] || h_fail "resigned.crt has another key"
[ "$(pk nextserial)" = "$(pk alice)" ] || h_fail "nextserial.crt has another key"
cmp -s <(openssl x509 -in "$PKI/resigned.crt" -outform DER) <(openssl x509 -in "$PKI/alice.crt" -outform DER) &&
    h_fail "resigned.crt is byte-identical to alice.crt"
for c in resigned nextserial alice-twin; do
    openssl verify -CAfile "$PKI/ca.crt" "$PKI/$c.crt" >/dev/null || h_fail "$c.crt does not verify"
done

req alice /
expect_status 200
expect_log 1 alice 200 0 /

for c in alice-twin resigned nextserial; do
    for proto in --tlsv1.3 "--tlsv1.2 --tls-max 1.2"; do
        read -ra P <<<"$proto"
        req "$c" / "${P[@]}"
        expect_status 401 2
        expect_body_lacks "certmap e2e site A"
        expect_log 1 - 401 2 /
    done
done

# On one keep-alive connection alice's identity does not leak to a
# lookalike's connection either: alternate them.
for i in 1 2 3; do
    req alice /
    expect_status 200
    req resigned /
    expect_status 401 2
done
adv_pass
