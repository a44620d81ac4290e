package store

import (
	"errors"
	"fmt"

	json "github.com/segmentio/encoding/json"
)

// Helpers over Tx for services that keep their records as JSON documents.

// GetJSON reads the record into v; it returns ErrNotFound when absent.
func GetJSON(tx Tx, t Namespace, k Kind, id string, v any) error {
	b, err := tx.Get(t, k, id)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", k, id, err)
	}
	return nil
}

// PutJSON writes v as the record.
func PutJSON(tx Tx, t Namespace, k Kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", k, id, err)
	}
	return tx.Put(t, k, id, b)
}

// ListJSON decodes every record of the kind, in id order.
func ListJSON[T any](tx Tx, t Namespace, k Kind) ([]T, error) {
	items, err := tx.List(t, k, "", 0)
	if err != nil {
		return nil, err
	}
	return DecodeItems[T](items, k)
}

// DecodeItems decodes listed records of the kind.
func DecodeItems[T any](items []Item, k Kind) ([]T, error) {
	out := make([]T, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it.Doc, &out[i]); err != nil {
			return nil, fmt.Errorf("decode %s %q: %w", k, it.ID, err)
		}
	}
	return out, nil
}

// Exists reports whether a record exists.
func Exists(tx Tx, t Namespace, k Kind, id string) (bool, error) {
	_, err := tx.Get(t, k, id)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// DeleteAll deletes every record of the namespace and kind.
func DeleteAll(tx Tx, t Namespace, k Kind) error {
	items, err := tx.List(t, k, "", 0)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := tx.Delete(t, k, it.ID); err != nil {
			return err
		}
	}
	return nil
}
