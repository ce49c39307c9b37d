# FastCGI to an external server (a documented Linux extension of fullPath:
# unix:/path): php-fpm started by the test on a Unix socket.  alice's
# identity reaches PHP, anonymous gets none, and the kept connection
# (FCGI_KEEP_CONN) brings the next request to the same php-fpm worker.
. "$(dirname "$0")/fastcgi_lib.sh"
h_init
fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)
[ -n "$fpm" ] || h_skip "no php-fpm (scripts/install-deps installs php-fpm)"
SOCK=$T/fpm.sock
fc_std "unix:$SOCK"
fpm_user=""
[ "$(id -u)" -eq 0 ] && fpm_user="user = $FC_SVC
group = $FC_SVC"
cat >"$T/fpm.conf" <<CONF
[global]
error_log = $T/fpm.log
daemonize = no
[www]
$fpm_user
listen = $SOCK
listen.mode = 0666
pm = static
pm.max_children = 2
CONF
h_bg "$fpm" -n -F -y "$T/fpm.conf" $([ "$(id -u)" -eq 0 ] && echo -R)
for _ in $(seq 1 100); do
    [ -S "$SOCK" ] && break
    sleep 0.1
done
[ -S "$SOCK" ] || h_fail "php-fpm does not listen on $SOCK: $(cat "$T/fpm.log" 2>/dev/null)"
H_SERVER="$H_SERVER workers=\"1\"" # one worker: one pool of kept connections
fc_go

fc_alice_x
p1=$(fc_var pid)
for _ in 1 2 3; do
    req alice /id.php
    expect_status 200
    [ "$(fc_var pid)" = "$p1" ] || h_fail "FCGI_KEEP_CONN: pid $p1 then $(fc_var pid)"
done

fc_anonymous

req alice /missing.php
expect_status 404 0
# A chunked body cannot be handed over (CONTENT_LENGTH unknown): 411, never an empty body.
printf 'payload' >"$T/chunked.txt"
req alice /id.php -H 'Transfer-Encoding: chunked' --data-binary @"$T/chunked.txt"
expect_status 411
grep -a -q "a chunked request body cannot be handed to the FastCGI application" "$T/certmapd.out" ||
    h_fail "the 411 is not explained in the error log"
h_stop
h_pass
