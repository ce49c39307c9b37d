#!/usr/bin/env bash
# Failing commands leave the configuration byte-identical, print one clear
# error on stderr and exit with the documented code.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice
add_map alice

# Not a certificate (exit 2), missing file (exit 3).
printf 'not a certificate\n' >"$T/garbage.pem"
run_fails 2 'garbage.pem' add mapping --site "$SITE" --cert "$T/garbage.pem" --user x \
    --password-file "$T/pw"
run_fails 3 'nope.pem' add mapping --site "$SITE" --cert "$T/nope.pem" --user x \
    --password-file "$T/pw"
# Duplicate: same certificate (as DER this time) at the same location, and
# below it where the mapping is inherited; the error names the existing line.
line=$(grep -n 'certificate=' "$CFG" | cut -d: -f1)
run_fails 2 "already mapped .*applicationHost.config:$line" add mapping --site "$SITE" \
    --cert "$T/alice.der" --user other --password-file "$T/pw"
run_fails 2 "already mapped .*inherited" add mapping --site "$SITE" --path /app \
    --cert "$T/alice.pem" --user other --password-file "$T/pw"
# Mapped below the location: adding it above would give that location two.
new_cert carol
add_map carol --path /deep
line=$(grep -n 'certificate=' "$CFG" | tail -n 1 | cut -d: -f1)
run_fails 2 "already mapped below, at 'Default Web Site/deep' by .*applicationHost.config:$line" \
    add mapping --site "$SITE" --cert "$T/carol.pem" --user carol --password-file "$T/pw"
# ...unless that location starts with <clear/>, which keeps the new one out (IIS semantics).
new_cert dave
run_ok clear mappings --site "$SITE" --path /isolated
add_map dave --path /isolated
add_map dave
expect_valid
# Unknown site.
run_fails 2 "unknown site 'Nope'" add mapping --site Nope --cert "$T/alice.pem" --user x \
    --password-file "$T/pw"
run_fails 2 "unknown site 'Nope'" list mappings --site Nope
# Passwords never from argv.
run_fails 1 'password-stdin' add mapping --site "$SITE" --cert "$T/alice.pem" --user x \
    --password hunter2
run_fails 1 'command line' add mapping --site "$SITE" --cert "$T/alice.pem" --user x \
    --password=hunter2
run_fails 1 'password' set config --site "$SITE" --section anonymousAuthentication \
    --set password=hunter2
# Empty password (exit 2), no password source (exit 1).
: >"$T/empty"
run_fails 2 'empty' add mapping --site "$SITE" --cert "$T/alice.pem" --user x \
    --password-file "$T/empty"
run_fails 1 'password' add mapping --site "$SITE" --cert "$T/alice.pem" --user x
# Bad flag and boolean values, unknown attribute, unknown section (exit 2).
run_fails 2 'SslReqCert' set config --site "$SITE" --section access --set 'sslFlags=Ssl, SslReqCert'
run_fails 2 'enabled' set config --site "$SITE" --section basicAuthentication --set enabled=maybe
run_fails 2 "no attribute 'enabeld'" set config --site "$SITE" \
    --section iisClientCertificateMappingAuthentication --set enabeld=true
run_fails 2 "unknown section 'acess'" set config --site "$SITE" --section acess --set sslFlags=Ssl
# One bad --set among good ones: nothing is written.
run_fails 2 'sslFlags' set config --site "$SITE" --section access --set sslFlags=Ssl \
    --set sslFlags2=x
# Not found (exit 2) for every selection command.
new_cert bob
for verb in enable disable remove; do
    run_fails 2 'no mapping of' $verb mapping --site "$SITE" --cert "$T/bob.pem"
done
run_fails 2 'no mapping of' set mapping --site "$SITE" --fingerprint "$(cert_sha256 bob)" --user z
run_fails 2 'fingerprint' disable mapping --site "$SITE" --fingerprint abcd
# Usage errors (exit 1).
run_fails 1 'unknown option --sit' add mapping --sit "$SITE"
run_fails 1 'exactly one of --cert' remove mapping --site "$SITE"
run_fails 1 'unknown command' frobnicate
run_fails 1 'nothing to change' set mapping --site "$SITE" --cert "$T/alice.pem"
run_fails 1 'given twice' list mappings --site a --site b
# A broken configuration: every command that reads it reports file:line, exit 2.
sed -i 's/sslFlags="Ssl, SslNegotiateCert"/sslFlags="Ssl, Bogus"/' "$CFG"
line=$(grep -n 'Bogus' "$CFG" | cut -d: -f1)
run_fails 2 "applicationHost.config:$line" add mapping --site "$SITE" --cert "$T/bob.pem" \
    --user bob --password-file "$T/pw"
run_rc 2 validate
expect_out "applicationHost.config:$line: error: .*Bogus"
# A missing configuration is an I/O error.
CFG=$T/missing.config
cm validate
[ "$RC" = 3 ] || cli_fail "validate of a missing file: expected exit 3"
cli_pass
