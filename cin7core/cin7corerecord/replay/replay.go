package replay

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7corerecord"
	"github.com/jarcoal/httpmock"
)

// Replay registers every fixture of dir on mt: a request is answered when
// its method, path and query (all parameters, in any order) match a
// fixture; any host matches. Fixtures with the same method, path and
// query answer in recording order, the last one repeating (a list read
// before and after a write gets both answers). A fixture recorded
// without a query answers only requests without one. Request bodies are
// not compared. Unmatched requests get httpmock's no-responder error.
//
// Values the recorder scrubbed (secrets, personal data in the query) are
// registered scrubbed: send the placeholder to match them.
func Replay(mt *httpmock.MockTransport, dir string) error {
	fs, err := cin7corerecord.Load(dir)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return fmt.Errorf("replay: no fixtures in %s", dir)
	}
	return Fixtures(mt, fs)
}

// Fixtures registers the given fixtures on mt, as [Replay] does.
func Fixtures(mt *httpmock.MockTransport, fs []cin7corerecord.Fixture) error {
	if mt == nil {
		return errors.New("replay: nil transport")
	}
	groups := map[string][]cin7corerecord.Fixture{}
	var order []string
	for _, f := range fs {
		k := f.Key()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	for _, k := range order {
		g := groups[k]
		first := g[0]
		resp := sequence(g)
		if len(first.Query) == 0 {
			noQuery := httpmock.NewMatcher("no query", func(req *http.Request) bool { return req.URL.RawQuery == "" })
			mt.RegisterMatcherResponder(first.Method, first.Path, noQuery, resp)
			continue
		}
		mt.RegisterResponderWithQuery(first.Method, first.Path, first.Query, resp)
	}
	return nil
}

// sequence answers with each fixture in turn, repeating the last.
func sequence(fs []cin7corerecord.Fixture) httpmock.Responder {
	var mu sync.Mutex
	i := 0
	return func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		f := fs[min(i, len(fs)-1)]
		i++
		mu.Unlock()
		return f.Response(req), nil
	}
}
