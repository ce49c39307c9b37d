# A mapping whose certificate base64 has line breaks still matches: CRLF
# character references (line breaks that survive XML attribute
# normalisation), literal folded lines with indentation as a hand-pasted .cer
# export has, and a whole PEM block.  The config is written by hand on purpose.
. "$(dirname "$0")/harness.sh"
h_init
printf 'certmap e2e folded\n' >"$WWW/index.html"
h_account alice alice-pw
h_account bob bob-pw
h_account dave dave-pw
# alice: 64-column lines joined by &#13;&#10; (real CR LF in the value).
alice_crlf=$(openssl x509 -in "$PKI/alice.crt" -outform DER | base64 -w 64 | sed 's/$/\&#13;\&#10;/' | tr -d '\n')
# dave: 76-column lines, literal line breaks and indentation.
dave_folded=$(openssl x509 -in "$PKI/dave.crt" -outform DER | base64 -w 76 | sed 's/^/                  /')
# bob: a whole PEM block.
bob_pem=$(cat "$PKI/bob.crt")
cat >"$CFG" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Default Web Site" id="1">
        <application path="/">
          <virtualDirectory path="/" physicalPath="$WWW" />
        </application>
        <bindings>
          <binding protocol="https" bindingInformation="127.0.0.1:$PORT:"
                   certificateFile="$PKI/server.crt" certificateKeyFile="$PKI/server.key"
                   clientCaFile="$PKI/ca.crt" />
        </bindings>
      </site>
    </sites>
  </system.applicationHost>
  <location path="Default Web Site">
    <system.webServer>
      <security>
        <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" />
        <authentication>
          <anonymousAuthentication enabled="false" />
          <iisClientCertificateMappingAuthentication enabled="true"
                oneToOneCertificateMappingsEnabled="true">
            <oneToOneMappings>
              <add enabled="true" userName="alice" password="alice-pw"
                certificate="$alice_crlf" />
              <add enabled="true" userName="dave" password="dave-pw"
                certificate="
$dave_folded
                " />
              <add enabled="true" userName="bob" password="bob-pw" certificate="$bob_pem" />
            </oneToOneMappings>
          </iisClientCertificateMappingAuthentication>
        </authentication>
      </security>
    </system.webServer>
  </location>
  <certmap>
    <logon provider="file" accountsFile="$T/accounts" />
    <server logDirectory="$LOGDIR" $H_ALLOW_ROOT />
  </certmap>
</configuration>
XML
[ "$(grep -c '&#13;&#10;' "$CFG")" -ge 1 ] && [ "$(grep -c 'MII' "$CFG")" -ge 3 ] ||
    h_fail "test setup: folded certificates missing"
h_start

req alice /
expect_status 200
expect_body_contains "certmap e2e folded"
expect_log 1 alice 200 0 /

req dave /
expect_status 200
expect_log 1 dave 200 0 /

req bob /
expect_status 200
expect_log 1 bob 200 0 /

req carol /
expect_status 401 2

h_stop
h_pass
