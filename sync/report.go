package sync

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Stream names a flow of records the engine syncs.
type Stream string

// Streams, inbound (Cin7 Core → Ramp) and outbound flows (Ramp → Cin7
// Core), in the order a full pass runs them: places and SKUs before the
// orders that refer to them, orders before the flows that report on them,
// and stock on hand last, so the expected counts it writes already include
// what the flows just posted.
const (
	// StreamLocations: Cin7 Core locations and bins → Ramp places.
	StreamLocations Stream = "locations"
	// StreamFamilies: Cin7 Core product families, kept so the products
	// stream can name variants; writes nothing to Ramp itself.
	StreamFamilies Stream = "families"
	// StreamProducts: Cin7 Core products → Ramp SKUs, family variants
	// flattened to one SKU each.
	StreamProducts Stream = "products"
	// StreamPurchases: authorised purchase orders → Ramp inbound orders.
	StreamPurchases Stream = "purchases"
	// StreamTransfers: authorised stock transfers → Ramp transfer orders.
	StreamTransfers Stream = "transfers"
	// StreamSales: authorised sale orders → Ramp outbound orders.
	StreamSales Stream = "sales"
	// StreamStock: Cin7 Core stock on hand → Ramp expected counts, and the
	// validation report against Ramp's latest stocktakes.
	StreamStock Stream = "stock"
	// StreamPurchaseReceipts: inbound orders received in Ramp → stock
	// received on the Cin7 Core purchase.
	StreamPurchaseReceipts Stream = "purchase-receipts"
	// StreamTransferReceipts: transfer orders received in Ramp → the Cin7
	// Core stock transfer completed.
	StreamTransferReceipts Stream = "transfer-receipts"
	// StreamFulfilments: outbound orders picked or dispatched in Ramp →
	// sale fulfilment pick (and pack and ship where the rules say so).
	StreamFulfilments Stream = "fulfilments"
	// StreamStocktakes: stocktakes validated in Ramp → Cin7 Core stock
	// adjustments.
	StreamStocktakes Stream = "stocktakes"
)

// streamOrder is the canonical order of every stream the engine knows.
var streamOrder = []Stream{
	StreamLocations, StreamFamilies, StreamProducts, StreamPurchases, StreamTransfers, StreamSales,
	StreamPurchaseReceipts, StreamTransferReceipts, StreamFulfilments, StreamStocktakes, StreamStock,
}

// Failure is one record that could not be synced. It is quarantined: the
// stream goes on without it. A record Ramp or Cin7 Core refused, or whose
// answer was garbled, is tried again on the next pass; one that cannot be
// read or mapped as it is comes back when it changes at the source.
type Failure struct {
	// ID is the Cin7 Core record's ID (the Ramp ExternalRef).
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Stage is "read", "mapping" or "ramp".
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

// StreamReport counts what one stream did in one pass.
type StreamReport struct {
	Stream Stream `json:"stream"`
	// Read counts source records processed.
	Read int `json:"read"`
	// Created, Updated and Unchanged count writes by outcome. Outbound
	// flows count a new Cin7 Core document as created and a status change
	// of an existing one (a transfer completed) as updated.
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Skipped counts records, and document lines, deliberately left out
	// (see SkippedByReason), so it can exceed Read.
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// SkippedByReason breaks Skipped down by mapping.SkipReason.
	SkippedByReason map[string]int `json:"skipped_by_reason,omitempty"`
	// SkippedLines details the document lines behind SkippedByReason
	// where a stream leaves lines out of a write (stocktake lines not put
	// in the stock adjustment).
	SkippedLines []SkippedLine `json:"skipped_lines,omitempty"`
	Failures     []Failure     `json:"failures,omitempty"`
	// Quarantined counts records held back after this pass (this pass's
	// failures and older ones not yet fixed at the source).
	Quarantined int `json:"quarantined"`
	// Warnings are conditions that did not fail a record but kept the
	// stream's cursor where it was (a list that changed while being read).
	Warnings []string `json:"warnings,omitempty"`
	// Notices report source changes the engine deliberately did not apply
	// (a change to an order Ramp has completed; a voided document whose
	// Ramp order is already in progress), for a human to look at.
	Notices []Notice `json:"notices,omitempty"`
	// Cin7Calls and RampCalls are the API calls made by this stream
	// (retries included), when the source and sink can count them.
	Cin7Calls int64         `json:"cin7_calls"`
	RampCalls int64         `json:"ramp_calls"`
	Duration  time.Duration `json:"duration_ns"`
	// Error is set when the stream stopped early (the source or sink
	// failed as a whole); its cursor did not advance.
	Error string `json:"error,omitempty"`
	// Plan lists the writes a dry run would have made (Config.DryRun).
	Plan []PlannedWrite `json:"plan,omitempty"`
	// StockValidation is the stock stream's comparison of Ramp's latest
	// validated stocktakes with Cin7 Core's on-hand units (nil for other
	// streams).
	StockValidation *StockValidation `json:"stock_validation,omitempty"`

	err                  error
	obs                  Observer
	tenant               string
	cin7Start, rampStart int64
}

// Notice is a source change the engine deliberately did not apply.
type Notice struct {
	// ID is the source document's ID; RampID the Ramp document's.
	ID     string `json:"id"`
	RampID string `json:"ramp_id,omitempty"`
	// Kind is a short stable code ("frozen", "void-in-progress", …).
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (s *StreamReport) notice(n Notice) { s.Notices = append(s.Notices, n) }

// PlannedWrite is one write a dry run would have made.
type PlannedWrite struct {
	// Action is what would be done: "create", "update" (archiving is an
	// update) or "cancel" for Ramp entities and orders, "replace" or
	// "clear" for a place's expected counts, "post" or "update" for Cin7
	// Core documents.
	Action string `json:"action"`
	// Kind says what is written, e.g. "place", "sku", "purchase order",
	// "sale order", "transfer order", "place-stock", "purchase-receipt",
	// "transfer-completion", "sale pick" / "sale pick and pack" / "sale
	// pick, pack and ship", "stock adjustment".
	Kind        string `json:"kind"`
	ExternalRef string `json:"external_ref"`
	Name        string `json:"name"`
	// Archived is set when the write archives the entity.
	Archived bool `json:"archived,omitempty"`
	// Lines are the lines a planned stock adjustment would post.
	Lines []PlannedLine `json:"lines,omitempty"`
}

// Err returns the error that stopped the stream, if any.
func (s *StreamReport) Err() error { return s.err }

func (s *StreamReport) skip(id, reason string) {
	if s.obs != nil {
		s.obs.RecordSkipped(s.tenant, s.Stream, id, reason)
	}
	s.Skipped++
	if s.SkippedByReason == nil {
		s.SkippedByReason = map[string]int{}
	}
	s.SkippedByReason[reason]++
}

func (s *StreamReport) warn(msg string) { s.Warnings = append(s.Warnings, msg) }

func (s *StreamReport) fail(f Failure) {
	if s.obs != nil {
		s.obs.RecordFailed(s.tenant, s.Stream, f)
	}
	s.Failed++
	s.Failures = append(s.Failures, f)
}

// Report is the outcome of one pass.
type Report struct {
	Tenant   string         `json:"tenant,omitempty"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Streams  []StreamReport `json:"streams"`
}

// Stream returns the report of one stream, or nil if it did not run.
func (r *Report) Stream(s Stream) *StreamReport {
	if r == nil {
		return nil
	}
	for i := range r.Streams {
		if r.Streams[i].Stream == s {
			return &r.Streams[i]
		}
	}
	return nil
}

// Err joins the errors of streams that stopped early; nil if every stream
// ran to the end (record-level failures are not errors: they are in
// Failures and retried next pass).
func (r *Report) Err() error {
	if r == nil {
		return nil
	}
	var errs []error
	for i := range r.Streams {
		if r.Streams[i].err != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", r.Streams[i].Stream, r.Streams[i].err))
		}
	}
	return errors.Join(errs...)
}

// Summary is a short human-readable account of the pass.
func (r *Report) Summary() string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range r.Streams {
		fmt.Fprintf(&b, "%-17s read %d, created %d, updated %d, unchanged %d, skipped %d, failed %d (Cin7 Core calls %d, Ramp calls %d, %s)\n",
			s.Stream, s.Read, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed, s.Cin7Calls, s.RampCalls, s.Duration.Round(time.Millisecond))
		reasons := make([]string, 0, len(s.SkippedByReason))
		for k := range s.SkippedByReason {
			reasons = append(reasons, k)
		}
		sort.Strings(reasons)
		for _, k := range reasons {
			fmt.Fprintf(&b, "%18sskipped %d: %s\n", "", s.SkippedByReason[k], k)
		}
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "%18sfailed %s %q at %s: %s\n", "", f.ID, f.Name, f.Stage, f.Reason)
		}
		if s.Quarantined > s.Failed {
			fmt.Fprintf(&b, "%18s%d records still quarantined from earlier passes\n", "", s.Quarantined-s.Failed)
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "%18swarning: %s\n", "", w)
		}
		for _, n := range s.Notices {
			fmt.Fprintf(&b, "%18snotice %s %s: %s\n", "", n.Kind, n.ID, n.Message)
		}
		if len(s.Plan) > 0 {
			fmt.Fprintf(&b, "%18sdry run: %d writes planned, none made\n", "", len(s.Plan))
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "%18sstopped: %s\n", "", s.Error)
		}
	}
	return b.String()
}
