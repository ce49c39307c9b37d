# A request that makes certmapd ask for the client certificate after the
# handshake has its body read first, as IIS does before it renegotiates, up
# to serverRuntime/@uploadReadAheadSize (default 49152 bytes): a larger body
# is answered 413 (IIS: 413.0 Request Entity Too Large) and the connection
# closed; a smaller one, also after Expect: 100-continue, goes on with the
# certificate.  The limit applies per scope (<location>).
. "$(dirname "$0")/late_lib.sh"
h_init
late_site
mkdir -p "$WWW/small"
printf 'certmap late small\n' >"$WWW/small/index.html"
cfg_location "Default Web Site/small" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false
cfg_raw '  <location path="Default Web Site/small">
    <system.webServer>
      <serverRuntime uploadReadAheadSize="1024" />
    </system.webServer>
  </location>'
h_start

head -c 102400 /dev/zero | tr '\0' 'a' >"$T/100k"
head -c 40000 /dev/zero | tr '\0' 'b' >"$T/40k"
head -c 2000 /dev/zero | tr '\0' 'c' >"$T/2k"

# 100 KB to a scope asked for late: 413, connection closed.
req alice /secure/index.html --data-binary @"$T/100k"
expect_status 413
resp_header Connection | grep -qi close || h_fail "413 without Connection: close"
expect_log 1 - 413 0 /secure/index.html
# The same body where no certificate is needed is not refused for its size.
req alice /index.html --data-binary @"$T/100k"
[ "$STATUS" != 413 ] || h_fail "100 KB to a public scope refused with 413"

# 40 KB (under the default): the certificate is asked for, the request goes
# on as alice (a static file refuses POST: 405), with and without 100-continue.
req alice /secure/index.html --data-binary @"$T/40k" -v
[ "$STATUS" = 405 ] || h_fail "40 KB POST to /secure/: HTTP $STATUS, expected 405"
grep -q 'Request CERT' "$T/curl.err" || h_fail "40 KB POST: no certificate request"
expect_log 1 alice 405 0 /secure/index.html
req alice /secure/index.html --data-binary @"$T/40k" -H 'Expect: 100-continue'
[ "$STATUS" = 405 ] || h_fail "40 KB POST with 100-continue: HTTP $STATUS, expected 405"
expect_log 1 alice 405 0 /secure/index.html
req alice /secure/index.html --data-binary @"$T/100k" -H 'Expect: 100-continue'
expect_status 413
grep -q '100 Continue' "$T/headers" && h_fail "100 Continue before a 413"

# The per-scope limit: 2000 bytes over uploadReadAheadSize="1024".
req alice /small/index.html --data-binary @"$T/2k"
expect_status 413
req alice /small/index.html -H 'Transfer-Encoding: chunked' --data-binary @"$T/2k"
expect_status 413
req alice /small/index.html -H 'Transfer-Encoding: chunked' -H 'Expect: 100-continue' --data-binary @"$T/2k"
expect_status 413
req alice /small/
expect_status 200
expect_log 1 alice 200 0 /small/

adv_pass
