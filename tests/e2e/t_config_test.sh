# certmapd -t [-c FILE]: exit 0 on a good configuration; exit 2 and one line
# "file:line: severity: element: attribute: message" for each thing certmapd
# would refuse or trip on later.  certmap validate finds the same.
. "$(dirname "$0")/harness.sh"
h_init

# A site requiring mapped client certificates (no mapping: no password to
# encrypt), trusting the demo CA with its CRL.
base() {
    cfg_reset
    cfg_site "Default Web Site" 1 "${1:-$WWW}"
    cfg_https "127.0.0.1:$PORT:" "${2:-server}" "${3-"clientCaFile=\"$PKI/ca.crt\" crlFile=\"$PKI/crl.pem\""}"
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
}

# expect_t WHAT LINE-OF REGEX: certmapd -t exits 2 and prints REGEX at the
# line of $CFG that LINE-OF (a fixed string) is on; validate agrees.
expect_t() {
    local what=$1 line
    line=$(grep -nF -- "$2" "$CFG" | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || h_fail "$what: '$2' is not in the configuration"
    "$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
    local rc=$?
    [ $rc = 2 ] || h_fail "$what: certmapd -t exit $rc, expected 2: $(cat "$T/t.out")"
    grep -qE -- "^certmapd: $CFG:$line: $3" "$T/t.out" ||
        h_fail "$what: no line '$CFG:$line: $3' in: $(cat "$T/t.out")"
    "$CERTMAP" -c "$CFG" validate >"$T/v.out" 2>&1
    grep -qE -- "^$CFG:$line: $3" "$T/v.out" || h_fail "$what: validate does not say it: $(cat "$T/v.out")"
}

# A good configuration.
base
cfg_write
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1 || h_fail "good configuration: exit $?: $(cat "$T/t.out")"
grep -q "the configuration $CFG is fine" "$T/t.out" || h_fail "no verdict: $(cat "$T/t.out")"

# A missing server certificate.
base "" nosuch
cfg_write
expect_t "missing certificate" 'protocol="https"' "error: binding: certificateFile: cannot load the server certificate chain $PKI/nosuch.crt"

# A key that does not match the certificate.
cp "$PKI/server.crt" "$PKI/mismatch.crt"
cp "$PKI/server-b.key" "$PKI/mismatch.key"
base "" mismatch
cfg_write
expect_t "key not matching" 'protocol="https"' "error: binding: certificateKeyFile: the private key $PKI/mismatch.key does not match the certificate"

# certificateHash: a store that does not exist, then a store without that certificate.
hash=$(openssl x509 -in "$PKI/server.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
base
H_BINDINGS_XML="          <binding protocol=\"https\" bindingInformation=\"127.0.0.1:$PORT:\" certificateHash=\"$hash\" certificateStoreName=\"Shop\" clientCaFile=\"$PKI/ca.crt\" />
"
cfg_write
expect_t "missing store" 'certificateHash=' "error: binding: certificateStoreName: cannot open the certificate store $T/Shop"
mkdir "$T/Shop"
cat "$PKI/server-b.crt" "$PKI/server-b.key" >"$T/Shop/other.pem"
expect_t "hash not in the store" 'certificateHash=' "error: binding: certificateHash: no certificate with thumbprint $hash in the store $T/Shop"
# ... and once it is there, the binding is fine
cat "$PKI/server.crt" "$PKI/server.key" >"$T/Shop/server.pem"
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1 || h_fail "certificate in the store: exit $?: $(cat "$T/t.out")"

# No clientCaFile where client certificates are requested: a warning naming the system store.
base "" server ""
cfg_write
expect_t "no clientCaFile" 'protocol="https"' "warning: binding: clientCaFile: .*system trust store \\(.*certs\\)"

# A client CA file and a CRL that do not parse.
printf 'not a CRL\n' >"$T/bad.crl"
base "" server "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$T/bad.crl\""
cfg_write
expect_t "bad CRL" 'protocol="https"' "error: binding: crlFile: no CRL in $T/bad.crl"

# Physical paths: Windows, missing, not a directory.
base 'D:\sites\default'
cfg_write
expect_t "Windows path" 'physicalPath="D:' "error: virtualDirectory: physicalPath: .*Windows path"
base "$T/nosuch-dir"
cfg_write
expect_t "missing directory" "physicalPath=\"$T/nosuch-dir\"" "error: virtualDirectory: physicalPath: $T/nosuch-dir: No such file or directory"
printf 'x\n' >"$T/a-file"
base "$T/a-file"
cfg_write
expect_t "not a directory" "physicalPath=\"$T/a-file\"" "error: virtualDirectory: physicalPath: $T/a-file is not a directory"

# Log directories: below a regular file, and (not as root) one without write permission.
base
H_SERVER="logDirectory=\"$T/a-file/logs\""
cfg_write
expect_t "log directory under a file" '<server ' "error: server: logDirectory: W3C log directory $T/a-file/logs/W3SVC1: $T/a-file is not a directory"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$T/ro"
    chmod 0555 "$T/ro"
    H_SERVER="logDirectory=\"$T/ro/logs\""
    cfg_write
    expect_t "unwritable log directory" '<server ' "error: server: logDirectory: W3C log directory $T/ro/logs/W3SVC1: the current user cannot create files in $T/ro"
else
    h_log "running as root: the unwritable log directory is checked by unit_test_check"
fi

# <server user="...">: what certmapd reads and writes after its privilege drop is judged
# for that account (its groups as the drop gives them), not for root running the test.
if [ "$(id -u)" = 0 ]; then
    base
    mkdir -p "$T/rootlogs"
    chmod 0755 "$T/rootlogs"
    H_SERVER="user=\"nobody\" logDirectory=\"$T/rootlogs\""
    cfg_write
    chmod 0600 "$PKI/server.key"
    chmod a+rx "$T" "$PKI"
    expect_t "key the service user cannot read" 'certificateKeyFile=' "error: binding: certificateKeyFile: $PKI/server.key: the service account nobody cannot read it"
    grep -qE "^certmapd: $CFG:[0-9]+: error: server: logDirectory: W3C log directory $T/rootlogs/W3SVC1: nobody cannot create files in $T/rootlogs" "$T/t.out" ||
        h_fail "the log directory is not judged for the service user: $(cat "$T/t.out")"
    H_SERVER="user=\"no-such-user-$$\""
    cfg_write
    expect_t "service user that does not exist" '<server ' "error: server: user: no user \"no-such-user-$$\""
    H_SERVER=""
fi

# Listeners in conflict: one port as https and http; the same binding twice.
base
cfg_site "Other" 2
cfg_http "127.0.0.1:$PORT:"
cfg_write
expect_t "one port, two protocols" 'protocol="http" ' "error: binding: bindingInformation: port $PORT is bound as http here and as https at $CFG:[0-9]+ \\(site \"Default Web Site\"\\)"
base
cfg_site "Other" 2
cfg_https "127.0.0.1:$PORT:"
cfg_write
line=$(grep -n 'protocol="https"' "$CFG" | sed -n 2p | cut -d: -f1)
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
[ $? = 2 ] || h_fail "same binding twice: exit code"
grep -qE "^certmapd: $CFG:$line: error: binding: bindingInformation: 127.0.0.1:$PORT: is already bound at" "$T/t.out" ||
    h_fail "same binding twice: $(cat "$T/t.out")"

# -t without -c tests /etc/certmap/applicationHost.config; an unreadable file is exit 2 too.
"$CERTMAPD" -t -c "$T/nosuch.config" >"$T/t.out" 2>&1
[ $? = 2 ] || h_fail "missing configuration file: exit code (expected 2): $(cat "$T/t.out")"
grep -q "nosuch.config" "$T/t.out" || h_fail "missing configuration file not named: $(cat "$T/t.out")"
h_pass
