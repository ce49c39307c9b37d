# Supervised FastCGI programs across reloads, as IIS recycles them: a
# reload that removes an application stops its php-cgi while the unchanged
# one keeps serving from the same process; a reload that changes an
# application's settings replaces its process; a process idle for
# idleTimeout is stopped and the next request starts another.
. "$(dirname "$0")/fastcgi_lib.sh"
h_init
fc_std /usr/bin/php-cgi 'maxInstances="1"'
# a second application (other arguments: another process) for *.phtml
FC_MORE_APPS='<application fullPath="/usr/bin/php-cgi" arguments="-d max_input_vars=999" maxInstances="1" />'
FC_MORE_HANDLERS='<add name="PHTML" path="*.phtml" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi|-d max_input_vars=999" resourceType="File" requireAccess="Script" />'
fc_raw
cp "$WWW/id.php" "$WWW/id.phtml"
fc_go

req alice /id.php
expect_status 200
pa=$(fc_var pid)
req alice /id.phtml
expect_status 200
pb=$(fc_var pid)
[ -n "$pa" ] && [ -n "$pb" ] && [ "$pa" != "$pb" ] || h_fail "two applications, pids '$pa' and '$pb'"

# the reload removes the *.phtml application: its process stops, *.php keeps its own
FC_MORE_APPS=""
FC_MORE_HANDLERS=""
fc_reload
fc_gone "$pb" 10 || h_fail "php-cgi $pb of the removed application still runs after the reload"
grep -a -q 'FastCGI: /usr/bin/php-cgi: the configuration changed, its processes stop' "$T/certmapd.out" ||
    h_fail "the stop is not in the error log"
kill -0 "$pa" 2>/dev/null || h_fail "php-cgi $pa of the unchanged application stopped"
req alice /id.php
expect_status 200
[ "$(fc_var pid)" = "$pa" ] || h_fail "the unchanged application answered from pid $(fc_var pid), not $pa"
req alice /id.phtml
[ "$STATUS" != 200 ] || ! grep -q '^pid=' "$T/body" || h_fail "*.phtml still runs as FastCGI after the reload"

# a reload that changes the application's settings (idleTimeout) replaces its process
FC_APP_ATTRS='maxInstances="1" idleTimeout="10"'
fc_reload
fc_gone "$pa" 10 || h_fail "php-cgi $pa still runs after a reload changed its application"
req alice /id.php
expect_status 200
pc=$(fc_var pid)
[ -n "$pc" ] && [ "$pc" != "$pa" ] || h_fail "the changed application answered from pid '$pc'"

# idle for idleTimeout (10 s, IIS's minimum): stopped, then started again on demand
kill -0 "$pc" 2>/dev/null || h_fail "php-cgi $pc stopped right after its request"
fc_gone "$pc" 20 || h_fail "php-cgi $pc still runs 20 s after its last request (idleTimeout 10 s)"
req alice /id.php
expect_status 200
[ -n "$(fc_var pid)" ] && [ "$(fc_var pid)" != "$pc" ] || h_fail "no new process after the idle stop"
h_stop
h_pass
