// Package generate makes realistic, deterministic AWS Config data: an
// organization of accounts and, for each account and region, the
// configuration items (CIs) its recorder would have recorded, in the shapes
// AWS Config records them.
//
// What it makes follows AWS's own material: the resource types, identifier
// formats and relationship names of the sample configuration items of the
// AWS Config Rules Development Kit (awslabs/aws-config-rdk, example_ci),
// the configuration item fields described in "Components of a
// Configuration Item" (AWS Config Developer Guide), and, for the long tail
// of types, the property paths of AWS Config's resource schema
// (awslabs/aws-config-resource-schema). Native AWS Config types have
// lowerCamel configuration keys (instanceId, dBInstanceIdentifier); types
// recorded through the CloudFormation registry have PascalCase keys
// (FileSystemId).
//
// Everything follows from Options.Seed (through math/rand/v2's PCG): the
// same options give the same accounts and byte-identical items. Items are
// made one source (account and region) at a time and streamed, so an
// organization of millions of CIs never sits in memory.
//
// The mix of a source's resources: the network a region comes with (the
// default VPC, a subnet per zone, its gateway, route table, network ACL
// and default security group, and one more VPC per 800 resources), then,
// drawn by weight, AWS::Config::ResourceCompliance items (about a fifth),
// instances with their volumes and network interfaces, security groups,
// Lambda functions, S3 buckets, CloudFormation stacks, ECS task
// definitions, KMS keys, alarms, topics, queues, RDS databases, DynamoDB
// tables, log groups, and a Zipf-distributed long tail of some 380 other
// types; in the home region also the account's IAM roles, policies, users
// and groups (about 12%). Most resources have one configuration item, some
// a few, a busy few (network interfaces, security groups, compliance) many;
// about 4% of the resources nothing refers to have been deleted.
package generate

//go:generate go run ./internal/schemagen -schema ../../../shared/models/resource-schema/resource-types -out tail_gen.go
