# The directory's other modes against slapd: over LDAPS with the server's
# certificate verified against caFile, allowWeakMappings admits carol's weak
# X509:<S> string; mode="userCertificate" maps the account whose
# userCertificate;binary is the presented certificate byte for byte (bob
# holds alice-twin's certificate: same issuer, serial and subject as alice's,
# another key: not alice's); an LDAPS directory whose certificate does not
# verify is unreachable (503), never trusted; enabling the section without
# a directory is a configuration error.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
h_init
dir_init
dir_start
dir_base "uid=alice,ou=people,$DIR_BASE"
openssl x509 -in "$PKI/alice.crt" -outform DER -out "$T/alice.der"
openssl x509 -in "$PKI/alice-twin.crt" -outform DER -out "$T/twin.der"
dir_person alice "userCertificate;binary:< file://$T/alice.der"
dir_person bob "userCertificate;binary:< file://$T/twin.der"
dir_person carol "altSecurityIdentities: X509:<S>O=certmap demo,CN=carol"

dir_site
ldaps() { # write the config with an LDAPS directory and ATTRS
    dir_cfg_write
    sed -i "s|uri=\"ldap://127.0.0.1:$LPORT\"|uri=\"ldaps://127.0.0.1:$SPORT\"|" "$CFG"
}

# weak strings admitted when allowed, over LDAPS with a verified CA
dir_cfg caFile=\"$PKI/ca.crt\" allowWeakMappings=\"true\"
ldaps
h_start
req carol /
expect_status 200
expect_log 1 carol 200 0 /
req alice /
expect_status 401 2
h_stop

# userCertificate mode: byte for byte
dir_cfg caFile=\"$PKI/ca.crt\" mode=\"userCertificate\"
ldaps
h_start
req alice /
expect_status 200
expect_log 1 alice 200 0 /
req alice-twin /
expect_status 200
expect_log 1 bob 200 0 /
req carol /
expect_status 401 2
h_stop

# a CA that did not issue slapd's certificate: nothing is trusted, 503
dir_cfg caFile=\"$PKI/untrusted-ca.crt\" mode=\"userCertificate\"
ldaps
h_start
req alice /
expect_status 503
grep -q 'directory unreachable: ldaps://127.0.0.1' "$LOGDIR/certmapd.log" ||
    h_fail "no 'directory unreachable' line: $(grep -i directory "$LOGDIR/certmapd.log")"
h_stop
dir_stop

# enabled without a directory: an error with file:line, never ignored
cfg_write
"$CERTMAP" -c "$CFG" validate >"$T/validate.out" 2>&1 && h_fail "validate accepted the section without a directory"
grep -q 'applicationHost.config:[0-9]*: error: clientCertificateMappingAuthentication: enabled: .*no <certmap><directory uri>' "$T/validate.out" ||
    h_fail "validate: $(cat "$T/validate.out")"
h_pass
