# permissionMode="Deny": a matching certificate gets 403.12 (IIS "Mapper
# denied access"), even with anonymous authentication on; mappings are tried
# in document order, so the Allow mapping after it admits the others.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std anon=true
cfg_m2o "No Sales" "" "" 'permissionMode="Deny"'
cfg_m2o_rule Subject OU Sales
cfg_m2o "Contoso Employees" partner partner-pw
cfg_m2o_rule Subject O Contoso
h_start

req sales /
expect_status 403 12
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 12 /

req contoso /
expect_status 200
expect_log 1 partner 200 0 /

# keep-alive: the many-to-one match is made once per connection and kept
two() { # WHO: the codes of two requests on one connection
    timeout $((30 * H_SLOW)) curl -sS --noproxy '*' --max-time $((20 * H_SLOW)) --cacert "$PKI/ca.crt" \
        --cert "$PKI/$1.crt" --key "$PKI/$1.key" --resolve "localhost:$PORT:127.0.0.1" \
        -w '%{http_code} %{num_connects}\n' -o /dev/null -o /dev/null \
        "https://localhost:$PORT/" "https://localhost:$PORT/index.html" 2>"$T/curl.err" | tr '\n' ' '
}
got=$(two sales)
[ "$got" = "403 1 403 0 " ] || h_fail "sales, two requests on one connection: $got"
got=$(two contoso)
[ "$got" = "200 1 200 0 " ] || h_fail "contoso, two requests on one connection: $got"

# certmap test-cert gives the same answers and names the mapping that decided
tc() { # WHO
    TC_RC=0
    "$CERTMAP" -c "$CFG" test-cert "$PKI/$1.crt" --site "Default Web Site" --json >"$T/tc.out" 2>"$T/tc.err" ||
        TC_RC=$?
}
tc sales
[ "$TC_RC" = 4 ] && grep -q '"status": 403, "substatus": 12, "win32": 5,' "$T/tc.out" ||
    h_fail "test-cert sales: exit $TC_RC $(cat "$T/tc.out" "$T/tc.err")"
grep -q '"step": "many-to-one", "result": "mapping \\"No Sales\\" matches: permissionMode=Deny", "source": ".*applicationHost.config:[0-9]*"' "$T/tc.out" ||
    h_fail "test-cert sales: no many-to-one step: $(cat "$T/tc.out")"
tc contoso
[ "$TC_RC" = 0 ] && grep -q '"user": "partner"' "$T/tc.out" || h_fail "test-cert contoso: exit $TC_RC $(cat "$T/tc.out")"
grep -F "refused 403.12" "$T/certmapd.out" | grep -qF 'permissionMode=Deny' ||
    h_fail "the error log does not explain the 403.12"

h_stop
h_pass
