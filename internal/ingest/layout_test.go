package ingest

import (
	"testing"
	"time"
)

func TestParseDelivery(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       Delivery
		wantErr    bool
	}{
		{
			name: "snapshot key with a prefix",
			path: "bucket/o-abc123/AWSLogs/123456789012/Config/us-east-2/2016/9/27/ConfigSnapshot/123456789012_Config_us-east-2_ConfigSnapshot_20160927T183939Z_16da64e4-cb65-4846-b061-e6c3ba43cb96.json.gz",
			want: Delivery{AccountID: "123456789012", Region: "us-east-2", Kind: KindSnapshot},
		},
		{
			name: "history key, zero-padded date",
			path: "/tmp/AWSLogs/210987654321/Config/eu-west-1/2026/06/01/ConfigHistory/210987654321_Config_eu-west-1_ConfigHistory_AWS::EC2::Instance_20260601T000000Z_20260601T060000Z_1.json.gz",
			want: Delivery{AccountID: "210987654321", Region: "eu-west-1", Kind: KindHistory},
		},
		{
			name: "oversized notification",
			path: "AWSLogs/123456789012/Config/global/2016/10/6/OversizedChangeNotification/AWS::IAM::Role/r1/x.json.gz",
			want: Delivery{AccountID: "123456789012", Region: "global", Kind: KindOversized},
		},
		{
			name: "file name only",
			path: `C:\dl\123456789012_Config_us-east-1_ConfigHistory_AWS::S3::Bucket_20200101T000000Z_20200101T060000Z_1.json`,
			want: Delivery{AccountID: "123456789012", Region: "us-east-1", Kind: KindHistory},
		},
		{name: "nothing", path: "data/items.json"},
		{name: "AWSLogs without the layout", path: "AWSLogs/notes/a.json"},
		{
			name:    "path and name disagree on the account",
			path:    "AWSLogs/123456789012/Config/us-east-1/2020/1/1/ConfigSnapshot/210987654321_Config_us-east-1_ConfigSnapshot_20200101T000000Z_x.json.gz",
			wantErr: true,
		},
		{
			name:    "path and name disagree on the region",
			path:    "AWSLogs/123456789012/Config/us-east-1/2020/1/1/ConfigSnapshot/123456789012_Config_eu-west-1_ConfigSnapshot_20200101T000000Z_x.json.gz",
			wantErr: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDelivery(tc.path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseDelivery(%q) error = %v, want error %v", tc.path, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseDelivery(%q) = %+v, want %+v", tc.path, got, tc.want)
			}
		})
	}
}

func TestSnapshotKey(t *testing.T) {
	at := time.Date(2016, 9, 27, 18, 39, 39, 853e6, time.UTC)
	got := SnapshotKey("123456789012", "us-east-2", at, "16da64e4-cb65-4846-b061-e6c3ba43cb96")
	// The key of the developer guide's "Example Configuration Snapshot
	// Notification".
	want := "AWSLogs/123456789012/Config/us-east-2/2016/9/27/ConfigSnapshot/123456789012_Config_us-east-2_ConfigSnapshot_20160927T183939Z_16da64e4-cb65-4846-b061-e6c3ba43cb96.json.gz"
	if got != want {
		t.Errorf("SnapshotKey = %q, want %q", got, want)
	}
	d, err := ParseDelivery(got)
	if err != nil || d != (Delivery{AccountID: "123456789012", Region: "us-east-2", Kind: KindSnapshot}) {
		t.Errorf("ParseDelivery(SnapshotKey(…)) = %+v, %v", d, err)
	}
}
