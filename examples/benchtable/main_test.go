package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRunSmall runs the table on a small tenant with short measurements.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, options{small: true, calls: 121, benchTime: 20 * time.Millisecond}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"API calls per pass", "nothing changed", "SDK sliding window", "1 call/s pacer", "encoding/json ns/record", "stock on hand"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
}
