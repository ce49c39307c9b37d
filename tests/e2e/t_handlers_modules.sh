# Handler mappings (system.webServer/handlers) as IIS picks them: a mapping
# to a module certmapd does not have answers 500.21 with the handler's
# file:line in the error log; a path no mapping covers answers 404.4; the
# static modules serve files as before.  A FastCgiModule mapping whose
# scriptProcessor names no fastCgi application is refused at start-up,
# naming its file:line (IIS answers 500.0 "FastCGI application not found";
# t_fastcgi_*.sh run the ones that do).
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/none"
printf 'asp source\n' >"$WWW/page.asp"
printf 'plain\n' >"$WWW/none/a.html"
cfg_raw '  <location path="Default Web Site">
    <system.webServer><handlers accessPolicy="Read, Script">
      <clear />
      <add name="ASPClassic" path="*.asp" verb="GET,HEAD,POST" modules="IsapiModule" scriptProcessor="%windir%\system32\inetsrv\asp.dll" resourceType="File" />
      <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,DirectoryListingModule" resourceType="Either" requireAccess="Read" />
    </handlers></system.webServer>
  </location>
  <location path="Default Web Site/none">
    <system.webServer><handlers><clear /></handlers></system.webServer>
  </location>'
cfg_write
asp_line=$(grep -n 'name="ASPClassic"' "$CFG" | cut -d: -f1)
h_start

req alice /
expect_status 200
expect_body_contains "certmap e2e site A"

# IIS: "Handler ASPClassic has a bad module IsapiModule in its module list"
req alice /page.asp
expect_status 500 21
expect_body_lacks "asp source"
expect_log 1 alice 500 21 /page.asp
grep -q "ASPClassic.*:$asp_line).*IsapiModule" "$LOGDIR/certmapd.log" ||
    h_fail "error log lacks the handler's file:line"

req alice /none/a.html
expect_status 404 4
expect_body_lacks "plain"
h_stop

# FastCgiModule without its application: refused at start-up with file:line
cfg_raw '  <system.webServer><fastCgi><application fullPath="/usr/bin/php-cgi" /></fastCgi></system.webServer>
  <location path="Default Web Site/php">
    <system.webServer><handlers>
      <add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi|-c /nowhere" resourceType="File" />
    </handlers></system.webServer>
  </location>'
cfg_write
php_line=$(grep -n 'name="PHP"' "$CFG" | cut -d: -f1)
h_start_fails "FastCgiModule handler" "applicationHost.config:$php_line: .*no system.webServer/fastCgi application"
h_pass
