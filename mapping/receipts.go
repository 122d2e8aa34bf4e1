package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// Receipts: what a Ramp user received on an inbound or transfer order,
// turned into what Cin7 Core is told. Ramp keeps received units per order
// line as batch / serial / expiry entries; Cin7 Core wants stock lines of
// product + location + BatchSN + expiry date. The outbound flows post only
// the difference between what Ramp has received and what was posted
// before, so the functions here sum, subtract and convert receipts.

// Skip reasons of the receipt flows (Ramp → Cin7 Core).
const (
	// SkipReceiptNoDocument: the Ramp order has no ExternalRef, so it was
	// made in Ramp by hand and has no Cin7 Core document to report to.
	SkipReceiptNoDocument SkipReason = "order not linked to a Cin7 Core document"
	// SkipReceiptNoPlace: the receiving place has no ExternalRef, so there
	// is no Cin7 Core location to receive into.
	SkipReceiptNoPlace SkipReason = "receiving place not linked to a Cin7 Core location"
	// SkipReceiptNothing: the order has no received units.
	SkipReceiptNothing SkipReason = "nothing received"
	// SkipReceiptDocumentGone: the Cin7 Core document no longer exists.
	SkipReceiptDocumentGone SkipReason = "Cin7 Core document not found"
	// SkipReceiptNotAuthorised: the purchase order is not authorised in
	// Cin7 Core, which refuses stock received until it is.
	SkipReceiptNotAuthorised SkipReason = "purchase order not authorised in Cin7 Core"
	// SkipReceiptInvoiceFirst: an invoice-first purchase whose invoice is
	// not authorised yet; Cin7 Core refuses stock received until it is.
	SkipReceiptInvoiceFirst SkipReason = "invoice-first purchase: invoice not authorised yet"
	// SkipReceiptSimpleWaits: a simple purchase has one receipt in which
	// Cin7 Core refuses a second line for the same product, location,
	// batch and expiry, so it is posted once the Ramp order is fully
	// received or completed, not part by part.
	SkipReceiptSimpleWaits SkipReason = "simple purchase: posted once the order is fully received"
	// SkipReceiptVoided: the Cin7 Core document is voided.
	SkipReceiptVoided SkipReason = "voided in Cin7 Core"
)

// ReceiptKey names one kind of received unit: a Cin7 Core product (the
// Ramp SKU's ExternalRef, normalised), a batch, a serial and an expiry
// date (yyyy-mm-dd, UTC; empty when not tracked).
type ReceiptKey struct {
	ProductID string `json:"p"`
	Batch     string `json:"b,omitempty"`
	Serial    string `json:"s,omitempty"`
	Expiry    string `json:"e,omitempty"`
}

// ReceiptQty is a quantity of one kind of unit.
type ReceiptQty struct {
	ReceiptKey
	Quantity decimal.Decimal `json:"q"`
}

// Receipt is a set of received quantities: one entry per key, positive
// quantities, sorted by key. The zero value is an empty receipt.
type Receipt []ReceiptQty

func receiptKeyLess(a, b ReceiptKey) int {
	return strings.Compare(a.ProductID+"\x00"+a.Batch+"\x00"+a.Serial+"\x00"+a.Expiry,
		b.ProductID+"\x00"+b.Batch+"\x00"+b.Serial+"\x00"+b.Expiry)
}

// receiptOf builds a canonical receipt from totals, dropping zero and
// negative quantities.
func receiptOf(m map[ReceiptKey]decimal.Decimal) Receipt {
	out := Receipt{}
	for k, q := range m {
		if q.IsPositive() {
			out = append(out, ReceiptQty{ReceiptKey: k, Quantity: q})
		}
	}
	slices.SortFunc(out, func(a, b ReceiptQty) int { return receiptKeyLess(a.ReceiptKey, b.ReceiptKey) })
	return out
}

func (rc Receipt) totals() map[ReceiptKey]decimal.Decimal {
	m := map[ReceiptKey]decimal.Decimal{}
	for _, q := range rc {
		m[q.ReceiptKey] = m[q.ReceiptKey].Add(q.Quantity)
	}
	return m
}

// Empty reports whether nothing is in the receipt.
func (rc Receipt) Empty() bool { return len(rc) == 0 }

// Total is the sum of the receipt's quantities.
func (rc Receipt) Total() decimal.Decimal {
	t := decimal.Zero
	for _, q := range rc {
		t = t.Add(q.Quantity)
	}
	return t
}

// Version is a short hash of the receipt's content: it changes exactly
// when what was received changes, so the ledger can tell a new receipt
// from one already handled.
func (rc Receipt) Version() string {
	var b strings.Builder
	for _, q := range receiptOf(rc.totals()) {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s\n", q.ProductID, q.Batch, q.Serial, q.Expiry, q.Quantity.String())
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

// Add returns rc plus other.
func (rc Receipt) Add(other Receipt) Receipt {
	m := rc.totals()
	for _, q := range other {
		m[q.ReceiptKey] = m[q.ReceiptKey].Add(q.Quantity)
	}
	return receiptOf(m)
}

// ReceiptDelta returns what received holds beyond posted (to post now)
// and, separately, what posted holds beyond received (units Ramp no
// longer shows as received: never taken back, only reported).
func ReceiptDelta(received, posted Receipt) (delta, excess Receipt) {
	r, p := received.totals(), posted.totals()
	d, x := map[ReceiptKey]decimal.Decimal{}, map[ReceiptKey]decimal.Decimal{}
	for k, q := range r {
		d[k] = q.Sub(p[k])
	}
	for k, q := range p {
		if _, ok := r[k]; !ok {
			d[k] = q.Neg()
		}
	}
	for k, q := range d {
		if q.IsNegative() {
			x[k] = q.Neg()
		}
	}
	return receiptOf(d), receiptOf(x)
}

// ExpiryKey renders an expiry time as a receipt's expiry date.
func ExpiryKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// ReceivedUnits sums the units Ramp received on an order's lines, per
// product, batch, serial and expiry. A line with received units but no
// SKU ExternalRef (a SKU made in Ramp by hand) cannot be told to Cin7
// Core: that is a *Error, since posting the rest would report a receipt
// Ramp does not show.
func (r Rules) ReceivedUnits(o ramp.Order) (Receipt, error) {
	m := map[ReceiptKey]decimal.Decimal{}
	for i, l := range o.Lines {
		if len(l.Received) == 0 {
			continue
		}
		pid := cin7core.NormalizeID(l.SkuExternalRef)
		if pid == "" {
			return nil, &Error{Kind: "order", ID: o.ID, Field: fmt.Sprintf("OrderSkuList[%d].SkuExternalRef", i), Err: ErrMissingField,
				Detail: "SKU " + or(l.SkuNumber, l.SkuID) + " is not linked to a Cin7 Core product"}
		}
		for _, u := range l.Received {
			k := ReceiptKey{ProductID: pid, Batch: strings.TrimSpace(u.Batch), Serial: strings.TrimSpace(u.Serial), Expiry: ExpiryKey(u.Expiry)}
			m[k] = m[k].Add(u.Count)
		}
	}
	return receiptOf(m), nil
}

// BatchSN is the Cin7 Core batch or serial number of a key: the serial
// when there is one (serial costing), else the batch.
func (k ReceiptKey) BatchSN() string {
	if k.Serial != "" {
		return k.Serial
	}
	return k.Batch
}

func (k ReceiptKey) expiryTime() cin7core.Time {
	if k.Expiry == "" {
		return cin7core.Time{}
	}
	t, err := time.Parse(time.DateOnly, k.Expiry)
	if err != nil {
		return cin7core.Time{}
	}
	return cin7core.Time{Time: t}
}

// PurchaseStockLines turns a receipt into the stock received lines of a
// purchase, received at locationID (a Cin7 Core location's or bin's ID: a
// bin's ID receives into the bin) on date. Units that Cin7 Core would see
// as one line (same product, location, BatchSN and expiry) are summed into
// one, since Cin7 Core refuses a second line for them. Lines are sorted.
func (r Rules) PurchaseStockLines(rc Receipt, locationID string, date time.Time) []cin7core.PurchaseStockLine {
	loc := cin7core.NormalizeID(locationID)
	d := cin7core.Time{}
	if !date.IsZero() {
		d = cin7core.Time{Time: date.UTC().Truncate(24 * time.Hour)}
	}
	var out []cin7core.PurchaseStockLine
	at := map[string]int{}
	for _, q := range receiptOf(rc.totals()) {
		l := cin7core.PurchaseStockLine{Date: d, Quantity: q.Quantity, ProductID: q.ProductID, LocationID: loc,
			BatchSN: q.BatchSN(), ExpiryDate: q.expiryTime()}
		k := PurchaseStockKey(l)
		if i, ok := at[k]; ok {
			out[i].Quantity = out[i].Quantity.Add(l.Quantity)
			continue
		}
		at[k] = len(out)
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b cin7core.PurchaseStockLine) int {
		return strings.Compare(PurchaseStockKey(a), PurchaseStockKey(b))
	})
	return out
}

// PurchaseStockKey is what makes two stock received lines the same line
// for Cin7 Core: product, location (or bin), BatchSN and expiry date,
// compared ignoring ID case.
func PurchaseStockKey(l cin7core.PurchaseStockLine) string {
	exp := ""
	if !l.ExpiryDate.IsZero() {
		exp = l.ExpiryDate.UTC().Format(time.DateOnly)
	}
	return strings.Join([]string{cin7core.NormalizeID(l.ProductID), cin7core.NormalizeID(l.LocationID), strings.TrimSpace(l.BatchSN), exp}, "|")
}

// StockLineTotals sums stock received lines per PurchaseStockKey.
func StockLineTotals(lines []cin7core.PurchaseStockLine) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, l := range lines {
		k := PurchaseStockKey(l)
		m[k] = m[k].Add(l.Quantity)
	}
	return m
}

// SameStockLines reports whether two sets of stock lines hold the same
// quantity per product, location, batch and expiry.
func SameStockLines(a, b []cin7core.PurchaseStockLine) bool {
	ta, tb := StockLineTotals(a), StockLineTotals(b)
	if len(ta) != len(tb) {
		return false
	}
	for k, q := range ta {
		if !q.Equal(tb[k]) {
			return false
		}
	}
	return true
}

// TransferLines turns a receipt into stock transfer lines: what a
// transfer still in DRAFT is completed with, so Cin7 Core moves what Ramp
// saw arrive. Sorted by product, then BatchSN and expiry.
func (r Rules) TransferLines(rc Receipt) []cin7core.StockTransferLine {
	type key struct{ p, b, e string }
	m := map[key]decimal.Decimal{}
	var keys []key
	for _, q := range rc {
		k := key{q.ProductID, q.BatchSN(), q.Expiry}
		if _, ok := m[k]; !ok {
			keys = append(keys, k)
		}
		m[k] = m[k].Add(q.Quantity)
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.p+"\x00"+a.b+"\x00"+a.e, b.p+"\x00"+b.b+"\x00"+b.e) })
	out := make([]cin7core.StockTransferLine, 0, len(keys))
	for _, k := range keys {
		out = append(out, cin7core.StockTransferLine{ProductID: k.p, TransferQuantity: m[k], BatchSN: k.b,
			ExpiryDate: ReceiptKey{Expiry: k.e}.expiryTime()})
	}
	return out
}

// TransferDifference is a product whose quantity Ramp received differs
// from what the Cin7 Core transfer moves.
type TransferDifference struct {
	ProductID string
	Received  decimal.Decimal
	InCin7    decimal.Decimal
}

// TransferDifferences compares, per product, what Ramp received with the
// lines of a Cin7 Core transfer (which cannot change once IN TRANSIT),
// so a short or over receipt can be reported. Sorted by product.
func TransferDifferences(rc Receipt, lines []cin7core.StockTransferLine) []TransferDifference {
	got, want := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, q := range rc {
		got[q.ProductID] = got[q.ProductID].Add(q.Quantity)
	}
	for _, l := range lines {
		id := cin7core.NormalizeID(l.ProductID)
		want[id] = want[id].Add(l.TransferQuantity)
	}
	var out []TransferDifference
	for id, q := range want {
		if !q.Equal(got[id]) {
			out = append(out, TransferDifference{ProductID: id, Received: got[id], InCin7: q})
		}
	}
	for id, q := range got {
		if _, ok := want[id]; !ok {
			out = append(out, TransferDifference{ProductID: id, Received: q, InCin7: decimal.Zero})
		}
	}
	slices.SortFunc(out, func(a, b TransferDifference) int { return strings.Compare(a.ProductID, b.ProductID) })
	return out
}

// ReceiptHeld returns how much of rc the stock received lines already
// hold at locationID: for each key of rc, the quantity of the lines with
// the same product, location, BatchSN and expiry (PurchaseStockKey),
// whatever their task or status. It is how a flow that lost its record
// of what it posted tells what Cin7 Core already has. Keys of rc that
// Cin7 Core sees as one line (a batch and a serial with the same name)
// share that line's quantity in key order, each up to its received
// quantity, the last taking any rest; so the result may exceed rc for a
// key (Cin7 Core holds more than was received), never elsewhere.
func (r Rules) ReceiptHeld(rc Receipt, locationID string, lines []cin7core.PurchaseStockLine) Receipt {
	have := StockLineTotals(lines)
	loc := cin7core.NormalizeID(locationID)
	canon := receiptOf(rc.totals())
	groups := map[string][]int{}
	var order []string
	for i, q := range canon {
		k := PurchaseStockKey(cin7core.PurchaseStockLine{ProductID: q.ProductID, LocationID: loc, BatchSN: q.BatchSN(), ExpiryDate: q.expiryTime()})
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	held := map[ReceiptKey]decimal.Decimal{}
	for _, k := range order {
		left := have[k]
		idx := groups[k]
		for j, i := range idx {
			if !left.IsPositive() {
				break
			}
			give := decimal.Min(left, canon[i].Quantity)
			if j == len(idx)-1 {
				give = left
			}
			held[canon[i].ReceiptKey] = give
			left = left.Sub(give)
		}
	}
	return receiptOf(held)
}
