# t_example.sh - the seed's ServerManager sample (examples/one_to_one_mapping.c)
# run on a temporary applicationHost.config with a "Default Web Site": the
# mapping, the enabled section and sslFlags must be effective afterwards, the
# password must be stored encrypted, only the intended lines may change, and a
# second run (same certificate) must fail and leave the file byte-identical.
set -u -o pipefail

SRCDIR=${CERTMAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BINDIR=${CERTMAP_BINDIR:-$SRCDIR/build/bin}
EXAMPLE=$BINDIR/example_one_to_one_mapping
CERTMAP=$BINDIR/certmap
T=$(mktemp -d "${TMPDIR:-/tmp}/certmap-t_example.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
    echo "[t_example] FAIL: $*" >&2
    [ -f "$T/applicationHost.config" ] && sed 's/^/    /' "$T/applicationHost.config" >&2
    exit 1
}

[ -x "$EXAMPLE" ] || fail "$EXAMPLE not built"
CFG=$T/applicationHost.config
cat >"$CFG" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <!-- a site as IIS lists it -->
    <system.applicationHost>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/">
                    <virtualDirectory path="/" physicalPath="/srv/www" />
                </application>
                <bindings>
                    <binding protocol="https" bindingInformation="*:8443:" certificateFile="server.pem" certificateKeyFile="server.key" />
                </bindings>
            </site>
        </sites>
    </system.applicationHost>
</configuration>
EOF
# what the sample's site points to exists (validate checks it as certmapd -t does)
mkdir "$T/www"
sed -i "s|/srv/www|$T/www|" "$CFG"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/server.key" \
    -out "$T/server.pem" -subj "/CN=localhost" -days 30 2>/dev/null || fail "openssl req (server)"
cp "$CFG" "$T/before.config"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/alice.key" \
    -out "$T/alice.pem" -subj "/CN=alice/O=Example" -days 30 2>/dev/null || fail "openssl req"
printf 'Secret pass&word\n' >"$T/pw"

"$EXAMPLE" "$CFG" "$T/alice.pem" alice "$T/pw" >"$T/out" 2>&1 || fail "example: $(cat "$T/out")"

# the certificate as IIS stores it: single-line base64 of the DER
B64=$(openssl x509 -in "$T/alice.pem" -outform DER | base64 -w0)
grep -qF "certificate=\"$B64\"" "$CFG" || fail "certificate not stored as single-line base64"
# the password is an envelope, never the plain text
grep -q 'password="\[enc:AesProvider:[A-Za-z0-9+/=]*:enc\]"' "$CFG" || fail "password not encrypted"
grep -q 'Secret pass' "$CFG" && fail "plain-text password in the file"
[ "$(stat -c %a "$T/certmap.key")" = 640 ] || fail "key file not created 0640"
grep -q '<access sslFlags="Ssl, SslNegotiateCert" />' "$CFG" || fail "sslFlags not written"
grep -q '<location path="Default Web Site">' "$CFG" || fail "no location block"

# the original lines are all still there, in order, byte for byte
diff "$T/before.config" "$CFG" | grep -q '^<' && fail "an original line changed: $(diff "$T/before.config" "$CFG")"

# effective settings, read back through the CLI (the library's reader)
if [ -x "$CERTMAP" ]; then
    "$CERTMAP" -c "$CFG" validate >"$T/v" 2>&1 || fail "validate: $(cat "$T/v")"
    "$CERTMAP" -c "$CFG" get config --site "Default Web Site" --section access --attr sslFlags \
        >"$T/g" 2>&1 || fail "get config: $(cat "$T/g")"
    [ "$(cat "$T/g")" = "Ssl, SslNegotiateCert" ] || fail "effective sslFlags: $(cat "$T/g")"
    "$CERTMAP" -c "$CFG" get config --site "Default Web Site/app" \
        --section iisClientCertificateMappingAuthentication --attr enabled >"$T/g" 2>&1 ||
        fail "get config: $(cat "$T/g")"
    [ "$(cat "$T/g")" = true ] || fail "effective enabled below the site: $(cat "$T/g")"
    "$CERTMAP" -c "$CFG" list mappings --site "Default Web Site" --json >"$T/l" 2>&1 ||
        fail "list mappings: $(cat "$T/l")"
    grep -q '"user": *"alice"' "$T/l" || fail "mapping not listed: $(cat "$T/l")"
    grep -q '"enabled": *true' "$T/l" || fail "mapping not enabled: $(cat "$T/l")"
    FP=$(openssl x509 -in "$T/alice.pem" -outform DER | sha256sum | cut -d' ' -f1)
    grep -q "$FP" "$T/l" || fail "mapping's fingerprint not listed: $(cat "$T/l")"
fi

# the same certificate again (here as DER): refused, file unchanged
openssl x509 -in "$T/alice.pem" -outform DER -out "$T/alice.der"
cp "$CFG" "$T/after.config"
if echo other | "$EXAMPLE" "$CFG" "$T/alice.der" bob >"$T/out2" 2>&1; then
    fail "a duplicate mapping was accepted"
fi
grep -q "duplicate certificate" "$T/out2" || fail "unclear duplicate error: $(cat "$T/out2")"
cmp -s "$T/after.config" "$CFG" || fail "a failed run changed the file"

echo "[t_example] PASS"
