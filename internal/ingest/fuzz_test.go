package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

// FuzzDecodeFile checks that DecodeFile never panics, and that whatever it
// decodes encodes to a file that decodes to the same items.
func FuzzDecodeFile(f *testing.F) {
	for _, name := range []string{"testdata/snapshot.json", "testdata/console-form.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(file(item(nil))))
	f.Add([]byte(`{"configurationItems":[{"resourceType":"t","resourceId":"i","accountId":"000000000000","awsRegion":"global","configurationStateId":"0","configurationItemCaptureTime":"0","configurationItemStatus":"OK","configuration":"null","tags":{"k":null},"relationships":[{"resourceType":"t","resourceName":"n"}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var items []inventory.Item
		if err := DecodeFile(bytes.NewReader(data), func(it inventory.Item) error {
			items = append(items, it)
			return nil
		}); err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("DecodeFile accepted JSON that encoding/json refuses: %q", data)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, items); err != nil {
			t.Fatal(err)
		}
		var again []inventory.Item
		if err := DecodeFile(bytes.NewReader(buf.Bytes()), func(it inventory.Item) error {
			again = append(again, it)
			return nil
		}); err != nil {
			t.Fatalf("the encoding of decoded items does not decode: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(items, again) {
			t.Fatalf("round trip differs:\n got %+v\nwant %+v\nencoding %s", again, items, buf.Bytes())
		}
	})
}
