#!/usr/bin/env bash
# get config / set config for sections at the server level, a site and a
# path (clean and AppCmd syntax), clear mappings, encrypt-passwords, validate.
. "$(dirname "$0")/cli_lib.sh"
cli_init

# Effective values: set at the site, defaults elsewhere.
run_ok get config --site "$SITE" --section access
expect_out '^sslFlags=Ssl, SslNegotiateCert$'
run_ok get config --site "$SITE/app/dir" --section access --attr sslFlags
[ "$(cat "$OUT")" = "Ssl, SslNegotiateCert" ] || cli_fail "not inherited by a path below the site"
run_ok get config --site Shop --section iisClientCertificateMappingAuthentication
expect_out '^enabled=false$'
expect_out '^oneToOneCertificateMappingsEnabled=true$'
expect_out '^logonMethod=ClearText$'
run_ok get config --section system.webServer/security/authentication/basicAuthentication --json
expect_out '"enabled":"false"'
run_ok get config --section certmap/logon
expect_out '^provider=file$'
expect_out '^accountsFile=accounts$'

# set config at a path, with the short section name; flags case-insensitive.
run_ok set config --site "$SITE" --path /secure --section access \
    --set 'sslFlags=ssl, sslnegotiatecert, sslrequirecert'
expect_out 'sslFlags=Ssl, SslNegotiateCert, SslRequireCert'
expect_cfg '<location path="Default Web Site/secure">'
expect_valid
run_ok get config --site "$SITE/secure" --section access --attr sslFlags
[ "$(cat "$OUT")" = "Ssl, SslNegotiateCert, SslRequireCert" ] || cli_fail "sslFlags not set"
run_ok get config --site "$SITE" --section access --attr sslFlags
[ "$(cat "$OUT")" = "Ssl, SslNegotiateCert" ] || cli_fail "the site's sslFlags changed"
# The comment and the untouched site section survive.
expect_cfg '<!-- mapping authentication for the default site, as in IIS.s sample -->'
expect_cfg '<site name="Shop" id="2">'

# AppCmd's syntax.
run_ok set config Shop -section:iisClientCertificateMappingAuthentication /enabled:true \
    /commit:apphost
run_ok get config Shop -section:iisClientCertificateMappingAuthentication --attr enabled
[ "$(cat "$OUT")" = true ] || cli_fail "AppCmd-style set did not land"
expect_valid

# Several attributes in one commit; --unset inherits again.
run_ok set config --site Shop --section basicAuthentication --set enabled=true --set realm=shop
run_ok get config --site Shop --section basicAuthentication --json
expect_out '"realm":"shop"'
run_ok set config --site Shop --section basicAuthentication --unset realm
run_ok get config --site Shop --section basicAuthentication --attr realm
[ "$(cat "$OUT")" = "" ] || cli_fail "realm still set after --unset"
expect_valid

# A mapping added where mapping authentication is off warns but is added.
new_cert alice
new_cert bob
run_ok set config --site Shop --section iisClientCertificateMappingAuthentication --set enabled=false
run_ok add mapping --site Shop --cert "$T/alice.pem" --user alice --password-file "$T/pw"
expect_err 'warning: iisClientCertificateMappingAuthentication is not enabled'

# clear mappings writes <clear/> at the location.
add_map alice
add_map bob
run_ok clear mappings --site "$SITE"
expect_out '2 removed'
expect_cfg '<clear ?/>'
expect_valid
run_ok list mappings --site "$SITE" --json
[ "$(json_count)" = 0 ] || cli_fail "mappings left after clear"
run_ok list mappings --json
[ "$(json_count)" = 1 ] || cli_fail "clear touched another site"

# encrypt-passwords: a hand-written plain-text password is reported by
# validate, converted, and no longer reported.
b64=$(openssl x509 -in "$T/bob.pem" -outform DER | base64 -w0)
write_config "  <location path=\"Shop\">
    <system.webServer><security><authentication>
      <iisClientCertificateMappingAuthentication enabled=\"true\">
        <oneToOneMappings>
          <add userName=\"bob\" password=\"plain-bob-pw\" certificate=\"$b64\" />
        </oneToOneMappings>
      </iisClientCertificateMappingAuthentication>
      <anonymousAuthentication userName=\"guest\" password=\"plain-anon-pw\" />
    </authentication></security></system.webServer>
  </location>
  <location path=\"Shop/sub\">
    <system.webServer><security><access sslFlags=\"Ssl\" /></security></system.webServer>
  </location>"
# A virtual directory password too (IIS's, without effect on Linux, still a secret).
sed -i '0,/<virtualDirectory path="\/" physicalPath="[^"]*"/s//& userName="u" password="plain-vdir-pw"/' "$CFG"
grep -q plain-vdir-pw "$CFG" || cli_fail "test setup: vdir password not written"
run_ok validate
expect_out 'warning: .*password'
run_ok encrypt-passwords
# Three, not four: "Shop/sub" inherits the anonymous password, it does not get a copy.
expect_out 'encrypted 3 passwords'
expect_no_cfg 'plain-(bob|anon|vdir)-pw'
[ "$(grep -c 'password="\[enc:AesProvider:' "$CFG")" = 3 ] || cli_fail "expected 3 envelopes"
expect_cfg 'password="\[enc:AesProvider:'
run_ok validate
expect_no_out 'warning: .*plain'
run_ok encrypt-passwords
expect_out 'no plain-text password'
# With the wrong key file, validate fails and names the attribute's line.
head -c 32 /dev/urandom >"$T/other.key"
chmod 600 "$T/other.key"
line=$(grep -n 'enc:AesProvider' "$CFG" | head -n 1 | cut -d: -f1)
run_rc 2 -k "$T/other.key" validate
expect_out "applicationHost.config:$line: error: .*password"
cli_pass
