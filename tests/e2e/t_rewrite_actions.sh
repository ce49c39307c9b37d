# URL Rewrite inbound rules after authentication and authorization, as the
# URL Rewrite Module Configuration Reference describes them: Redirect with
# back-references and appendQueryString, conditions with MatchAny,
# CustomResponse, AbortRequest, IsFile, a local Rewrite (which goes through
# access again: into "/", which requires a certificate, only with one), an
# absolute Rewrite without a proxy (404.4) and a bounded chain (500.50).
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/public"
printf 'certmap e2e public\n' >"$WWW/public/index.html"
printf 'hello file\n' >"$WWW/public/hello.txt"
cfg_location "Default Web Site/public" ssl="Ssl, SslNegotiateCert" anon=true
chain=""
for i in $(seq 1 11); do
    chain+="      <rule name=\"chain$i\" stopProcessing=\"true\"><match url=\"^public/l$i\$\" />
        <action type=\"Rewrite\" url=\"/public/l$((i + 1))\" /></rule>
"
done
cfg_raw "  <system.webServer><rewrite><rules>
      <rule name=\"redir\" stopProcessing=\"true\">
        <match url=\"^public/old/([a-z]+)/([0-9]+)\$\" />
        <action type=\"Redirect\" url=\"/public/new/{R:2}/{R:1}\" redirectType=\"Found\" />
      </rule>
      <rule name=\"hostq\" stopProcessing=\"true\">
        <match url=\"^public/legacy\$\" />
        <conditions logicalGrouping=\"MatchAny\">
          <add input=\"{HTTP_HOST}\" pattern=\"^legacy\\.example(:[0-9]+)?\$\" />
          <add input=\"{QUERY_STRING}\" pattern=\"(^|&amp;)go=([a-z]+)\" />
        </conditions>
        <action type=\"Redirect\" url=\"/public/index.html?via={C:2}\" appendQueryString=\"false\" redirectType=\"SeeOther\" />
      </rule>
      <rule name=\"custom\" stopProcessing=\"true\">
        <match url=\"^public/blocked/\" />
        <action type=\"CustomResponse\" statusCode=\"403\" subStatusCode=\"99\" statusReason=\"Blocked\" statusDescription=\"no\" />
      </rule>
      <rule name=\"abort\" stopProcessing=\"true\">
        <match url=\"^public/abort\$\" />
        <action type=\"AbortRequest\" />
      </rule>
      <rule name=\"isfile\" stopProcessing=\"true\">
        <match url=\"^public/files/(.*)\$\" />
        <conditions><add input=\"$WWW/public/{R:1}.txt\" matchType=\"IsFile\" /></conditions>
        <action type=\"Rewrite\" url=\"/public/{R:1}.txt\" />
      </rule>
      <rule name=\"secret\" stopProcessing=\"true\">
        <match url=\"^public/secret\$\" />
        <action type=\"Rewrite\" url=\"/index.html\" />
      </rule>
      <rule name=\"api\" stopProcessing=\"true\">
        <match url=\"^public/api/(.*)\" />
        <action type=\"Rewrite\" url=\"http://127.0.0.1:9/{R:1}\" />
      </rule>
$chain    </rules></rewrite></system.webServer>"
h_start

# Redirect: back-references, redirectType Found, the query appended
req - "/public/old/abc/42?x=1"
expect_status 302
[ "$(resp_header Location)" = "/public/new/42/abc?x=1" ] || h_fail "Location: $(resp_header Location)"
expect_log 1 - 302 0 /public/old/abc/42

# MatchAny: the query holds, or the host does; neither: the rule does not apply
req - "/public/legacy?go=yes"
expect_status 303
[ "$(resp_header Location)" = "/public/index.html?via=yes" ] || h_fail "Location: $(resp_header Location)"
req - "/public/legacy" -H "Host: legacy.example:$PORT"
expect_status 303
req - "/public/legacy?stay=1"
expect_status 404

# CustomResponse: status and sub-status
req - /public/blocked/x
expect_status 403 99
expect_log 1 - 403 99 /public/blocked/x

# AbortRequest: the connection closes without an answer
req - /public/abort
[ "$STATUS" = 000 ] || h_fail "AbortRequest answered $STATUS"
grep -aq 'aborted (no answer): rewrite rule "abort"' "$LOGDIR/certmapd.log" ||
    h_fail "no error-log line for the aborted request"

# IsFile: only when the file exists
req - /public/files/hello
expect_status 200
expect_body_contains "hello file"
expect_log 1 - 200 0 /public/files/hello
req - /public/files/nothere
expect_status 404

# a local rewrite into "/", which requires a mapped certificate
req - /public/secret
expect_status 403 7
expect_body_lacks "certmap e2e site A"
req alice /public/secret
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /public/secret

# an absolute URL without a reverse proxy: 404.4, as IIS without ARR
req - /public/api/v1
expect_status 404 4

# a chain of rewrites longer than the bound: 500.50
req - /public/l1
expect_status 500 50
grep -aq 'URL Rewrite: .*rewrite loop' "$LOGDIR/certmapd.log" || h_fail "no error-log line for the loop"
req - /public/l3
expect_status 404

h_stop
h_pass
