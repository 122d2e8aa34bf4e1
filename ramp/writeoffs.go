package ramp

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"
)

// WriteOffReason says why stock was written off. It is an open enum:
// tenants define their own reasons, and unknown ones decode as is.
type WriteOffReason string

// Write-off reasons every tenant has.
const (
	ReasonStolen  WriteOffReason = "Stolen"
	ReasonDamaged WriteOffReason = "Damaged"
	ReasonMissing WriteOffReason = "Missing"
)

// WriteOff is stock a Ramp user wrote off. Write-offs stay in Ramp (they
// never flow to Cin7 Core); they can be listed and exported.
type WriteOff struct {
	ID               string          `json:"Id"`
	SkuID            string          `json:"SkuId"`
	SkuExternalRef   string          `json:"SkuExternalRef,omitempty"`
	SkuNumber        string          `json:"SkuNumber,omitempty"`
	SkuName          string          `json:"SkuName,omitempty"`
	PlaceID          string          `json:"PlaceId"`
	PlaceExternalRef string          `json:"PlaceExternalRef,omitempty"`
	PlaceName        string          `json:"PlaceName,omitempty"`
	Batch            string          `json:"Batch,omitempty"`
	Serial           string          `json:"Serial,omitempty"`
	Quantity         decimal.Decimal `json:"Quantity"`
	Reason           WriteOffReason  `json:"Reason"`
	Note             string          `json:"Note,omitempty"`
	WrittenOffAt     time.Time       `json:"WrittenOffAt"`
}

// WriteOffQuery builds the usual write-off filters; zero fields select
// all.
type WriteOffQuery struct {
	// Since and Until bound WrittenOffAt: Since inclusive, Until
	// exclusive.
	Since, Until     time.Time
	PlaceID          string
	PlaceExternalRef string
	Reason           WriteOffReason
}

// Filter renders the query as an OData filter.
func (q WriteOffQuery) Filter() Filter {
	var fs []Filter
	if !q.Since.IsZero() {
		fs = append(fs, Ge("WrittenOffAt", q.Since))
	}
	if !q.Until.IsZero() {
		fs = append(fs, Lt("WrittenOffAt", q.Until))
	}
	if q.PlaceID != "" {
		fs = append(fs, Eq("PlaceId", q.PlaceID))
	}
	if q.PlaceExternalRef != "" {
		fs = append(fs, Eq("PlaceExternalRef", q.PlaceExternalRef))
	}
	if q.Reason != "" {
		fs = append(fs, Eq("Reason", q.Reason))
	}
	return And(fs...)
}

// WriteOffsService reads write-offs (WriteOffs/*).
type WriteOffsService service

// List returns a pager over write-offs matching opts (nil for all),
// ordered by WrittenOffAt, then Id. WriteOffQuery builds the usual
// filters.
func (s *WriteOffsService) List(opts *ListOptions) *Pager[WriteOff] {
	return newPager[WriteOff](s.client, PathListWriteOffs, opts)
}

// WriteOffCSVHeader is the header row ExportCSV writes, in column order.
var WriteOffCSVHeader = []string{
	"Id", "WrittenOffAt", "Reason", "Quantity",
	"SkuId", "SkuExternalRef", "SkuNumber", "SkuName",
	"PlaceId", "PlaceExternalRef", "PlaceName",
	"Batch", "Serial", "Note",
}

// ExportCSV streams the write-offs matching opts to w as CSV: a header row
// (WriteOffCSVHeader), then one row per write-off, page by page, so memory
// stays flat however many there are. Fields are quoted per RFC 4180
// (encoding/csv); quantities are plain decimals ("2.5"), times RFC 3339 in
// UTC. It returns the number of rows written, header excluded; on error
// the rows already written stay in w.
func (s *WriteOffsService) ExportCSV(ctx context.Context, w io.Writer, opts *ListOptions) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(WriteOffCSVHeader); err != nil {
		return 0, fmt.Errorf("ramp: writing CSV: %w", err)
	}
	n := 0
	for pg, err := range s.List(opts).Pages(ctx) {
		if err != nil {
			cw.Flush()
			return n, err
		}
		for _, wo := range pg.Items {
			if err := cw.Write(writeOffRow(wo)); err != nil {
				return n, fmt.Errorf("ramp: writing CSV: %w", err)
			}
			n++
		}
		// One flush per page keeps the output moving without a syscall per
		// row.
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, fmt.Errorf("ramp: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("ramp: writing CSV: %w", err)
	}
	return n, nil
}

func writeOffRow(w WriteOff) []string {
	at := ""
	if !w.WrittenOffAt.IsZero() {
		at = w.WrittenOffAt.UTC().Format(time.RFC3339Nano)
	}
	return []string{
		w.ID, at, string(w.Reason), w.Quantity.String(),
		w.SkuID, w.SkuExternalRef, w.SkuNumber, w.SkuName,
		w.PlaceID, w.PlaceExternalRef, w.PlaceName,
		w.Batch, w.Serial, w.Note,
	}
}
