package ramp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
	"github.com/shopspring/decimal"
)

// PlaceStockChunkSize is the most lines one SetPlaceStock request carries;
// a larger Put is sent in parts that the server applies together.
const PlaceStockChunkSize = 1000

// PlaceStockLine is the expected count of one SKU (and batch) at one
// place: what Cin7 Core says is on hand, against which Ramp's stocktakes
// are checked.
type PlaceStockLine struct {
	// PlaceExternalRef is the place's ExternalRef; on Put it may be left
	// empty (the place is Put's argument).
	PlaceExternalRef string `json:"PlaceExternalRef,omitempty"`
	// PlaceID is read-only.
	PlaceID        string `json:"PlaceId,omitempty"`
	SkuExternalRef string `json:"SkuExternalRef"`
	// SkuID is read-only.
	SkuID string `json:"SkuId,omitempty"`
	// Batch is empty for SKUs not tracked by batch.
	Batch    string          `json:"Batch,omitempty"`
	Quantity decimal.Decimal `json:"Quantity"`
	// DateLastModified is read-only: when the line's set was applied.
	DateLastModified time.Time `json:"DateLastModified"`
}

// MarshalJSON leaves an unset DateLastModified out.
func (l PlaceStockLine) MarshalJSON() ([]byte, error) {
	type plain PlaceStockLine
	return json.Marshal(struct {
		plain
		DateLastModified *time.Time `json:"DateLastModified,omitempty"`
	}{plain(l), nonZero(l.DateLastModified)})
}

// PlaceStockResult says what a Put did.
type PlaceStockResult struct {
	// SetID identifies the set of parts sent.
	SetID string
	// Parts is the number of requests (at least 1).
	Parts int
	// Lines is the number of lines the place now has.
	Lines int
}

// placeStockPart is the SetPlaceStock body.
type placeStockPart struct {
	PlaceExternalRef string           `json:"PlaceExternalRef"`
	SetID            string           `json:"SetId"`
	Part             int              `json:"Part"`
	Parts            int              `json:"Parts"`
	Lines            []PlaceStockLine `json:"Lines"`
}

// placeStockAnswer is the SetPlaceStock answer.
type placeStockAnswer struct {
	PlaceExternalRef string `json:"PlaceExternalRef"`
	SetID            string `json:"SetId"`
	Part             int    `json:"Part"`
	Parts            int    `json:"Parts"`
	Applied          bool   `json:"Applied"`
	LineCount        int    `json:"LineCount"`
}

// PlaceStockService writes and reads expected counts (PlaceStock/*).
type PlaceStockService service

// Put replaces every expected count of the place whose ExternalRef is
// placeExternalRef with lines (none clears the place). More than
// PlaceStockChunkSize lines go in several parts sharing one SetId; the
// server applies the set only when every part has arrived, so readers
// never see half a set. Each part is idempotent (sending it again
// replaces it, and a part of an applied set answers as before), so parts
// are retried after a 5xx or a transport error like reads.
//
// Checked before sending: a place, a SkuExternalRef per line, no negative
// Quantity, no SKU and batch twice, and no line naming another place.
func (s *PlaceStockService) Put(ctx context.Context, placeExternalRef string, lines []PlaceStockLine) (*PlaceStockResult, error) {
	if strings.TrimSpace(placeExternalRef) == "" {
		return nil, &ValidationError{Field: "PlaceExternalRef", Reason: "must not be empty"}
	}
	seen := make(map[[2]string]int, len(lines))
	for i, l := range lines {
		field := fmt.Sprintf("Lines[%d]", i)
		switch {
		case strings.TrimSpace(l.SkuExternalRef) == "":
			return nil, &ValidationError{Field: field + ".SkuExternalRef", Reason: "must not be empty"}
		case l.Quantity.IsNegative():
			return nil, &ValidationError{Field: field + ".Quantity", Reason: fmt.Sprintf("must not be negative, not %s", l.Quantity)}
		case l.PlaceExternalRef != "" && l.PlaceExternalRef != placeExternalRef:
			return nil, &ValidationError{Field: field + ".PlaceExternalRef", Reason: fmt.Sprintf("%q is not the place being written", l.PlaceExternalRef)}
		}
		key := [2]string{l.SkuExternalRef, l.Batch}
		if j, ok := seen[key]; ok {
			return nil, &ValidationError{Field: field, Reason: fmt.Sprintf("SKU %q batch %q repeats Lines[%d]", l.SkuExternalRef, l.Batch, j)}
		}
		seen[key] = i
	}
	parts := max(1, (len(lines)+PlaceStockChunkSize-1)/PlaceStockChunkSize)
	res := &PlaceStockResult{SetID: newSetID(), Parts: parts}
	for p := range parts {
		chunk := lines[min(p*PlaceStockChunkSize, len(lines)):min((p+1)*PlaceStockChunkSize, len(lines))]
		body := placeStockPart{PlaceExternalRef: placeExternalRef, SetID: res.SetID, Part: p + 1, Parts: parts, Lines: make([]PlaceStockLine, len(chunk))}
		for i, l := range chunk {
			body.Lines[i] = PlaceStockLine{SkuExternalRef: l.SkuExternalRef, Batch: l.Batch, Quantity: l.Quantity}
		}
		var ans placeStockAnswer
		resp, err := s.client.do(ctx, httpx.Request{Method: http.MethodPost, Path: PathSetPlaceStock, Idempotent: true}, body, &ans)
		if err != nil {
			return nil, err
		}
		if ans.SetID != res.SetID || ans.Part != p+1 {
			return nil, badResponse(s.client.pipe.Redactor(), resp, fmt.Sprintf("answer is for set %q part %d, not part %d", ans.SetID, ans.Part, p+1))
		}
		if p+1 == parts {
			if !ans.Applied {
				return nil, badResponse(s.client.pipe.Redactor(), resp, "the last part was accepted but the set was not applied")
			}
			res.Lines = ans.LineCount
		}
	}
	return res, nil
}

// List returns a pager over expected counts, of one place when
// placeExternalRef is not empty (and'ed with opts.Filter), ordered by
// place, SKU and batch.
func (s *PlaceStockService) List(placeExternalRef string, opts *ListOptions) *Pager[PlaceStockLine] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	if placeExternalRef != "" {
		o.Filter = And(Eq("PlaceExternalRef", placeExternalRef), o.Filter)
	}
	return newPager[PlaceStockLine](s.client, PathListPlaceStock, &o)
}

// newSetID returns a random lower-case GUID.
func newSetID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
