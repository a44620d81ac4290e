package managed

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Resource types of the EC2 rules.
const (
	typeVolume        = "AWS::EC2::Volume"
	typeSecurityGroup = "AWS::EC2::SecurityGroup"
	typeInstance      = "AWS::EC2::Instance"
	typeVPC           = "AWS::EC2::VPC"
	typeFlowLog       = "AWS::EC2::FlowLog"
)

// ENCRYPTED_VOLUMES (managed-rules.md row 2).

var encryptedVolumes = newRule("ENCRYPTED_VOLUMES", []string{typeVolume}, nil, nil, evalEncryptedVolume)

// evalEncryptedVolume reads configuration.attachments[].state,
// configuration.state, configuration.encrypted and
// configuration.kmsKeyId.
func evalEncryptedVolume(it *inventory.Item, p Params, _ Env) Verdict {
	doc, v, ok := configuration(it)
	if !ok {
		return v
	}
	var attached, encrypted bool
	var kmsKeyID []byte
	m := members(doc)
	for m.next() {
		switch {
		case m.is("attachments"):
			as := elements(m.val)
			for as.next() {
				a := members(as.val)
				for a.next() {
					attached = attached || a.is("state") && strIs(a.val, "attached")
				}
				if err := a.end(); err != nil {
					return insufficient("configuration.attachments", err)
				}
			}
			if as.err != nil {
				return insufficient("configuration.attachments", as.err)
			}
		case m.is("state"):
			attached = attached || strIs(m.val, "in-use")
		case m.is("encrypted"):
			encrypted = boolean(m.val)
		case m.is("kmsKeyId"):
			kmsKeyID = str(m.val)
		}
	}
	if err := m.end(); err != nil {
		return insufficient("the configuration", err)
	}
	switch {
	case !attached:
		return verdict(compliance.NotApplicable, "the volume is not attached")
	case !encrypted:
		return verdict(compliance.NonCompliant, "the volume is not encrypted")
	}
	if want, ok := p.get("kmsId"); ok && !kmsMatch(string(kmsKeyID), want) {
		if len(kmsKeyID) == 0 {
			return verdict(compliance.NonCompliant, "the volume's KMS key is not recorded, so it cannot match kmsId")
		}
		return verdict(compliance.NonCompliant, "the volume is encrypted with KMS key "+quote(string(kmsKeyID))+", not one of kmsId")
	}
	return verdict(compliance.Compliant, "")
}

// INCOMING_SSH_DISABLED and RESTRICTED_INCOMING_TRAFFIC (managed-rules.md
// rows 3 and 4, which share one predicate).

var incomingSSHDisabled = newRule("INCOMING_SSH_DISABLED", []string{typeSecurityGroup}, nil, nil,
	func(it *inventory.Item, _ Params, _ Env) Verdict {
		return evalOpenPorts(it, []int64{22})
	})

var restrictedIncomingTraffic = newRule("RESTRICTED_INCOMING_TRAFFIC", []string{typeSecurityGroup}, nil,
	func(p Params) error {
		var buf [16]int64
		_, err := blockedPorts(p, buf[:0])
		return err
	},
	func(it *inventory.Item, p Params, _ Env) Verdict {
		var buf [16]int64
		ports, err := blockedPorts(p, buf[:0])
		if err != nil {
			return invalidParams(err)
		}
		return evalOpenPorts(it, ports)
	})

// blockedPortParams are RESTRICTED_INCOMING_TRAFFIC's blockedPortN
// parameters, and defaultBlockedPorts their defaults.
var (
	blockedPortParams   = [...]string{"blockedPort1", "blockedPort2", "blockedPort3", "blockedPort4", "blockedPort5"}
	defaultBlockedPorts = [...]int64{20, 21, 3389, 3306, 4333}
)

// blockedPorts appends to dst the ports RESTRICTED_INCOMING_TRAFFIC checks:
// each blockedPortN (its default when not set), and every port of the
// comma-separated blockedPorts (empty elements are skipped) [INF: the
// union].
func blockedPorts(p Params, dst []int64) ([]int64, error) {
	for i, name := range blockedPortParams {
		v, ok := p.get(name)
		if !ok {
			dst = append(dst, defaultBlockedPorts[i])
			continue
		}
		n, err := parsePort(name, v)
		if err != nil {
			return nil, err
		}
		dst = append(dst, n)
	}
	list, _ := p.get("blockedPorts")
	for list != "" {
		var v string
		v, list, _ = strings.Cut(list, ",")
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		n, err := parsePort("blockedPorts", v)
		if err != nil {
			return nil, err
		}
		dst = append(dst, n)
	}
	return dst, nil
}

// parsePort parses the port v of the parameter name.
func parsePort(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("parameter %s: %s is not a port number (an integer from 0 to 65535)", name, quote(v))
	}
	return n, nil
}

// ipPermission is what the port rules read of one inbound permission
// (configuration.ipPermissions[], never ipPermissionsEgress). Older CIs
// list IPv4 sources in ipRanges (as strings), newer ones in ipv4Ranges too
// (as {cidrIp}); IPv6 sources are in ipv6Ranges ({cidrIpv6}) [REAL].
type ipPermission struct {
	proto          []byte
	from, to       int64
	hasFrom, hasTo bool
	// world is a source range that is all addresses, or nil.
	world []byte
}

// readPermission reads one element of ipPermissions.
func readPermission(v []byte) (ipPermission, error) {
	var pm ipPermission
	m := members(v)
	for m.next() {
		switch {
		case m.is("ipProtocol"):
			pm.proto = str(m.val)
		case m.is("fromPort"):
			pm.from, pm.hasFrom = integer(m.val)
		case m.is("toPort"):
			pm.to, pm.hasTo = integer(m.val)
		case m.is("ipRanges"), m.is("ipv4Ranges"), m.is("ipv6Ranges"):
			if pm.world != nil {
				continue
			}
			rs := elements(m.val)
			for rs.next() {
				if c := cidrOf(rs.val); world(c) {
					pm.world = c
					break
				}
			}
			if rs.err != nil {
				return pm, rs.err
			}
		}
	}
	return pm, m.end()
}

// cidrOf returns the range of a source element: a string, or an object's
// cidrIp or cidrIpv6; nil for anything else.
func cidrOf(v []byte) []byte {
	if len(v) > 0 && v[0] == '"' {
		return str(v)
	}
	var c []byte
	m := members(v)
	for m.next() {
		if m.is("cidrIp") || m.is("cidrIpv6") {
			if s := str(m.val); len(s) > 0 {
				c = s
			}
		}
	}
	return c
}

// world reports whether c is all addresses: 0.0.0.0/0, ::/0, or another
// spelling of a /0 prefix (0::/0).
func world(c []byte) bool {
	switch {
	case string(c) == "0.0.0.0/0" || string(c) == "::/0":
		return true
	case bytes.HasSuffix(c, []byte("/0")):
		p, err := netip.ParsePrefix(string(trimSpace(c)))
		return err == nil && p.Bits() == 0
	}
	return false
}

// reaches reports whether the permission admits TCP traffic to port: its
// protocol is tcp (or 6) and the port is within [fromPort, toPort], or it
// is -1 (all traffic) [INF]. A TCP permission without both ports, or with
// a negative one, admits every port [INF].
func (pm *ipPermission) reaches(port int64) bool {
	switch p := pm.proto; {
	case string(p) == "-1" || bytes.EqualFold(p, []byte("all")):
		return true
	case string(p) == "6" || bytes.EqualFold(p, []byte("tcp")):
		if !pm.hasFrom || !pm.hasTo || pm.from < 0 || pm.to < 0 {
			return true
		}
		return pm.from <= port && port <= pm.to
	}
	return false
}

// evalOpenPorts is NON_COMPLIANT when an inbound permission of the
// security group admits TCP traffic to one of ports from all IPv4 or all
// IPv6 addresses, COMPLIANT otherwise.
func evalOpenPorts(it *inventory.Item, ports []int64) Verdict {
	doc, v, ok := configuration(it)
	if !ok {
		return v
	}
	var open Verdict
	m := members(doc)
	for m.next() {
		if !m.is("ipPermissions") {
			continue
		}
		ps := elements(m.val)
		for ps.next() {
			pm, err := readPermission(ps.val)
			if err != nil {
				return insufficient("configuration.ipPermissions", err)
			}
			if pm.world == nil || open.ComplianceType != "" {
				continue
			}
			for _, port := range ports {
				if pm.reaches(port) {
					open = verdict(compliance.NonCompliant, "TCP port "+strconv.FormatInt(port, 10)+" is open to "+string(pm.world))
					break
				}
			}
		}
		if ps.err != nil {
			return insufficient("configuration.ipPermissions", ps.err)
		}
	}
	if err := m.end(); err != nil {
		return insufficient("the configuration", err)
	}
	if open.ComplianceType != "" {
		return open
	}
	return verdict(compliance.Compliant, "")
}

// EC2_INSTANCE_NO_PUBLIC_IP (managed-rules.md row 10).

var ec2InstanceNoPublicIP = newRule("EC2_INSTANCE_NO_PUBLIC_IP", []string{typeInstance}, nil, nil, evalInstancePublicIP)

// evalInstancePublicIP reads the public IPs of the instance's network
// interfaces: configuration.networkInterfaces[].association.publicIp and
// networkInterfaces[].privateIpAddresses[].association.publicIp (the
// secondary addresses'), as AWS's re-implementation finds publicIp
// anywhere in networkInterfaces [IMPL].
func evalInstancePublicIP(it *inventory.Item, _ Params, _ Env) Verdict {
	doc, v, ok := configuration(it)
	if !ok {
		return v
	}
	var eni, ip []byte
	m := members(doc)
	for m.next() {
		if !m.is("networkInterfaces") {
			continue
		}
		nis := elements(m.val)
		for nis.next() {
			var id, found []byte
			ni := members(nis.val)
			for ni.next() {
				switch {
				case ni.is("networkInterfaceId"):
					id = str(ni.val)
				case ni.is("association"):
					a, err := publicIP(ni.val)
					if err != nil {
						return insufficient("configuration.networkInterfaces", err)
					}
					found = cmpOr(found, a)
				case ni.is("privateIpAddresses"):
					pas := elements(ni.val)
					for pas.next() {
						pa := members(pas.val)
						for pa.next() {
							if pa.is("association") {
								a, err := publicIP(pa.val)
								if err != nil {
									return insufficient("configuration.networkInterfaces", err)
								}
								found = cmpOr(found, a)
							}
						}
						if err := pa.end(); err != nil {
							return insufficient("configuration.networkInterfaces", err)
						}
					}
					if pas.err != nil {
						return insufficient("configuration.networkInterfaces", pas.err)
					}
				}
			}
			if err := ni.end(); err != nil {
				return insufficient("configuration.networkInterfaces", err)
			}
			if found != nil && ip == nil {
				eni, ip = id, found
			}
		}
		if nis.err != nil {
			return insufficient("configuration.networkInterfaces", nis.err)
		}
	}
	if err := m.end(); err != nil {
		return insufficient("the configuration", err)
	}
	if ip != nil {
		return verdict(compliance.NonCompliant, "network interface "+quote(string(eni))+" has public IP "+quote(string(ip)))
	}
	return verdict(compliance.Compliant, "")
}

// publicIP returns the publicIp of an association object when it is a
// non-empty string, else nil.
func publicIP(v []byte) ([]byte, error) {
	var ip []byte
	m := members(v)
	for m.next() {
		if m.is("publicIp") {
			if s := str(m.val); len(s) > 0 {
				ip = s
			}
		}
	}
	return ip, m.end()
}

// cmpOr returns a if it is not nil, else b.
func cmpOr(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

// VPC_FLOW_LOGS_ENABLED (managed-rules.md row 11).

var vpcFlowLogsEnabled = newRule("VPC_FLOW_LOGS_ENABLED", []string{typeVPC}, []string{typeFlowLog},
	func(p Params) error {
		_, err := trafficTypeParam(p)
		return err
	},
	evalVPCFlowLogs)

// trafficTypeParam returns the trafficType parameter, upper-cased, or ""
// when not set.
func trafficTypeParam(p Params) (string, error) {
	v, ok := p.get("trafficType")
	if !ok {
		return "", nil
	}
	switch u := strings.ToUpper(v); u {
	case "ALL", "ACCEPT", "REJECT":
		return u, nil
	}
	return "", fmt.Errorf("parameter trafficType: %s is not ALL, ACCEPT or REJECT", quote(v))
}

// flowLog is what VPC_FLOW_LOGS_ENABLED reads of a flow log's
// configuration. The join is on configuration.resourceId, since FlowLog
// CIs have no relationships (aws-config-resource-schema#62).
type flowLog struct {
	status, traffic string
}

// flowLogsByResource indexes the flow logs of a source by the id of the
// resource they log; a flow log whose configuration cannot be read is
// left out.
type flowLogsByResource map[string][]flowLog

func flowLogIndex(env Env, src inventory.Source) flowLogsByResource {
	idx := flowLogsByResource{}
	related(env, typeFlowLog, src, func(it *inventory.Item) bool {
		doc, err := document(it.Configuration)
		if err != nil || doc == nil {
			return true
		}
		var resource []byte
		var fl flowLog
		m := members(doc)
		for m.next() {
			switch {
			case m.is("resourceId"):
				resource = str(m.val)
			case m.is("flowLogStatus"):
				fl.status = string(str(m.val))
			case m.is("trafficType"):
				fl.traffic = string(str(m.val))
			}
		}
		if m.end() == nil && len(resource) > 0 {
			idx[string(resource)] = append(idx[string(resource)], fl)
		}
		return true
	})
	return idx
}

func evalVPCFlowLogs(it *inventory.Item, p Params, env Env) Verdict {
	traffic, err := trafficTypeParam(p)
	if err != nil {
		return invalidParams(err)
	}
	if env == nil {
		return verdict(compliance.InsufficientData, "the flow logs of the VPC's account and region were not supplied")
	}
	logs := derive(env, "VPC_FLOW_LOGS_ENABLED", it.Source, func() flowLogsByResource {
		return flowLogIndex(env, it.Source)
	})[it.ResourceID]
	for _, fl := range logs {
		if strings.EqualFold(fl.status, "ACTIVE") && (traffic == "" || strings.EqualFold(fl.traffic, traffic)) {
			return verdict(compliance.Compliant, "")
		}
	}
	switch {
	case len(logs) == 0:
		return verdict(compliance.NonCompliant, "the VPC has no flow log")
	case traffic == "":
		return verdict(compliance.NonCompliant, "none of the VPC's flow logs is ACTIVE")
	}
	return verdict(compliance.NonCompliant, "none of the VPC's flow logs is ACTIVE with traffic type "+traffic)
}
