# web.config in content directories: the innermost configuration layer, with
# IIS's locking.  /tight's web.config requires a client certificate: where the
# site unlocks <access> (overrideMode="Allow"), anonymous requests there get
# 403.7; where it is locked (IIS's default), /tight answers 500.19 and the rest
# of the site keeps serving; editing a web.config takes effect without restart.
. "$(dirname "$0")/harness.sh"
h_init
h_account alice alice-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=true basic=false certmap=true \
    o2o=true
cfg_map alice alice alice-pw
mkdir -p "$WWW/tight" "$WWW/open"
printf 'tight\n' >"$WWW/tight/x.txt"
printf 'open\n' >"$WWW/open/x.txt"
cat >"$WWW/tight/web.config" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    <security>
      <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" />
    </security>
  </system.webServer>
</configuration>
XML

# Locked (access is overrideModeDefault="Deny" in IIS): 500.19 for /tight only.
h_start
req - /tight/x.txt
expect_status 500 19
expect_log 1 - 500 19 /tight/x.txt
req - /open/x.txt
expect_status 200
expect_body_contains open
grep -a -q "web.config:5: access: this configuration section cannot be used at this path" \
    "$T/certmapd.out" || h_fail "the locked web.config is not logged with its line"
h_stop

# Unlocked for every site (the server level's <location overrideMode="Allow"> holding the
# section): the web.config tightens /tight.
cfg_raw '  <location path="" overrideMode="Allow">
    <system.webServer><security><access /></security></system.webServer>
  </location>'
cfg_write
h_start
req - /tight/x.txt
expect_status 403 7
req alice /tight/x.txt
expect_status 200
expect_body_contains tight
expect_log 1 alice 200 0 /tight/x.txt
req - /TIGHT/x.txt
expect_status 403 7
req - /open/x.txt
expect_status 200

# Editing the web.config takes effect without a restart (the directory is watched).
n=$(h_reloads)
sed -i 's/Ssl, SslNegotiateCert, SslRequireCert/Ssl, SslNegotiateCert/' "$WWW/tight/web.config"
h_reload_wait "$n"
req - /tight/x.txt
expect_status 200
expect_body_contains tight

# A new web.config in a new directory is picked up too; a broken one is 500.19 there only.
n=$(h_reloads)
mkdir -p "$WWW/later"
printf 'later\n' >"$WWW/later/x.txt"
h_reload_wait "$n"
n=$(h_reloads)
printf '<configuration><system.webServer>\n' >"$WWW/later/web.config"
h_reload_wait "$n"
req - /later/x.txt
expect_status 500 19
req - /open/x.txt
expect_status 200
h_stop
h_pass
