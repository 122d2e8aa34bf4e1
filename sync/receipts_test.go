package sync_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// Demo tenant records the receipt tests use.
const (
	rcptSydney    = "f523d6f3-f25c-45e8-b06e-32f164fd24e5"
	rcptMelbourne = "c3f1b5d3-98db-45a6-a20b-2cf0dd311efa"
	rcptAisleA    = "68679295-0223-4b5d-aecb-656d77977de2" // a bin of Sydney
	rcptFIFO      = "8719cff4-d1f1-491a-877e-82c2e5b1ceda" // TNT-2P-ALP
	rcptBatch     = "8a312910-de4b-4fa5-9359-d30c319e79d1" // RPE-ACC-8MM, FIFO - Batch
	rcptFEFO      = "6b26f8cc-493c-43aa-8245-ff85c47ce620" // FDM-BEEF-STR, FEFO - Batch
	rcptSerial    = "5f7b71a8-7ac2-4a2f-a909-e25c0876a1b8" // GPS-HH-64, FIFO - Serial Number
)

func rcptD(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// rcptStore is a StateStore that crashes: after `left` successful saves
// of receipt state every save fails, as if the process had died there.
type rcptStore struct {
	*cinsync.MemoryStore
	mu    gosync.Mutex
	left  int // -1: never fail
	saves int
}

func (s *rcptStore) Save(ctx context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.Contains(k, "receipts") {
		if s.left == 0 {
			return errors.New("crash: state not saved")
		}
		if s.left > 0 {
			s.left--
		}
		s.saves++
	}
	return s.MemoryStore.Save(ctx, k, v)
}

func (s *rcptStore) arm(left int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.left = left
}

// rcptSource wraps the Cin7 Core source to count posts and inject
// failures around them.
type rcptSource struct {
	cinsync.Source
	mu    gosync.Mutex
	posts int
	// before runs before a post is sent; after may replace its error.
	before func()
	after  func(err error) error
}

func (s *rcptSource) inner() interface {
	cinsync.PurchaseReceiptSource
	cinsync.TransferReceiptSource
} {
	return s.Source.(interface {
		cinsync.PurchaseReceiptSource
		cinsync.TransferReceiptSource
	})
}

func (s *rcptSource) hooks() (func(), func(error) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	return s.before, s.after
}

func (s *rcptSource) PurchaseForReceipt(ctx context.Context, id string) (*cin7core.AdvancedPurchase, error) {
	return s.inner().PurchaseForReceipt(ctx, id)
}

func (s *rcptSource) PostPurchaseReceipt(ctx context.Context, id string, adv bool, lines []cin7core.PurchaseStockLine) ([]string, error) {
	before, after := s.hooks()
	if before != nil {
		before()
	}
	ids, err := s.inner().PostPurchaseReceipt(ctx, id, adv, lines)
	if after != nil {
		err = after(err)
	}
	return ids, err
}

func (s *rcptSource) TransferForReceipt(ctx context.Context, id string) (*cin7core.StockTransfer, error) {
	return s.inner().TransferForReceipt(ctx, id)
}

func (s *rcptSource) CompleteTransferReceipt(ctx context.Context, tr *cin7core.StockTransfer) (*cin7core.StockTransfer, error) {
	before, after := s.hooks()
	if before != nil {
		before()
	}
	out, err := s.inner().CompleteTransferReceipt(ctx, tr)
	if after != nil {
		err = after(err)
	}
	return out, err
}

func (s *rcptSource) postCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

type rcptHarness struct {
	cin7Srv *cin7coretest.Server
	rampSrv *ramptest.Server
	tenant  *cin7coretest.Tenant
	src     *rcptSource
	store   *rcptStore
	engine  *cinsync.Engine
	ramp    *ramp.Client
}

// newRcptHarness starts both fakes, syncs places and SKUs into Ramp and
// returns an engine whose receipt flows are ready to run.
func newRcptHarness(t *testing.T) *rcptHarness {
	t.Helper()
	h := &rcptHarness{store: &rcptStore{MemoryStore: cinsync.NewMemoryStore(), left: -1}}
	h.cin7Srv = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	t.Cleanup(h.cin7Srv.Close)
	h.tenant = h.cin7Srv.Tenant()
	h.rampSrv = ramptest.NewServer()
	t.Cleanup(h.rampSrv.Close)
	retry := cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}
	cc, err := cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(retry))
	if err != nil {
		t.Fatal(err)
	}
	if h.ramp, err = ramp.NewClient(ramp.WithBaseURL(h.rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(retry)); err != nil {
		t.Fatal(err)
	}
	h.src = &rcptSource{Source: cinsync.Cin7Source(cc)}
	h.engine = h.newEngine(t, false)
	if rep, err := h.engine.Sync(context.Background(), cinsync.StreamLocations, cinsync.StreamProducts); err != nil {
		t.Fatalf("setup: %v\n%s", err, rep.Summary())
	}
	return h
}

func (h *rcptHarness) newEngine(t *testing.T, dry bool) *cinsync.Engine {
	t.Helper()
	e, err := cinsync.NewEngine(cinsync.Config{Source: h.src, Sink: cinsync.RampSink(h.ramp), State: h.store, Tenant: "demo", DryRun: dry})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs one stream and returns its report and error.
func (h *rcptHarness) run(s cinsync.Stream) (*cinsync.StreamReport, error) {
	rep, err := h.engine.Sync(context.Background(), s)
	return rep.Stream(s), err
}

func (h *rcptHarness) mustRun(t *testing.T, s cinsync.Stream) *cinsync.StreamReport {
	t.Helper()
	sr, err := h.run(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return sr
}

// purchase creates an authorised purchase in Cin7 Core (as a Cin7 user)
// and its Ramp inbound order (as the purchases stream would), receiving
// at place (a location or bin ID).
func (h *rcptHarness) purchase(t *testing.T, advanced bool, place string, lines map[string]string) (purchaseID, orderID string) {
	t.Helper()
	var ol []cin7core.PurchaseLine
	var rl []ramp.OrderLine
	for pid, q := range lines {
		ol = append(ol, cin7core.PurchaseLine{ProductID: pid, Quantity: rcptD(q), Price: rcptD("7.5")})
		rl = append(rl, ramp.OrderLine{SkuExternalRef: pid, RequiredCount: rcptD(q)})
	}
	hdr := cin7core.PurchaseHeader{Supplier: "Test Supplier", Location: "Sydney Distribution Centre",
		Order: &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskDraft, Lines: ol}}
	if advanced {
		p, err := h.tenant.AddAdvancedPurchase(cin7core.AdvancedPurchase{PurchaseHeader: hdr})
		if err != nil {
			t.Fatal(err)
		}
		purchaseID = p.ID
	} else {
		p, err := h.tenant.AddPurchase(cin7core.Purchase{PurchaseHeader: hdr})
		if err != nil {
			t.Fatal(err)
		}
		purchaseID = p.ID
	}
	if err := h.tenant.AuthorisePurchaseOrder(purchaseID); err != nil {
		t.Fatal(err)
	}
	o, err := h.rampSrv.AddOrder(ramp.Order{ExternalRef: cin7core.NormalizeID(purchaseID), OrderType: ramp.OrderInbound,
		CustomerOrderNumber: "PO-TEST", ToPlaceExternalRef: place, Lines: rl})
	if err != nil {
		t.Fatal(err)
	}
	return purchaseID, o.ID
}

func (h *rcptHarness) receive(t *testing.T, orderID string, units ...ramp.OrderUnit) ramp.Order {
	t.Helper()
	o, err := h.rampSrv.ReceiveOrder(orderID, units...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// received sums, per PurchaseStockKey, the authorised stock received
// lines of a purchase in Cin7 Core, and counts its receiving tasks.
func (h *rcptHarness) received(t *testing.T, purchaseID string) (map[string]decimal.Decimal, int) {
	t.Helper()
	p, ok := h.tenant.Purchase(purchaseID)
	if !ok {
		t.Fatalf("purchase %s gone", purchaseID)
	}
	out := map[string]decimal.Decimal{}
	for _, task := range p.StockReceived {
		if !task.Status.IsAuthorised() {
			t.Errorf("task %s is %s", task.TaskID, task.Status)
		}
		for k, q := range mapping.StockLineTotals(task.Lines) {
			out[k] = out[k].Add(q)
		}
	}
	return out, len(p.StockReceived)
}

func rcptKey(product, loc, batch, expiry string) string {
	return strings.Join([]string{product, loc, batch, expiry}, "|")
}

func wantLines(t *testing.T, got map[string]decimal.Decimal, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("stock received %v, want %v", got, want)
		return
	}
	for k, q := range want {
		if !got[k].Equal(rcptD(q)) {
			t.Errorf("stock received %s = %s, want %s (all: %v)", k, got[k], q, got)
		}
	}
}

func (h *rcptHarness) onHand(k cin7coretest.StockKey) decimal.Decimal {
	return h.tenant.StockOf(k).OnHand
}

func TestPurchaseReceiptsAdvancedPartialThenFull(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, true, rcptAisleA, map[string]string{rcptBatch: "5", rcptSerial: "2"})
	k1 := cin7coretest.StockKey{ProductID: rcptBatch, LocationID: rcptSydney, Bin: "Aisle A", Batch: "LOT-1"}
	before := h.onHand(k1)

	// Nothing received yet: the order is not even listed.
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Read != 0 || h.src.postCount() != 0 {
		t.Fatalf("before any receipt: %+v", sr)
	}

	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-1", Count: rcptD("2")},
		ramp.OrderUnit{SkuExternalRef: rcptSerial, Serial: "SN-1", Count: rcptD("1")})
	sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if sr.Created != 1 || h.src.postCount() != 1 {
		t.Fatalf("first receipt: %+v", sr)
	}
	got, tasks := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptBatch, rcptAisleA, "LOT-1", ""): "2", rcptKey(rcptSerial, rcptAisleA, "SN-1", ""): "1"})
	if tasks != 1 {
		t.Fatalf("%d receiving tasks", tasks)
	}
	if d := h.onHand(k1).Sub(before); !d.Equal(rcptD("2")) {
		t.Fatalf("stock ledger grew by %s", d)
	}

	// The same lot again (a line Cin7 Core would refuse in the same
	// task) and the rest: a second task with the delta only.
	o := h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-1", Count: rcptD("1")},
		ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "LOT-2", Count: rcptD("2")},
		ramp.OrderUnit{SkuExternalRef: rcptSerial, Serial: "SN-2", Count: rcptD("1")})
	if o.State != ramp.OrderReceived {
		t.Fatalf("Ramp order %s", o.State)
	}
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 1 || h.src.postCount() != 2 {
		t.Fatalf("second receipt: %+v", sr)
	}
	got, tasks = h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptBatch, rcptAisleA, "LOT-1", ""): "3", rcptKey(rcptBatch, rcptAisleA, "LOT-2", ""): "2",
		rcptKey(rcptSerial, rcptAisleA, "SN-1", ""): "1", rcptKey(rcptSerial, rcptAisleA, "SN-2", ""): "1"})
	if tasks != 2 {
		t.Fatalf("%d receiving tasks", tasks)
	}
	if d := h.onHand(k1).Sub(before); !d.Equal(rcptD("3")) {
		t.Fatalf("stock ledger grew by %s", d)
	}
	p, _ := h.tenant.Purchase(pid)
	if p.CombinedReceivingStatus != cin7core.ReceivingFullyReceived {
		t.Fatalf("purchase %s", p.CombinedReceivingStatus)
	}

	// Run again, and again after Ramp completes the order: nothing is
	// posted and Cin7 Core is not even asked.
	calls := h.cin7Srv.Calls()
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("rerun: %+v", sr)
	}
	if _, err := h.rampSrv.CompleteOrder(oid); err != nil {
		t.Fatal(err)
	}
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("after completion: %+v", sr)
	}
	if h.src.postCount() != 2 || h.cin7Srv.Calls() != calls {
		t.Fatalf("posts %d, Cin7 calls %d more", h.src.postCount(), h.cin7Srv.Calls()-calls)
	}
}

func TestPurchaseReceiptsSimpleWaitsForTheFullReceipt(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, false, rcptSydney, map[string]string{rcptFIFO: "4", rcptFEFO: "3"})
	kFIFO := cin7coretest.StockKey{ProductID: rcptFIFO, LocationID: rcptSydney}
	exp := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	kFEFO := cin7coretest.StockKey{ProductID: rcptFEFO, LocationID: rcptSydney, Batch: "B-9", Expiry: exp}
	beforeFIFO, beforeFEFO := h.onHand(kFIFO), h.onHand(kFEFO)

	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFIFO, Count: rcptD("1")})
	sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if sr.SkippedByReason[string(mapping.SkipReceiptSimpleWaits)] != 1 || h.src.postCount() != 0 {
		t.Fatalf("partial receipt on a simple purchase: %+v", sr)
	}
	// The kind is remembered: the next pass costs no Cin7 Core call.
	calls := h.cin7Srv.Calls()
	h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if h.cin7Srv.Calls() != calls {
		t.Fatal("a waiting simple purchase was read again")
	}

	// Same product again without batch: one Cin7 line of 4 in the end.
	h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFIFO, Count: rcptD("3")},
		ramp.OrderUnit{SkuExternalRef: rcptFEFO, Batch: "B-9", Expiry: exp, Count: rcptD("3")})
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 1 {
		t.Fatalf("full receipt: %+v", sr)
	}
	got, tasks := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "4", rcptKey(rcptFEFO, rcptSydney, "B-9", "2027-06-30"): "3"})
	if tasks != 1 || h.src.postCount() != 1 {
		t.Fatalf("%d tasks, %d posts", tasks, h.src.postCount())
	}
	if !h.onHand(kFIFO).Sub(beforeFIFO).Equal(rcptD("4")) || !h.onHand(kFEFO).Sub(beforeFEFO).Equal(rcptD("3")) {
		t.Fatalf("stock ledger: FIFO +%s, FEFO +%s", h.onHand(kFIFO).Sub(beforeFIFO), h.onHand(kFEFO).Sub(beforeFEFO))
	}
	if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Created != 0 || h.src.postCount() != 1 {
		t.Fatalf("rerun: %+v", sr)
	}
}

// TestPurchaseReceiptsCrashAtEverySave kills the pass at each of its
// state saves in turn (intent, post noted, totals, cursor), then reruns
// with a healthy store: Cin7 Core ends with the receipt exactly once.
func TestPurchaseReceiptsCrashAtEverySave(t *testing.T) {
	for _, advanced := range []bool{false, true} {
		for n := 0; ; n++ {
			h := newRcptHarness(t)
			pid, oid := h.purchase(t, advanced, rcptSydney, map[string]string{rcptBatch: "3"})
			h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptBatch, Batch: "L1", Count: rcptD("3")})
			h.store.arm(n)
			_, err := h.run(cinsync.StreamPurchaseReceipts)
			h.store.mu.Lock()
			clean := h.store.left != 0 || err == nil
			h.store.mu.Unlock()
			h.store.arm(-1)
			sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
			got, _ := h.received(t, pid)
			wantLines(t, got, map[string]string{rcptKey(rcptBatch, rcptSydney, "L1", ""): "3"})
			if h.src.postCount() != 1 {
				t.Fatalf("advanced=%v crash at save %d: %d posts (rerun %+v)", advanced, n, h.src.postCount(), sr)
			}
			if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Unchanged != 1 || h.src.postCount() != 1 {
				t.Fatalf("advanced=%v crash at save %d: third pass %+v", advanced, n, sr)
			}
			if clean {
				break // the pass needed fewer saves than n: every point was covered
			}
		}
	}
}

func TestPurchaseReceiptsWriteFailures(t *testing.T) {
	t.Run("500 not retried, posted next pass", func(t *testing.T) {
		h := newRcptHarness(t)
		pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFIFO: "2"})
		h.receive(t, oid)
		h.src.before = func() {
			h.cin7Srv.FailNext(1, http.StatusInternalServerError, `[{"ErrorCode":500,"Exception":"boom"}]`, nil)
		}
		posts := h.cin7Srv.CallsTo("advanced-purchase/stock")
		if _, err := h.run(cinsync.StreamPurchaseReceipts); err == nil {
			t.Fatal("a 5xx on the post must stop the stream")
		}
		if n := h.cin7Srv.CallsTo("advanced-purchase/stock") - posts; n != 1 {
			t.Fatalf("the post was sent %d times", n)
		}
		h.src.before = nil
		h.mustRun(t, cinsync.StreamPurchaseReceipts)
		got, tasks := h.received(t, pid)
		wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "2"})
		if tasks != 1 {
			t.Fatalf("%d tasks", tasks)
		}
	})
	t.Run("applied but the answer was lost", func(t *testing.T) {
		h := newRcptHarness(t)
		pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFIFO: "2"})
		h.receive(t, oid)
		h.src.after = func(err error) error {
			if err != nil {
				return err
			}
			return &cin7core.TransportError{Err: errors.New("connection reset"), MayHaveReached: true}
		}
		if _, err := h.run(cinsync.StreamPurchaseReceipts); err == nil {
			t.Fatal("a lost answer must stop the stream")
		}
		h.src.after = nil
		sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
		if sr.Created != 0 || h.src.postCount() != 1 {
			t.Fatalf("the lost post was sent again: %+v, %d posts", sr, h.src.postCount())
		}
		got, tasks := h.received(t, pid)
		wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "2"})
		if tasks != 1 {
			t.Fatalf("%d tasks", tasks)
		}
	})
	t.Run("refused by Cin7 Core: reported and retried", func(t *testing.T) {
		h := newRcptHarness(t)
		pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFEFO: "2"})
		h.receive(t, oid, ramp.OrderUnit{SkuExternalRef: rcptFEFO, Batch: "NOEXP", Count: rcptD("2")}) // FEFO without expiry
		sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
		if sr.Failed != 1 || sr.Failures[0].ID != cin7core.NormalizeID(pid) {
			t.Fatalf("refused post: %+v", sr)
		}
		// Not listed again (unchanged in Ramp), but retried.
		if sr := h.mustRun(t, cinsync.StreamPurchaseReceipts); sr.Failed != 1 || h.src.postCount() != 2 {
			t.Fatalf("retry: %+v, %d posts", sr, h.src.postCount())
		}
	})
}

func TestPurchaseReceiptsSimpleConflictIsReported(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, false, rcptSydney, map[string]string{rcptFIFO: "2"})
	// A Cin7 Core user received the goods by hand already.
	c := h.cin7Client(t)
	if _, err := c.Purchases.PostStock(context.Background(), &cin7core.PurchaseStock{TaskID: pid, Status: cin7core.PurchaseTaskAuthorised,
		Lines: []cin7core.PurchaseStockLine{{ProductID: rcptFIFO, LocationID: rcptSydney, Quantity: rcptD("1")}}}); err != nil {
		t.Fatal(err)
	}
	h.receive(t, oid)
	sr := h.mustRun(t, cinsync.StreamPurchaseReceipts)
	if sr.Failed != 1 || h.src.postCount() != 0 || !strings.Contains(sr.Failures[0].Reason, "did not post") {
		t.Fatalf("conflict: %+v", sr)
	}
	got, _ := h.received(t, pid)
	wantLines(t, got, map[string]string{rcptKey(rcptFIFO, rcptSydney, "", ""): "1"})
}

func (h *rcptHarness) cin7Client(t *testing.T) *cin7core.Client {
	t.Helper()
	c, err := cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey), cin7core.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReceiptsDryRunPostsNothing(t *testing.T) {
	h := newRcptHarness(t)
	pid, oid := h.purchase(t, true, rcptSydney, map[string]string{rcptFIFO: "2"})
	h.receive(t, oid)
	trID, troid := h.transfer(t, true)
	h.dispatchAndReceive(t, troid)
	saves := h.store.saves
	dry := h.newEngine(t, true)
	rep, err := dry.Sync(context.Background(), cinsync.StreamPurchaseReceipts, cinsync.StreamTransferReceipts)
	if err != nil {
		t.Fatal(err)
	}
	ps, ts := rep.Stream(cinsync.StreamPurchaseReceipts), rep.Stream(cinsync.StreamTransferReceipts)
	if len(ps.Plan) != 1 || ps.Plan[0].ExternalRef != cin7core.NormalizeID(pid) || len(ts.Plan) != 1 {
		t.Fatalf("plans: %+v / %+v", ps.Plan, ts.Plan)
	}
	if h.src.postCount() != 0 || h.store.saves != saves {
		t.Fatalf("dry run wrote: %d posts, %d saves", h.src.postCount(), h.store.saves-saves)
	}
	if _, tasks := h.received(t, pid); tasks != 0 {
		t.Fatal("dry run received stock")
	}
	if tr := h.transferDoc(t, trID); tr.Status != cin7core.TransferInTransit {
		t.Fatalf("dry run completed the transfer: %s", tr.Status)
	}
	// The real pass afterwards does it all.
	h.mustRun(t, cinsync.StreamPurchaseReceipts)
	h.mustRun(t, cinsync.StreamTransferReceipts)
	if h.src.postCount() != 2 {
		t.Fatalf("%d posts after the dry run", h.src.postCount())
	}
}

// transfer creates a Cin7 Core transfer of 2 units Sydney → Melbourne,
// dispatched (IN TRANSIT) unless draft, and its Ramp transfer order.
func (h *rcptHarness) transfer(t *testing.T, dispatch bool) (taskID, orderID string) {
	t.Helper()
	h.tenant.SetStock(cin7coretest.StockKey{ProductID: rcptFIFO, LocationID: rcptSydney}, rcptD("10"), rcptD("5"))
	tr, err := h.tenant.CreateTransfer(cin7core.StockTransfer{Status: cin7core.TransferDraft, From: rcptSydney, To: rcptMelbourne,
		Lines: []cin7core.StockTransferLine{{ProductID: rcptFIFO, TransferQuantity: rcptD("2")}}})
	if err != nil {
		t.Fatal(err)
	}
	if dispatch {
		if err := h.tenant.DispatchTransfer(tr.TaskID); err != nil {
			t.Fatal(err)
		}
	}
	o, err := h.rampSrv.AddOrder(ramp.Order{ExternalRef: cin7core.NormalizeID(tr.TaskID), OrderType: ramp.OrderTransfer, CustomerOrderNumber: tr.Number,
		FromPlaceExternalRef: rcptSydney, ToPlaceExternalRef: rcptMelbourne,
		Lines: []ramp.OrderLine{{SkuExternalRef: rcptFIFO, RequiredCount: rcptD("2")}}})
	if err != nil {
		t.Fatal(err)
	}
	return tr.TaskID, o.ID
}

func (h *rcptHarness) dispatchAndReceive(t *testing.T, orderID string) {
	t.Helper()
	if _, err := h.rampSrv.DispatchOrder(orderID); err != nil {
		t.Fatal(err)
	}
	if o := h.receive(t, orderID); o.State != ramp.OrderReceived {
		t.Fatalf("Ramp transfer %s", o.State)
	}
}

func (h *rcptHarness) transferDoc(t *testing.T, taskID string) cin7core.StockTransfer {
	t.Helper()
	for _, tr := range h.tenant.StockTransfers() {
		if cin7core.SameID(tr.TaskID, taskID) {
			return tr
		}
	}
	t.Fatalf("transfer %s gone", taskID)
	return cin7core.StockTransfer{}
}

func TestTransferReceiptsCompleteOnce(t *testing.T) {
	for _, dispatched := range []bool{true, false} {
		h := newRcptHarness(t)
		trID, oid := h.transfer(t, dispatched)
		dest := cin7coretest.StockKey{ProductID: rcptFIFO, LocationID: rcptMelbourne}
		before := h.onHand(dest)

		// Dispatched but not received in Ramp: nothing to do.
		if _, err := h.rampSrv.DispatchOrder(oid); err != nil {
			t.Fatal(err)
		}
		if sr := h.mustRun(t, cinsync.StreamTransferReceipts); sr.Read != 0 {
			t.Fatalf("dispatched only: %+v", sr)
		}
		h.receive(t, oid)
		sr := h.mustRun(t, cinsync.StreamTransferReceipts)
		if sr.Updated != 1 || h.src.postCount() != 1 {
			t.Fatalf("dispatched=%v: %+v", dispatched, sr)
		}
		tr := h.transferDoc(t, trID)
		if tr.Status != cin7core.TransferCompleted || tr.CompletionDate.IsZero() {
			t.Fatalf("transfer %s completed %v", tr.Status, tr.CompletionDate)
		}
		if d := h.onHand(dest).Sub(before); !d.Equal(rcptD("2")) {
			t.Fatalf("destination grew by %s", d)
		}
		if lv := h.tenant.StockOf(dest); !lv.InTransit.IsZero() {
			t.Fatalf("still in transit: %s", lv.InTransit)
		}
		calls := h.cin7Srv.Calls()
		if _, err := h.rampSrv.CompleteOrder(oid); err != nil {
			t.Fatal(err)
		}
		if sr := h.mustRun(t, cinsync.StreamTransferReceipts); sr.Unchanged != 1 || h.src.postCount() != 1 || h.cin7Srv.Calls() != calls {
			t.Fatalf("rerun: %+v", sr)
		}
	}
}

func TestTransferReceiptsCrashAndLostAnswer(t *testing.T) {
	for n := 0; n < 3; n++ {
		h := newRcptHarness(t)
		trID, oid := h.transfer(t, true)
		h.dispatchAndReceive(t, oid)
		h.store.arm(n)
		_, _ = h.run(cinsync.StreamTransferReceipts)
		h.store.arm(-1)
		h.mustRun(t, cinsync.StreamTransferReceipts)
		if h.src.postCount() != 1 || h.transferDoc(t, trID).Status != cin7core.TransferCompleted {
			t.Fatalf("crash at save %d: %d posts", n, h.src.postCount())
		}
	}
	h := newRcptHarness(t)
	trID, oid := h.transfer(t, true)
	h.dispatchAndReceive(t, oid)
	h.src.after = func(err error) error {
		return errors.Join(err, &cin7core.TransportError{Err: errors.New("timeout"), MayHaveReached: true})
	}
	if _, err := h.run(cinsync.StreamTransferReceipts); err == nil {
		t.Fatal("a lost answer must stop the stream")
	}
	h.src.after = nil
	if sr := h.mustRun(t, cinsync.StreamTransferReceipts); sr.Unchanged != 1 || h.src.postCount() != 1 {
		t.Fatalf("rerun after a lost answer: %+v", sr)
	}
	if h.transferDoc(t, trID).Status != cin7core.TransferCompleted {
		t.Fatal("not completed")
	}
}
