package pgstate

import (
	"errors"
	"testing"
)

// The database behaviour is tested against a real PostgreSQL in the
// riverworker module (it needs a driver this module does not depend on).

func TestTenantOf(t *testing.T) {
	for key, want := range map[string]string{
		"acme/products":         "acme",
		"a/b/purchase-receipts": "a/b",
		"locations":             "",
		"Acme Ltd/stock":        "Acme Ltd",
		"/products":             "",
		"acme/":                 "acme",
	} {
		if got := TenantOf(key); got != want {
			t.Errorf("TenantOf(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestFencedErrorMatches(t *testing.T) {
	var err error = &FencedError{Key: "acme/products", Tenant: "acme", Fence: 3, Generation: 4, Live: true}
	if !errors.Is(err, ErrFenced) {
		t.Fatal("FencedError does not match ErrFenced")
	}
	if err.Error() == "" || (&FencedError{Key: "k", Tenant: "t", Generation: 2, Live: true}).Error() == "" {
		t.Fatal("empty message")
	}
}
