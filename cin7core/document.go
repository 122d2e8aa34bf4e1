package cin7core

import (
	"context"
	"net/url"
	"strings"
)

// getDocument reads one document (sale, purchase, transfer, adjustment,
// stocktake) by its ID parameter, named param ("ID" or "TaskID"). Cin7 Core
// answers an unknown ID with an empty document and status 200, so an
// answer without an ID is ErrNotFound; an answer about another document is
// ErrBadResponse, because acting on it would write the wrong record.
func getDocument[T any](ctx context.Context, c *Client, path, param, id string, idOf func(*T) string) (*T, error) {
	if strings.TrimSpace(id) == "" {
		return nil, &ValidationError{Field: param, Reason: "must not be empty"}
	}
	var out T
	if err := c.get(ctx, path, url.Values{param: {id}}, &out); err != nil {
		return nil, err
	}
	got := idOf(&out)
	if got == "" {
		return nil, notFoundBy(path, param, id)
	}
	if err := sameDocument(path, id, got); err != nil {
		return nil, err
	}
	return &out, nil
}

// notFoundBy is the ErrNotFound for a 200 answer that holds no record.
func notFoundBy(path, param, id string) error {
	return &APIError{StatusCode: 200, Method: "GET", URL: path + "?" + param + "=" + id, Message: "no record with " + param + " " + id, kind: ErrNotFound}
}
