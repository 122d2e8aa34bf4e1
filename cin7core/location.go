package cin7core

import (
	"context"
	"net/url"
	"strconv"
)

// Location is a warehouse, store or other stock location (ref/location).
// Bins come twice: inside their parent's Bins and as rows of their own with
// ParentID set; the ID case differs between the two.
type Location struct {
	ID                   string `json:"ID"`
	Name                 string `json:"Name"`
	IsDefault            Bool   `json:"IsDefault"`
	IsDeprecated         Bool   `json:"IsDeprecated"`
	Bins                 []Bin  `json:"Bins"`
	FixedAssetsLocation  Bool   `json:"FixedAssetsLocation"`
	ParentID             string `json:"ParentID,omitempty"`
	ParentName           string `json:"ParentName,omitempty"`
	ReferenceCount       Int    `json:"ReferenceCount"`
	AddressLine1         string `json:"AddressLine1"`
	AddressLine2         string `json:"AddressLine2"`
	AddressCitySuburb    string `json:"AddressCitySuburb"`
	AddressStateProvince string `json:"AddressStateProvince"`
	AddressZipPostCode   string `json:"AddressZipPostCode"`
	AddressCountry       string `json:"AddressCountry"`
	PickZones            string `json:"PickZones,omitempty"`
	IsShopfloor          Bool   `json:"IsShopfloor"`
	IsCoMan              Bool   `json:"IsCoMan"`
	IsStaging            Bool   `json:"IsStaging"`
	AllowReorder         Bool   `json:"AllowReorder,omitempty"`
}

// IsBin reports whether this row is a bin (it has a parent location).
func (l *Location) IsBin() bool { return l.ParentID != "" }

// Bin is a sub-location of a Location, as listed in its parent's Bins.
type Bin struct {
	ID           string `json:"ID"`
	Name         string `json:"Name"`
	IsDeprecated Bool   `json:"IsDeprecated"`
	IsStaging    Bool   `json:"IsStaging"`
}

// LocationListOptions filter ref/location.
type LocationListOptions struct {
	// Name matches locations whose name starts with it.
	Name string `url:"Name,omitempty"`
	// Deprecated, when true, lists only deprecated locations.
	Deprecated bool `url:"Deprecated,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// LocationsService reads ref/location.
type LocationsService service

// List returns a pager over locations and bins.
func (s *LocationsService) List(opts *LocationListOptions) *Pager[Location] {
	if opts == nil {
		opts = &LocationListOptions{}
	}
	o := *opts
	return newListPager[Location](s.client, "ref/location", "LocationList", func() (url.Values, error) { return values(o) }, o.Limit, o.Page)
}

// Get returns one location by ID; ErrNotFound if there is none.
func (s *LocationsService) Get(ctx context.Context, id string) (*Location, error) {
	if id == "" {
		return nil, &ValidationError{Field: "ID", Reason: "must not be empty"}
	}
	return getOne(ctx, s.client, "ref/location", "LocationList", url.Values{"ID": {id}}, id, func(l *Location) string { return l.ID })
}

// getOne reads a list endpoint filtered to one ID and returns that record.
func getOne[T any](ctx context.Context, c *Client, path, key string, q url.Values, id string, idOf func(*T) string) (*T, error) {
	res, err := getList[T](ctx, c, path, key, q, 1)
	if err != nil {
		return nil, err
	}
	for i := range res.items {
		if SameID(idOf(&res.items[i]), id) {
			return &res.items[i], nil
		}
	}
	for _, bad := range res.bad {
		if SameID(bad.ID, id) {
			return nil, bad
		}
	}
	return nil, notFound(path, id)
}

func setPage(q url.Values, page, limit int) {
	q.Set("Page", strconv.Itoa(page))
	q.Set("Limit", strconv.Itoa(limit))
}

func notFound(path, id string) error {
	return notFoundBy(path, "ID", id)
}
