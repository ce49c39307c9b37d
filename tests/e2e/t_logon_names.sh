# Logon names as IIS forms them, and sc-win32-status as IIS writes it.
# - userName="CORP\erin" (on dave's certificate) logs on as erin@CORP (the provider's form) and is
#   shown as CORP\erin in cs-username, LOGON_USER and REMOTE_USER;
# - a child location that only sets defaultLogonDomain="CORP" logs alice on
#   as alice@CORP there: one keep-alive connection asking / then /dom/ makes
#   two independent logons (200 then 401.1, and in the other order 401.1
#   then 200), never reusing the result of the other scope;
# - the W3C log's sc-win32-status: 1326 for 401.1, 5 for 401.2 and 403.7,
#   2148204809 (CERT_E_UNTRUSTEDROOT) for 403.16, 2148204801 (CERT_E_EXPIRED)
#   for 403.17, 0 for 200;
# - the error log explains every refusal (subject, issuer, SHA-256, the step).
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map dave 'CORP\erin' erin-pw
h_account 'erin@CORP' erin-pw
printf 'user=[<!--#echo var="LOGON_USER"-->] remote=[<!--#echo var="REMOTE_USER"-->]\n' >"$WWW/whoami.shtml"
mkdir -p "$WWW/dom"
printf 'dom\n' >"$WWW/dom/index.html"
cfg_location "Default Web Site/dom" domain=CORP
cfg_location "Default Web Site/open" ssl="Ssl, SslNegotiateCert" anon=false
mkdir -p "$WWW/open"
printf 'open\n' >"$WWW/open/index.html"
h_start

# The W3C fields cs-username sc-status sc-substatus sc-win32-status of the last request.
w3c_win32() {
    local i line=""
    for i in $(seq 1 $((30 * H_SLOW))); do
        # complete lines only (w3c_complete): a line still being written could
        # hold the User-Agent but not yet the status fields after it
        line=$(w3c_complete 1 | awk -v ua="$REQ_UA" '
            /^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
            /^#/ { next }
            $(ix["cs(User-Agent)"]) == ua {
                last = $(ix["cs-username"]) " " $(ix["sc-status"]) "." $(ix["sc-substatus"]) " " $(ix["sc-win32-status"])
            }
            END { if (last != "") print last }')
        [ -n "$line" ] && break
        sleep 0.1
    done
    echo "$line"
}
expect_win32() {
    local got
    got=$(w3c_win32)
    [ "$got" = "$1" ] || h_fail "W3C log: '$got', expected '$1'"
}

req dave /
expect_status 200
expect_win32 'CORP\erin 200.0 0'
req dave /whoami.shtml
expect_status 200
expect_body_contains 'user=[CORP\erin] remote=[CORP\erin]'

# one connection, two scopes with different defaultLogonDomain
both() {
    timeout $((30 * H_SLOW)) curl -sS --noproxy '*' --max-time $((20 * H_SLOW)) --cacert "$PKI/ca.crt" \
        --cert "$PKI/alice.crt" --key "$PKI/alice.key" --resolve "localhost:$PORT:127.0.0.1" \
        -w '%{http_code} %{num_connects}\n' -o /dev/null -o /dev/null \
        "https://localhost:$PORT$1" "https://localhost:$PORT$2" 2>"$T/curl.err" | tr '\n' ' '
}
got=$(both / /dom/)
[ "$got" = "200 1 401 0 " ] || h_fail "/ then /dom/ on one connection: $got (expected 200 then 401 on one connection)"
got=$(both /dom/ /)
[ "$got" = "401 1 200 0 " ] || h_fail "/dom/ then / on one connection: $got (expected 401 then 200 on one connection)"

req alice /dom/
expect_status 401 1
expect_win32 '- 401.1 1326'
req carol /
expect_status 401 2
expect_win32 '- 401.2 5'
req - /
expect_status 403 7
expect_win32 '- 403.7 5'
req untrusted /open/
expect_status 403 16
expect_win32 '- 403.16 2148204809'
req expired /open/
expect_status 403 17
expect_win32 '- 403.17 2148204801'

# the error log explains each refusal, one line at level info
fp=$(openssl x509 -in "$PKI/carol.crt" -outform DER | sha256sum | cut -c1-64)
grep -F "refused 401.2" "$T/certmapd.out" | grep -F "sha256 $fp" | grep -F "no enabled mapping of this certificate" |
    grep -qF 'subject "/O=certmap demo/CN=carol"' ||
    h_fail "no explanation of carol's 401.2 in the error log: $(grep refused "$T/certmapd.out" | head -5)"
grep -F "refused 403.16" "$T/certmapd.out" | grep -qF "certificate: refused: " ||
    h_fail "no explanation of the 403.16 in the error log"
grep -F "refused 401.1" "$T/certmapd.out" | grep -qF "logon: alice@CORP: refused" ||
    h_fail "no explanation of the 401.1 in the error log"

h_stop
h_pass
