# FastCGI as IIS's FastCgiModule with php-cgi started and supervised by
# certmapd: alice's identity reaches PHP, anonymous gets none whatever the
# client's headers say, PATH_INFO is split at the script, a POST body
# arrives whole, a missing script is 404.0, a script past requestTimeout is
# 500, and no php-cgi survives certmapd.
. "$(dirname "$0")/fastcgi_lib.sh"
h_init
FC_ARGS="-d post_max_size=0"
fc_std /usr/bin/php-cgi 'maxInstances="2" requestTimeout="10" activityTimeout="10"'
fc_go

req alice /id.php/extra/info
expect_status 200
[ "$(fc_var REMOTE_USER)" = alice ] || h_fail "REMOTE_USER: $(fc_var REMOTE_USER)"
[ "$(fc_var LOGON_USER)" = alice ] || h_fail "LOGON_USER: $(fc_var LOGON_USER)"
[ "$(fc_var AUTH_TYPE)" = SSL/PCT ] || h_fail "AUTH_TYPE: $(fc_var AUTH_TYPE)"
[ "$(fc_var HTTPS)" = on ] || h_fail "HTTPS: $(fc_var HTTPS)"
case $(fc_var CERT_SUBJECT) in *CN=alice*) ;; *) h_fail "CERT_SUBJECT: $(fc_var CERT_SUBJECT)" ;; esac
[ "$(fc_var SCRIPT_NAME)" = /id.php ] || h_fail "SCRIPT_NAME: $(fc_var SCRIPT_NAME)"
[ "$(fc_var PATH_INFO)" = /extra/info ] || h_fail "PATH_INFO: $(fc_var PATH_INFO)"
expect_log 1 alice 200 0 /id.php/extra/info

# anonymous: no identity, whatever the client claims
req - /pub/id.php -H 'X-Remote-User: mallory' -H 'Remote-User: mallory' -H 'Auth-User: mallory' \
    -H 'Remote_User: mallory' -H 'REMOTE-USER: mallory'
expect_status 200
[ -z "$(fc_var REMOTE_USER)" ] || h_fail "anonymous REMOTE_USER: $(fc_var REMOTE_USER)"
[ -z "$(fc_var LOGON_USER)" ] || h_fail "anonymous LOGON_USER: $(fc_var LOGON_USER)"
[ -z "$(fc_var AUTH_TYPE)" ] || h_fail "anonymous AUTH_TYPE: $(fc_var AUTH_TYPE)"
printf '%s\n' "$BODY" | grep -q '^REMOTE_USER=$' || h_fail "REMOTE_USER line missing"

# a body of 50 MB arrives whole, certmapd's memory stays bounded
head -c 50000000 /dev/urandom >"$T/big"
want=$(md5sum "$T/big" | cut -d' ' -f1)
req alice /id.php --data-binary "@$T/big" -H 'Content-Type: application/octet-stream'
expect_status 200
[ "$(fc_var md5)" = "$want" ] || h_fail "md5 of the 50 MB body: $(fc_var md5), want $want"
rss=$(awk '/^VmRSS/ {print $2}' /proc/"$SERVER_PID"/status)
[ "$rss" -lt 400000 ] || h_fail "certmapd RSS ${rss} kB after a 50 MB upload"

# FCGI_KEEP_CONN: the same php-cgi process answers one request after another
req alice /id.php
p1=$(fc_var pid)
req alice /id.php
[ "$(fc_var pid)" = "$p1" ] || h_fail "another process for the next request: $p1 then $(fc_var pid)"

req alice /missing.php
expect_status 404 0

# requestTimeout is 10 s: curl waits longer than that (its default here is
# 10 s too, and the two raced), less than slow.php's 30 s sleep
req alice /slow.php --max-time $((25 * H_SLOW))
expect_status 500
grep -a -q 'exceeded configured request timeout\|exceeded configured activity timeout' \
    "$LOGDIR/certmapd.log" "$T/certmapd.out" 2>/dev/null || h_fail "no timeout in the error log"
req alice /id.php
expect_status 200

pids=$(pgrep -f '^/usr/bin/php-cgi' -P "$SERVER_PID" | tr '\n' ' ')
[ -n "$pids" ] || h_fail "no php-cgi child of certmapd"
h_stop
for _ in $(seq 1 $((50 * H_SLOW))); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
done
[ -z "$alive" ] || h_fail "php-cgi still running after certmapd stopped:$alive"
h_pass
