package sync_test

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// droppingSource loses one product from the product pages while the page
// still counts it in Total, as page-number paging does when the list
// changes while it is read.
type droppingSource struct {
	cinsync.Source
	drop string
}

func (d *droppingSource) ProductPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.Product], error] {
	return func(yield func(*cin7core.Page[cin7core.Product], error) bool) {
		for pg, err := range d.Source.ProductPages(ctx, since) {
			if pg != nil && d.drop != "" {
				kept := pg.Items[:0:0]
				for _, p := range pg.Items {
					if !cin7core.SameID(p.ID, d.drop) {
						kept = append(kept, p)
					}
				}
				pg.Items = kept
			}
			if !yield(pg, err) {
				return
			}
		}
	}
}

func TestIncompleteReadKeepsTheCursor(t *testing.T) {
	h := newHarness(t, nil)
	victim := firstStandaloneStock(t, h)
	src := &droppingSource{Source: cinsync.Cin7Source(h.cin7), drop: victim.ID}
	e, _ := cinsync.NewEngine(cinsync.Config{Source: src, Sink: cinsync.RampSink(h.ramp), State: h.store, Tenant: "demo"})
	rep, err := e.Sync(context.Background(), cinsync.StreamProducts)
	if err != nil {
		t.Fatal(err)
	}
	prod := rep.Stream(cinsync.StreamProducts)
	if len(prod.Warnings) == 0 {
		t.Fatalf("no warning for a read that missed a record: %+v", prod)
	}
	// The list is stable again: the next pass must still read everything
	// (the cursor did not move) and pick the missed product up.
	src.drop = ""
	rep, err = e.Sync(context.Background(), cinsync.StreamProducts)
	if err != nil {
		t.Fatal(err)
	}
	if prod = rep.Stream(cinsync.StreamProducts); prod.Created != 1 || len(prod.Warnings) != 0 {
		t.Fatalf("second pass: %+v", prod)
	}
	skuByRef(t, h, victim.ID)
}

func TestBinsOfADeprecatedLocationNeverInRampAreSkipped(t *testing.T) {
	h := newHarness(t, nil)
	var deprecated cin7core.Location
	for _, l := range h.cin7Srv.Tenant().Locations() {
		if bool(l.IsDeprecated) && !l.IsBin() {
			deprecated = l
		}
	}
	if deprecated.ID == "" {
		t.Fatal("demo tenant has no deprecated location")
	}
	h.cin7Srv.Tenant().UpsertLocation(cin7core.Location{ID: "0c0ffee0-0000-4000-8000-000000000b1e", Name: "Old bin", ParentID: deprecated.ID, ParentName: deprecated.Name})
	for pass := 1; pass <= 2; pass++ {
		rep := h.sync(t)
		loc := rep.Stream(cinsync.StreamLocations)
		if loc.Failed != 0 || loc.SkippedByReason[string(mapping.SkipArchivedNotInRamp)] < 2 {
			t.Fatalf("pass %d: %+v", pass, loc)
		}
	}
}

func TestProductThatBecomesAServiceIsArchived(t *testing.T) {
	h := newHarness(t, nil)
	h.sync(t)
	p := firstStandaloneStock(t, h)
	p.Type = cin7core.ProductTypeService
	h.cin7Srv.Tenant().UpsertProduct(p)
	rep := h.sync(t)
	if prod := rep.Stream(cinsync.StreamProducts); prod.Updated != 1 {
		t.Fatalf("%+v", prod)
	}
	if s := skuByRef(t, h, p.ID); !s.Archived {
		t.Fatalf("SKU of a product turned service still active: %+v", s)
	}
}

// An unmappable product is reported, kept in quarantine, and not re-read
// by ID on every pass (each read is one call of 60 a minute).
func TestUnmappableProductCostsNoExtraCalls(t *testing.T) {
	h := newHarness(t, nil)
	h.cin7Srv.Tenant().UpsertProduct(cin7core.Product{ID: "0d1e2f30-0000-4000-8000-00000000bad1", SKU: "ODD", Name: "Odd", Type: cin7core.ProductTypeStock, CostingMethod: "Average"})
	rep := h.sync(t)
	if prod := rep.Stream(cinsync.StreamProducts); prod.Failed != 1 || prod.Quarantined != 1 {
		t.Fatalf("first pass: %+v", prod)
	}
	h.engine = h.newEngine(t, h.store)
	rep = h.sync(t)
	prod := rep.Stream(cinsync.StreamProducts)
	if prod.Cin7Calls != 1 || prod.Quarantined != 1 {
		t.Fatalf("later pass: %d Cin7 calls (want 1: the products page), quarantined %d", prod.Cin7Calls, prod.Quarantined)
	}
}

func TestFileStoreKeysNeverCollide(t *testing.T) {
	dir := t.TempDir()
	fs, _ := cinsync.NewFileStore(dir)
	ctx := context.Background()
	keys := []string{"Acme Ltd/products", "Acme_Ltd/products", "a/b", "a_b", "Shop  #1", "Shop #1"}
	for i, k := range keys {
		if err := fs.Save(ctx, k, []byte{byte('0' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range keys {
		b, err := fs.Load(ctx, k)
		if err != nil || string(b) != string([]byte{byte('0' + i)}) {
			t.Fatalf("%q: %q %v", k, b, err)
		}
	}
}

// Corrupt state is dropped, not fatal: the pass re-reads everything and
// finds what Ramp already has.
func TestCorruptStateFileRecovers(t *testing.T) {
	dir := t.TempDir()
	fs, _ := cinsync.NewFileStore(dir)
	h := newHarness(t, fs)
	h.sync(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no state files")
	}
	for _, f := range files {
		if err := os.WriteFile(f, []byte(`{"version":1,"skus":{"trunc`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep := h.sync(t)
	for _, s := range rep.Streams {
		if s.Created != 0 || s.Updated != 0 || s.Failed != 0 {
			t.Fatalf("after corruption: %+v", s)
		}
	}
}

func TestMemberOfTwoFamiliesIsNamedStably(t *testing.T) {
	h := newHarness(t, nil)
	fams := h.cin7Srv.Tenant().Families()
	if len(fams) < 2 {
		t.Fatal("demo tenant needs two families")
	}
	// List a member of the first family in the second one too.
	f2 := fams[1]
	f2.Products = append(f2.Products, cin7core.ProductFamilyMember{ID: strings.ToUpper(fams[0].Products[0].ID), Option1: "Shared"})
	h.cin7Srv.Tenant().UpsertFamily(f2)
	h.sync(t)
	name := skuByRef(t, h, fams[0].Products[0].ID).Name
	for i := 0; i < 5; i++ {
		h.engine = h.newEngine(t, cinsync.NewMemoryStore())
		rep := h.sync(t)
		if got := skuByRef(t, h, fams[0].Products[0].ID).Name; got != name || rep.Stream(cinsync.StreamProducts).Updated != 0 {
			t.Fatalf("pass %d renamed %q to %q", i, name, got)
		}
	}
}
