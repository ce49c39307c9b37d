# URL Authorization of anonymous requests: users="?" names them, "*" includes
# them, a named user never matches them.  /pub admits anonymous requests;
# /pub/members denies "?" (401.2 for anonymous, 200 for mapped alice);
# /pub/alice allows alice only.
. "$(dirname "$0")/harness.sh"
h_init
h_std
for d in pub pub/members pub/alice; do
    mkdir -p "$WWW/$d"
    printf 'page %s\n' "$d" >"$WWW/$d/index.html"
done
cfg_location "Default Web Site/pub" ssl="Ssl, SslNegotiateCert" anon=true
cfg_raw '  <location path="Default Web Site/pub/members">
    <system.webServer><security><authorization>
      <add accessType="Deny" users="?" />
    </authorization></security></system.webServer>
  </location>
  <location path="Default Web Site/pub/alice">
    <system.webServer><security><authorization>
      <clear />
      <add accessType="Allow" users="alice" />
    </authorization></security></system.webServer>
  </location>'
h_start

req - /pub/
expect_status 200
expect_body_contains "page pub"
req - /pub/members/
expect_status 401 2
expect_body_lacks "page pub/members"
expect_log 1 - 401 2 /pub/members/
grep -a "refused 401.2: site \"Default Web Site\" path /pub/members/" "$LOGDIR/certmapd.log" |
    grep -aq "authorization: .* GET anonymous; rule .*applicationHost.config:[0-9]*$" ||
    h_fail "no info line for the anonymous refusal"
req alice /pub/members/
expect_status 200
expect_body_contains "page pub/members"
req - /pub/alice/
expect_status 401 2
req alice /pub/alice/
expect_status 200

h_stop
h_pass
