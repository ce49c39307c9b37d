#!/usr/bin/env bash
# add / list / enable / disable / remove many-to-one, and the IIS docs'
# AppCmd sample through set config (/+"manyToOneMappings.[...]" and its
# .rules.[...]); list config is get config.
. "$(dirname "$0")/cli_lib.sh"
cli_init

# add: rules, encrypted password, Deny without an account.
run_ok add many-to-one --site "$SITE" --name Partners --user partner --password-file "$T/pw" \
    --rule 'Subject:O=Contoso' --rule 'Issuer:CN=Contoso CA' --description "partner org"
expect_out "added many-to-one mapping 'Partners' at 'Default Web Site': 2 rule\\(s\\) -> partner"
expect_cfg '<add name="Partners" description="partner org" permissionMode="Allow" userName="partner" password="\[enc:AesProvider:'
expect_cfg '<add certificateField="Issuer" certificateSubField="CN" matchCriteria="Contoso CA" />'
expect_no_cfg 's3cret-pw'
run_ok add many-to-one --site "$SITE" --name "No Sales" --deny --rule 'subject:OU=sales' \
    --case-insensitive
expect_cfg '<add name="No Sales" permissionMode="Deny">'
expect_cfg 'matchCriteria="sales" compareCaseSensitive="false"'
expect_valid

# Refusals change nothing (run_fails checks the file).
run_fails 2 "already exists" add many-to-one --site "$SITE" --name partners --user x \
    --password-file "$T/pw" --rule 'Subject:O=x'
run_fails 2 'unknown subfield "Org"' add many-to-one --site "$SITE" --name X --user x \
    --password-file "$T/pw" --rule 'Subject:Org=x'
run_fails 2 'unknown field "Subjekt"' add many-to-one --site "$SITE" --name X --user x \
    --password-file "$T/pw" --rule 'Subjekt:O=x'
run_fails 1 "at least one --rule" add many-to-one --site "$SITE" --name X --user x \
    --password-file "$T/pw"
run_fails 1 "--user is required" add many-to-one --site "$SITE" --name X --rule 'Subject:O=x'

# list, in document order, table and JSON (never the password).
run_ok list many-to-one --site "$SITE"
expect_out '^Partners	Allow	partner	enabled	'
expect_out '^  Issuer:CN=Contoso CA	'
expect_out '^No Sales	Deny	-	enabled	'
expect_out 'Subject:OU=sales \(case-insensitive\)'
run_ok list many-to-one --site "$SITE" --json
expect_out '"name": "Partners", "description": "partner org", "enabled": true, "permissionMode": "Allow", "user": "partner"'
expect_out '"field": "Issuer", "subfield": "CN", "criteria": "Contoso CA", "caseSensitive": true'
expect_no_out 's3cret|enc:'

# disable / enable / remove by name (case-insensitive, as IIS compares keys).
run_ok disable many-to-one --site "$SITE" --name partners
expect_cfg '<add name="Partners" description="partner org" permissionMode="Allow" userName="partner" password="[^"]*" enabled="false">'
run_ok list many-to-one --site "$SITE"
expect_out '^Partners	Allow	partner	disabled	'
run_ok enable many-to-one --site "$SITE" --name Partners
run_ok list many-to-one --site "$SITE"
expect_out '^Partners	Allow	partner	enabled	'
run_ok remove many-to-one --site "$SITE" --name "No Sales"
expect_no_cfg 'No Sales'
run_fails 2 "no many-to-one mapping named 'No Sales'" remove many-to-one --site "$SITE" \
    --name "No Sales"
expect_valid

# The IIS docs' AppCmd sample, verbatim but for the program name.
S=system.webServer/security/authentication/iisClientCertificateMappingAuthentication
run_ok set config Shop -section:$S /enabled:"True" /manyToOneCertificateMappingsEnabled:"True" \
    /commit:apphost
run_ok set config Shop -section:$S \
    /+"manyToOneMappings.[name='Contoso Employees',enabled='True',permissionMode='Allow',userName='Username',password='Password']" \
    /commit:apphost
expect_err 'password on the command line'
run_ok set config Shop -section:$S \
    /+"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',certificateSubField='O',matchCriteria='Contoso',compareCaseSensitive='True']" \
    /commit:apphost
expect_no_cfg "password=\"Password\""
run_ok list many-to-one --site Shop
expect_out '^Contoso Employees	Allow	Username	enabled	'
expect_out '^  Subject:O=Contoso	'
expect_valid
# A rule for a mapping that does not exist, a bad subfield: refused.
run_fails 2 "no item of manyToOneMappings" set config Shop -section:$S \
    /+"manyToOneMappings.[name='Nobody'].rules.[certificateField='Subject',certificateSubField='O',matchCriteria='x']"
run_fails 2 'unknown certificate subfield "Org"' set config Shop -section:$S \
    /+"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',certificateSubField='Org',matchCriteria='x']"
run_fails 1 "expected COLLECTION" set config Shop -section:$S /+"manyToOneMappings.name='x'"

# AppCmd's removes: a rule of the mapping, then the mapping; one that does not exist is refused.
run_ok set config Shop -section:$S \
    /-"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',certificateSubField='O',matchCriteria='Contoso']"
expect_out "removed manyToOneMappings"
run_ok list many-to-one --site Shop
grep -q '^  Subject:O=Contoso' "$OUT" && cli_fail "the rule is still listed after /-"
run_fails 2 "no item of rules matches" set config Shop -section:$S \
    /-"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',certificateSubField='O',matchCriteria='Contoso']"
run_ok set config Shop -section:$S --remove "manyToOneMappings.[name='Contoso Employees']"
run_ok list many-to-one --site Shop
grep -q '^Contoso Employees' "$OUT" && cli_fail "the mapping is still listed after --remove"
expect_valid
run_fails 2 "no item of manyToOneMappings matches" set config Shop -section:$S \
    /-"manyToOneMappings.[name='Contoso Employees']"

# AppCmd's read verb.
run_ok list config Shop -section:$S
expect_out '^manyToOneCertificateMappingsEnabled=true$'
cli_pass
