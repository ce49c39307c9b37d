# TLS configuration check: testssl.sh (Debian package testssl.sh, command
# `testssl`) scans certmapd on loopback -- protocols, cipher categories,
# forward secrecy, server defaults, vulnerabilities, headers -- and the test
# fails on any finding rated HIGH or CRITICAL (or a FATAL scan problem).
# The server certificate is made for the scan (90 days, SAN localhost and
# 127.0.0.1, a CRL distribution point) so that what is judged is certmapd's
# TLS configuration, not the 10-year test PKI.  No DNS, no outside contact:
# --nodns none, --ip 127.0.0.1, no --phone-out.  Bounded to 290 s.
. "$(dirname "$0")/adv_lib.sh"
command -v testssl >/dev/null || {
    echo "[t_testssl] FAIL: testssl is missing (scripts/install-deps test)" >&2
    exit 1
}
h_init

# The scan's server certificate, signed by the demo CA.
printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
    "extendedKeyUsage = serverAuth" "subjectAltName = DNS:localhost, IP:127.0.0.1" \
    "crlDistributionPoints = URI:http://127.0.0.1:9/demo-ca.crl" >"$T/srv_ext.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/tsserver.key" 2>/dev/null
openssl req -new -key "$PKI/tsserver.key" -subj "/O=certmap demo/CN=localhost" -out "$T/ts.csr" 2>/dev/null
openssl x509 -req -in "$T/ts.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -days 90 -sha256 \
    -extfile "$T/srv_ext.cnf" -out "$PKI/tsserver.crt" 2>/dev/null || h_fail "scan certificate"

# The standard site (a mapped certificate required) on that certificate.
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:" tsserver
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
h_start

t0=$SECONDS
(cd "$T" && timeout 290 testssl --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 \
    --add-ca "$PKI/ca.crt" --fast --sneaky --connect-timeout 10 --openssl-timeout 10 \
    --jsonfile "$T/testssl.json" "localhost:$PORT" >"$T/testssl.out" 2>&1)
rc=$?
secs=$((SECONDS - t0))
h_log "testssl exit $rc after $secs s"
[ $rc != 124 ] || h_fail "testssl did not finish within 290 s: $(tail -n 5 "$T/testssl.out")"
[ -s "$T/testssl.json" ] || h_fail "testssl wrote no JSON: $(tail -n 20 "$T/testssl.out")"

# Flat JSON: one object per finding with "id", "severity", "finding".
awk '
    /"id"/       { id = $0; sub(/^[^:]*: *"/, "", id); sub(/",?[[:space:]]*$/, "", id) }
    /"severity"/ { sev = $0; sub(/^[^:]*: *"/, "", sev); sub(/",?[[:space:]]*$/, "", sev) }
    /"finding"/  { f = $0; sub(/^[^:]*: *"/, "", f); sub(/"[[:space:]]*$/, "", f); print sev "\t" id "\t" f }
' "$T/testssl.json" >"$T/findings.tsv"
n=$(wc -l <"$T/findings.tsv")
[ "$n" -ge 50 ] || h_fail "only $n findings parsed: the scan did not run: $(tail -n 20 "$T/testssl.out")"
h_log "findings by severity: $(cut -f1 "$T/findings.tsv" | sort | uniq -c | tr '\n' ' ')"
# The scan saw what it had to see.
grep -qP '^OK\tTLS1_2\t' "$T/findings.tsv" || grep -qP '\tTLS1_2\toffered' "$T/findings.tsv" ||
    h_fail "testssl did not find TLS 1.2 offered: $(grep -P '\tTLS1_2\t' "$T/findings.tsv")"
grep -qP '\tTLS1_3\toffered' "$T/findings.tsv" ||
    h_fail "testssl did not find TLS 1.3 offered: $(grep -P '\tTLS1_3\t' "$T/findings.tsv")"
grep -P '^FATAL\t' "$T/findings.tsv" >"$T/fatal"
[ ! -s "$T/fatal" ] || h_fail "testssl scan problem: $(cat "$T/fatal")"
grep -P '^(HIGH|CRITICAL)\t' "$T/findings.tsv" >"$T/bad"
if [ -s "$T/bad" ]; then
    h_fail "testssl findings rated HIGH or CRITICAL:
$(sed 's/^/    /' "$T/bad")"
fi
grep -P '^(MEDIUM|LOW|WARN)\t' "$T/findings.tsv" | while IFS=$'\t' read -r sev id f; do
    h_log "$sev $id: $f"
done
adv_pass
