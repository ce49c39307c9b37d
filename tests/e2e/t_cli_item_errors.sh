#!/usr/bin/env bash
# A file as IIS writes it: mapping passwords encrypted with the Windows
# machine's key, one certificate string damaged.  Each broken mapping is an
# error of its own (validate exit 2, file:line), the rest of the file works,
# and the CLI repairs one mapping at a time.
. "$(dirname "$0")/cli_lib.sh"
cli_init
for u in alice bob carol dave erin; do new_cert "$u"; done
add_map bob
# What IIS writes: an AesProvider envelope its own key opens, not ours.
iis_env() { printf '[enc:AesProvider:%s:enc]' "$(head -c 96 /dev/urandom | base64 -w0)"; }
b64() { base64 -w0 "$T/$1.der"; }
sed -i "/<oneToOneMappings>/a\\
              <add userName=\"alice\" password=\"$(iis_env)\" certificate=\"$(b64 alice)\" />\\
              <add userName=\"carol\" password=\"$(iis_env)\" certificate=\"$(b64 carol)\" />\\
              <add userName=\"dave\" password=\"x\" certificate=\"MIIBdamaged$(b64 dave | cut -c20-)\" />\\
              <add userName=\"erin\" password=\"erin-plain\" certificate=\"$(b64 erin)\" />" "$CFG"
line_of() { grep -n "userName=\"$1\"" "$CFG" | cut -d: -f1; }

run_rc 2 validate
for u in alice carol; do
    expect_out "applicationHost.config:$(line_of $u): error: add: password: cannot decrypt.*certmap set mapping --site \"Default Web Site\" --cert FILE --password-stdin"
done
expect_out "applicationHost.config:$(line_of dave): error: add: certificate: .*this mapping is inactive"
expect_out ": 3 errors \(each disables one item only"
expect_no_out "applicationHost.config:$(line_of bob):"

# Reading commands work and say that some items cannot be used.
run_ok list mappings
expect_out "^Default Web Site +bob +yes"
expect_err "3 items .* cannot be used"

# encrypt-passwords encrypts the plain ones (erin's, dave's) and reports the two it cannot read.
run_ok encrypt-passwords
expect_out "encrypted 2 passwords"
expect_err "applicationHost.config:$(line_of alice): .*cannot decrypt.*left as it is"
expect_err "2 encrypted passwords cannot be decrypted"
expect_no_cfg "erin-plain"

# Re-entering alice's password repairs her mapping: one error fewer.
CLI_STDIN=$T/pw run_ok set mapping --site "$SITE" --cert "$T/alice.pem" --password-stdin
run_rc 2 validate
expect_no_out "applicationHost.config:$(line_of alice):"
expect_out ": 2 errors"
# Removing carol's leaves dave's certificate, which no --cert can name.
run_ok remove mapping --site "$SITE" --cert "$T/carol.pem"
run_rc 2 validate
expect_out ": 1 error "
expect_out "applicationHost.config:$(line_of dave): error"

# Control characters in text: refused by the CLI, an error (of the whole file) in it.
run_fails 2 "userName: control character 0x0a" set mapping --site "$SITE" --cert "$T/bob.pem" \
    --user "$(printf 'bob\nroot')"
sed -i '/userName="dave"/d; s/userName="bob"/userName="bob\&#10;root"/' "$CFG"
run_rc 2 validate
expect_out "applicationHost.config:$(line_of 'bob&#10;root'): error: add: userName: control character 0x0a"
run_fails 2 "userName: control character" list mappings
cli_pass
