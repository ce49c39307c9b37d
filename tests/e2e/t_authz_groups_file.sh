# URL Authorization by role with the file logon provider: the accounts are
# written by `certmap account add NAME --password-stdin --groups G1,G2`
# ("name:hash:groups" lines; bob keeps an old "name:hash" line).  /admins
# allows the role "admins" only; /nostaff denies the role "staff".
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map carol carol carol-pw
for d in admins nostaff; do
    mkdir -p "$WWW/$d"
    printf 'page %s\n' "$d" >"$WWW/$d/index.html"
done
cfg_raw '  <location path="Default Web Site/admins">
    <system.webServer><security><authorization>
      <remove users="*" />
      <add accessType="Allow" roles="Admins" />
    </authorization></security></system.webServer>
  </location>
  <location path="Default Web Site/nostaff">
    <system.webServer><security><authorization>
      <add accessType="Deny" roles="staff" />
    </authorization></security></system.webServer>
  </location>'
cfg_write
grep -v '^alice:\|^carol:' "$T/accounts" >"$T/accounts.new" && mv "$T/accounts.new" "$T/accounts"
printf 'alice-pw\n' | "$CERTMAP" -c "$CFG" account add alice --password-stdin --groups "admins, staff" >"$T/cli.out" 2>&1 ||
    h_fail "certmap account add --groups: $(cat "$T/cli.out")"
printf 'carol-pw\n' | "$CERTMAP" -c "$CFG" account add carol --password-stdin --groups users >"$T/cli.out" 2>&1 ||
    h_fail "certmap account add --groups: $(cat "$T/cli.out")"
grep -q '^alice:[^:]*:admins, staff$' "$T/accounts" || h_fail "accounts file: $(cut -d: -f1,3 "$T/accounts")"
h_start

req alice /admins/
expect_status 200
expect_body_contains "page admins"
req carol /admins/
expect_status 401 2
expect_log 1 carol 401 2 /admins/
req carol /nostaff/
expect_status 200
req alice /nostaff/
expect_status 401 2
expect_body_lacks "page nostaff"

# certmap test-cert decides the same, with the groups from the accounts file
tc() { # WHO PATH
    TC_RC=0
    "$CERTMAP" -c "$CFG" test-cert "$PKI/$1.crt" --site "Default Web Site" --path "$2" --json \
        >"$T/tc.out" 2>"$T/tc.err" || TC_RC=$?
}
tc alice /admins/
[ "$TC_RC" = 0 ] && grep -q '"result": "alice: 2 group(s)"' "$T/tc.out" ||
    h_fail "test-cert alice /admins/: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"
grep -q '"step": "authorization", "result": "Allow users=\\"\\" roles=\\"Admins\\" verbs=\\"\\": allows GET alice", "source": ".*applicationHost.config:[0-9]*"' "$T/tc.out" ||
    h_fail "test-cert alice /admins/: no authorization step naming the rule: $(cat "$T/tc.out")"
tc carol /admins/
[ "$TC_RC" = 4 ] && grep -q '"status": 401, "substatus": 2, "win32": 5' "$T/tc.out" ||
    h_fail "test-cert carol /admins/: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"
tc alice /nostaff/
[ "$TC_RC" = 4 ] && grep -q '"result": "Deny users=\\"\\" roles=\\"staff\\" verbs=\\"\\": refuses GET alice"' "$T/tc.out" ||
    h_fail "test-cert alice /nostaff/: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"

h_stop
h_pass
