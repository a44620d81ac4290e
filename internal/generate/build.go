package generate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// builder makes the configuration items of a source's resources.
type builder struct {
	s *source
	w jw
}

// tag is one tag, in the order it is listed in configuration documents.
type tag struct{ key, value string }

// ciVersion is the version of the configuration item format AWS Config has
// written since 2018.
const ciVersion = "1.3"

// emitResource passes the resource's configuration items to fn, oldest
// first.
func (b *builder) emitResource(i int32, fn func(inventory.Item) error) error {
	s := b.s
	x := &s.res[i]
	times := b.captureTimes(x)
	tags := b.tags(x)
	awsRegion := s.region
	if isGlobal(x.kind) {
		awsRegion = "global"
	}
	for v := range int(x.versions) {
		it := inventory.Item{
			Key: inventory.Key{
				Source:       inventory.Source{AccountID: s.acct.ID, Region: s.region},
				ResourceType: x.typ,
				ResourceID:   x.id,
			},
			StateID:              times[v].UnixMilli(),
			CaptureTime:          times[v],
			Status:               inventory.StatusOK,
			Version:              ciVersion,
			AWSRegion:            awsRegion,
			ResourceName:         x.name,
			ARN:                  x.arn,
			AvailabilityZone:     x.az,
			ResourceCreationTime: x.created,
		}
		if v == 0 {
			it.Status = inventory.StatusResourceDiscovered
		}
		if x.kind == kTaskDef {
			it.ResourceName = fmt.Sprintf("%s:%d", x.id, v+1)
			it.ARN = s.arn("ecs", "task-definition/"+it.ResourceName)
		}
		if x.kind == kSG || x.kind == kCompliance {
			it.ResourceCreationTime = time.Time{} // AWS Config records none for these
		}
		if x.deleted && v == int(x.versions)-1 {
			it.Status = inventory.StatusResourceDeleted
			it.Configuration = json.RawMessage("null")
			it.AvailabilityZone = ""
			it.ResourceCreationTime = time.Time{}
		} else {
			vr := rand.New(rand.NewPCG(x.seed, uint64(100+v)))
			it.Configuration, it.SupplementaryConfiguration = b.config(i, v, vr, tags, times[v])
			if len(tags) > 0 {
				it.Tags = make(map[string]string, len(tags))
				for _, t := range tags {
					it.Tags[t.key] = t.value
				}
			}
			if len(x.links) > 0 {
				it.Relationships = make([]inventory.Relationship, len(x.links))
				for j, l := range x.links {
					it.Relationships[j] = l.rel
				}
			}
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func isGlobal(k kind) bool { return k == kRole || k == kPolicy || k == kUser || k == kGroup }

// captureTimes are the capture times of the resource's versions: the
// first when it was created (or when recording began, for an older
// resource), the others spread until the plan's end, a millisecond apart
// at least, so that configurationStateId (the capture time in epoch
// milliseconds, as AWS Config's usually is) increases.
func (b *builder) captureTimes(x *resource) []time.Time {
	r := rand.New(rand.NewPCG(x.seed, 5))
	end := b.s.p.opts.End
	created := x.created
	if latest := end.Add(-2 * time.Hour); created.After(latest) {
		created = latest
		x.created = created
	}
	first := created
	if start := b.s.p.recordingStart; first.Before(start) {
		first = start.Add(time.Duration(r.Int64N(int64(6 * time.Hour))))
	}
	first = first.Add(time.Duration(1000+r.Int64N(600_000)) * time.Millisecond).Truncate(time.Millisecond)
	times := make([]time.Time, x.versions)
	times[0] = first
	span := end.Sub(first)
	offsets := make([]int64, 0, x.versions)
	for range x.versions - 1 {
		offsets = append(offsets, 1+r.Int64N(int64(span/time.Millisecond)))
	}
	slices.Sort(offsets)
	for j, o := range offsets {
		t := first.Add(time.Duration(o) * time.Millisecond)
		if !t.After(times[j]) {
			t = times[j].Add(time.Millisecond)
		}
		times[j+1] = t
	}
	return times
}

// tags are the resource's tags.
func (b *builder) tags(x *resource) []tag {
	s := b.s
	switch x.kind {
	case kCompliance, kPublicAccessBlock, kPolicy, kGroup:
		return nil
	}
	r := rand.New(rand.NewPCG(x.seed, 4))
	if x.kind == kRole || x.kind == kUser {
		// Only the account's own roles and users are tagged, and not all.
		if strings.HasPrefix(x.name, "AWS") || x.name == "OrganizationAccountAccessRole" || r.IntN(2) == 0 {
			return nil
		}
	}
	if x.kind <= kSG && (x.label == "" || x.label == "default") {
		return nil // the network a VPC comes with is untagged
	}
	var out []tag
	if x.label != "" && x.label != x.name {
		out = append(out, tag{"Name", x.label})
	}
	n := r.IntN(7)
	app := x.app
	if app == "" {
		app = pick(r, s.acct.Apps)
	}
	extra := []tag{
		{"Environment", s.acct.Env},
		{"Application", app},
		{"Owner", pick(r, owners) + "@example.com"},
		{"CostCenter", fmt.Sprintf("CC-%04d", 1000+int(subSeed(0, app)%9000))},
		{"ManagedBy", pick(r, []string{"terraform", "terraform", "cloudformation", "cdk"})},
		{"DataClassification", pick(r, []string{"internal", "confidential", "public"})},
	}
	out = append(out, extra[:n]...)
	if x.stack >= 0 {
		st := &s.res[x.stack]
		out = append(out,
			tag{"aws:cloudformation:stack-name", st.name},
			tag{"aws:cloudformation:stack-id", st.id},
			tag{"aws:cloudformation:logical-id", lastPart(x.typ) + strconv.Itoa(1+r.IntN(3))},
		)
	}
	return out
}

// config builds the configuration document (and the supplementary
// configuration) of version v.
func (b *builder) config(i int32, v int, vr *rand.Rand, tags []tag, now time.Time) (json.RawMessage, map[string]json.RawMessage) {
	s := b.s
	x := &s.res[i]
	r := rand.New(rand.NewPCG(x.seed, 6)) // what stays the same across versions
	w := &b.w
	var supp map[string]json.RawMessage
	switch x.kind {
	case kVPC:
		b.vpc(x, r)
	case kSubnet:
		b.subnet(x)
	case kIGW:
		w.obj()
		w.key("attachments")
		w.arr()
		w.obj()
		w.kstr("state", "available")
		w.kstr("vpcId", b.linked(x, kVPC)[0].id)
		w.endObj()
		w.endArr()
		w.kstr("internetGatewayId", x.id)
		w.kstr("ownerId", s.acct.ID)
		b.ec2Tags(tags)
		w.endObj()
	case kRouteTable:
		b.routeTable(x, r)
	case kNACL:
		b.nacl(x, r)
	case kSG:
		b.securityGroup(x, v, tags)
	case kENI:
		b.eni(x, v, tags, r)
	case kInstance:
		b.instance(x, v, vr, tags, r)
	case kVolume:
		b.volume(x, tags, r)
	case kEIP:
		b.eip(x, tags, r)
	case kBucket:
		return b.bucket(x, v, vr, tags)
	case kPublicAccessBlock:
		w.obj()
		w.kbool("blockPublicAcls", true)
		w.kbool("ignorePublicAcls", true)
		w.kbool("blockPublicPolicy", true)
		w.kbool("restrictPublicBuckets", true)
		w.endObj()
	case kLambda:
		return b.lambda(x, v, vr, tags, now)
	case kRDS:
		b.rds(x, v, vr, tags, r)
	case kDBSubnetGroup:
		b.dbSubnetGroup(x)
	case kKMS:
		return b.kms(x, v, tags, r)
	case kSNS:
		b.snsTopic(x, tags, r)
	case kSQS:
		b.sqsQueue(x, v, r, now)
	case kAlarm:
		b.alarm(x, v, r, now)
	case kDynamo:
		return b.dynamo(x, v, vr, tags, r)
	case kLogGroup:
		w.obj()
		w.kstr("LogGroupName", x.name)
		w.kstr("Arn", x.arn)
		w.knum("RetentionInDays", int64(pick(r, []int{7, 14, 30, 90, 365})))
		if r.IntN(3) == 0 {
			w.kstr("KmsKeyId", b.kmsARN(r))
		}
		b.pascalTags(tags)
		w.endObj()
	case kStack:
		return b.stack(x, v, tags, r, now)
	case kTaskDef:
		b.taskDefinition(x, v, vr, tags, r)
	case kCompliance:
		b.compliance(x, v, vr)
	case kRole:
		b.role(x, tags, r, now)
	case kPolicy:
		b.policy(x, v)
	case kUser:
		b.user(x, tags)
	case kGroup:
		b.group(x)
	case kTail:
		return b.tail(x, r), nil
	}
	return w.bytes(), supp
}

// linked returns the resources of kind k that x has relationships to.
func (b *builder) linked(x *resource, k kind) []*resource {
	var out []*resource
	for _, l := range x.links {
		if l.to >= 0 && b.s.res[l.to].kind == k {
			out = append(out, &b.s.res[l.to])
		}
	}
	return out
}

// ec2Tags writes EC2's copy of the tags inside the configuration.
func (b *builder) ec2Tags(tags []tag) { b.tagList("tags", "key", "value", tags) }

// pascalTags writes a CloudFormation-registry type's copy of the tags.
func (b *builder) pascalTags(tags []tag) { b.tagList("Tags", "Key", "Value", tags) }

func (b *builder) tagList(member, k, v string, tags []tag) {
	w := &b.w
	w.key(member)
	w.arr()
	for _, t := range tags {
		w.obj()
		w.kstr(k, t.key)
		w.kstr(v, t.value)
		w.endObj()
	}
	w.endArr()
}

func cidr(base uint32, bits int32) string { return ipString(base) + "/" + strconv.Itoa(int(bits)) }

func (b *builder) vpc(x *resource, r *rand.Rand) {
	w := &b.w
	w.obj()
	w.kstr("cidrBlock", cidr(x.ip, x.n))
	w.kstr("dhcpOptionsId", ec2ID(r, "dopt"))
	w.kstr("state", "available")
	w.kstr("vpcId", x.id)
	w.kstr("ownerId", b.s.acct.ID)
	w.kstr("instanceTenancy", "default")
	w.kraw("ipv6CidrBlockAssociationSet", "[]")
	w.key("cidrBlockAssociationSet")
	w.arr()
	w.obj()
	w.kstr("associationId", ec2ID(r, "vpc-cidr-assoc"))
	w.kstr("cidrBlock", cidr(x.ip, x.n))
	w.kraw("cidrBlockState", `{"state":"associated","statusMessage":null}`)
	w.endObj()
	w.endArr()
	w.kbool("isDefault", x.label == "")
	b.ec2Tags(b.tags(x))
	w.endObj()
}

func (b *builder) subnet(x *resource) {
	w := &b.w
	s := b.s
	vpc := b.linked(x, kVPC)[0]
	used := 0
	for _, l := range x.links {
		if l.rel.Name == "Contains NetworkInterface" {
			used++
		}
	}
	w.obj()
	w.kstr("availabilityZone", x.zone)
	w.kstr("availabilityZoneId", azID(s.region, x.zone[len(x.zone)-1]))
	w.knum("availableIpAddressCount", int64(4091-used))
	w.kstr("cidrBlock", cidr(x.ip, x.n))
	w.kbool("defaultForAz", vpc.label == "")
	w.knum("enableLniAtDeviceIndex", 0)
	w.kbool("mapPublicIpOnLaunch", vpc.label == "")
	w.kbool("mapCustomerOwnedIpOnLaunch", false)
	w.knull("customerOwnedIpv4Pool")
	w.kstr("state", "available")
	w.kstr("subnetId", x.id)
	w.kstr("vpcId", vpc.id)
	w.kstr("ownerId", s.acct.ID)
	w.kbool("assignIpv6AddressOnCreation", false)
	w.kraw("ipv6CidrBlockAssociationSet", "[]")
	b.ec2Tags(b.tags(x))
	w.kstr("subnetArn", x.arn)
	w.knull("outpostArn")
	w.kbool("enableDns64", false)
	w.kbool("ipv6Native", false)
	w.kraw("privateDnsNameOptionsOnLaunch", `{"hostnameType":"ip-name","enableResourceNameDnsARecord":false,"enableResourceNameDnsAAAARecord":false}`)
	w.endObj()
}

func (b *builder) routeTable(x *resource, r *rand.Rand) {
	w := &b.w
	vpc := b.linked(x, kVPC)[0]
	igw := b.s.res[x.n]
	w.obj()
	w.key("associations")
	w.arr()
	w.obj()
	w.kbool("main", true)
	w.kstr("routeTableAssociationId", ec2ID(r, "rtbassoc"))
	w.kstr("routeTableId", x.id)
	w.knull("subnetId")
	w.knull("gatewayId")
	w.kraw("associationState", `{"state":"associated","statusMessage":null}`)
	w.endObj()
	w.endArr()
	w.kraw("propagatingVgws", "[]")
	w.kstr("routeTableId", x.id)
	w.key("routes")
	w.arr()
	w.obj()
	w.kstr("destinationCidrBlock", cidr(vpc.ip, vpc.n))
	w.kstr("gatewayId", "local")
	w.kstr("origin", "CreateRouteTable")
	w.kstr("state", "active")
	w.endObj()
	w.obj()
	w.kstr("destinationCidrBlock", "0.0.0.0/0")
	w.kstr("gatewayId", igw.id)
	w.kstr("origin", "CreateRoute")
	w.kstr("state", "active")
	w.endObj()
	w.endArr()
	b.ec2Tags(b.tags(x))
	w.kstr("vpcId", vpc.id)
	w.kstr("ownerId", b.s.acct.ID)
	w.endObj()
}

func (b *builder) nacl(x *resource, r *rand.Rand) {
	w := &b.w
	w.obj()
	w.key("associations")
	w.arr()
	for _, sub := range b.linked(x, kSubnet) {
		w.obj()
		w.kstr("networkAclAssociationId", ec2ID(r, "aclassoc"))
		w.kstr("networkAclId", x.id)
		w.kstr("subnetId", sub.id)
		w.endObj()
	}
	w.endArr()
	w.key("entries")
	w.arr()
	for _, egress := range []bool{true, false} {
		for _, rule := range []struct {
			n      int64
			action string
		}{{100, "allow"}, {32767, "deny"}} {
			w.obj()
			w.kstr("cidrBlock", "0.0.0.0/0")
			w.kbool("egress", egress)
			w.kstr("protocol", "-1")
			w.kstr("ruleAction", rule.action)
			w.knum("ruleNumber", rule.n)
			w.endObj()
		}
	}
	w.endArr()
	w.kbool("isDefault", true)
	w.kstr("networkAclId", x.id)
	b.ec2Tags(nil)
	w.kstr("vpcId", b.linked(x, kVPC)[0].id)
	w.kstr("ownerId", b.s.acct.ID)
	w.endObj()
}

// ports an application's security groups open.
var ingressPorts = []struct {
	port  int64
	descr string
}{{443, "HTTPS"}, {80, "HTTP"}, {22, "SSH from bastion"}, {5432, "PostgreSQL"}, {3306, "MySQL"}, {6379, "Redis"}, {8080, "app"}}

func (b *builder) securityGroup(x *resource, v int, tags []tag) {
	w := &b.w
	s := b.s
	vpc := b.linked(x, kVPC)[0]
	isDefault := x.label == "default"
	w.obj()
	if isDefault {
		w.kstr("description", "default VPC security group")
		w.kstr("groupName", "default")
	} else {
		w.kstr("description", "Security group for "+x.label)
		w.kstr("groupName", x.label)
	}
	w.key("ipPermissions")
	w.arr()
	if isDefault {
		w.obj()
		w.kstr("ipProtocol", "-1")
		w.kraw("ipv6Ranges", "[]")
		w.kraw("prefixListIds", "[]")
		w.key("userIdGroupPairs")
		w.arr()
		w.obj()
		w.kstr("groupId", x.id)
		w.kstr("userId", s.acct.ID)
		w.endObj()
		w.endArr()
		w.kraw("ipv4Ranges", "[]")
		w.kraw("ipRanges", "[]")
		w.endObj()
	} else {
		r := rand.New(rand.NewPCG(x.seed, 7))
		n := 1 + r.IntN(2) + v%3 // rules come and go between versions
		for j := range n {
			p := ingressPorts[(r.IntN(len(ingressPorts))+j)%len(ingressPorts)]
			from := "10.0.0.0/8"
			if p.port == 443 || p.port == 80 {
				from = "0.0.0.0/0"
			}
			w.obj()
			w.knum("fromPort", p.port)
			w.kstr("ipProtocol", "tcp")
			w.kraw("ipv6Ranges", "[]")
			w.kraw("prefixListIds", "[]")
			w.knum("toPort", p.port)
			w.kraw("userIdGroupPairs", "[]")
			w.key("ipv4Ranges")
			w.arr()
			w.obj()
			w.kstr("cidrIp", from)
			w.kstr("description", p.descr)
			w.endObj()
			w.endArr()
			w.kstrs("ipRanges", from)
			w.endObj()
		}
	}
	w.endArr()
	w.kstr("ownerId", s.acct.ID)
	w.kstr("groupId", x.id)
	w.kraw("ipPermissionsEgress", `[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`)
	b.ec2Tags(tags)
	w.kstr("vpcId", vpc.id)
	w.endObj()
}

// groups writes the security groups of an instance or interface.
func (b *builder) groups(member string, sgs []*resource) {
	w := &b.w
	w.key(member)
	w.arr()
	for _, sg := range sgs {
		w.obj()
		name := sg.label
		w.kstr("groupName", name)
		w.kstr("groupId", sg.id)
		w.endObj()
	}
	w.endArr()
}

func (b *builder) eni(x *resource, v int, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	insts := b.linked(x, kInstance)
	sub := b.linked(x, kSubnet)[0]
	vpc := b.linked(x, kVPC)[0]
	mac := macAddress(r)
	dns := privateDNS(x.ip, s.region)
	w.obj()
	w.knull("association")
	inUse := len(insts) > 0 || v%2 == 0
	if len(insts) > 0 {
		w.key("attachment")
		w.obj()
		w.ktime("attachTime", insts[0].created)
		w.kstr("attachmentId", ec2ID(r, "eni-attach"))
		w.kbool("deleteOnTermination", true)
		w.knum("deviceIndex", 0)
		w.knum("networkCardIndex", 0)
		w.kstr("instanceId", insts[0].id)
		w.kstr("instanceOwnerId", s.acct.ID)
		w.kstr("status", "attached")
		w.endObj()
	} else {
		w.knull("attachment")
	}
	w.kstr("availabilityZone", x.zone)
	description, ifType := "", "interface"
	if len(insts) == 0 {
		description = pick(r, []string{"ELB app/" + x.app + "-alb/" + randString(r, hexDigits, 16), "AWS Lambda VPC ENI-" + x.app + "-" + pick(r, fnWords), "VPC Endpoint Interface " + ec2ID(r, "vpce")})
		if strings.HasPrefix(description, "AWS Lambda") {
			ifType = "lambda"
		}
	}
	w.kstr("description", description)
	b.groups("groups", b.linked(x, kSG))
	w.kstr("interfaceType", ifType)
	w.kraw("ipv6Addresses", "[]")
	w.kstr("macAddress", mac)
	w.kstr("networkInterfaceId", x.id)
	w.knull("outpostArn")
	w.kstr("ownerId", s.acct.ID)
	privateAddress(w, dns, ipString(x.ip))
	w.kraw("ipv4Prefixes", "[]")
	w.kraw("ipv6Prefixes", "[]")
	if len(insts) == 0 {
		w.kstr("requesterId", pick(r, []string{"amazon-elb", "AROAEXAMPLELAMBDA:" + x.app, "amazon-vpce"}))
		w.kbool("requesterManaged", true)
	} else {
		w.knull("requesterId")
		w.kbool("requesterManaged", false)
	}
	w.kbool("sourceDestCheck", true)
	if inUse {
		w.kstr("status", "in-use")
	} else {
		w.kstr("status", "available")
	}
	w.kstr("subnetId", sub.id)
	b.tagList("tagSet", "key", "value", tags)
	w.kstr("vpcId", vpc.id)
	w.kbool("denyAllIgwTraffic", false)
	w.kbool("ipv6Native", false)
	w.endObj()
}

var instanceTypes = []string{"t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.large", "c5.xlarge", "r5.large", "t4g.small", "m7g.large"}

func (b *builder) instance(x *resource, v int, vr *rand.Rand, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	eni := b.linked(x, kENI)[0]
	sub := b.linked(x, kSubnet)[0]
	vpc := b.linked(x, kVPC)[0]
	sgs := b.linked(x, kSG)
	vols := b.linked(x, kVolume)
	itype := pick(r, instanceTypes)
	arm := strings.Contains(itype, "g.")
	running := v == 0 || vr.IntN(4) > 0
	dns := privateDNS(x.ip, s.region)
	w.obj()
	w.knum("amiLaunchIndex", 0)
	w.kstr("imageId", ec2ID(r, "ami"))
	w.kstr("instanceId", x.id)
	if v > 0 && vr.IntN(5) == 0 {
		itype = pick(vr, instanceTypes) // resized
	}
	w.kstr("instanceType", itype)
	w.knull("kernelId")
	w.kstr("keyName", x.app+"-key")
	w.ktime("launchTime", x.created)
	w.kraw("monitoring", `{"state":"disabled"}`)
	w.key("placement")
	w.obj()
	w.kstr("availabilityZone", x.zone)
	w.knull("affinity")
	w.kstr("groupName", "")
	w.knum("partitionNumber", 0)
	w.knull("hostId")
	w.kstr("tenancy", "default")
	w.endObj()
	w.knull("platform")
	w.kstr("privateDnsName", dns)
	w.kstr("privateIpAddress", ipString(x.ip))
	w.kraw("productCodes", "[]")
	w.kstr("publicDnsName", "")
	w.knull("publicIpAddress")
	w.knull("ramdiskId")
	if running {
		w.kraw("state", `{"code":16,"name":"running"}`)
		w.kstr("stateTransitionReason", "")
	} else {
		w.kraw("state", `{"code":80,"name":"stopped"}`)
		w.kstr("stateTransitionReason", "User initiated ("+x.created.Format("2006-01-02 15:04:05 GMT")+")")
	}
	w.kstr("subnetId", sub.id)
	w.kstr("vpcId", vpc.id)
	if arm {
		w.kstr("architecture", "arm64")
	} else {
		w.kstr("architecture", "x86_64")
	}
	w.key("blockDeviceMappings")
	w.arr()
	for j, vol := range vols {
		w.obj()
		w.kstr("deviceName", deviceName(j))
		w.key("ebs")
		w.obj()
		w.ktime("attachTime", x.created)
		w.kbool("deleteOnTermination", j == 0)
		w.kstr("status", "attached")
		w.kstr("volumeId", vol.id)
		w.endObj()
		w.endObj()
	}
	w.endArr()
	w.kstr("clientToken", "terraform-"+randString(r, hexDigits, 26))
	w.kbool("ebsOptimized", true)
	w.kbool("enaSupport", true)
	w.kstr("hypervisor", "xen")
	if r.IntN(2) == 0 {
		w.key("iamInstanceProfile")
		w.obj()
		w.kstr("arn", "arn:aws:iam::"+s.acct.ID+":instance-profile/"+x.app+"-ec2-role")
		w.kstr("id", iamID(r, "AIPA"))
		w.endObj()
	} else {
		w.knull("iamInstanceProfile")
	}
	w.knull("instanceLifecycle")
	w.kraw("elasticGpuAssociations", "[]")
	w.kraw("elasticInferenceAcceleratorAssociations", "[]")
	w.key("networkInterfaces")
	w.arr()
	w.obj()
	w.knull("association")
	w.key("attachment")
	w.obj()
	w.ktime("attachTime", x.created)
	w.kstr("attachmentId", ec2ID(r, "eni-attach"))
	w.kbool("deleteOnTermination", true)
	w.knum("deviceIndex", 0)
	w.kstr("status", "attached")
	w.knum("networkCardIndex", 0)
	w.endObj()
	w.kstr("description", "")
	b.groups("groups", sgs)
	w.kraw("ipv6Addresses", "[]")
	w.kstr("macAddress", macAddress(r))
	w.kstr("networkInterfaceId", eni.id)
	w.kstr("ownerId", s.acct.ID)
	privateAddress(w, dns, ipString(x.ip))
	w.kbool("sourceDestCheck", true)
	w.kstr("status", "in-use")
	w.kstr("subnetId", sub.id)
	w.kstr("vpcId", vpc.id)
	w.kstr("interfaceType", "interface")
	w.kraw("ipv4Prefixes", "[]")
	w.kraw("ipv6Prefixes", "[]")
	w.endObj()
	w.endArr()
	w.kstr("rootDeviceName", "/dev/xvda")
	w.kstr("rootDeviceType", "ebs")
	b.groups("securityGroups", sgs)
	w.kbool("sourceDestCheck", true)
	w.knull("spotInstanceRequestId")
	w.knull("sriovNetSupport")
	if running {
		w.knull("stateReason")
	} else {
		w.kraw("stateReason", `{"code":"Client.UserInitiatedShutdown","message":"Client.UserInitiatedShutdown: User initiated shutdown"}`)
	}
	b.ec2Tags(tags)
	w.kstr("virtualizationType", "hvm")
	w.key("cpuOptions")
	w.obj()
	w.knum("coreCount", int64(1+r.IntN(2)))
	w.knum("threadsPerCore", 2)
	w.endObj()
	w.knull("capacityReservationId")
	w.kraw("capacityReservationSpecification", `{"capacityReservationPreference":"open","capacityReservationTarget":null}`)
	w.kraw("hibernationOptions", `{"configured":false}`)
	w.kraw("licenses", "[]")
	w.key("metadataOptions")
	w.obj()
	w.kstr("state", "applied")
	w.kstr("httpTokens", pick(r, []string{"required", "required", "optional"}))
	w.knum("httpPutResponseHopLimit", 2)
	w.kstr("httpEndpoint", "enabled")
	w.kstr("httpProtocolIpv6", "disabled")
	w.kstr("instanceMetadataTags", "disabled")
	w.endObj()
	w.kraw("enclaveOptions", `{"enabled":false}`)
	w.knull("bootMode")
	w.kstr("platformDetails", "Linux/UNIX")
	w.kstr("usageOperation", "RunInstances")
	w.ktime("usageOperationUpdateTime", x.created)
	w.kraw("privateDnsNameOptions", `{"hostnameType":"ip-name","enableResourceNameDnsARecord":false,"enableResourceNameDnsAAAARecord":false}`)
	w.kraw("maintenanceOptions", `{"autoRecovery":"default"}`)
	w.kstr("currentInstanceBootMode", "legacy-bios")
	w.endObj()
}

func deviceName(j int) string {
	if j == 0 {
		return "/dev/xvda"
	}
	return "/dev/sd" + string(rune('f'+j-1))
}

func (b *builder) volume(x *resource, tags []tag, r *rand.Rand) {
	w := &b.w
	insts := b.linked(x, kInstance)
	w.obj()
	w.key("attachments")
	w.arr()
	for j, in := range insts {
		dev := "/dev/xvda"
		if x.n != 8 {
			dev = deviceName(1 + j)
		}
		w.obj()
		w.ktime("attachTime", in.created)
		w.kstr("device", dev)
		w.kstr("instanceId", in.id)
		w.kstr("state", "attached")
		w.kstr("volumeId", x.id)
		w.kbool("deleteOnTermination", x.n == 8)
		w.endObj()
	}
	w.endArr()
	w.kstr("availabilityZone", x.zone)
	w.ktime("createTime", x.created)
	encrypted := r.IntN(5) > 0
	w.kbool("encrypted", encrypted)
	if encrypted {
		w.kstr("kmsKeyId", b.kmsARN(r))
	} else {
		w.knull("kmsKeyId")
	}
	w.knull("outpostArn")
	w.knum("size", int64(x.n))
	if x.n == 8 {
		w.kstr("snapshotId", ec2ID(r, "snap"))
	} else {
		w.kstr("snapshotId", "")
	}
	if len(insts) > 0 {
		w.kstr("state", "in-use")
	} else {
		w.kstr("state", "available")
	}
	w.kstr("volumeId", x.id)
	w.knum("iops", 3000)
	b.ec2Tags(tags)
	w.kstr("volumeType", "gp3")
	w.knull("fastRestored")
	w.kbool("multiAttachEnabled", false)
	w.knum("throughput", 125)
	w.endObj()
}

// kmsARN is the ARN of a KMS key of the source, or of its AWS managed
// key when it has none.
func (b *builder) kmsARN(r *rand.Rand) string {
	if keys := b.s.byKind[kKMS]; len(keys) > 0 {
		return b.s.res[pick(r, keys)].arn
	}
	return b.s.arn("kms", "key/"+uuid(rand.New(rand.NewPCG(b.s.seed, 9))))
}

func (b *builder) eip(x *resource, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	insts := b.linked(x, kInstance)
	w.obj()
	if len(insts) > 0 {
		in := insts[0]
		eni := b.linked(in, kENI)[0]
		w.kstr("instanceId", in.id)
		w.kstr("publicIp", ipString(x.ip))
		w.kstr("allocationId", x.id)
		w.kstr("associationId", "eipassoc-0"+randString(r, hexDigits, 16))
		w.kstr("domain", "vpc")
		w.kstr("networkInterfaceId", eni.id)
		w.kstr("networkInterfaceOwnerId", s.acct.ID)
		w.kstr("privateIpAddress", ipString(in.ip))
	} else {
		w.knull("instanceId")
		w.kstr("publicIp", ipString(x.ip))
		w.kstr("allocationId", x.id)
		w.knull("associationId")
		w.kstr("domain", "vpc")
		w.knull("networkInterfaceId")
		w.knull("networkInterfaceOwnerId")
		w.knull("privateIpAddress")
	}
	b.ec2Tags(tags)
	w.kstr("publicIpv4Pool", "amazon")
	w.kstr("networkBorderGroup", s.region)
	w.knull("customerOwnedIp")
	w.knull("customerOwnedIpv4Pool")
	w.knull("carrierIp")
	w.endObj()
}

func (b *builder) bucket(x *resource, v int, vr *rand.Rand, tags []tag) (json.RawMessage, map[string]json.RawMessage) {
	w := &b.w
	s := b.s
	owner := canonicalID(s.acct.ID)
	w.obj()
	w.kstr("name", x.name)
	w.key("owner")
	w.obj()
	w.knull("displayName")
	w.kstr("id", owner)
	w.endObj()
	w.ktime("creationDate", x.created)
	w.endObj()
	cfg := w.bytes()

	r := rand.New(rand.NewPCG(x.seed, 8))
	supp := map[string]json.RawMessage{}
	acl := `{"grantSet":null,"grantList":[{"grantee":{"id":"` + owner + `","displayName":null},"permission":"FullControl"}],"owner":{"displayName":null,"id":"` + owner + `"},"isRequesterCharged":false}`
	supp["AccessControlList"] = quoteJSON(acl)
	supp["BucketAccelerateConfiguration"] = rawJSON(`{"status":null}`)
	if r.IntN(2) == 0 {
		supp["BucketLoggingConfiguration"] = rawJSON(`{"destinationBucketName":"` + s.acct.Name + `-access-logs-` + s.acct.ID + `","logFilePrefix":"` + x.name + `/"}`)
	} else {
		supp["BucketLoggingConfiguration"] = rawJSON(`{"destinationBucketName":null,"logFilePrefix":null}`)
	}
	supp["BucketNotificationConfiguration"] = rawJSON(`{"configurations":{}}`)
	if r.IntN(2) == 0 {
		policy := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::` + x.name + `","arn:aws:s3:::` + x.name + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
		b.w.obj()
		b.w.kstr("policyText", policy)
		b.w.endObj()
		supp["BucketPolicy"] = b.w.bytes()
	} else {
		supp["BucketPolicy"] = rawJSON(`{"policyText":null}`)
	}
	versioning := "Off"
	if r.IntN(3) > 0 || v > 0 && vr.IntN(2) == 0 {
		versioning = "Enabled"
	}
	supp["BucketVersioningConfiguration"] = rawJSON(`{"status":"` + versioning + `","isMfaDeleteEnabled":null}`)
	supp["IsRequesterPaysEnabled"] = rawJSON("false")
	supp["ServerSideEncryptionConfiguration"] = rawJSON(`{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"AES256","kmsMasterKeyID":null},"bucketKeyEnabled":false}]}`)
	supp["PublicAccessBlockConfiguration"] = rawJSON(`{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":true}`)
	supp["BucketOwnershipControls"] = rawJSON(`{"ownershipControls":{"rules":[{"ownership":"BucketOwnerEnforced"}]}}`)
	if len(tags) > 0 {
		b.w.obj()
		b.w.key("tagSets")
		b.w.arr()
		b.w.obj()
		b.w.key("tags")
		b.w.obj()
		for _, t := range tags {
			b.w.kstr(t.key, t.value)
		}
		b.w.endObj()
		b.w.endObj()
		b.w.endArr()
		b.w.endObj()
		supp["BucketTaggingConfiguration"] = b.w.bytes()
	}
	if r.IntN(3) == 0 {
		supp["BucketLifecycleConfiguration"] = rawJSON(`{"rules":[{"id":"expire-old-versions","prefix":null,"status":"Enabled","filter":{"predicate":{"type":"LifecyclePrefixPredicate","prefix":""}},"expirationInDays":-1,"noncurrentVersionExpirationInDays":30,"transitions":null,"noncurrentVersionTransitions":null,"abortIncompleteMultipartUpload":{"daysAfterInitiation":7}}]}`)
	}
	return cfg, supp
}

// rawJSON is a supplementary value written as it is.
func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

// quoteJSON is a JSON string holding the text: how AWS Config records
// some supplementary values (a document inside a string).
func quoteJSON(text string) json.RawMessage { return appendJSONString(nil, text) }

var runtimes = []string{"python3.12", "python3.11", "nodejs20.x", "nodejs18.x", "java21", "provided.al2023", "python3.9", "go1.x"}

func (b *builder) lambda(x *resource, v int, vr *rand.Rand, tags []tag, now time.Time) (json.RawMessage, map[string]json.RawMessage) {
	w := &b.w
	s := b.s
	r := rand.New(rand.NewPCG(x.seed, 8))
	var roleName string
	for _, l := range x.links {
		if l.rel.ResourceType == kindTypes[kRole] {
			roleName = l.rel.ResourceName
		}
	}
	role := s.iam.roleByName(roleName)
	runtime := pick(r, runtimes)
	handler := "app.handler"
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		handler = "index.handler"
	case strings.HasPrefix(runtime, "java"):
		handler = "com.example." + x.app + ".Handler::handleRequest"
	case strings.HasPrefix(runtime, "provided") || runtime == "go1.x":
		handler = "bootstrap"
	}
	w.obj()
	w.kstr("functionName", x.name)
	w.kstr("functionArn", x.arn)
	w.kstr("runtime", runtime)
	w.kstr("role", iamARN(s.acct.ID, "role", role.path, role.name))
	w.kstr("handler", handler)
	w.knum("codeSize", int64(1000+vr.IntN(30_000_000)))
	w.kstr("description", "")
	w.knum("timeout", int64(pick(r, []int{3, 10, 30, 60, 300, 900})))
	w.knum("memorySize", int64(pick(r, []int{128, 256, 512, 1024, 2048})))
	w.kstr("lastModified", lambdaTime(now.Add(-time.Duration(vr.IntN(60))*time.Second)))
	w.kstr("codeSha256", randString(vr, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 43)+"=")
	w.kstr("version", "$LATEST")
	sgs, subs := b.linked(x, kSG), b.linked(x, kSubnet)
	w.key("vpcConfig")
	w.obj()
	w.key("subnetIds")
	w.arr()
	for _, sub := range subs {
		w.str(sub.id)
	}
	w.endArr()
	w.key("securityGroupIds")
	w.arr()
	for _, sg := range sgs {
		w.str(sg.id)
	}
	w.endArr()
	w.endObj()
	w.knull("deadLetterConfig")
	w.key("environment")
	w.obj()
	w.key("variables")
	w.obj()
	w.kstr("LOG_LEVEL", pick(r, []string{"INFO", "DEBUG", "WARN"}))
	w.kstr("APP_ENV", s.acct.Env)
	w.endObj()
	w.knull("error")
	w.endObj()
	w.knull("kmskeyArn")
	w.kraw("tracingConfig", `{"mode":"`+pick(r, []string{"PassThrough", "Active"})+`"}`)
	w.knull("masterArn")
	w.kstr("revisionId", uuid(vr))
	w.kraw("layers", "[]")
	w.kstr("state", "Active")
	w.knull("stateReason")
	w.knull("stateReasonCode")
	w.kstr("lastUpdateStatus", "Successful")
	w.knull("lastUpdateStatusReason")
	w.knull("lastUpdateStatusReasonCode")
	w.kraw("fileSystemConfigs", "[]")
	w.kstr("packageType", "Zip")
	w.knull("imageConfigResponse")
	w.knull("signingProfileVersionArn")
	w.knull("signingJobArn")
	if r.IntN(3) == 0 {
		w.kstrs("architectures", "arm64")
	} else {
		w.kstrs("architectures", "x86_64")
	}
	w.kraw("ephemeralStorage", `{"size":512}`)
	w.endObj()
	cfg := w.bytes()

	supp := map[string]json.RawMessage{}
	w.obj()
	for _, t := range tags {
		w.kstr(t.key, t.value)
	}
	w.endObj()
	supp["Tags"] = w.bytes()
	if r.IntN(2) == 0 {
		policy := `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"` + x.app + `-invoke","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + x.arn + `"}]}`
		supp["Policy"] = quoteJSON(policy)
	}
	if r.IntN(4) == 0 {
		supp["Concurrency"] = rawJSON(`{"reservedConcurrentExecutions":` + strconv.Itoa(pick(r, []int{5, 10, 50, 100})) + `}`)
	}
	return cfg, supp
}

func (a *accountIAM) roleByName(name string) iamRes {
	for _, r := range a.roles {
		if r.name == name {
			return r
		}
	}
	return iamRes{name: name, path: "/"}
}

var engines = []struct{ engine, version, class string }{
	{"postgres", "16.3", "db.t4g.medium"}, {"postgres", "15.7", "db.r6g.large"}, {"mysql", "8.0.36", "db.t3.medium"},
	{"mariadb", "10.11.8", "db.t3.small"}, {"postgres", "14.12", "db.m6g.large"},
}

func (b *builder) rds(x *resource, v int, vr *rand.Rand, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	e := pick(r, engines)
	port := int64(5432)
	if e.engine != "postgres" {
		port = 3306
	}
	grp := b.linked(x, kDBSubnetGroup)[0]
	multiAZ := x.az == "Multiple Availability Zones"
	storage := int64(20 * (1 + r.IntN(10)))
	if v > 0 && vr.IntN(3) == 0 {
		storage += 20 // storage grew
	}
	w.obj()
	w.kstr("dBInstanceIdentifier", x.name)
	w.kstr("dBInstanceClass", e.class)
	w.kstr("engine", e.engine)
	w.kstr("dBInstanceStatus", "available")
	w.kstr("masterUsername", x.app+"_admin")
	w.kstr("dBName", strings.ReplaceAll(x.app, "-", "_"))
	w.key("endpoint")
	w.obj()
	w.kstr("address", x.name+"."+randString(r, lowerAlnum, 12)+"."+s.region+".rds.amazonaws.com")
	w.knum("port", port)
	w.kstr("hostedZoneId", "Z2R2ITUGPM61AM")
	w.endObj()
	w.knum("allocatedStorage", storage)
	w.ktime("instanceCreateTime", x.created)
	w.kstr("preferredBackupWindow", "03:00-03:30")
	w.knum("backupRetentionPeriod", int64(pick(r, []int{1, 7, 14, 35})))
	w.kraw("dBSecurityGroups", "[]")
	w.key("vpcSecurityGroups")
	w.arr()
	for _, sg := range b.linked(x, kSG) {
		w.obj()
		w.kstr("vpcSecurityGroupId", sg.id)
		w.kstr("status", "active")
		w.endObj()
	}
	w.endArr()
	w.kraw("dBParameterGroups", `[{"dBParameterGroupName":"default.`+e.engine+strings.SplitN(e.version, ".", 2)[0]+`","parameterApplyStatus":"in-sync"}]`)
	w.kstr("availabilityZone", x.zone)
	w.key("dBSubnetGroup")
	b.dbSubnetGroupBody(grp, false)
	w.kstr("preferredMaintenanceWindow", "sun:05:00-sun:05:30")
	w.kraw("pendingModifiedValues", `{"pendingCloudwatchLogsExports":null,"processorFeatures":[]}`)
	w.ktime("latestRestorableTime", x.created.Add(24*time.Hour))
	w.kbool("multiAZ", multiAZ)
	w.kstr("engineVersion", e.version)
	w.kbool("autoMinorVersionUpgrade", true)
	w.kraw("readReplicaDBInstanceIdentifiers", "[]")
	w.kstr("licenseModel", pick(r, []string{"postgresql-license", "general-public-license"}))
	w.kraw("optionGroupMemberships", `[{"optionGroupName":"default:`+e.engine+`-`+strings.SplitN(e.version, ".", 2)[0]+`","status":"in-sync"}]`)
	w.kbool("publiclyAccessible", false)
	w.kstr("storageType", "gp3")
	w.knum("dbInstancePort", 0)
	w.kbool("storageEncrypted", true)
	w.kstr("kmsKeyId", b.kmsARN(r))
	w.kstr("dbiResourceId", x.id)
	w.kstr("cACertificateIdentifier", "rds-ca-rsa2048-g1")
	w.kraw("domainMemberships", "[]")
	w.kbool("copyTagsToSnapshot", true)
	w.knum("monitoringInterval", 0)
	w.kstr("dBInstanceArn", x.arn)
	w.kbool("iAMDatabaseAuthenticationEnabled", r.IntN(2) == 0)
	w.kbool("performanceInsightsEnabled", false)
	w.kraw("enabledCloudwatchLogsExports", "[]")
	w.kbool("deletionProtection", s.acct.Env == "prod")
	w.kraw("associatedRoles", "[]")
	w.knum("maxAllocatedStorage", 1000)
	b.tagList("tagList", "key", "value", tags)
	w.endObj()
}

func (b *builder) dbSubnetGroup(x *resource) { b.dbSubnetGroupBody(x, true) }

func (b *builder) dbSubnetGroupBody(x *resource, arn bool) {
	w := &b.w
	w.obj()
	w.kstr("dBSubnetGroupName", x.name)
	w.kstr("dBSubnetGroupDescription", "Subnets of "+x.app+" databases")
	w.kstr("vpcId", b.linked(x, kVPC)[0].id)
	w.kstr("subnetGroupStatus", "Complete")
	w.key("subnets")
	w.arr()
	for _, sub := range b.linked(x, kSubnet) {
		w.obj()
		w.kstr("subnetIdentifier", sub.id)
		w.kraw("subnetAvailabilityZone", `{"name":"`+sub.zone+`"}`)
		w.kraw("subnetOutpost", `{"arn":null}`)
		w.kstr("subnetStatus", "Active")
		w.endObj()
	}
	w.endArr()
	if arn {
		w.kstr("dBSubnetGroupArn", x.arn)
	} else {
		w.knull("dBSubnetGroupArn")
	}
	w.endObj()
}

func (b *builder) kms(x *resource, v int, tags []tag, r *rand.Rand) (json.RawMessage, map[string]json.RawMessage) {
	w := &b.w
	s := b.s
	w.obj()
	w.kstr("awsaccountId", s.acct.ID)
	w.kstr("keyId", x.id)
	w.kstr("arn", x.arn)
	w.ktime("creationDate", x.created)
	w.kbool("enabled", true)
	w.kstr("description", "Key for "+x.app+" data at rest")
	w.kstr("keyUsage", "ENCRYPT_DECRYPT")
	w.kstr("keyState", "Enabled")
	w.knull("deletionDate")
	w.knull("validTo")
	w.kstr("origin", "AWS_KMS")
	w.knull("customKeyStoreId")
	w.knull("cloudHsmClusterId")
	w.knull("expirationModel")
	w.kstr("keyManager", "CUSTOMER")
	w.kstr("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
	w.kstr("keySpec", "SYMMETRIC_DEFAULT")
	w.kstrs("encryptionAlgorithms", "SYMMETRIC_DEFAULT")
	w.knull("signingAlgorithms")
	w.kbool("multiRegion", false)
	w.knull("multiRegionConfiguration")
	w.knull("pendingDeletionWindowInDays")
	w.endObj()
	cfg := w.bytes()
	supp := map[string]json.RawMessage{}
	supp["KeyRotationStatus"] = rawJSON(strconv.FormatBool(r.IntN(3) > 0 || v > 0))
	policy := `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + s.acct.ID + `:root"},"Action":"kms:*","Resource":"*"}]}`
	supp["Policy"] = quoteJSON(policy)
	w.arr()
	for _, t := range tags {
		w.obj()
		w.kstr("tagKey", t.key)
		w.kstr("tagValue", t.value)
		w.endObj()
	}
	w.endArr()
	supp["Tags"] = w.bytes()
	return cfg, supp
}

func (b *builder) snsTopic(x *resource, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	w.obj()
	w.kstr("TopicArn", x.arn)
	w.kstr("Owner", s.acct.ID)
	w.kstr("DisplayName", "")
	w.kstr("SubscriptionsConfirmed", strconv.Itoa(r.IntN(5)))
	w.kstr("SubscriptionsPending", "0")
	w.kstr("SubscriptionsDeleted", "0")
	w.kstr("EffectiveDeliveryPolicy", `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`)
	w.kstr("Policy", `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"`+x.arn+`","Condition":{"StringEquals":{"AWS:SourceOwner":"`+s.acct.ID+`"}}}]}`)
	if r.IntN(2) == 0 {
		w.kstr("KmsMasterKeyId", "alias/aws/sns")
	}
	w.kbool("FifoTopic", false)
	w.kbool("ContentBasedDeduplication", false)
	b.pascalTags(tags)
	w.endObj()
}

func (b *builder) sqsQueue(x *resource, v int, r *rand.Rand, now time.Time) {
	w := &b.w
	w.obj()
	w.kstr("QueueUrl", x.id)
	w.kstr("QueueArn", x.arn)
	w.kstr("QueueName", x.name)
	w.knum("VisibilityTimeout", int64(pick(r, []int{30, 60, 300, 900})))
	w.knum("MaximumMessageSize", 262144)
	w.knum("MessageRetentionPeriod", int64(pick(r, []int{345600, 1209600})))
	w.knum("DelaySeconds", 0)
	w.knum("ReceiveMessageWaitTimeSeconds", int64(pick(r, []int{0, 20})))
	w.kbool("SqsManagedSseEnabled", true)
	w.knum("CreatedTimestamp", x.created.Unix())
	w.knum("LastModifiedTimestamp", now.Unix()-int64(v))
	w.endObj()
}

func (b *builder) alarm(x *resource, v int, r *rand.Rand, now time.Time) {
	w := &b.w
	s := b.s
	w.obj()
	w.kstr("alarmName", x.name)
	w.kstr("alarmArn", x.arn)
	w.kstr("alarmDescription", "Alarm for "+x.app)
	w.ktime("alarmConfigurationUpdatedTimestamp", now)
	w.kbool("actionsEnabled", true)
	w.kraw("okactions", "[]")
	w.key("alarmActions")
	w.arr()
	if topics := s.byKind[kSNS]; len(topics) > 0 {
		w.str(s.res[pick(r, topics)].arn)
	}
	w.endArr()
	w.kraw("insufficientDataActions", "[]")
	namespace, metric, dimName, dimValue := "AWS/EC2", "CPUUtilization", "InstanceId", ""
	if insts := s.byKind[kInstance]; len(insts) > 0 && r.IntN(2) == 0 {
		dimValue = s.res[pick(r, insts)].id
	} else if fns := s.byKind[kLambda]; len(fns) > 0 {
		namespace, metric, dimName, dimValue = "AWS/Lambda", "Errors", "FunctionName", s.res[pick(r, fns)].name
	} else {
		namespace, metric, dimName, dimValue = "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "app/"+x.app+"-alb/"+randString(r, hexDigits, 16)
	}
	w.kstr("metricName", metric)
	w.kstr("namespace", namespace)
	w.kstr("statistic", "Average")
	w.knull("extendedStatistic")
	w.key("dimensions")
	w.arr()
	w.obj()
	w.kstr("name", dimName)
	w.kstr("value", dimValue)
	w.endObj()
	w.endArr()
	w.knum("period", 300)
	w.knull("unit")
	w.knum("evaluationPeriods", int64(1+v%3))
	w.knum("datapointsToAlarm", 1)
	w.key("threshold")
	w.flt(float64(50 + 10*r.IntN(5)))
	w.kstr("comparisonOperator", "GreaterThanThreshold")
	w.kstr("treatMissingData", "missing")
	w.knull("evaluateLowSampleCountPercentile")
	w.kraw("metrics", "[]")
	w.knull("thresholdMetricId")
	w.endObj()
}

func (b *builder) dynamo(x *resource, v int, vr *rand.Rand, tags []tag, r *rand.Rand) (json.RawMessage, map[string]json.RawMessage) {
	w := &b.w
	w.obj()
	w.kraw("attributeDefinitions", `[{"attributeName":"pk","attributeType":"S"},{"attributeName":"sk","attributeType":"S"}]`)
	w.kstr("tableName", x.name)
	w.kraw("keySchema", `[{"attributeName":"pk","keyType":"HASH"},{"attributeName":"sk","keyType":"RANGE"}]`)
	w.kstr("tableStatus", "ACTIVE")
	w.ktime("creationDateTime", x.created)
	w.kraw("provisionedThroughput", `{"lastIncreaseDateTime":null,"lastDecreaseDateTime":null,"numberOfDecreasesToday":0,"readCapacityUnits":0,"writeCapacityUnits":0}`)
	w.knum("tableSizeBytes", int64(vr.IntN(1<<30)))
	w.knum("itemCount", int64(vr.IntN(5_000_000)))
	w.kstr("tableArn", x.arn)
	w.kstr("tableId", uuid(r))
	w.kraw("billingModeSummary", `{"billingMode":"PAY_PER_REQUEST","lastUpdateToPayPerRequestDateTime":"`+x.created.UTC().Format(isoMillis)+`"}`)
	w.kraw("localSecondaryIndexes", "[]")
	w.kraw("globalSecondaryIndexes", "[]")
	w.kraw("replicas", "[]")
	w.knull("restoreSummary")
	if r.IntN(2) == 0 {
		w.kraw("sseDescription", `{"status":"ENABLED","sseType":"KMS","kmsmasterKeyArn":"`+b.kmsARN(r)+`","inaccessibleEncryptionDateTime":null}`)
	} else {
		w.knull("sseDescription")
	}
	w.kraw("tableClassSummary", `{"tableClass":"STANDARD","lastUpdateDateTime":null}`)
	w.kbool("deletionProtectionEnabled", v > 0)
	w.endObj()
	cfg := w.bytes()
	supp := map[string]json.RawMessage{}
	pitr := "DISABLED"
	if r.IntN(2) == 0 {
		pitr = "ENABLED"
	}
	supp["ContinuousBackupsDescription"] = rawJSON(`{"continuousBackupsStatus":"ENABLED","pointInTimeRecoveryDescription":{"pointInTimeRecoveryStatus":"` + pitr + `","earliestRestorableDateTime":null,"latestRestorableDateTime":null}}`)
	w.arr()
	for _, t := range tags {
		w.obj()
		w.kstr("key", t.key)
		w.kstr("value", t.value)
		w.endObj()
	}
	w.endArr()
	supp["Tags"] = w.bytes()
	return cfg, supp
}

func (b *builder) stack(x *resource, v int, tags []tag, r *rand.Rand, now time.Time) (json.RawMessage, map[string]json.RawMessage) {
	w := &b.w
	w.obj()
	w.kstr("stackId", x.id)
	w.kstr("stackName", x.name)
	w.kstr("description", "Resources of "+x.app)
	w.key("parameters")
	w.arr()
	for _, p := range [][2]string{{"Environment", b.s.acct.Env}, {"Application", x.app}} {
		w.obj()
		w.kstr("parameterKey", p[0])
		w.kstr("parameterValue", p[1])
		w.endObj()
	}
	w.endArr()
	w.ktime("creationTime", x.created)
	if v > 0 {
		w.ktime("lastUpdatedTime", now)
		w.kstr("stackStatus", "UPDATE_COMPLETE")
	} else {
		w.knull("lastUpdatedTime")
		w.kstr("stackStatus", "CREATE_COMPLETE")
	}
	w.kraw("rollbackConfiguration", `{"rollbackTriggers":[],"monitoringTimeInMinutes":null}`)
	w.kbool("disableRollback", false)
	w.kraw("notificationARNs", "[]")
	w.kstrs("capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")
	w.kraw("outputs", "[]")
	w.knull("roleARN")
	b.ec2Tags(tags)
	w.kbool("enableTerminationProtection", r.IntN(3) == 0)
	w.kraw("driftInformation", `{"stackDriftStatus":"NOT_CHECKED","lastCheckTimestamp":null}`)
	w.endObj()
	cfg := w.bytes()
	w.arr()
	for n, k := range b.s.stackKids()[x.idx] {
		if n == 10 {
			break
		}
		y := &b.s.res[k]
		w.obj()
		w.kstr("logicalResourceId", lastPart(y.typ)+strconv.Itoa(n+1))
		w.kstr("physicalResourceId", y.id)
		w.kstr("resourceType", y.typ)
		w.ktime("lastUpdatedTimestamp", x.created)
		w.kstr("resourceStatus", "CREATE_COMPLETE")
		w.endObj()
	}
	w.endArr()
	return cfg, map[string]json.RawMessage{"StackResourceSummaries": w.bytes()}
}

func (b *builder) taskDefinition(x *resource, v int, vr *rand.Rand, tags []tag, r *rand.Rand) {
	w := &b.w
	s := b.s
	rev := strconv.Itoa(v + 1)
	cpu := pick(r, []int{256, 512, 1024})
	w.obj()
	w.kstr("TaskDefinitionArn", s.arn("ecs", "task-definition/"+x.id+":"+rev))
	w.kstr("Family", x.id)
	w.key("ContainerDefinitions")
	w.arr()
	w.obj()
	w.kstr("Name", x.id)
	w.kstr("Image", s.acct.ID+".dkr.ecr."+s.region+".amazonaws.com/"+x.app+":"+randString(vr, hexDigits, 7))
	w.knum("Cpu", int64(cpu))
	w.knum("Memory", int64(cpu*2))
	w.kbool("Essential", true)
	w.kraw("PortMappings", `[{"ContainerPort":8080,"HostPort":8080,"Protocol":"tcp"}]`)
	w.key("Environment")
	w.arr()
	w.obj()
	w.kstr("Name", "APP_ENV")
	w.kstr("Value", s.acct.Env)
	w.endObj()
	w.endArr()
	w.key("LogConfiguration")
	w.obj()
	w.kstr("LogDriver", "awslogs")
	w.key("Options")
	w.obj()
	w.kstr("awslogs-group", "/ecs/"+x.app)
	w.kstr("awslogs-region", s.region)
	w.kstr("awslogs-stream-prefix", x.id)
	w.endObj()
	w.endObj()
	w.endObj()
	w.endArr()
	w.kstr("Cpu", strconv.Itoa(cpu))
	w.kstr("Memory", strconv.Itoa(cpu*2))
	w.kstr("NetworkMode", "awsvpc")
	w.kstrs("RequiresCompatibilities", "FARGATE")
	w.kstr("ExecutionRoleArn", iamARN(s.acct.ID, "role", "/", "ecsTaskExecutionRole"))
	w.kstr("TaskRoleArn", iamARN(s.acct.ID, "role", "/", x.app+"-ecs-task-role"))
	b.pascalTags(tags)
	w.endObj()
}

// rules AWS Config evaluates, per evaluated type ("" for any).
var configRules = []struct{ typ, name string }{
	{"AWS::EC2::Instance", "ec2-instance-managed-by-systems-manager"}, {"AWS::EC2::Instance", "ec2-imdsv2-check"},
	{"AWS::EC2::Instance", "ec2-instance-no-public-ip"}, {"AWS::EC2::Volume", "encrypted-volumes"},
	{"AWS::EC2::Volume", "ec2-volume-inuse-check"}, {"AWS::EC2::SecurityGroup", "restricted-ssh"},
	{"AWS::EC2::SecurityGroup", "vpc-sg-open-only-to-authorized-ports"}, {"AWS::S3::Bucket", "s3-bucket-versioning-enabled"},
	{"AWS::S3::Bucket", "s3-bucket-server-side-encryption-enabled"}, {"AWS::S3::Bucket", "s3-bucket-public-read-prohibited"},
	{"AWS::Lambda::Function", "lambda-function-public-access-prohibited"}, {"AWS::Lambda::Function", "lambda-inside-vpc"},
	{"AWS::RDS::DBInstance", "rds-storage-encrypted"}, {"AWS::RDS::DBInstance", "rds-multi-az-support"},
	{"AWS::DynamoDB::Table", "dynamodb-pitr-enabled"}, {"AWS::IAM::Role", "iam-no-inline-policy-check"},
	{"", "required-tags"},
}

func (b *builder) compliance(x *resource, v int, vr *rand.Rand) {
	w := &b.w
	s := b.s
	target := &s.res[x.links[0].to]
	r := rand.New(rand.NewPCG(x.seed, 8))
	var rules []string
	for _, cr := range configRules {
		if cr.typ == target.typ || cr.typ == "" {
			rules = append(rules, cr.name)
		}
	}
	overall := "COMPLIANT"
	w.obj()
	w.key("configRuleList")
	w.arr()
	for _, name := range rules {
		ct := "COMPLIANT"
		if r.IntN(4) == 0 != (v > 0 && vr.IntN(3) == 0) {
			ct = "NON_COMPLIANT"
			overall = ct
		}
		rid := randString(rand.New(rand.NewPCG(subSeed(s.seed, name), 1)), lowerAlnum, 6)
		w.obj()
		w.kstr("configRuleArn", s.arn("config", "config-rule/config-rule-"+rid))
		w.kstr("configRuleId", "config-rule-"+rid)
		w.kstr("configRuleName", name)
		w.kstr("complianceType", ct)
		w.endObj()
	}
	w.endArr()
	w.kstr("complianceType", overall)
	w.kstr("targetResourceId", target.id)
	w.kstr("targetResourceType", target.typ)
	w.endObj()
}

const assumeLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func (b *builder) role(x *resource, tags []tag, r *rand.Rand, now time.Time) {
	w := &b.w
	s := b.s
	path := strings.TrimSuffix(strings.TrimPrefix(x.arn, "arn:aws:iam::"+s.acct.ID+":role"), x.name)
	trust := assumeLambda
	switch {
	case strings.HasPrefix(path, "/aws-service-role/"):
		svc := strings.TrimSuffix(strings.TrimPrefix(path, "/aws-service-role/"), "/")
		trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + svc + `"},"Action":"sts:AssumeRole"}]}`
	case x.name == "OrganizationAccountAccessRole":
		trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + s.p.opts.ManagementAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	case strings.Contains(x.name, "ec2"):
		trust = strings.Replace(assumeLambda, "lambda", "ec2", 1)
	case strings.Contains(x.name, "ecs"):
		trust = strings.Replace(assumeLambda, "lambda", "ecs-tasks", 1)
	}
	w.obj()
	w.kstr("path", path)
	w.kstr("roleName", x.name)
	w.kstr("roleId", x.id)
	w.kstr("arn", x.arn)
	w.ktime("createDate", x.created)
	w.kstr("assumeRolePolicyDocument", policyDocument(trust))
	w.kraw("instanceProfileList", "[]")
	w.kraw("rolePolicyList", "[]")
	w.key("attachedManagedPolicies")
	w.arr()
	for _, p := range b.linked(x, kPolicy) {
		w.obj()
		w.kstr("policyName", p.name)
		w.kstr("policyArn", p.arn)
		w.endObj()
	}
	if x.name == "OrganizationAccountAccessRole" || strings.HasPrefix(x.name, "AWSReservedSSO_") {
		w.obj()
		w.kstr("policyName", "AdministratorAccess")
		w.kstr("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess")
		w.endObj()
	}
	w.endArr()
	w.knull("permissionsBoundary")
	b.ec2Tags(tags)
	if r.IntN(3) > 0 {
		w.key("roleLastUsed")
		w.obj()
		w.ktime("lastUsedDate", now.Add(-time.Duration(r.IntN(72))*time.Hour))
		w.kstr("region", s.region)
		w.endObj()
	} else {
		w.knull("roleLastUsed")
	}
	w.endObj()
}

func (b *builder) policy(x *resource, v int) {
	w := &b.w
	actions := [][2]string{
		{"s3-read", `["s3:GetObject","s3:ListBucket"]`}, {"s3-write", `["s3:PutObject","s3:DeleteObject"]`},
		{"dynamodb-access", `["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"]`}, {"sqs-consume", `["sqs:ReceiveMessage","sqs:DeleteMessage"]`},
		{"kms-decrypt", `["kms:Decrypt"]`}, {"logs-write", `["logs:CreateLogStream","logs:PutLogEvents"]`},
		{"secrets-read", `["secretsmanager:GetSecretValue"]`}, {"deploy", `["cloudformation:*","iam:PassRole"]`},
	}
	act := `["s3:GetObject"]`
	for _, a := range actions {
		if strings.Contains(x.name, a[0]) {
			act = a[1]
			break
		}
	}
	doc := policyDocument(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + act + `,"Resource":"*"}]}`)
	w.obj()
	w.kstr("policyName", x.name)
	w.kstr("policyId", x.id)
	w.kstr("arn", x.arn)
	w.kstr("path", "/")
	w.kstr("defaultVersionId", "v"+strconv.Itoa(v+1))
	w.knum("attachmentCount", int64(x.n))
	w.knum("permissionsBoundaryUsageCount", 0)
	w.kbool("isAttachable", true)
	w.knull("description")
	w.ktime("createDate", x.created)
	w.ktime("updateDate", x.created)
	w.kraw("tags", "[]")
	w.key("policyVersionList")
	w.arr()
	w.obj()
	w.kstr("document", doc)
	w.kstr("versionId", "v"+strconv.Itoa(v+1))
	w.kbool("isDefaultVersion", true)
	w.ktime("createDate", x.created)
	w.endObj()
	w.endArr()
	w.endObj()
}

func (b *builder) user(x *resource, tags []tag) {
	w := &b.w
	w.obj()
	w.kstr("path", "/")
	w.kstr("userName", x.name)
	w.kstr("userId", x.id)
	w.kstr("arn", x.arn)
	w.ktime("createDate", x.created)
	w.kraw("userPolicyList", "[]")
	w.key("groupList")
	w.arr()
	for _, g := range b.linked(x, kGroup) {
		w.str(g.name)
	}
	w.endArr()
	b.attached(x)
	w.knull("permissionsBoundary")
	b.ec2Tags(tags)
	w.endObj()
}

func (b *builder) group(x *resource) {
	w := &b.w
	w.obj()
	w.kstr("path", "/")
	w.kstr("groupName", x.name)
	w.kstr("groupId", x.id)
	w.kstr("arn", x.arn)
	w.ktime("createDate", x.created)
	w.kraw("groupPolicyList", "[]")
	b.attached(x)
	w.endObj()
}

func (b *builder) attached(x *resource) {
	w := &b.w
	w.key("attachedManagedPolicies")
	w.arr()
	for _, p := range b.linked(x, kPolicy) {
		w.obj()
		w.kstr("policyName", p.name)
		w.kstr("policyArn", p.arn)
		w.endObj()
	}
	w.endArr()
}

// privateAddress writes an ENI's primary private address as EC2 describes
// it, both as the interface's own fields and as its one privateIpAddresses
// entry.
func privateAddress(w *jw, dns, ip string) {
	w.kstr("privateDnsName", dns)
	w.kstr("privateIpAddress", ip)
	w.key("privateIpAddresses")
	w.arr()
	w.obj()
	w.knull("association")
	w.kbool("primary", true)
	w.kstr("privateDnsName", dns)
	w.kstr("privateIpAddress", ip)
	w.endObj()
	w.endArr()
}
