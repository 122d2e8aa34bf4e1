package cin7core_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// The official examples (Cin7 Core's documentation, outside this
// repository) are read at test time only, never copied in. .ci/run sets
// CIN7CORE_EXAMPLES_DIR.

func examplesDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CIN7CORE_EXAMPLES_DIR")
	if dir == "" {
		t.Skip("CIN7CORE_EXAMPLES_DIR not set: official examples live outside the repo; .ci/run sets it")
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("CIN7CORE_EXAMPLES_DIR=%q is not a readable folder: %v", dir, err)
	}
	return dir
}

// exampleKind is what one example file holds.
type exampleKind int

const (
	kindEnvelope exampleKind = iota // {"Total","Page","<key>":[...]}
	kindSingle                      // one record
	kindSuccess                     // {"Success": true}
)

// conformanceStats counts the typed comparisons made, so the test fails
// if it silently compares nothing.
type conformanceStats struct {
	records, fields, decimals, times, ids int
}

func TestConformanceWithOfficialExamples(t *testing.T) {
	dir := examplesDir(t)
	type resource struct {
		glob     string
		listKey  string
		decode   func(raw json.RawMessage) (any, error)
		response func(method string) exampleKind
	}
	decodeAs := func(newT func() any) func(json.RawMessage) (any, error) {
		return func(raw json.RawMessage) (any, error) {
			v := newT()
			err := json.Unmarshal(raw, v)
			return v, err
		}
	}
	resources := []resource{
		{"product.*.json", "Products", decodeAs(func() any { return new(cin7core.Product) }),
			func(string) exampleKind { return kindEnvelope }},
		{"productFamily.*.json", "ProductFamilies", decodeAs(func() any { return new(cin7core.ProductFamily) }),
			func(string) exampleKind { return kindEnvelope }},
		{"ref_location.*.json", "LocationList", decodeAs(func() any { return new(cin7core.Location) }),
			func(method string) exampleKind {
				switch method {
				case "get":
					return kindEnvelope
				case "delete":
					return kindSuccess
				}
				return kindSingle // POST/PUT answer the bare record
			}},
	}
	var st conformanceStats
	for _, r := range resources {
		files, err := filepath.Glob(filepath.Join(dir, r.glob))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no %s examples in %s", r.glob, dir)
		}
		for _, file := range files {
			name := filepath.Base(file)
			t.Run(name, func(t *testing.T) {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				parts := strings.Split(name, ".")
				if len(parts) < 4 {
					t.Fatalf("unexpected example name %s", name)
				}
				method, kind := parts[1], parts[2]
				k := kindSingle
				if kind != "request" {
					k = r.response(method)
				}
				switch k {
				case kindSuccess:
					var ok struct{ Success cin7core.Bool }
					if err := json.Unmarshal(raw, &ok); err != nil || !bool(ok.Success) {
						t.Fatalf("Success body: %v (%s)", err, raw)
					}
				case kindSingle:
					checkRecord(t, &st, name, raw, r.decode)
				case kindEnvelope:
					var env struct {
						Total *cin7core.Int
						Page  *cin7core.Int
					}
					if err := json.Unmarshal(raw, &env); err != nil {
						t.Fatal(err)
					}
					var list map[string]json.RawMessage
					if err := json.Unmarshal(raw, &list); err != nil {
						t.Fatal(err)
					}
					var records []json.RawMessage
					if err := json.Unmarshal(list[r.listKey], &records); err != nil {
						t.Fatalf("list key %s: %v", r.listKey, err)
					}
					if len(records) == 0 {
						t.Fatalf("no records under %s", r.listKey)
					}
					if env.Total == nil || int(*env.Total) < len(records) || env.Page == nil || *env.Page < 1 {
						t.Errorf("envelope Total/Page not decoded: %v %v", env.Total, env.Page)
					}
					for i, rec := range records {
						checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), rec, r.decode)
					}
				}
			})
		}
	}
	t.Logf("compared %d records: %d fields, %d IDs, %d decimals, %d times", st.records, st.fields, st.ids, st.decimals, st.times)
	if st.records == 0 || st.ids == 0 || st.decimals == 0 || st.times == 0 {
		t.Fatalf("the comparison checked too little: %+v", st)
	}
}

// checkRecord decodes raw into the typed model, encodes the model again
// and checks that every field the example fills survives with the same
// meaning: IDs and strings equal, decimals equal as decimals, times equal
// as instants, bools equal, nested records likewise.
func checkRecord(t *testing.T, st *conformanceStats, where string, raw json.RawMessage, decode func(json.RawMessage) (any, error)) {
	t.Helper()
	v, err := decode(raw)
	if err != nil {
		t.Errorf("%s: does not decode into the typed model: %v", where, err)
		return
	}
	enc, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%s: cannot encode: %v", where, err)
		return
	}
	var want, got any
	if err := unmarshalNumbers(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := unmarshalNumbers(enc, &got); err != nil {
		t.Fatal(err)
	}
	st.records++
	var lost []string
	compareJSON(st, where, want, got, &lost, t)
	if len(lost) > 0 {
		sort.Strings(lost)
		t.Errorf("%s: fields the example fills are missing or empty after decoding: %s", where, strings.Join(lost, ", "))
	}
}

func unmarshalNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// filled reports whether an example value carries information.
func filled(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return x
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		return err != nil || !d.IsZero()
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func compareJSON(st *conformanceStats, path string, want, got any, lost *[]string, t *testing.T) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: object became %T", path, got)
			return
		}
		for k, wv := range w {
			if !filled(wv) {
				continue
			}
			gv, ok := g[k]
			if !ok || !filled(gv) {
				*lost = append(*lost, strings.TrimPrefix(path+"."+k, "."))
				continue
			}
			if k == "ID" {
				st.ids++
			}
			compareJSON(st, path+"."+k, wv, gv, lost, t)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: array of %d became %v", path, len(w), got)
			return
		}
		for i := range w {
			compareJSON(st, fmt.Sprintf("%s[%d]", path, i), w[i], g[i], lost, t)
		}
	default:
		st.fields++
		if !sameScalar(st, want, got) {
			t.Errorf("%s: example %v (%T) decoded as %v (%T)", path, want, want, got, got)
		}
	}
}

// sameScalar compares an example scalar with its re-encoded form, which
// may differ in spelling: decimals encode as strings, times normalise.
func sameScalar(st *conformanceStats, want, got any) bool {
	ws, gs := fmt.Sprint(want), fmt.Sprint(got)
	if wd, err := decimal.NewFromString(ws); err == nil {
		if gd, err := decimal.NewFromString(gs); err == nil {
			st.decimals++
			return wd.Equal(gd)
		}
	}
	if _, isString := want.(string); isString && ws != gs {
		wt, err1 := cin7core.ParseTime(ws)
		gt, err2 := cin7core.ParseTime(gs)
		if err1 == nil && err2 == nil {
			st.times++
			return wt.Equal(gt.Time) && wt.HasZone == gt.HasZone
		}
	}
	if _, isString := want.(string); isString {
		if _, err := cin7core.ParseTime(ws); err == nil && ws == gs && strings.Contains(ws, "T") {
			st.times++
		}
	}
	if wb, ok := want.(bool); ok {
		var gb cin7core.Bool
		if err := json.Unmarshal([]byte(fmt.Sprint(got)), &gb); err == nil {
			return wb == bool(gb)
		}
	}
	return ws == gs
}
