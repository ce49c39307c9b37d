# Server variables exactly as IIS formats them, shown by an SSI page: a
# certificate with a known subject and serial (high bit set, so its DER keeps
# a leading 00 byte), the site's id and name, the application's path.
. "$(dirname "$0")/harness.sh"
h_init
h_account erin erin-pw
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/erin.key" 2>/dev/null ||
    h_fail "key"
printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' >"$T/erin.ext"
openssl req -new -key "$PKI/erin.key" -subj "/C=US/O=Contoso/OU=Sales/CN=erin" -out "$T/erin.csr" ||
    h_fail "request"
openssl x509 -req -in "$T/erin.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial 0x8A0467F302 \
    -days 365 -sha256 -extfile "$T/erin.ext" -out "$PKI/erin.crt" 2>/dev/null || h_fail "signing"
mkdir -p "$T/app"
vars="CERT_SUBJECT CERT_ISSUER CERT_SERIALNUMBER CERT_FLAGS HTTPS HTTPS_KEYSIZE HTTPS_SECRETKEYSIZE
SERVER_PORT_SECURE INSTANCE_ID INSTANCE_NAME APPL_MD_PATH APPL_PHYSICAL_PATH URL QUERY_STRING
HTTP_USER_AGENT LOGON_USER AUTH_TYPE AUTH_PASSWORD LOCAL_ADDR SERVER_PORT"
for v in $vars; do
    printf '%s=[<!--#echo var="%s"-->]\n' "$v" "$v"
done >"$T/app/vars.shtml"

cfg_site "Contoso Web" 7
cfg_https "127.0.0.1:$PORT:"
cfg_app /app "$T/app"
cfg_location "Contoso Web" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false basic=false \
    certmap=true o2o=true
cfg_map erin erin erin-pw
h_start

# TLS 1.3 with AES-256-GCM: the connection's key is 256 bits; the server's P-256 key is 256 bits.
req erin "/app/vars.shtml?x=1" --tls13-ciphers TLS_AES_256_GCM_SHA384
expect_status 200
expect_body_contains "CERT_SUBJECT=[C=US, O=Contoso, OU=Sales, CN=erin]"
expect_body_contains "CERT_ISSUER=[O=certmap demo, CN=certmap demo CA]"
expect_body_contains "CERT_SERIALNUMBER=[00-8a-04-67-f3-02]"
expect_body_contains "CERT_FLAGS=[1]"
expect_body_contains "HTTPS=[on]"
expect_body_contains "HTTPS_KEYSIZE=[256]"
expect_body_contains "HTTPS_SECRETKEYSIZE=[256]"
expect_body_contains "SERVER_PORT_SECURE=[1]"
# The binding names one address: the local address is the listener's (no getsockname()).
expect_body_contains "LOCAL_ADDR=[127.0.0.1]"
expect_body_contains "SERVER_PORT=[$PORT]"
expect_body_contains "INSTANCE_ID=[7]"
expect_body_contains "INSTANCE_NAME=[Contoso Web]"
expect_body_contains "APPL_MD_PATH=[/LM/W3SVC/7/ROOT/app]"
expect_body_contains "APPL_PHYSICAL_PATH=[$T/app/]"
expect_body_contains "URL=[/app/vars.shtml]"
expect_body_contains "QUERY_STRING=[x=1]"
expect_body_contains "HTTP_USER_AGENT=[$REQ_UA]"
expect_body_contains "LOGON_USER=[erin]"
expect_body_contains "AUTH_TYPE=[SSL/PCT]"
# certmapd never exposes a password (IIS does, for Basic).
expect_body_contains "AUTH_PASSWORD=[(none)]"
expect_log 7 erin 200 0 /app/vars.shtml

h_stop
h_pass
