#!/usr/bin/env bash
# certmap cert-string --ad-mapping prints the strong altSecurityIdentities
# strings of a certificate, each recomputed here with the OpenSSL command
# line: the issuer in AD's order (DC=com,DC=contoso,CN=...), the serial's
# bytes reversed (KB5014754's example serial), the SKI, and SHA-1 of the
# public key bits.  Without an SKI the line is left out with a warning.
. "$(dirname "$0")/cli_lib.sh"
cli_init
# A CA named as an AD CA names itself, and a user certificate with KB5014754's serial.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
    -out "$T/ca.pem" -subj "/DC=com/DC=contoso/CN=CONTOSO-DC-CA" -days 2 >/dev/null 2>&1 || cli_fail "CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/u.key" \
    -out "$T/u.csr" -subj "/CN=alice" >/dev/null 2>&1 || cli_fail "CSR"
printf 'subjectKeyIdentifier=hash\n' >"$T/ext"
openssl x509 -req -in "$T/u.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -days 1 \
    -set_serial 0x2B0000000011AC0000000012 -extfile "$T/ext" -out "$T/u.pem" >/dev/null 2>&1 || cli_fail "sign"

# Independently: the issuer's RDNs as encoded (openssl prints RFC 2253 reversed, so reverse back).
issuer=$(openssl x509 -in "$T/u.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//' |
    tr ',' '\n' | tac | paste -sd, -)
[ "$issuer" = "DC=com,DC=contoso,CN=CONTOSO-DC-CA" ] || cli_fail "issuer text: $issuer"
serial=$(openssl x509 -in "$T/u.pem" -noout -serial | sed 's/^serial=//' | fold -w2 | tac | paste -sd '')
ski=$(openssl x509 -in "$T/u.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :' |
    tr 'A-F' 'a-f')
# The public key bits of a P-256 key: the last 65 bytes of the SubjectPublicKeyInfo.
pukey=$(openssl x509 -in "$T/u.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
    tail -c 65 | openssl dgst -sha1 -r | cut -d' ' -f1)

run_ok cert-string --ad-mapping "$T/u.pem"
printf 'X509:<I>%s<SR>%s\nX509:<SKI>%s\nX509:<SHA1-PUKEY>%s\n' "$issuer" "$serial" "$ski" "$pukey" >"$T/want"
diff -u "$T/want" "$OUT" >"$T/diff" || cli_fail "strings differ: $(cat "$T/diff")"
grep -qx 'X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>1200000000AC11000000002B' "$OUT" ||
    cli_fail "not KB5014754's X509:<I><SR> string"

# DER in, same lines; no SKI: two lines and a warning.
openssl x509 -in "$T/u.pem" -outform DER -out "$T/u.der"
run_ok cert-string --ad-mapping "$T/u.der"
diff -q "$T/want" "$OUT" >/dev/null || cli_fail "DER input: other strings"
# OpenSSL 3.2 and later (Debian 13) add a subjectKeyIdentifier unless told "none".
printf 'subjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n' >"$T/noext"
openssl x509 -req -in "$T/u.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -days 1 -set_serial 7 \
    -extfile "$T/noext" -out "$T/noski.pem" >/dev/null 2>&1 || cli_fail "sign without SKI"
openssl x509 -in "$T/noski.pem" -noout -ext subjectKeyIdentifier 2>/dev/null | grep -q . &&
    cli_fail "the test certificate has an SKI"
run_ok cert-string --ad-mapping "$T/noski.pem"
[ "$(wc -l <"$OUT")" = 2 ] || cli_fail "without SKI: $(wc -l <"$OUT") lines"
expect_out '<SR>07$'
expect_no_out '<SKI>'
expect_err 'no subjectKeyIdentifier extension'
run_fails 2 'not a certificate' cert-string --ad-mapping "$T/u.key"
cli_pass
