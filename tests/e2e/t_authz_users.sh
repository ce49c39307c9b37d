# URL Authorization by user, as IIS evaluates it ("Understanding IIS URL
# Authorization", https://learn.microsoft.com/en-us/iis/manage/configuring-security/understanding-iis-url-authorization):
# Deny rules first, the parent's before the child's, then Allow rules; a
# refusal is 401.2 with the deciding rule's file:line in the error log.
# alice and carol are mapped; files without the section keep admitting
# everyone (IIS's shipped server-level allow-all).
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map carol carol carol-pw
for d in admin deny deny/sub ro; do
    mkdir -p "$WWW/$d"
    printf 'page %s\n' "$d" >"$WWW/$d/index.html"
done
authz() { # PATH RULES
    cfg_raw "  <location path=\"Default Web Site/$1\">
    <system.webServer><security><authorization>
$2
    </authorization></security></system.webServer>
  </location>"
}
authz admin '      <remove users="*" roles="" verbs="" />
      <add accessType="Allow" users="ALICE, dave" />'
authz deny '      <add accessType="Deny" users="carol" />'
# (users="carol" alone would be the key of the parent's rule: a duplicate IIS refuses)
authz deny/sub '      <add accessType="Allow" users="carol" verbs="GET" />'
authz ro '      <add accessType="Deny" users="*" verbs="POST,PUT" />'
cfg_write
deny_line=$(grep -n 'accessType="Deny" users="carol"' "$CFG" | cut -d: -f1)
ro_line=$(grep -n 'verbs="POST,PUT"' "$CFG" | cut -d: -f1)
h_start

# no rule at / : the shipped allow-all admits both
req carol /
expect_status 200

# by user (case-insensitive): the inherited allow-all is removed here
req alice /admin/
expect_status 200
expect_body_contains "page admin"
req carol /admin/
expect_status 401 2
expect_body_lacks "page admin"
expect_log 1 carol 401 2 /admin/
grep -a "refused 401.2: site \"Default Web Site\" path /admin/ " "$LOGDIR/certmapd.log" |
    grep -aq "authorization: no rule allows GET by carol; rule -" ||
    h_fail "no info line for carol's refusal at /admin/ in the error log"

# Deny over Allow, parent before child: the child's Allow of carol does not lift the parent's Deny
req alice /deny/sub/
expect_status 200
req carol /deny/
expect_status 401 2
req carol /deny/sub/
expect_status 401 2
expect_body_lacks "page deny/sub"
grep -a "refused 401.2: site \"Default Web Site\" path /deny/sub/ " "$LOGDIR/certmapd.log" |
    grep -aq "authorization: Deny users=\"carol\" .*refuses GET carol; rule .*applicationHost.config:$deny_line$" || h_fail "the refusal at /deny/sub/ does not name the parent's rule (line $deny_line)"

# by verb
req alice /ro/
expect_status 200
req alice /ro/ -X POST --data x
expect_status 401 2
grep -a "refused 401.2: site \"Default Web Site\" path /ro/ " "$LOGDIR/certmapd.log" |
    grep -aq "refuses POST alice; rule .*applicationHost.config:$ro_line$" || h_fail "the POST refusal does not name line $ro_line"

# certmap test-cert decides the same, --verb included
tc() { # WHO PATH [options]
    local who=$1 path=$2
    shift 2
    TC_RC=0
    "$CERTMAP" -c "$CFG" test-cert "$PKI/$who.crt" --site "Default Web Site" --path "$path" --json "$@" \
        >"$T/tc.out" 2>"$T/tc.err" || TC_RC=$?
}
tc carol /admin/
[ "$TC_RC" = 4 ] && grep -q '"status": 401, "substatus": 2' "$T/tc.out" &&
    grep -q '"result": "no rule allows GET by carol"' "$T/tc.out" ||
    h_fail "test-cert carol /admin/: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"
tc alice /ro/
[ "$TC_RC" = 0 ] || h_fail "test-cert alice GET /ro/: exit $TC_RC $(cat "$T/tc.out")"
tc alice /ro/ --verb POST
[ "$TC_RC" = 4 ] && grep -q "\"rule\": \".*applicationHost.config:$ro_line\"" "$T/tc.out" ||
    h_fail "test-cert alice POST /ro/: exit $TC_RC $(cat "$T/tc.out")"
tc carol /deny/sub/
[ "$TC_RC" = 4 ] && grep -q "\"rule\": \".*applicationHost.config:$deny_line\"" "$T/tc.out" ||
    h_fail "test-cert carol /deny/sub/: exit $TC_RC $(cat "$T/tc.out")"

h_stop
h_pass
