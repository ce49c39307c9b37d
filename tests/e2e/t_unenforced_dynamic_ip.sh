# A <dynamicIpSecurity> rule, which certmap does not enforce, under
# <location path="Default Web Site/admin">: certmapd refuses to start and
# `certmap validate` exits 2, both naming file:line.  Listed in
# <certmap><server unenforcedSections>, certmapd starts, serves /admin (the
# rule is NOT enforced) and logs a warning naming the rule.  (URL
# Authorization, which this test covered before, is enforced: t_authz_*.sh.)
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/admin"
printf 'admin page\n' >"$WWW/admin/index.html"
cfg_raw '  <location path="Default Web Site/admin">
    <system.webServer>
      <security>
        <dynamicIpSecurity>
          <denyByConcurrentRequests enabled="true" maxConcurrentRequests="5" />
        </dynamicIpSecurity>
      </security>
    </system.webServer>
  </location>'
cfg_write
line=$(grep -n 'denyByConcurrentRequests enabled="true"' "$CFG" | cut -d: -f1)
at="applicationHost\.config:$line:"

h_start_fails "dynamicIpSecurity rule" "$at.*dynamicIpSecurity: <denyByConcurrentRequests enabled=\"true\"> restricts \"Default Web Site/admin\""

"$CERTMAP" -c "$CFG" validate >"$T/validate.out" 2>&1
rc=$?
[ $rc = 2 ] || h_fail "certmap validate: exit $rc (expected 2): $(cat "$T/validate.out")"
grep -qE "$at error: denyByConcurrentRequests: enabled: dynamicIpSecurity: .*list it in <certmap><server unenforcedSections>" \
    "$T/validate.out" || h_fail "certmap validate does not name line $line: $(cat "$T/validate.out")"

H_SERVER+=' unenforcedSections="dynamicIpSecurity"'
cfg_write
h_start
req alice /admin/
expect_status 200
expect_body_contains "admin page"
grep -aqE "warn.*$at.*NOT enforced" "$T/certmapd.out" "$LOGDIR/certmapd.log" 2>/dev/null ||
    h_fail "no warning naming line $line in certmapd's output or error log"

h_stop
h_pass
