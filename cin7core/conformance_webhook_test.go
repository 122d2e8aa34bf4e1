package cin7core_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// TestConformanceWebhook parses every official webhook payload example
// with ParseEvent and decodes every webhooks and me example into the
// typed models, checking that nothing the types model is lost on a
// round trip.
func TestConformanceWebhook(t *testing.T) {
	dir := examplesDir(t)
	var st conformanceStats

	// Payloads: one file per event type, named after it.
	payloads, err := filepath.Glob(filepath.Join(dir, "webhook-payloads", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(payloads) < 20 {
		t.Fatalf("only %d payload examples in %s/webhook-payloads", len(payloads), dir)
	}
	wantType := map[cin7core.WebhookType]reflect.Type{}
	for _, typ := range []cin7core.WebhookType{cin7core.WebhookSaleQuoteAuthorised, cin7core.WebhookSaleOrderAuthorised,
		cin7core.WebhookSaleBackordered, cin7core.WebhookSaleVoided, cin7core.WebhookSaleUndo, cin7core.WebhookSalePickAuthorised,
		cin7core.WebhookSalePackAuthorised, cin7core.WebhookSaleCreditNoteAuthorised} {
		wantType[typ] = reflect.TypeOf(&cin7core.SaleEvent{})
	}
	wantType[cin7core.WebhookSaleShipmentAuthorised] = reflect.TypeOf(&cin7core.SaleDocumentEvent{})
	wantType[cin7core.WebhookSaleInvoiceAuthorised] = reflect.TypeOf(&cin7core.SaleDocumentEvent{})
	wantType[cin7core.WebhookSalePartialPaymentReceived] = reflect.TypeOf(&cin7core.SalePaymentEvent{})
	wantType[cin7core.WebhookSaleFullPaymentReceived] = reflect.TypeOf(&cin7core.SalePaymentEvent{})
	wantType[cin7core.WebhookSaleShipmentTrackingNumberChanged] = reflect.TypeOf(&cin7core.SaleTrackingEvent{})
	for _, typ := range []cin7core.WebhookType{cin7core.WebhookPurchaseOrderAuthorised, cin7core.WebhookPurchaseInvoiceAuthorised,
		cin7core.WebhookPurchaseStockReceivedAuthorised, cin7core.WebhookPurchaseCreditNoteAuthorised} {
		wantType[typ] = reflect.TypeOf(&cin7core.PurchaseEvent{})
	}
	wantType[cin7core.WebhookCustomerUpdated] = reflect.TypeOf(&cin7core.CustomerUpdatedEvent{})
	wantType[cin7core.WebhookSupplierUpdated] = reflect.TypeOf(&cin7core.SupplierUpdatedEvent{})
	wantType[cin7core.WebhookStockAvailableStockLevelChanged] = reflect.TypeOf(&cin7core.StockLevelChangedEvent{})

	seen := map[cin7core.WebhookType]bool{}
	parse := func(raw json.RawMessage) (any, error) { return cin7core.ParseEvent(raw) }
	for _, file := range payloads {
		name := filepath.Base(file)
		t.Run("payload/"+name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := cin7core.ParseEvent(raw)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			typ := cin7core.WebhookType(strings.Replace(strings.TrimSuffix(name, ".json"), "_", "/", 1))
			if ev.EventType() != typ {
				t.Fatalf("EventType %q, file is for %q", ev.EventType(), typ)
			}
			if got := reflect.TypeOf(ev); got != wantType[typ] {
				t.Fatalf("%s parsed as %v, want %v", typ, got, wantType[typ])
			}
			seen[typ] = true
			checkRecord(t, &st, name, raw, parse)
		})
	}
	for typ := range wantType {
		if !seen[typ] {
			t.Errorf("no payload example for %s", typ)
		}
	}

	// Subscriptions: requests are bare records, responses the envelope
	// {"Webhooks":[...]} (empty after a delete).
	files, err := filepath.Glob(filepath.Join(dir, "webhooks.*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no webhooks examples in %s", dir)
	}
	decodeHook := func(raw json.RawMessage) (any, error) {
		var w cin7core.Webhook
		err := json.Unmarshal(raw, &w)
		return &w, err
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(name, ".request.") {
				checkRecord(t, &st, name, raw, decodeHook)
				w, _ := decodeHook(raw)
				if err := w.(*cin7core.Webhook).Validate(); err != nil {
					t.Errorf("the official request fails client validation: %v", err)
				}
				return
			}
			var env map[string]json.RawMessage
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			var rows []json.RawMessage
			if err := json.Unmarshal(env["Webhooks"], &rows); err != nil || rows == nil {
				t.Fatalf("list key Webhooks: %v", err)
			}
			if strings.Contains(name, ".delete.") {
				if len(rows) != 0 {
					t.Errorf("delete answer holds %d webhooks", len(rows))
				}
				return
			}
			if len(rows) == 0 {
				t.Fatal("no webhooks")
			}
			for i, r := range rows {
				checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), r, decodeHook)
			}
		})
	}

	// me.
	t.Run("me.get.response200.json", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "me.get.response200.json"))
		if err != nil {
			t.Fatal(err)
		}
		checkRecord(t, &st, "me", raw, func(raw json.RawMessage) (any, error) {
			var a cin7core.Account
			err := json.Unmarshal(raw, &a)
			return &a, err
		})
	})
	t.Logf("compared %d records: %d fields, %d IDs, %d decimals, %d times", st.records, st.fields, st.ids, st.decimals, st.times)
	if st.records < 25 || st.ids == 0 || st.decimals == 0 || st.times == 0 {
		t.Fatalf("the comparison checked too little: %+v", st)
	}
}
