# permissionMode="Deny": a matching certificate gets 403.12 (IIS "Mapper
# denied access"), even with anonymous authentication on; mappings are tried
# in document order, so the Allow mapping after it admits the others.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std anon=true
cfg_m2o "No Sales" "" "" 'permissionMode="Deny"'
cfg_m2o_rule Subject OU Sales
cfg_m2o "Contoso Employees" partner partner-pw
cfg_m2o_rule Subject O Contoso
h_start

req sales /
expect_status 403 12
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 12 /

req contoso /
expect_status 200
expect_log 1 partner 200 0 /

h_stop
h_pass
