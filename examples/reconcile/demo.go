package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// prepareDemo readies the built-in fakes: the demo tenant synced into
// Ramp, then a Ramp user counting the location with the most expected
// lines (bins included) with a few differences (two more of one SKU, one
// fewer of another, none of a third, one of a SKU Cin7 Core has none of
// there) and validating the count, and recording two write-offs.
func prepareDemo(ctx context.Context, engine *cinsync.Engine, cs *cin7coretest.Server, rs *ramptest.Server, out io.Writer) error {
	if _, err := engine.Sync(ctx); err != nil {
		return fmt.Errorf("first sync: %w", err)
	}
	place, lines, skus, err := countedAsExpected(cs, rs)
	if err != nil {
		return err
	}
	var did []string
	here := map[string]bool{}
	for _, l := range lines {
		here[l.SkuExternalRef] = true
	}
	changes := []struct {
		delta int64
		what  string
	}{{2, "found 2 more %s than expected"}, {-1, "found one %s fewer"}, {0, "found no %s at all"}}
	var writeOff []ramp.StocktakeLine
	for i, l := range lines {
		if len(changes) == 0 {
			break
		}
		s := skus[l.SkuExternalRef]
		if s.TrackingMode != ramp.TrackingNone || l.Counted.LessThan(decimal.NewFromInt(2)) {
			continue
		}
		c := changes[0]
		changes = changes[1:]
		if c.delta == 0 {
			lines[i].Counted = decimal.Zero
		} else {
			lines[i].Counted = l.Counted.Add(decimal.NewFromInt(c.delta))
		}
		did = append(did, fmt.Sprintf(c.what, s.SkuNumber))
		writeOff = append(writeOff, lines[i])
	}
	for _, s := range rs.Skus() {
		if s.TrackingMode == ramp.TrackingNone && !s.Archived && !here[s.ExternalRef] {
			lines = append(lines, ramp.StocktakeLine{SkuExternalRef: s.ExternalRef, PlaceExternalRef: place, Counted: decimal.NewFromInt(1)})
			did = append(did, "found one "+s.SkuNumber+", which Cin7 Core has none of there")
			break
		}
	}
	st, err := rs.RunStocktake(place, lines...)
	if err != nil {
		return fmt.Errorf("counting: %w", err)
	}
	if st, err = rs.ValidateStocktake(st.ID); err != nil {
		return fmt.Errorf("validating: %w", err)
	}
	for i, reason := range []ramp.WriteOffReason{ramp.ReasonDamaged, ramp.ReasonStolen} {
		if i >= len(writeOff) {
			break
		}
		l := writeOff[i]
		wo, err := rs.RecordWriteOff(ramp.WriteOff{SkuExternalRef: l.SkuExternalRef, PlaceExternalRef: l.PlaceExternalRef,
			Quantity: decimal.NewFromInt(1), Reason: reason, Note: "recorded by the reconcile demo"})
		if err != nil {
			return fmt.Errorf("writing off: %w", err)
		}
		did = append(did, fmt.Sprintf("wrote off 1 × %s at %s (%s)", wo.SkuNumber, wo.PlaceName, strings.ToLower(string(reason))))
	}
	fmt.Fprintf(out, "\nSynced the demo tenant into Ramp, then a Ramp user counted and validated %s of %s (%d lines):\n", st.Name, st.PlaceName, len(st.Lines))
	for _, d := range did {
		fmt.Fprintln(out, "  -", d)
	}
	return nil
}
