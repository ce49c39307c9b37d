# One-to-one mappings count at server and site level only, as on IIS ("IIS
# Client Certificate Authentication results in 401-Unauthorized for
# sub-applications"): a mapping written in <location path="S/app"> (a child
# application) or "S/dir" (a directory) does not authenticate anywhere
# (401.2), and a <clear/> there does not remove the site's mappings.  The
# site-level mapping (alice) and the server-level one (bob) work everywhere.
# `certmap validate` names each ignored collection with its file:line.
. "$(dirname "$0")/harness.sh"
h_init
for u in alice bob carol dave; do h_account "$u" "$u-pw"; done
mkdir -p "$WWW/dir" "$T/app"
printf 'root index\n' >"$WWW/index.html"
printf 'dir index\n' >"$WWW/dir/index.html"
printf 'app index\n' >"$T/app/index.html"
S="Default Web Site"
cfg_site "$S" 1
cfg_app /app "$T/app"
cfg_https "127.0.0.1:$PORT:"
cfg_location "$S" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_location "$S/app" certmap=true
cfg_map carol carol carol-pw
cfg_location "$S/dir" clear=1
cfg_map dave dave dave-pw
cfg_raw "  <system.webServer>
    <security>
      <authentication>
        <iisClientCertificateMappingAuthentication>
          <oneToOneMappings>
            <add userName=\"bob\" password=\"bob-pw\" certificate=\"$(cert_b64 bob)\" />
          </oneToOneMappings>
        </iisClientCertificateMappingAuthentication>
      </authentication>
    </security>
  </system.webServer>"
cfg_write

"$CERTMAP" -c "$CFG" validate >"$T/validate.out" 2>&1
rc=$?
[ $rc = 0 ] || h_fail "certmap validate: exit $rc: $(cat "$T/validate.out")"
for u in carol dave; do
    line=$(grep -n "userName=\"$u\"" "$CFG" | cut -d: -f1)
    # the note names the <oneToOneMappings> element, the line before the <add> (or its <clear/>)
    grep -qE "applicationHost.config:($((line - 1))|$((line - 2))): note: .*ignored" "$T/validate.out" ||
        h_fail "certmap validate names no ignored mappings near line $line ($u): $(cat "$T/validate.out")"
done

h_start
grep -aq 'started: .* 2 mapping(s)' "$T/certmapd.out" ||
    h_fail "certmapd counts other than the 2 server and site mappings: $(grep -a started "$T/certmapd.out")"

table="
path    client  status sub user   body
/       alice   200    0   alice  root index
/       bob     200    0   bob    root index
/       carol   401    2   -      -
/       dave    401    2   -      -
/app/   alice   200    0   alice  app index
/app/   bob     200    0   bob    app index
/app/   carol   401    2   -      -
/app/   dave    401    2   -      -
/dir/   alice   200    0   alice  dir index
/dir/   bob     200    0   bob    dir index
/dir/   carol   401    2   -      -
/dir/   dave    401    2   -      -
"
n=0
while read -r path client status sub user body; do
    case $path in "" | path) continue ;; esac
    req "$client" "$path"
    what="GET $path ($client)"
    [ "$STATUS" = "$status" ] || h_fail "$what: HTTP $STATUS, expected $status.$sub (curl exit $CURL_RC)"
    if [ "$status" = 200 ]; then
        grep -qF -- "$body" "$T/body" || h_fail "$what: body $(head -c 100 "$T/body"), expected '$body'"
    else
        grep -qF "HTTP Error $status.$sub" "$T/body" || h_fail "$what: body lacks 'HTTP Error $status.$sub'"
        expect_body_lacks index
    fi
    expect_log 1 "$user" "$status" "$sub" "$path"
    n=$((n + 1))
done <<<"$table"
[ $n = 12 ] || h_fail "ran $n rows of the table, expected 12"

h_stop
h_pass
