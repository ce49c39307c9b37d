# FastCGI to a server reached over TCP (a documented Linux extension of
# fullPath: host:port), here php-cgi -b 127.0.0.1:PORT started by the test.
# While nothing listens the request gets 500.0 and the error log names the
# address and the refusal; then alice's identity reaches PHP, anonymous gets
# none, and the server restarted behind certmapd's pooled connection is
# reached again.
. "$(dirname "$0")/fastcgi_lib.sh"
h_init
h_port FPORT
fc_std "127.0.0.1:$FPORT"
H_SERVER="$H_SERVER workers=\"1\"" # one worker: one pool of kept connections
fc_go

as_svc=()
[ -n "$FC_SVC" ] && as_svc=(setpriv --reuid="$FC_SVC" --regid="$FC_SVC" --clear-groups)
php_start() {
    PHP_FCGI_CHILDREN=0 h_bg "${as_svc[@]}" /usr/bin/php-cgi -b "127.0.0.1:$FPORT"
    PHP_PID=$BG_PID
    FC_KILL="$FC_KILL $PHP_PID"
    for _ in $(seq 1 $((50 * H_SLOW))); do
        h_listening "$FPORT" && return 0
        sleep 0.1
    done
    h_fail "php-cgi -b 127.0.0.1:$FPORT does not listen"
}

req alice /id.php
expect_status 500 0
grep -a -q "FastCGI application 127.0.0.1:$FPORT .*refused" "$T/certmapd.out" ||
    h_fail "the refused connection is not in the error log"

php_start
fc_alice_x
expect_log 1 alice 200 0 /id.php/x
p1=$(fc_var pid)
req alice /id.php --data-binary 'a=1&b=2'
expect_status 200
[ "$(fc_var md5)" = "$(printf 'a=1&b=2' | md5sum | cut -d' ' -f1)" ] || h_fail "POST body: md5 $(fc_var md5)"
[ "$(fc_var pid)" = "$p1" ] || h_fail "pid $p1 then $(fc_var pid)"

fc_anonymous

# the server goes away and comes back: the pooled connection to the old one is not used
kill -KILL "$PHP_PID"
wait "$PHP_PID" 2>/dev/null
php_start
req alice /id.php
expect_status 200
[ "$(fc_var REMOTE_USER)" = alice ] || h_fail "after the restart: REMOTE_USER $(fc_var REMOTE_USER)"
h_stop
kill -KILL "$PHP_PID"
h_pass
