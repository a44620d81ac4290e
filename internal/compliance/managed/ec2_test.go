package managed

import (
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

const (
	volKeyID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
	volKeyARN = "arn:aws:kms:us-east-1:111122223333:key/" + volKeyID
)

func TestEncryptedVolumes(t *testing.T) {
	vol := load(t, "rdk_ci_console_form_ec2_volume.json") // attached, encrypted with volKeyARN
	conf := func(s string) inventory.Item { return withConf(vol, s) }
	runCases(t, "ENCRYPTED_VOLUMES", []evalCase{
		{name: "attached, encrypted, no kmsId", it: vol, want: C},
		{name: "kmsId: the key ARN", it: vol, params: Params{"kmsId": volKeyARN}, want: C},
		{name: "kmsId: the key id", it: vol, params: Params{"kmsId": volKeyID}, want: C},
		{name: "kmsId: the key id, upper case", it: vol, params: Params{"kmsId": strings.ToUpper(volKeyID)}, want: C},
		{name: "kmsId: blank is unset", it: vol, params: Params{"kmsId": "  "}, want: C},
		{name: "kmsId: another key id", it: vol, params: Params{"kmsId": "9999abcd-12ab-34cd-56ef-1234567890ab"}, want: NC, annotation: volKeyARN},
		{name: "kmsId: same key id in another account's ARN", it: vol, params: Params{"kmsId": "arn:aws:kms:us-east-1:444455556666:key/" + volKeyID}, want: NC},
		{name: "kmsId: list holding the key id", it: vol, params: Params{"kmsId": "9999abcd-12ab-34cd-56ef-1234567890ab, " + volKeyID}, want: C},
		{name: "kmsId: an alias", it: vol, params: Params{"kmsId": "alias/aws/ebs"}, want: NC},
		{name: "unencrypted, attached", it: conf(`{"attachments":[{"state":"attached","volumeId":"vol-1"}],"encrypted":false,"kmsKeyId":null,"state":"in-use"}`), want: NC, annotation: "not encrypted"},
		{name: "encrypted absent", it: conf(`{"attachments":[{"state":"attached"}],"state":"in-use"}`), want: NC},
		{name: "encrypted as a string", it: conf(`{"attachments":[{"state":"attached"}],"encrypted":"true"}`), want: C},
		{name: "encrypted of the wrong type", it: conf(`{"attachments":[{"state":"attached"}],"encrypted":1}`), want: NC},
		{name: "unattached, unencrypted", it: conf(`{"attachments":[],"encrypted":false,"state":"available"}`), want: NA, annotation: "not attached"},
		{name: "attaching", it: conf(`{"attachments":[{"state":"attaching"}],"encrypted":false,"state":"available"}`), want: NA},
		{name: "in-use without attachments", it: conf(`{"encrypted":false,"state":"in-use"}`), want: NC},
		{name: "attached without state", it: conf(`{"attachments":[{"state":"detached"},{"state":"attached"}],"encrypted":true}`), want: C},
		{name: "kmsId set, kmsKeyId null", it: conf(`{"attachments":[{"state":"attached"}],"encrypted":true,"kmsKeyId":null}`), params: Params{"kmsId": volKeyID}, want: NC, annotation: "not recorded"},
		{name: "configuration as the API's JSON string", it: conf(jsonString(`{"attachments":[{"state":"attached"}],"encrypted":false}`)), want: NC},
		{name: "malformed configuration", it: conf(`{"attachments":[{"state":"attached"}],"encrypted":tru`), want: ID},
		{name: "attachments not an array", it: conf(`{"attachments":{"state":"attached"}}`), want: ID},
		{name: "configuration an array", it: conf(`[1,2]`), want: ID},
	})
}

// sg returns a security group whose ipPermissions are perms.
func sg(perms string) inventory.Item {
	return item("AWS::EC2::SecurityGroup", "sg-0123456789abcdef0",
		`{"groupId":"sg-0123456789abcdef0","groupName":"g","ipPermissions":[`+perms+`],"ipPermissionsEgress":[{"ipProtocol":"-1","ipRanges":["0.0.0.0/0"],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipv6Ranges":[]}]}`)
}

// perm returns one ipPermission with the protocol, ports (JSON values)
// and ranges (JSON arrays) given.
func perm(proto, from, to, ipv4, ipv6 string) string {
	return `{"ipProtocol":"` + proto + `","fromPort":` + from + `,"toPort":` + to + `,"ipv4Ranges":` + ipv4 + `,"ipv6Ranges":` + ipv6 + `,"prefixListIds":[],"userIdGroupPairs":[]}`
}

const (
	world4 = `[{"cidrIp":"0.0.0.0/0"}]`
	world6 = `[{"cidrIpv6":"::/0"}]`
	none   = `[]`
)

func TestIncomingSSHDisabled(t *testing.T) {
	history := loadItems(t, "c7n_get_resource_config_history_security_group.json")
	runCases(t, "INCOMING_SSH_DISABLED", []evalCase{
		{name: "select sample: all traffic from a /32", it: load(t, "c7n_select_resource_config_security_group.json"), want: C},
		{name: "history sample 1: 8080 open, 443 from a /24", it: history[0], want: C},
		{name: "history sample 2", it: history[1], want: C},
		{name: "tcp 22 from 0.0.0.0/0", it: sg(perm("tcp", "22", "22", world4, none)), want: NC, annotation: "TCP port 22 is open to 0.0.0.0/0"},
		{name: "tcp 22 from ::/0", it: sg(perm("tcp", "22", "22", none, world6)), want: NC, annotation: "::/0"},
		{name: "tcp 22 from 0::/0", it: sg(perm("tcp", "22", "22", none, `[{"cidrIpv6":"0::/0"}]`)), want: NC},
		{name: "legacy ipRanges strings only", it: sg(`{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":["10.0.0.0/8","0.0.0.0/0"]}`), want: NC},
		{name: "ipRanges objects", it: sg(`{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":[{"cidrIp":"0.0.0.0/0"}]}`), want: NC},
		{name: "tcp 0-65535 from the world", it: sg(perm("tcp", "0", "65535", world4, none)), want: NC},
		{name: "tcp 20-21 from the world", it: sg(perm("tcp", "20", "21", world4, none)), want: C},
		{name: "tcp 23-80 from the world", it: sg(perm("tcp", "23", "80", world4, none)), want: C},
		{name: "tcp 22 from 10.0.0.0/8", it: sg(perm("tcp", "22", "22", `[{"cidrIp":"10.0.0.0/8"}]`, none)), want: C},
		{name: "tcp 22 from 0.0.0.0/1", it: sg(perm("tcp", "22", "22", `[{"cidrIp":"0.0.0.0/1"}]`, none)), want: C},
		{name: "tcp 22 from 2001:db8::/32", it: sg(perm("tcp", "22", "22", none, `[{"cidrIpv6":"2001:db8::/32"}]`)), want: C},
		{name: "udp 22 from the world", it: sg(perm("udp", "22", "22", world4, world6)), want: C},
		{name: "icmp from the world", it: sg(perm("icmp", "-1", "-1", world4, none)), want: C},
		{name: "all traffic (-1) from the world", it: sg(perm("-1", "null", "null", world4, none)), want: NC},
		{name: "protocol 6 port 22", it: sg(perm("6", "22", "22", world4, none)), want: NC},
		{name: "protocol TCP upper case", it: sg(perm("TCP", "22", "22", world4, none)), want: NC},
		{name: "ports as query-form doubles", it: sg(perm("tcp", "22.0", "22.0", world4, none)), want: NC},
		{name: "ports as strings", it: sg(perm("tcp", `"10"`, `"30"`, world4, none)), want: NC},
		{name: "tcp without ports", it: sg(perm("tcp", "null", "null", world4, none)), want: NC},
		{name: "open only in egress", it: sg(``), want: C},
		{name: "no ipPermissions member", it: withConf(sg(""), `{"groupId":"sg-1"}`), want: C},
		{name: "one world rule among others", it: sg(perm("tcp", "443", "443", world4, none) + "," + perm("tcp", "22", "22", `[{"cidrIp":"10.0.0.0/8"}]`, world6)), want: NC},
		{name: "configuration as the API's JSON string", it: withConf(sg(""), jsonString(`{"ipPermissions":[`+perm("tcp", "22", "22", world4, none)+`]}`)), want: NC},
		{name: "ipPermissions an object", it: withConf(sg(""), `{"ipPermissions":{"ipProtocol":"tcp"}}`), want: ID},
		{name: "malformed configuration", it: withConf(sg(""), `{"ipPermissions":[{"ipProtocol":"tcp",`), want: ID},
		{name: "ranges of the wrong types", it: sg(`{"ipProtocol":"tcp","fromPort":true,"toPort":"x","ipv4Ranges":[1,null,{"cidrIp":5}]}`), want: C},
	})
}

func TestRestrictedIncomingTraffic(t *testing.T) {
	history := loadItems(t, "c7n_get_resource_config_history_security_group.json")
	open := func(from, to string) inventory.Item { return sg(perm("tcp", from, to, world4, none)) }
	runCases(t, "RESTRICTED_INCOMING_TRAFFIC", []evalCase{
		{name: "select sample", it: load(t, "c7n_select_resource_config_security_group.json"), want: C},
		{name: "history sample: 8080 is not blocked by default", it: history[0], want: C},
		{name: "history sample, 8080 blocked", it: history[0], params: Params{"blockedPorts": "8080"}, want: NC, annotation: "8080 is open to 0.0.0.0/0"},
		{name: "default 20", it: open("20", "20"), want: NC, annotation: "port 20"},
		{name: "default 21", it: open("21", "21"), want: NC},
		{name: "default 3389", it: open("3389", "3389"), want: NC, annotation: "3389"},
		{name: "default 3306", it: open("3306", "3306"), want: NC},
		{name: "default 4333", it: open("4333", "4333"), want: NC},
		{name: "22 is not blocked by default", it: open("22", "22"), want: C},
		{name: "range covering 3306", it: open("3300", "3310"), want: NC},
		{name: "ipv6 world on 3389", it: sg(perm("tcp", "3389", "3389", none, world6)), want: NC, annotation: "::/0"},
		{name: "all traffic", it: sg(perm("-1", "null", "null", world4, none)), want: NC},
		{name: "udp 3389 from the world", it: sg(perm("udp", "3389", "3389", world4, world6)), want: C},
		{name: "3389 from a /16", it: sg(perm("tcp", "3389", "3389", `[{"cidrIp":"172.16.0.0/16"}]`, none)), want: C},
		{name: "blockedPort1 replaces 20", it: open("20", "20"), params: Params{"blockedPort1": "8080"}, want: C},
		{name: "blockedPort1 22", it: open("22", "22"), params: Params{"blockedPort1": "22"}, want: NC},
		{name: "blank blockedPort1 keeps 20", it: open("20", "20"), params: Params{"blockedPort1": " "}, want: NC},
		{name: "blockedPorts CSV with white space", it: open("8443", "8443"), params: Params{"blockedPorts": " 22 , 8443,"}, want: NC},
		{name: "blockedPorts adds to the defaults", it: open("3389", "3389"), params: Params{"blockedPorts": "8080"}, want: NC},
		{name: "blockedPorts without the port", it: open("8443", "8443"), params: Params{"blockedPorts": "22,8080"}, want: C},
		{name: "invalid blockedPort1", it: open("22", "22"), params: Params{"blockedPort1": "abc"}, want: ID, annotation: "blockedPort1"},
		{name: "invalid blockedPorts", it: open("22", "22"), params: Params{"blockedPorts": "20-25"}, want: ID, annotation: "blockedPorts"},
		{name: "blockedPort2 out of range", it: open("22", "22"), params: Params{"blockedPort2": "70000"}, want: ID},
		{name: "malformed configuration", it: withConf(sg(""), `{`), want: ID},
	})
}

func TestEC2InstanceNoPublicIP(t *testing.T) {
	rdk := load(t, "rdk_ci_console_form_ec2_instance.json")
	inst := func(conf string) inventory.Item { return item("AWS::EC2::Instance", "i-0123456789abcdef0", conf) }
	runCases(t, "EC2_INSTANCE_NO_PUBLIC_IP", []evalCase{
		{name: "RDK sample: association.publicIp", it: rdk, want: NC, annotation: `"34.205.29.138"`},
		{name: "c7n sample: stopped, no association", it: load(t, "c7n_rule_invoking_event_ec2_instance.json"), want: C},
		{name: "secondary address's public IP only", it: inst(`{"networkInterfaces":[{"networkInterfaceId":"eni-1","association":null,"privateIpAddresses":[{"primary":true,"association":null},{"primary":false,"association":{"publicIp":"203.0.113.9"}}]}]}`), want: NC, annotation: "203.0.113.9"},
		{name: "second interface's public IP", it: inst(`{"networkInterfaces":[{"networkInterfaceId":"eni-1"},{"networkInterfaceId":"eni-2","association":{"publicIp":"198.51.100.7","ipOwnerId":"amazon"}}]}`), want: NC, annotation: `"eni-2"`},
		{name: "publicIp null", it: inst(`{"networkInterfaces":[{"association":{"publicIp":null,"ipOwnerId":"amazon"}}]}`), want: C},
		{name: "publicIp empty", it: inst(`{"networkInterfaces":[{"association":{"publicIp":""}}]}`), want: C},
		{name: "EC2-Classic: publicIpAddress, no interfaces", it: inst(`{"publicIpAddress":"54.1.2.3","networkInterfaces":[]}`), want: C},
		{name: "no networkInterfaces member", it: inst(`{"instanceId":"i-1"}`), want: C},
		{name: "configuration as the API's JSON string", it: withConf(rdk, jsonString(string(rdk.Configuration))), want: NC},
		{name: "networkInterfaces an object", it: inst(`{"networkInterfaces":{"association":{"publicIp":"1.2.3.4"}}}`), want: ID},
		{name: "malformed", it: inst(`{"networkInterfaces":[{"association":{"publicIp":"1.2.3.4"}`), want: ID},
	})
}

func TestVPCFlowLogsEnabled(t *testing.T) {
	items := loadItems(t, "vpc_flow_logs.json")
	logged, unlogged := items[0], items[1] // vpc-0a1b… has an ACTIVE ALL flow log; vpc-0f9e… none
	flowLogOf := items[2]
	fl := func(status, traffic string) inventory.Item {
		it := withConf(flowLogOf, `{"flowLogId":"fl-x","flowLogStatus":"`+status+`","resourceId":"`+logged.ResourceID+`","trafficType":"`+traffic+`","deliverLogsStatus":"SUCCESS"}`)
		it.ResourceID = "fl-x" + status + traffic
		return it
	}
	env := envOf(items...)
	runCases(t, "VPC_FLOW_LOGS_ENABLED", []evalCase{
		{name: "ACTIVE ALL flow log", it: logged, env: env, want: C},
		{name: "plain env", it: logged, env: plainEnv(items), want: C},
		{name: "no flow log (only a subnet's)", it: unlogged, env: env, want: NC, annotation: "no flow log"},
		{name: "trafficType ALL", it: logged, env: env, params: Params{"trafficType": "ALL"}, want: C},
		{name: "trafficType all (lower case)", it: logged, env: env, params: Params{"trafficType": "all"}, want: C},
		{name: "trafficType REJECT", it: logged, env: env, params: Params{"trafficType": "REJECT"}, want: NC, annotation: "traffic type REJECT"},
		{name: "REJECT and ACCEPT logs, ACCEPT asked", it: logged, env: envOf(fl("ACTIVE", "REJECT"), fl("ACTIVE", "ACCEPT")), params: Params{"trafficType": "ACCEPT"}, want: C},
		{name: "flow log not ACTIVE", it: logged, env: envOf(fl("FAILED", "ALL")), want: NC, annotation: "is ACTIVE"},
		{name: "flow log deleted", it: logged, env: envOf(withStatus(flowLogOf, inventory.StatusResourceDeleted)), want: NC},
		{name: "flow log not recorded", it: logged, env: envOf(withStatus(flowLogOf, inventory.StatusResourceNotRecorded)), want: NC},
		{name: "flow log of another region", it: logged, env: envOf(withSource(flowLogOf, inventory.Source{AccountID: logged.AccountID, Region: "us-west-2"})), want: NC},
		{name: "flow log of another account", it: logged, env: envOf(withSource(flowLogOf, inventory.Source{AccountID: "999999999999", Region: logged.Region})), want: NC},
		{name: "flow log unreadable", it: logged, env: envOf(withConf(flowLogOf, `{"resourceId":`)), want: NC},
		{name: "flow log with the configuration as a JSON string", it: logged, env: envOf(withConf(flowLogOf, jsonString(string(flowLogOf.Configuration)))), want: C},
		{name: "empty env", it: logged, env: envOf(), want: NC},
		{name: "no env", it: logged, want: ID, annotation: "not supplied"},
		{name: "invalid trafficType", it: logged, env: env, params: Params{"trafficType": "BOTH"}, want: ID, annotation: "trafficType"},
		{name: "the VPC's configuration is not read", it: withConf(logged, `{"vpcId":`), env: env, want: C},
	})
}
