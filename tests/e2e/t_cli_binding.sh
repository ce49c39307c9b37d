#!/usr/bin/env bash
# Sites and bindings: get config --section system.applicationHost/sites lists
# sites, bindings, applications and virtual directories; add binding (checked
# as certmapd uses it), remove binding, and AppCmd's set site /+bindings.[...].
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert other "/CN=other"

run_ok get config --section system.applicationHost/sites
expect_out '^site "Default Web Site" id="1" \(.*applicationHost.config:5\)$'
expect_out '^  binding protocol="https" bindingInformation="127.0.0.1:8443:" certificateFile="'
expect_out '^  application path="/"$'
expect_out "^    virtualDirectory path=\"/\" physicalPath=\"$T/www\"$"
expect_out '^site "Shop" id="2"'
run_ok get config --section sites --site shop --json
expect_out '^\[$'
expect_out '"name":"Shop","id":"2","bindings":\[\{"file":"[^"]*","line":[0-9]+,"protocol":"http","bindingInformation":"127.0.0.1:8080:"\}\],"applications":\[\{.*"path":"/","virtualDirectories":\[\{.*"physicalPath":"'
expect_no_out 'Default Web Site'
run_fails 2 "unknown site" get config --section sites --site Nowhere

# add binding: https with certificate and key, checked before writing.
run_fails 2 "not the private key" add binding --site Shop --https --address 127.0.0.1 --port 8444 \
    --cert-file "$T/server.pem" --key-file "$T/other.key"
run_fails 3 "nothere.pem" add binding --site Shop --https --address '*' --port 8444 \
    --cert-file "$T/nothere.pem" --key-file "$T/server.key"
run_fails 1 "--port" add binding --site Shop --https --address '*' --port 70000 \
    --cert-file "$T/server.pem" --key-file "$T/server.key"
run_fails 1 "needs --cert-file" add binding --site Shop --https --address '*' --port 8444
run_ok add binding --site shop --https --address 127.0.0.1 --port 8444 --host shop.example \
    --cert-file server.pem --key-file "$T/server.key" --client-ca-file "$T/other.pem"
expect_out "added https binding '127.0.0.1:8444:shop.example' to site 'Shop'"
expect_cfg 'binding protocol="https" bindingInformation="127.0.0.1:8444:shop.example" certificateFile="server.pem" certificateKeyFile="[^"]*server.key" clientCaFile="[^"]*other.pem"'
expect_valid
# The same binding twice is refused by the collection's key.
run_fails 2 "" add binding --site Shop --https --address 127.0.0.1 --port 8444 --host shop.example \
    --cert-file server.pem --key-file "$T/server.key"
run_ok get config --section sites --site Shop
expect_out 'binding protocol="https" bindingInformation="127.0.0.1:8444:shop.example"'

# remove binding: without --host, A:P with any host when there is one.
run_fails 2 "no binding '127.0.0.1:9999:" remove binding --site Shop --address 127.0.0.1 --port 9999
run_ok remove binding --site Shop --address 127.0.0.1 --port 8444
expect_out "removed binding 'https 127.0.0.1:8444:shop.example' from site 'Shop'"
expect_no_cfg '8444'
expect_valid

# AppCmd's form.
run_ok set site Shop "/+bindings.[protocol='https',bindingInformation='*:8445:',certificateFile='server.pem',certificateKeyFile='server.key']"
expect_out "site 'Shop': added bindings"
expect_cfg "bindingInformation=\"\\*:8445:\" certificateFile=\"server.pem\""
expect_valid
run_fails 1 "only the bindings collection" set site Shop "/+applications.[path='/x']"
run_ok set site /site.name:Shop "/+bindings.[protocol='http',bindingInformation='*:8081:']"
expect_cfg 'bindingInformation="\*:8081:"'
expect_valid
cli_pass
