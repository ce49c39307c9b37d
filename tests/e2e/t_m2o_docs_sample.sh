# The IIS docs' many-to-one sample (manyToOneMappings, AppCmd and XML
# samples): Subject O=Contoso, case-sensitive, Allow as one account.  A
# Contoso certificate is admitted as that account; another organisation's
# certificate maps to nothing: 401.2.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std m2o=true
cfg_m2o "Contoso Employees" partner partner-pw 'enabled="true" permissionMode="Allow"'
cfg_m2o_rule Subject O Contoso true
h_start

req contoso /
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 partner 200 0 /

req fabrikam /
expect_status 401 2
expect_log 1 - 401 2 /

h_stop
h_pass
