package sync_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/faults"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// Outbound flows post each Ramp document version once in effect, even
// when the state that says what was posted is lost (a new state store, a
// second engine with its own state) or a look at Cin7 Core answers stale.

// loseState swaps in an empty state store and a new engine over it, as a
// host that moved machines or wiped its cache would.
func (h *rcptHarness) loseState(t *testing.T) {
	t.Helper()
	h.store = &rcptStore{MemoryStore: cinsync.NewMemoryStore(), left: -1}
	h.engine = h.newEngine(t, false)
}

func hasNotice(sr *cinsync.StreamReport, kind, contains string) bool {
	for _, n := range sr.Notices {
		if n.Kind == kind && strings.Contains(n.Message, contains) {
			return true
		}
	}
	return false
}

// An advanced purchase gets a receiving task per delta; with the ledger
// and the posted totals lost, the flow finds what Cin7 Core already holds
// for Ramp's received units and posts only the rest.
func TestPurchaseReceiptsLostStatePostsOnlyWhatCin7Lacks(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, true, rcptAisleA, map[string]string{rcptBatch: "5", rcptSerial: "2"})
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-1", Count: rcptD("2")},
		ramp.OrderUnit{SkuExternalRef: rcptSerial, Serial: "SN-1", Count: rcptD("1")})
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 1 || h.src.postCount() != 1 {
		t.Fatalf("first receipt: %+v", sr)
	}

	h.loseState(t)
	sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if sr.Created != 0 || sr.Failed != 0 || h.src.postCount() != 1 {
		t.Fatalf("after losing the state: %+v, %d posts", sr, h.src.postCount())
	}
	if !hasNotice(sr, "receipt-found-in-cin7", "0 units left to post") {
		t.Errorf("want a notice that Cin7 Core already holds the receipt: %+v", sr.Notices)
	}
	got, tasks := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptBatch, rcptAisleA, "LOT-1", ""): "2", rcptKey(rcptSerial, rcptAisleA, "SN-1", ""): "1"})
	if tasks != 1 {
		t.Fatalf("%d receiving tasks, want 1", tasks)
	}

	// Ramp receives more, and the state is lost again before the flow
	// runs: one task with the new units only.
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-1", Count: rcptD("1")},
		ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-2", Count: rcptD("2")},
		ramp.OrderUnit{SkuExternalRef: rcptSerial, Serial: "SN-2", Count: rcptD("1")})
	h.loseState(t)
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 1 || h.src.postCount() != 2 {
		t.Fatalf("second receipt after losing the state: %+v", sr)
	}
	want := map[string]string{rcptKey(rcptBatch, rcptAisleA, "LOT-1", ""): "3", rcptKey(rcptBatch, rcptAisleA, "LOT-2", ""): "2",
		rcptKey(rcptSerial, rcptAisleA, "SN-1", ""): "1", rcptKey(rcptSerial, rcptAisleA, "SN-2", ""): "1"}
	got, tasks = h.received(t, pid)
	wantLines(t, got, want)
	if tasks != 2 {
		t.Fatalf("%d receiving tasks, want 2", tasks)
	}

	// And once more, after Ramp completes the order: nothing moves.
	if _, err := h.rampSrv.CompleteOrder(oid); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		h.loseState(t)
		if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || sr.Failed != 0 {
			t.Fatalf("pass %d after completion: %+v", i, sr)
		}
	}
	got, tasks = h.received(t, pid)
	wantLines(t, got, want)
	if tasks != 2 || h.src.postCount() != 2 {
		t.Fatalf("%d receiving tasks, %d posts; want 2, 2", tasks, h.src.postCount())
	}
}

// A post whose answer was lost, then the state lost too: the pending
// delta is gone with it, and the task already on the purchase is still
// found.
func TestPurchaseReceiptsLostAnswerThenLostStateDoesNotPostAgain(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFIFO: "4"})
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFIFO, Count: rcptD("3")})
	h.src.after = func(err error) error {
		if err == nil {
			return &cin7core.APIError{StatusCode: http.StatusBadGateway, Method: http.MethodPost, URL: "advanced-purchase/stock", Message: "answer lost"}
		}
		return err
	}
	if _, err := h.run(cinsync.StreamPurchaseReceipts); err == nil {
		t.Fatal("want the lost answer to stop the stream")
	}
	h.src.after = nil
	h.loseState(t)
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || h.src.postCount() != 1 {
		t.Fatalf("after losing the state: %+v, %d posts", sr, h.src.postCount())
	}
	got, tasks := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "3"})
	if tasks != 1 {
		t.Fatalf("%d receiving tasks, want 1", tasks)
	}
}

// A simple purchase's one receipt, state lost: not posted again, and not
// reported as a conflict either.
func TestPurchaseReceiptsSimpleLostStateDoesNotPostAgain(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, false, rcptSydney, map[string]string{rcptFIFO: "4", rcptFEFO: "3"})
	exp := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFIFO, Count: rcptD("4")},
		ramp.OrderUnit{SkuExternalRef: rcptFEFO, Batch: "B-9", Expiry: exp, Count: rcptD("3")})
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 1 {
		t.Fatalf("receipt: %+v", sr)
	}
	before, _ := h.received(t, pid)
	for i := 0; i < 2; i++ {
		h.loseState(t)
		if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || sr.Failed != 0 {
			t.Fatalf("pass %d after losing the state: %+v", i, sr)
		}
	}
	after, _ := h.received(t, pid)
	if len(after) != len(before) || h.src.postCount() != 1 {
		t.Fatalf("stock received %v, was %v; %d posts", after, before, h.src.postCount())
	}
	for k, q := range before {
		if !after[k].Equal(q) {
			t.Fatalf("%s: %s, was %s", k, after[k], q)
		}
	}
}

// With no record of posting, units Cin7 Core already holds for Ramp's
// keys count as posted, even when it holds more than Ramp received: that
// is reported, and nothing is posted or taken back.
func TestPurchaseReceiptsCin7HoldsMoreThanRampIsReported(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFIFO: "6"})
	c := h.cin7Client(t)
	if _, err := c.Purchases.PostAdvancedStock(context.Background(), &cin7core.AdvancedPurchaseStock{PurchaseID: pid, Status: cin7core.PurchaseTaskAuthorised,
		Lines: []cin7core.PurchaseStockLine{{ProductID: rcptFIFO, LocationID: rcptSydney, Quantity: rcptD("5")}}}); err != nil {
		t.Fatal(err)
	}
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFIFO, Count: rcptD("3")})
	sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if sr.Created != 0 || sr.Failed != 0 || h.src.postCount() != 0 {
		t.Fatalf("%+v, %d posts", sr, h.src.postCount())
	}
	if !hasNotice(sr, "receipt-found-in-cin7", "2 units more") {
		t.Errorf("want a notice that Cin7 Core holds more: %+v", sr.Notices)
	}
	got, _ := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "5"})
}

// ReceiptHeld shares one Cin7 Core line among Ramp keys it cannot tell
// apart, and ignores other locations, batches and expiries.
func TestReceiptHeldMatchesRampKeys(t *testing.T) {
	const p, loc, other = "P1", "L1", "L2"
	rc := mapping.Receipt{
		{ReceiptKey: mapping.ReceiptKey{ProductID: p, Batch: "X"}, Quantity: rcptD("2")},
		{ReceiptKey: mapping.ReceiptKey{ProductID: p, Serial: "X"}, Quantity: rcptD("1")},
		{ReceiptKey: mapping.ReceiptKey{ProductID: p, Batch: "B", Expiry: "2031-01-01"}, Quantity: rcptD("4")},
	}
	exp := cin7core.Time{Time: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	lines := []cin7core.PurchaseStockLine{
		{ProductID: p, LocationID: loc, BatchSN: "X", Quantity: rcptD("2")},
		{ProductID: p, LocationID: loc, BatchSN: "X", Quantity: rcptD("2")}, // another task
		{ProductID: p, LocationID: other, BatchSN: "X", Quantity: rcptD("9")},
		{ProductID: p, LocationID: loc, BatchSN: "B", Quantity: rcptD("9")}, // no expiry: another key
		{ProductID: p, LocationID: loc, BatchSN: "B", ExpiryDate: exp, Quantity: rcptD("3")},
	}
	held := mapping.Rules{}.ReceiptHeld(rc, loc, lines)
	want := map[mapping.ReceiptKey]string{
		{ProductID: p, Serial: "X"}:                      "1", // key order: the serial first, up to its quantity
		{ProductID: p, Batch: "X"}:                       "3", // the last of the shared key takes the rest
		{ProductID: p, Batch: "B", Expiry: "2031-01-01"}: "3",
	}
	if len(held) != len(want) {
		t.Fatalf("held %v", held)
	}
	for _, q := range held {
		if !q.Quantity.Equal(rcptD(want[q.ReceiptKey])) {
			t.Errorf("%+v: %s, want %s", q.ReceiptKey, q.Quantity, want[q.ReceiptKey])
		}
	}
}

// The POST of a stock adjustment lands but its answer is lost; the next
// pass's list of adjustments is a stale copy (the same request's earlier
// answer) that does not show it. One "not found" is not enough: a second
// look finds it, and nothing is posted again.
func TestStocktakeStaleListAfterLostAnswerDoesNotPostAgain(t *testing.T) {
	h := newOutbHarness(t)
	var stale bool
	ft := faults.NewTransport(nil, 1,
		faults.Rule{Match: func(r *http.Request) bool {
			return r.Method == http.MethodPost && faults.PathContains("stockadjustment")(r)
		},
			Probability: 1, Limit: 1, Kinds: []faults.Kind{faults.ResetAfterResponse}},
		faults.Rule{Match: func(r *http.Request) bool {
			return stale && r.Method == http.MethodGet && faults.PathContains("stockadjustmentList")(r)
		}, Probability: 1, Limit: 1, Kinds: []faults.Kind{faults.RepeatPage}})
	c, err := cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry), cin7core.WithTransport(ft))
	if err != nil {
		t.Fatal(err)
	}
	h.cin7 = c
	st, err := h.rampSrv.RunStocktake(h.locID, ramp.StocktakeLine{SkuExternalRef: outbTent, Counted: outbDec("5")})
	if err != nil {
		t.Fatal(err)
	}
	if st, err = h.rampSrv.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
	e := h.engine(t, nil)
	if _, err := outbRun(t, e, cinsync.StreamStocktakes); err == nil {
		t.Fatal("want the lost answer to stop the stream")
	}
	stale = true
	sr, err := outbRun(t, e, cinsync.StreamStocktakes)
	if err != nil || sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("pass 2: %v %+v", err, sr)
	}
	if len(ft.Log()) != 2 || ft.Log()[1].Kind != faults.RepeatPage {
		t.Fatalf("faults injected: %v (want the lost answer, then the stale list)", ft.Log())
	}
	if sr := outbMustRun(t, e, cinsync.StreamStocktakes); sr.Created != 0 {
		t.Fatalf("pass 3: %+v", sr)
	}
	n := 0
	ref := mapping.StocktakeReference(st.ID, st.Version)
	for a, err := range h.cin7.StockAdjustments.List(nil).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Reference == ref {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d stock adjustments with the stocktake's reference, want 1", n)
	}
}
