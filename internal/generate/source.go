package generate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// kind is a resource type the generator knows how to make.
type kind uint8

const (
	kVPC kind = iota
	kSubnet
	kIGW
	kRouteTable
	kNACL
	kSG
	kENI
	kInstance
	kVolume
	kEIP
	kBucket
	kPublicAccessBlock
	kLambda
	kRDS
	kDBSubnetGroup
	kKMS
	kSNS
	kSQS
	kAlarm
	kDynamo
	kLogGroup
	kStack
	kTaskDef
	kCompliance
	kRole
	kPolicy
	kUser
	kGroup
	kTail
	numKinds
)

// kindTypes are the resource types of the kinds.
var kindTypes = [numKinds]string{
	kVPC: "AWS::EC2::VPC", kSubnet: "AWS::EC2::Subnet", kIGW: "AWS::EC2::InternetGateway",
	kRouteTable: "AWS::EC2::RouteTable", kNACL: "AWS::EC2::NetworkAcl", kSG: "AWS::EC2::SecurityGroup",
	kENI: "AWS::EC2::NetworkInterface", kInstance: "AWS::EC2::Instance", kVolume: "AWS::EC2::Volume",
	kEIP: "AWS::EC2::EIP", kBucket: "AWS::S3::Bucket", kPublicAccessBlock: "AWS::S3::AccountPublicAccessBlock",
	kLambda: "AWS::Lambda::Function", kRDS: "AWS::RDS::DBInstance", kDBSubnetGroup: "AWS::RDS::DBSubnetGroup",
	kKMS: "AWS::KMS::Key", kSNS: "AWS::SNS::Topic", kSQS: "AWS::SQS::Queue", kAlarm: "AWS::CloudWatch::Alarm",
	kDynamo: "AWS::DynamoDB::Table", kLogGroup: "AWS::Logs::LogGroup", kStack: "AWS::CloudFormation::Stack",
	kTaskDef: "AWS::ECS::TaskDefinition", kCompliance: "AWS::Config::ResourceCompliance",
	kRole: "AWS::IAM::Role", kPolicy: "AWS::IAM::Policy", kUser: "AWS::IAM::User", kGroup: "AWS::IAM::Group",
}

// resource is one planned resource: what its configuration items are made
// from. Its documents are built only when its items are emitted.
type resource struct {
	kind     kind
	typ      string
	id       string
	name     string // the CI's resourceName; "" for null
	label    string // a human name (the Name tag), even when name is ""
	arn      string
	az       string // the CI's availabilityZone; "" for null
	zone     string // the resource's zone, if it has one
	app      string
	created  time.Time
	seed     uint64
	versions int32
	deleted  bool
	ip       uint32 // an ENI's or instance's private address; a subnet's or VPC's base
	n        int32  // kind-specific: a volume's size, a subnet's prefix length, a tail type's index, a policy's attachments
	stack    int32  // the CloudFormation stack that made it, or -1
	idx      int32  // its own index in the source
	links    []link
}

// link is one relationship; to is the related resource's index in the
// source, or -1 for a resource in another source (an IAM role of the home
// region).
type link struct {
	to  int32
	rel inventory.Relationship
}

// source plans and emits one account's resources in one region.
type source struct {
	p       *Plan
	acct    *Account
	region  string
	home    bool
	r       *rand.Rand
	seed    uint64
	res     []resource
	ids     map[string]bool // type and id of every resource
	names   map[string]bool // type and name (or label) of every resource
	budget  int
	azs     []string
	iam     *accountIAM
	byKind  [numKinds][]int32
	vpcSubs map[int32][]int32 // subnets of each VPC
	vpcSGs  map[int32][]int32 // security groups of each VPC
	dbGroup map[int32]int32   // the DB subnet group of each VPC
	// evaluable are resources that a ResourceCompliance item may evaluate.
	evaluable []int32
	tailZipf  *rand.Zipf
	kids      map[int32][]int32 // stackKids
	tailSeq   map[string]int    // the last number of each tail type and name
}

func newSource(p *Plan, a *Account, region string) *source {
	seed := subSeed(p.opts.Seed, "source", a.ID, region)
	s := &source{
		p: p, acct: a, region: region, home: region == p.HomeRegion(),
		r: rand.New(rand.NewPCG(seed, 1)), seed: seed,
		ids: map[string]bool{}, names: map[string]bool{}, budget: p.opts.ResourcesPerSource,
		res:     make([]resource, 0, p.opts.ResourcesPerSource),
		vpcSubs: map[int32][]int32{}, vpcSGs: map[int32][]int32{}, dbGroup: map[int32]int32{},
	}
	for _, z := range "abc" {
		s.azs = append(s.azs, region+string(z))
	}
	s.iam = planIAM(p, a)
	// One order of the tail types for the whole organization, so that the
	// same few are common everywhere (a Zipf-like long tail).
	s.tailZipf = rand.NewZipf(s.r, 1.2, 2, uint64(len(tailTypes)-1))
	return s
}

// draw weights of the kinds a source's workload is made of, per draw
// (an instance draw makes three or four resources).
var workloadWeights = []struct {
	k kind
	w int
}{
	{kCompliance, 18}, {kInstance, 4}, {kSG, 4}, {kENI, 4}, {kEIP, 1}, {kLambda, 6}, {kBucket, 3},
	{kStack, 3}, {kTaskDef, 3}, {kKMS, 2}, {kAlarm, 4}, {kSNS, 2}, {kSQS, 2}, {kRDS, 2},
	{kDynamo, 2}, {kLogGroup, 5}, {kTail, 12},
}

var workloadTotal = func() int {
	t := 0
	for _, w := range workloadWeights {
		t += w.w
	}
	return t
}()

// deletable kinds may have been deleted: nothing else refers to them.
var deletable = [numKinds]bool{
	kBucket: true, kLambda: true, kSNS: true, kSQS: true, kAlarm: true, kDynamo: true,
	kLogGroup: true, kTaskDef: true, kTail: true, kStack: true,
}

// plan decides the source's resources.
func (s *source) plan() {
	if s.home {
		s.planIAM()
	}
	// The network every region starts with: the default VPC, one subnet
	// per zone, its internet gateway, main route table, network ACL and
	// default security group; a further VPC per 800 resources.
	nVPC := 1 + s.budget/800
	for i := range nVPC {
		if s.budget < 8 {
			break
		}
		s.planVPC(i == 0)
	}
	if s.budget > 0 && s.budget >= 20 {
		s.add(kPublicAccessBlock, s.acct.ID, "", "", "Not Applicable")
	}
	for s.budget > 0 {
		x := s.r.IntN(workloadTotal)
		k := kTail
		for _, w := range workloadWeights {
			if x < w.w {
				k = w.k
				break
			}
			x -= w.w
		}
		if !s.planWorkload(k) {
			s.planTail()
		}
	}
	s.decideDeletions()
}

// add appends a resource of kind k and returns its index.
func (s *source) add(k kind, id, name, arn, az string) int32 {
	if s.ids[kindTypes[k]+"\x00"+id] {
		panic(fmt.Sprintf("generate: duplicate %s %s", kindTypes[k], id))
	}
	s.ids[kindTypes[k]+"\x00"+id] = true
	if name != "" {
		s.names[kindTypes[k]+"\x00"+name] = true
	}
	i := int32(len(s.res))
	end := s.p.opts.End
	created := end.Add(-time.Duration(s.r.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Second)
	s.res = append(s.res, resource{
		kind: k, typ: kindTypes[k], id: id, name: name, label: name, arn: arn, az: az,
		app: pick(s.r, s.acct.Apps), created: created, seed: s.r.Uint64(), versions: s.drawVersions(k),
		stack: -1, idx: i,
	})
	s.byKind[k] = append(s.byKind[k], i)
	s.budget--
	return i
}

// drawVersions is how many configuration items a resource has: mostly
// one, a few changes for some, many for the busy kinds.
func (s *source) drawVersions(k kind) int32 {
	x := s.r.IntN(100)
	busy := k == kENI || k == kCompliance || k == kSG
	switch {
	case x < 72:
		return 1
	case x < 90:
		return 2
	case x < 97:
		return 3 + s.r.Int32N(3)
	case busy:
		return 6 + s.r.Int32N(20)
	default:
		return 6 + s.r.Int32N(5)
	}
}

// unique returns a name from mk that no resource of kind k has yet, as its
// id or name; when mk keeps repeating itself, it numbers the last name.
func (s *source) unique(k kind, mk func() string) string {
	var name string
	for range 4 {
		name = mk()
		if key := kindTypes[k] + "\x00" + name; !s.ids[key] && !s.names[key] {
			return name
		}
	}
	return s.uniqueTail(kindTypes[k], name)
}

// relate links from → to with the relationship name, and to → from with
// the reverse name when it is not "".
func (s *source) relate(from, to int32, name, reverse string) {
	t := &s.res[to]
	s.res[from].links = append(s.res[from].links, link{to: to, rel: inventory.Relationship{
		ResourceType: t.typ, ResourceID: t.id, Name: name,
	}})
	if reverse != "" {
		f := &s.res[from]
		t.links = append(t.links, link{to: from, rel: inventory.Relationship{
			ResourceType: f.typ, ResourceID: f.id, Name: reverse,
		}})
	}
}

func (s *source) arn(service, resource string) string {
	return "arn:aws:" + service + ":" + s.region + ":" + s.acct.ID + ":" + resource
}

// planVPC adds a VPC with its subnets and network.
func (s *source) planVPC(isDefault bool) {
	nth := len(s.byKind[kVPC])
	base := uint32(172<<24 | 31<<16)
	if !isDefault {
		base = uint32(10<<24 | uint32(nth%250)<<16)
	}
	id := ec2ID(s.r, "vpc")
	vpc := s.add(kVPC, id, "", s.arn("ec2", "vpc/"+id), "Multiple Availability Zones")
	s.res[vpc].ip, s.res[vpc].n = base, 16
	s.res[vpc].label = fmt.Sprintf("%s-vpc", s.acct.Name)
	if isDefault {
		s.res[vpc].label = ""
	}
	for i, zone := range s.azs {
		sid := ec2ID(s.r, "subnet")
		sub := s.add(kSubnet, sid, "", s.arn("ec2", "subnet/"+sid), zone)
		s.res[sub].zone = zone
		s.res[sub].ip, s.res[sub].n = base|uint32(i*16)<<8, 20
		s.vpcSubs[vpc] = append(s.vpcSubs[vpc], sub)
		s.relate(sub, vpc, "Is contained in Vpc", "Contains Subnet")
	}
	gid := ec2ID(s.r, "igw")
	igw := s.add(kIGW, gid, "", s.arn("ec2", "internet-gateway/"+gid), "Multiple Availability Zones")
	s.relate(igw, vpc, "Is attached to Vpc", "Is attached to InternetGateway")
	rid := ec2ID(s.r, "rtb")
	rtb := s.add(kRouteTable, rid, "", s.arn("ec2", "route-table/"+rid), "Not Applicable")
	s.relate(rtb, vpc, "Is contained in Vpc", "Contains RouteTable")
	s.res[rtb].n = igw
	aid := ec2ID(s.r, "acl")
	acl := s.add(kNACL, aid, "", s.arn("ec2", "network-acl/"+aid), "Multiple Availability Zones")
	s.relate(acl, vpc, "Is contained in Vpc", "Contains NetworkAcl")
	for _, sub := range s.vpcSubs[vpc] {
		s.relate(acl, sub, "Is attached to Subnet", "Is attached to NetworkAcl")
	}
	sgID := ec2ID(s.r, "sg")
	sg := s.add(kSG, sgID, "", s.arn("ec2", "security-group/"+sgID), "Not Applicable")
	s.res[sg].label = "default"
	s.vpcSGs[vpc] = append(s.vpcSGs[vpc], sg)
	s.relate(sg, vpc, "Is contained in Vpc", "Contains SecurityGroup")
}

// vpcOf picks a VPC; ok is false when the source has none.
func (s *source) vpcOf() (int32, bool) {
	if len(s.byKind[kVPC]) == 0 {
		return -1, false
	}
	return pick(s.r, s.byKind[kVPC]), true
}

// planWorkload adds one draw of kind k; false when it does not fit the
// budget or its dependencies are missing.
func (s *source) planWorkload(k kind) bool {
	switch k {
	case kInstance:
		return s.planInstance()
	case kSG:
		vpc, ok := s.vpcOf()
		if !ok {
			return false
		}
		app := pick(s.r, s.acct.Apps)
		label := s.unique(kSG, func() string { return app + "-" + pick(s.r, roleWords) + "-sg" })
		id := ec2ID(s.r, "sg")
		sg := s.add(kSG, id, "", s.arn("ec2", "security-group/"+id), "Not Applicable")
		s.res[sg].label, s.res[sg].app = label, app
		s.names[kindTypes[kSG]+"\x00"+label] = true
		s.vpcSGs[vpc] = append(s.vpcSGs[vpc], sg)
		s.relate(sg, vpc, "Is contained in Vpc", "Contains SecurityGroup")
		s.evaluable = append(s.evaluable, sg)
	case kENI:
		vpc, ok := s.vpcOf()
		if !ok {
			return false
		}
		s.planENI(vpc, pick(s.r, s.vpcSubs[vpc]), s.pickSGs(vpc))
	case kEIP:
		id := "eipalloc-0" + randString(s.r, hexDigits, 16)
		eip := s.add(kEIP, id, "", s.arn("ec2", "elastic-ip/"+id), "Not Applicable")
		s.res[eip].ip = 3<<24 | uint32(s.r.IntN(1<<24))
		if inst := s.byKind[kInstance]; len(inst) > 0 && s.r.IntN(3) > 0 {
			s.relate(eip, pick(s.r, inst), "Is attached to Instance", "")
		}
	case kBucket:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kBucket, func() string {
			return app + "-" + pick(s.r, bucketWords) + "-" + s.acct.ID + "-" + s.region
		})
		b := s.add(kBucket, name, name, "arn:aws:s3:::"+name, "Regional")
		s.res[b].app = app
		s.evaluable = append(s.evaluable, b)
	case kLambda:
		if len(s.iam.lambdaRoles) == 0 {
			return false
		}
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kLambda, func() string { return app + "-" + pick(s.r, fnWords) })
		fn := s.add(kLambda, name, name, s.arn("lambda", "function:"+name), "Not Applicable")
		s.res[fn].app = app
		role := s.iam.roles[pick(s.r, s.iam.lambdaRoles)]
		s.res[fn].links = append(s.res[fn].links, link{to: -1, rel: inventory.Relationship{
			ResourceType: kindTypes[kRole], ResourceName: role.name, Name: "Is associated with ",
		}})
		if vpc, ok := s.vpcOf(); ok && s.r.IntN(10) < 3 {
			for _, sg := range s.pickSGs(vpc) {
				s.relate(fn, sg, "Is associated with ", "")
			}
			for _, sub := range s.vpcSubs[vpc][:2] {
				s.relate(fn, sub, "Is contained in ", "")
			}
		}
		s.evaluable = append(s.evaluable, fn)
	case kRDS:
		return s.planRDS()
	case kKMS:
		id := uuid(s.r)
		s.add(kKMS, id, "", s.arn("kms", "key/"+id), "Not Applicable")
	case kSNS:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kSNS, func() string { return app + "-" + pick(s.r, []string{"alerts", "events", "notifications", "alarms"}) })
		arn := s.arn("sns", name)
		t := s.add(kSNS, arn, name, arn, "Regional")
		s.res[t].app = app
	case kSQS:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kSQS, func() string { return app + "-" + pick(s.r, fnWords) + "-queue" })
		url := "https://sqs." + s.region + ".amazonaws.com/" + s.acct.ID + "/" + name
		q := s.add(kSQS, url, name, s.arn("sqs", name), "Regional")
		s.res[q].app = app
	case kAlarm:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kAlarm, func() string {
			return app + "-" + pick(s.r, []string{"high-cpu", "errors", "throttles", "queue-depth", "latency-p99", "5xx-rate"})
		})
		a := s.add(kAlarm, name, name, s.arn("cloudwatch", "alarm:"+name), "Not Applicable")
		s.res[a].app = app
	case kDynamo:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kDynamo, func() string {
			return app + "-" + pick(s.r, []string{"sessions", "events", "state", "locks", "items", "idempotency"})
		})
		d := s.add(kDynamo, name, name, s.arn("dynamodb", "table/"+name), "Not Applicable")
		s.res[d].app = app
		s.evaluable = append(s.evaluable, d)
	case kLogGroup:
		var name string
		if fns := s.byKind[kLambda]; len(fns) > 0 && s.r.IntN(2) == 0 {
			fn := s.res[pick(s.r, fns)].name
			name = s.unique(kLogGroup, func() string { return "/aws/lambda/" + fn })
		} else {
			app := pick(s.r, s.acct.Apps)
			name = s.unique(kLogGroup, func() string {
				return "/" + pick(s.r, []string{"ecs", "app", "aws/rds/instance", "aws/apigateway"}) + "/" + app
			})
		}
		s.add(kLogGroup, name, name, s.arn("logs", "log-group:"+name+":*"), "Not Applicable")
	case kStack:
		app := pick(s.r, s.acct.Apps)
		name := s.unique(kStack, func() string {
			return app + "-" + pick(s.r, []string{"network", "service", "database", "pipeline", "monitoring", "storage"})
		})
		arn := s.arn("cloudformation", "stack/"+name+"/"+uuid(s.r))
		st := s.add(kStack, arn, name, arn, "Not Applicable")
		s.res[st].app = app
	case kTaskDef:
		app := pick(s.r, s.acct.Apps)
		family := s.unique(kTaskDef, func() string { return app + "-" + pick(s.r, roleWords) })
		// A task definition's versions are its revisions; the CI's name is
		// family:revision of the latest.
		t := s.add(kTaskDef, family, family, "", "Regional")
		s.res[t].app = app
	case kCompliance:
		if len(s.evaluable) == 0 {
			return false
		}
		j := s.r.IntN(len(s.evaluable))
		target := s.evaluable[j]
		last := len(s.evaluable) - 1
		s.evaluable[j] = s.evaluable[last]
		s.evaluable = s.evaluable[:last]
		t := &s.res[target]
		c := s.add(kCompliance, t.typ+"/"+t.id, "", "", "")
		s.relate(c, target, "Is associated with ", "")
	default:
		return false
	}
	// Resources made by a stack carry its tags.
	if i := int32(len(s.res) - 1); k != kStack && len(s.byKind[kStack]) > 0 && s.r.IntN(4) == 0 {
		s.res[i].stack = pick(s.r, s.byKind[kStack])
	}
	return true
}

// pickSGs picks one or two security groups of the VPC.
func (s *source) pickSGs(vpc int32) []int32 {
	sgs := s.vpcSGs[vpc]
	a := pick(s.r, sgs)
	if len(sgs) > 1 && s.r.IntN(3) == 0 {
		if b := pick(s.r, sgs); b != a {
			return []int32{a, b}
		}
	}
	return []int32{a}
}

// planENI adds a network interface in the subnet.
func (s *source) planENI(vpc, sub int32, sgs []int32) int32 {
	id := ec2ID(s.r, "eni")
	zone := s.res[sub].zone
	eni := s.add(kENI, id, "", s.arn("ec2", "network-interface/"+id), zone)
	s.res[eni].zone = zone
	s.res[eni].ip = s.res[sub].ip | uint32(4+s.r.IntN(4000))
	for _, sg := range sgs {
		s.relate(eni, sg, "Is associated with SecurityGroup", "Is associated with NetworkInterface")
	}
	s.relate(eni, sub, "Is contained in Subnet", "Contains NetworkInterface")
	s.relate(eni, vpc, "Is contained in Vpc", "Contains NetworkInterface")
	return eni
}

// planInstance adds an instance with its root volume, maybe a data volume,
// and its network interface.
func (s *source) planInstance() bool {
	vpc, ok := s.vpcOf()
	size := 3 + s.r.IntN(3)/2 // 3, or 4 with a data volume
	if !ok || s.budget < size {
		return false
	}
	sub := pick(s.r, s.vpcSubs[vpc])
	zone := s.res[sub].zone
	sgs := s.pickSGs(vpc)
	var vols []int32
	for v := range size - 2 {
		vid := ec2ID(s.r, "vol")
		vol := s.add(kVolume, vid, "", s.arn("ec2", "volume/"+vid), zone)
		s.res[vol].zone = zone
		s.res[vol].n = 8
		if v > 0 {
			s.res[vol].n = int32(50 * (1 + s.r.IntN(10)))
		}
		vols = append(vols, vol)
		s.evaluable = append(s.evaluable, vol)
	}
	eni := s.planENI(vpc, sub, sgs)
	iid := ec2ID(s.r, "i")
	inst := s.add(kInstance, iid, "", s.arn("ec2", "instance/"+iid), zone)
	in := &s.res[inst]
	in.zone, in.ip = zone, s.res[eni].ip
	in.label = fmt.Sprintf("%s-%s-%d", in.app, pick(s.r, roleWords), len(s.byKind[kInstance]))
	// An instance's parts were created with it.
	for _, part := range append(slices.Clone(vols), eni) {
		s.res[part].created, s.res[part].app = in.created, in.app
	}
	s.relate(inst, eni, "Contains NetworkInterface", "Is attached to Instance")
	for _, vol := range vols {
		s.relate(inst, vol, "Is attached to Volume", "Is attached to Instance")
	}
	for _, sg := range sgs {
		s.relate(inst, sg, "Is associated with SecurityGroup", "Is associated with Instance")
	}
	s.relate(inst, sub, "Is contained in Subnet", "Contains Instance")
	s.relate(inst, vpc, "Is contained in Vpc", "Contains Instance")
	s.evaluable = append(s.evaluable, inst)
	return true
}

// planRDS adds a DB instance, and its VPC's DB subnet group if it has none.
func (s *source) planRDS() bool {
	vpc, ok := s.vpcOf()
	if !ok {
		return false
	}
	grp, have := s.dbGroup[vpc]
	if !have && s.budget < 2 {
		return false
	}
	app := pick(s.r, s.acct.Apps)
	if !have {
		name := s.unique(kDBSubnetGroup, func() string { return app + "-db-subnets" })
		grp = s.add(kDBSubnetGroup, name, name, s.arn("rds", "subgrp:"+name), "Not Applicable")
		s.res[grp].app = app
		s.dbGroup[vpc] = grp
		for _, sub := range s.vpcSubs[vpc] {
			s.relate(grp, sub, "Is associated with Subnet", "")
		}
		s.relate(grp, vpc, "Is associated with Vpc", "")
	}
	ident := s.unique(kRDS, func() string {
		return app + "-" + pick(s.r, []string{"postgres", "mysql", "aurora", "reporting", "primary"})
	})
	db := s.add(kRDS, "db-"+randString(s.r, upperAlnum, 26), ident, s.arn("rds", "db:"+ident), "")
	d := &s.res[db]
	d.app = app
	d.zone = pick(s.r, s.azs)
	d.az = d.zone
	if s.r.IntN(3) == 0 {
		d.az = "Multiple Availability Zones"
	}
	s.relate(db, grp, "Is associated with DBSubnetGroup", "")
	for _, sg := range s.pickSGs(vpc) {
		s.relate(db, sg, "Is associated with SecurityGroup", "")
	}
	s.evaluable = append(s.evaluable, db)
	return true
}

// planTail adds a resource of a long-tail type.
func (s *source) planTail() {
	ti := int(s.tailZipf.Uint64())
	t := &tailTypes[ti]
	app := pick(s.r, s.acct.Apps)
	short := kebabCase(t.Type[len(t.Type)-len(lastPart(t.Type)):])
	k := kTail
	id := s.uniqueTail(t.Type, app+"-"+short)
	i := int32(len(s.res))
	s.ids[t.Type+"\x00"+id] = true
	end := s.p.opts.End
	s.res = append(s.res, resource{
		kind: k, typ: t.Type, id: id, name: id, label: id, arn: fillARN(t.ARN, s.region, s.acct.ID, id), az: t.AZ,
		app: app, created: end.Add(-time.Duration(s.r.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Second),
		seed: s.r.Uint64(), versions: s.drawVersions(k), n: int32(ti), stack: -1, idx: i,
	})
	s.byKind[kTail] = append(s.byKind[kTail], i)
	s.budget--
}

// uniqueTail returns base with the next free number of the type and base.
func (s *source) uniqueTail(typ, base string) string {
	if s.tailSeq == nil {
		s.tailSeq = map[string]int{}
	}
	key := typ + "\x00" + base
	for {
		s.tailSeq[key]++
		id := fmt.Sprintf("%s-%d", base, s.tailSeq[key])
		if k := typ + "\x00" + id; !s.ids[k] && !s.names[k] {
			return id
		}
	}
}

// emit passes every version of every resource to fn.
func (s *source) emit(fn func(inventory.Item) error) error {
	b := &builder{s: s}
	for i := range s.res {
		if err := b.emitResource(int32(i), fn); err != nil {
			return err
		}
	}
	return nil
}

// decideDeletions marks a few resources that nothing refers to as
// deleted.
func (s *source) decideDeletions() {
	referenced := make([]bool, len(s.res))
	for i := range s.res {
		for _, l := range s.res[i].links {
			if l.to >= 0 && !isReverse(l.rel.Name) {
				referenced[l.to] = true
			}
		}
		if st := s.res[i].stack; st >= 0 {
			referenced[st] = true // its resources carry its tags
		}
	}
	r := rand.New(rand.NewPCG(s.seed, 2))
	for i := range s.res {
		x := &s.res[i]
		if deletable[x.kind] && !referenced[i] && r.IntN(100) < 4 {
			x.deleted = true
			if x.versions < 2 {
				x.versions = 2
			}
		}
	}
}

// isReverse reports whether a relationship name is only the echo of
// another resource's relationship to this one; the others mean "refers to".
func isReverse(name string) bool {
	switch name {
	case "Contains Subnet", "Contains SecurityGroup", "Contains RouteTable", "Contains NetworkAcl",
		"Contains NetworkInterface", "Contains Instance", "Is attached to InternetGateway",
		"Is attached to NetworkAcl", "Is associated with NetworkInterface", "Is associated with Instance":
		return true
	}
	return false
}

// stackKids returns the resources each stack made, by the stack's index.
func (s *source) stackKids() map[int32][]int32 {
	if s.kids == nil {
		s.kids = map[int32][]int32{}
		for i := range s.res {
			if st := s.res[i].stack; st >= 0 {
				s.kids[st] = append(s.kids[st], int32(i))
			}
		}
	}
	return s.kids
}
