package ramptest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// GenerateStocktake records a finished (Complete) stocktake of place (its
// Ramp ID or ExternalRef) with n counted lines, as [Server.RunStocktake]
// does for lines users scanned, for benchmarks and load tests. The lines
// are drawn from seed over the server's SKUs (in ExternalRef order) and
// over the place and its child places, so the same server contents and
// seed give the same lines: a batch for batch-tracked SKUs, a serial
// number counted once for serial-tracked ones, an expiry date for SKUs
// that track expiry, and a unit cost. Expected counts of the place that
// nobody counted are added as RunStocktake adds them, so the stocktake may
// hold more than n lines. It fails if the server has no SKU or no such
// place.
func (s *Server) GenerateStocktake(place string, n int, seed int64) (ramp.Stocktake, error) {
	skus := s.Skus()
	live := skus[:0]
	for _, k := range skus {
		if !k.Archived {
			live = append(live, k)
		}
	}
	if len(live) == 0 {
		return ramp.Stocktake{}, errors.New("ramptest: GenerateStocktake needs SKUs: add or sync some first")
	}
	var root *ramp.Place
	places := s.Places()
	for i := range places {
		if places[i].ID == place || places[i].ExternalRef == place {
			root = &places[i]
		}
	}
	if root == nil {
		return ramp.Stocktake{}, fmt.Errorf("ramptest: no place %q", place)
	}
	targets := []ramp.Place{*root}
	for _, p := range places {
		if p.ParentPlaceID == root.ID && !p.Archived {
			targets = append(targets, p)
		}
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5851f42d4c957f2d))
	perm := r.Perm(len(live))
	epoch := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	lines := make([]ramp.StocktakeLine, 0, n)
	for i := range n {
		k := live[perm[i%len(live)]]
		p := targets[(i/len(live))%len(targets)]
		l := ramp.StocktakeLine{SkuID: k.ID, PlaceID: p.ID, Counted: decimal.NewFromInt(int64(r.IntN(200))),
			UnitCost: decimal.NewNullDecimal(decimal.New(int64(100+r.IntN(40000)), -2))}
		switch k.TrackingMode {
		case ramp.TrackingBatch:
			l.Batch = fmt.Sprintf("B%02d%05d", r.IntN(100), i)
		case ramp.TrackingSerial:
			l.Serial = fmt.Sprintf("SN%09d", i)
			l.Counted = decimal.NewFromInt(1)
		}
		if k.TracksExpiry {
			l.Expiry = epoch.AddDate(0, 1+r.IntN(24), r.IntN(28))
		}
		lines = append(lines, l)
	}
	return s.RunStocktake(root.ID, lines...)
}
