# Identity sent upstream: alice's request arrives with X-Remote-User (set by a rule),
# X-ARR-ClientCert (her certificate's DER), X-Forwarded-*; spoofed copies (any case,
# '_' for '-', repeated) never arrive, for mapped, unmapped (refused) and anonymous
# requests; the upstream connection is reused.
. "$(dirname "$0")/proxy_lib.sh"
h_init
px_std
cfg_location "Default Web Site/public" ssl="Ssl" anon=true certmap=false
px_go

spoof=(-H 'X-Remote-User: mallory' -H 'x-remote-user: mallory' -H 'X_REMOTE_USER: mallory'
    -H 'x_Remote-User: mallory' -H 'X-ARR-ClientCert: Zm9v' -H 'x-arr_clientcert: Zm9v'
    -H 'X-ARR-SSL: fake' -H 'X-Forwarded-Proto: gopher' -H 'X_Forwarded_For: 6.6.6.6'
    -H 'X-Original-URL: /admin' -H 'X_Tenant: other' -H 'X-Forwarded-For: 192.0.2.7')

req alice '/app/page?x=1' "${spoof[@]}"
expect_status 200
expect_log 1 alice 200 0 /app/page
[ "$(px_last .target)" = "/app/page?x=1" ] || h_fail "target: $(px_last .target)"
[ "$(px_headers X-Remote-User)" = alice ] || h_fail "X-Remote-User: $(px_headers X-Remote-User | tr '\n' ' ')"
[ "$(px_headers X-Forwarded-Proto)" = https ] || h_fail "X-Forwarded-Proto: $(px_headers X-Forwarded-Proto)"
[ "$(px_headers X-Original-URL)" = "/app/page?x=1" ] || h_fail "X-Original-URL: $(px_headers X-Original-URL)"
[ "$(px_headers X-Forwarded-Host)" = "localhost:$PORT" ] || h_fail "X-Forwarded-Host: $(px_headers X-Forwarded-Host)"
xff=$(px_headers X-Forwarded-For)
case $xff in
"192.0.2.7, 127.0.0.1:"[0-9]*) ;;
*) h_fail "X-Forwarded-For: '$xff' (the client's value, then 127.0.0.1:port)" ;;
esac
[ -z "$(px_headers X-Tenant)" ] || h_fail "a header name with '_' was forwarded"
want=$(openssl x509 -in "$PKI/alice.crt" -outform DER | base64 -w0)
[ "$(px_headers X-ARR-ClientCert)" = "$want" ] || h_fail "X-ARR-ClientCert is not alice's certificate"
ssl=$(px_headers X-ARR-SSL)
case $ssl in
[0-9]*"|"[0-9]*"|O=certmap demo, CN=certmap demo CA|O=certmap demo, CN=localhost") ;;
*) h_fail "X-ARR-SSL: '$ssl'" ;;
esac

# unmapped: refused before the rules, nothing reaches the upstream
n=$(wc -l <"$REC")
req carol /app/page "${spoof[@]}"
expect_status 401 2
[ "$(wc -l <"$REC")" = "$n" ] || h_fail "an unmapped request reached the upstream"

# anonymous: no identity headers at all, and none of the client's copies
req - /public/page "${spoof[@]}"
expect_status 200
[ "$(px_last .target)" = "/public/page" ] || h_fail "anonymous target: $(px_last .target)"
for name in X-Remote-User X-ARR-ClientCert X-ARR-SSL X-Original-URL; do
    case $(px_headers $name) in
    "" | /public/page) ;;
    *) h_fail "anonymous request carried $name: $(px_headers $name)" ;;
    esac
done
[ "$(px_headers X-Forwarded-Proto)" = https ] || h_fail "anonymous X-Forwarded-Proto"

# keep-alive toward the upstream: fewer connections than requests
for i in 1 2 3 4 5 6; do
    req alice "/k/$i"
    expect_status 200
done
reqs=$(wc -l <"$REC")
conns=$(jq -r .conn "$REC" | sort -u | wc -l)
[ "$conns" -lt "$reqs" ] || h_fail "no upstream connection was reused ($conns connections, $reqs requests)"
h_log "$reqs requests over $conns upstream connections"

h_stop
h_pass
