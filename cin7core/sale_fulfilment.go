package cin7core

import (
	"context"
	"net/http"
	"net/url"

	"github.com/shopspring/decimal"
)

// A sale is fulfilled in tasks: each fulfilment (TaskID) has a pick, a
// pack and a ship stage, written in that order. Cin7 Core refuses a pick
// until the order is authorised, a pack until the pick is authorised and
// a ship until the pack is authorised.

// SaleFulfilments is the answer of sale/fulfilment: every fulfilment task
// of one sale.
type SaleFulfilments struct {
	SaleID      string           `json:"SaleID"`
	Fulfilments []SaleFulfilment `json:"Fulfilments"`
}

// SaleFulfilment is one fulfilment task with its three stages.
type SaleFulfilment struct {
	TaskID              string               `json:"TaskID"`
	FulfillmentNumber   Int                  `json:"FulfillmentNumber"`
	LinkedInvoiceNumber string               `json:"LinkedInvoiceNumber,omitempty"`
	FulFilmentStatus    SaleFulfilmentStatus `json:"FulFilmentStatus"`
	Pick                *SalePick            `json:"Pick,omitempty"`
	Pack                *SalePack            `json:"Pack,omitempty"`
	Ship                *SaleShip            `json:"Ship,omitempty"`
}

// SaleStockLine is a line that takes stock from (pick, pack) or puts it
// back into (credit-note restock) a location, bin and batch. Box is only
// used by packs; NonInventory is read-only.
type SaleStockLine struct {
	ProductID string `json:"ProductID,omitempty"`
	SKU       string `json:"SKU,omitempty"`
	Name      string `json:"Name,omitempty"`
	// Location is the location name ("Location: Bin" for a bin);
	// LocationID its GUID. One of them is required on writes.
	Location   string          `json:"Location,omitempty"`
	LocationID string          `json:"LocationID,omitempty"`
	Box        string          `json:"Box,omitempty"`
	Quantity   decimal.Decimal `json:"Quantity"`
	BatchSN    string          `json:"BatchSN,omitempty"`
	ExpiryDate Time            `json:"ExpiryDate"`
	// NonInventory is true for lines of service or non-inventory products.
	NonInventory               Bool   `json:"NonInventory,omitempty"`
	WarrantyRegistrationNumber string `json:"WarrantyRegistrationNumber,omitempty"`
	// RestockLocation is the location ID stock goes back to (credit notes).
	RestockLocation string `json:"RestockLocation,omitempty"`
	SaleProductInfo
}

// SalePick is the pick stage of a fulfilment, as read and as written
// (sale/fulfilment/pick). To let Cin7 Core pick by itself send TaskID,
// Status and AutoPickMode AutoPick without lines.
type SalePick struct {
	TaskID       string               `json:"TaskID,omitempty"`
	Status       SaleTaskStatus       `json:"Status"`
	AutoPickMode AutoPickPackShipMode `json:"AutoPickMode,omitempty"`
	// Lines are left out of the request when empty: an empty array on a
	// PUT would delete the existing lines.
	Lines []SaleStockLine `json:"Lines,omitempty"`
}

// SalePack is the pack stage of a fulfilment (sale/fulfilment/pack).
type SalePack struct {
	TaskID string         `json:"TaskID,omitempty"`
	Status SaleTaskStatus `json:"Status"`
	// Lines are left out of the request when empty (see SalePick.Lines).
	Lines []SaleStockLine `json:"Lines,omitempty"`
}

// SaleShip is the ship stage of a fulfilment as Cin7 Core returns it.
// Write it with a [SaleShipRequest] ([SaleShip.Request] converts), whose
// lines name the boxes Box instead of Boxes.
type SaleShip struct {
	TaskID          string         `json:"TaskID,omitempty"`
	Status          SaleTaskStatus `json:"Status"`
	RequireBy       Time           `json:"RequireBy"`
	ShippingAddress *SaleAddress   `json:"ShippingAddress,omitempty"`
	ShippingNotes   string         `json:"ShippingNotes,omitempty"`
	Lines           []SaleShipLine `json:"Lines,omitempty"`
}

// SaleShipLine is one shipment as read: Boxes lists the boxes it holds;
// TrackingURL is computed by Cin7 Core from the carrier.
type SaleShipLine struct {
	ID             string `json:"ID,omitempty"`
	ShipmentDate   Time   `json:"ShipmentDate"`
	Carrier        string `json:"Carrier,omitempty"`
	Boxes          string `json:"Boxes,omitempty"`
	TrackingNumber string `json:"TrackingNumber,omitempty"`
	TrackingURL    string `json:"TrackingURL,omitempty"`
	IsShipped      Bool   `json:"IsShipped"`
}

// SaleShipRequest is the body of POST and PUT sale/fulfilment/ship. Set
// AddTrackingNumbers on a PUT to change tracking numbers and carriers of
// an authorised ship.
type SaleShipRequest struct {
	TaskID             string         `json:"TaskID"`
	Status             SaleTaskStatus `json:"Status"`
	RequireBy          Time           `json:"RequireBy"`
	ShippingAddress    *SaleAddress   `json:"ShippingAddress,omitempty"`
	ShippingNotes      string         `json:"ShippingNotes,omitempty"`
	AddTrackingNumbers Bool           `json:"AddTrackingNumbers,omitempty"`
	// Lines are left out of the request when empty (see SalePick.Lines).
	Lines []SaleShipRequestLine `json:"Lines,omitempty"`
}

// SaleShipRequestLine is one shipment as written: the boxes go in Box
// (read back as Boxes). ID identifies an existing shipment on a PUT.
type SaleShipRequestLine struct {
	ID             string `json:"ID,omitempty"`
	ShipmentDate   Time   `json:"ShipmentDate"`
	Carrier        string `json:"Carrier,omitempty"`
	Box            string `json:"Box,omitempty"`
	TrackingNumber string `json:"TrackingNumber,omitempty"`
	IsShipped      Bool   `json:"IsShipped"`
}

// Request turns a ship as read into a request body with the same content
// (Boxes become Box; the read-only TrackingURL is dropped).
func (s *SaleShip) Request() *SaleShipRequest {
	r := &SaleShipRequest{TaskID: s.TaskID, Status: s.Status, RequireBy: s.RequireBy,
		ShippingAddress: s.ShippingAddress, ShippingNotes: s.ShippingNotes}
	for _, l := range s.Lines {
		r.Lines = append(r.Lines, SaleShipRequestLine{ID: l.ID, ShipmentDate: l.ShipmentDate, Carrier: l.Carrier,
			Box: l.Boxes, TrackingNumber: l.TrackingNumber, IsShipped: l.IsShipped})
	}
	return r
}

// GetFulfilments returns every fulfilment task of a sale.
func (s *SalesService) GetFulfilments(ctx context.Context, saleID string) (*SaleFulfilments, error) {
	if saleID == "" {
		return nil, &ValidationError{Field: "SaleID", Reason: "must not be empty"}
	}
	var out SaleFulfilments
	if err := s.client.get(ctx, "sale/fulfilment", url.Values{"SaleID": {saleID}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PostFulfilment starts a new fulfilment task for a sale whose order is
// authorised (a simple sale becomes advanced) and returns all of the
// sale's fulfilments; the new one is the last. Not retried on 5xx or
// transport errors unless opts include [RetrySafe]: a retry could create
// a second task.
func (s *SalesService) PostFulfilment(ctx context.Context, saleID string, opts ...CallOption) (*SaleFulfilments, error) {
	if saleID == "" {
		return nil, &ValidationError{Field: "SaleID", Reason: "must not be empty"}
	}
	var out SaleFulfilments
	body := struct {
		SaleID string `json:"SaleID"`
	}{saleID}
	if err := s.client.send(ctx, http.MethodPost, "sale/fulfilment", nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPick returns the pick of a fulfilment task.
func (s *SalesService) GetPick(ctx context.Context, taskID string) (*SalePick, error) {
	var out SalePick
	if err := s.getTask(ctx, "sale/fulfilment/pick", taskID, &out); err != nil {
		return nil, err
	}
	if out.TaskID == "" && out.Status == "" {
		return nil, notFound("sale/fulfilment/pick", taskID)
	}
	return &out, nil
}

// PostPick writes the pick of a fulfilment task (DRAFT, or AUTHORISED to
// take the stock). Not retried on 5xx or transport errors unless opts
// include [RetrySafe].
func (s *SalesService) PostPick(ctx context.Context, pick *SalePick, opts ...CallOption) (*SalePick, error) {
	return s.writePick(ctx, http.MethodPost, pick, opts)
}

// PutPick updates the pick of a fulfilment task. Lines left out (nil or
// empty) keep the existing ones.
func (s *SalesService) PutPick(ctx context.Context, pick *SalePick, opts ...CallOption) (*SalePick, error) {
	return s.writePick(ctx, http.MethodPut, pick, opts)
}

func (s *SalesService) writePick(ctx context.Context, method string, pick *SalePick, opts []CallOption) (*SalePick, error) {
	if pick == nil {
		return nil, &ValidationError{Field: "pick", Reason: "must not be nil"}
	}
	if err := validateSaleTask(pick.TaskID, pick.Status, pick.Lines, pick.AutoPickMode == AutoPick); err != nil {
		return nil, err
	}
	if pick.AutoPickMode != "" && pick.AutoPickMode != AutoPick {
		return nil, &ValidationError{Field: "AutoPickMode", Reason: "must be AUTOPICK or empty"}
	}
	var out SalePick
	if err := s.client.send(ctx, method, "sale/fulfilment/pick", nil, pick, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPack returns the pack of a fulfilment task.
func (s *SalesService) GetPack(ctx context.Context, taskID string) (*SalePack, error) {
	var out SalePack
	if err := s.getTask(ctx, "sale/fulfilment/pack", taskID, &out); err != nil {
		return nil, err
	}
	if out.TaskID == "" && out.Status == "" {
		return nil, notFound("sale/fulfilment/pack", taskID)
	}
	return &out, nil
}

// PostPack writes the pack of a fulfilment task whose pick is authorised.
// Not retried on 5xx or transport errors unless opts include [RetrySafe].
func (s *SalesService) PostPack(ctx context.Context, pack *SalePack, opts ...CallOption) (*SalePack, error) {
	return s.writePack(ctx, http.MethodPost, pack, opts)
}

// PutPack updates the pack of a fulfilment task.
func (s *SalesService) PutPack(ctx context.Context, pack *SalePack, opts ...CallOption) (*SalePack, error) {
	return s.writePack(ctx, http.MethodPut, pack, opts)
}

func (s *SalesService) writePack(ctx context.Context, method string, pack *SalePack, opts []CallOption) (*SalePack, error) {
	if pack == nil {
		return nil, &ValidationError{Field: "pack", Reason: "must not be nil"}
	}
	if err := validateSaleTask(pack.TaskID, pack.Status, pack.Lines, false); err != nil {
		return nil, err
	}
	var out SalePack
	if err := s.client.send(ctx, method, "sale/fulfilment/pack", nil, pack, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetShip returns the ship of a fulfilment task.
func (s *SalesService) GetShip(ctx context.Context, taskID string) (*SaleShip, error) {
	var out SaleShip
	if err := s.getTask(ctx, "sale/fulfilment/ship", taskID, &out); err != nil {
		return nil, err
	}
	if out.TaskID == "" && out.Status == "" {
		return nil, notFound("sale/fulfilment/ship", taskID)
	}
	return &out, nil
}

// PostShip writes the ship of a fulfilment task whose pack is authorised;
// authorising it takes the units out of stock. Not retried on 5xx or
// transport errors unless opts include [RetrySafe].
func (s *SalesService) PostShip(ctx context.Context, ship *SaleShipRequest, opts ...CallOption) (*SaleShip, error) {
	return s.writeShip(ctx, http.MethodPost, ship, opts)
}

// PutShip updates the ship of a fulfilment task (with AddTrackingNumbers,
// also after authorisation).
func (s *SalesService) PutShip(ctx context.Context, ship *SaleShipRequest, opts ...CallOption) (*SaleShip, error) {
	return s.writeShip(ctx, http.MethodPut, ship, opts)
}

func (s *SalesService) writeShip(ctx context.Context, method string, ship *SaleShipRequest, opts []CallOption) (*SaleShip, error) {
	if ship == nil {
		return nil, &ValidationError{Field: "ship", Reason: "must not be nil"}
	}
	if ship.TaskID == "" {
		return nil, &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	if err := validateWriteStatus(ship.Status); err != nil {
		return nil, err
	}
	var out SaleShip
	if err := s.client.send(ctx, method, "sale/fulfilment/ship", nil, ship, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *SalesService) getTask(ctx context.Context, path, taskID string, out any) error {
	if taskID == "" {
		return &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	return s.client.get(ctx, path, url.Values{"TaskID": {taskID}}, out)
}

// validateSaleTask checks a pick or pack before it is sent: a task ID, a
// writable status and, unless Cin7 Core picks by itself, lines that name
// a product, a location and a positive quantity.
func validateSaleTask(taskID string, status SaleTaskStatus, lines []SaleStockLine, auto bool) error {
	if taskID == "" {
		return &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	if err := validateWriteStatus(status); err != nil {
		return err
	}
	if auto {
		return nil
	}
	for i, l := range lines {
		switch {
		case l.ProductID == "" && l.SKU == "":
			return &ValidationError{Field: lineField(i, "ProductID"), Reason: "ProductID or SKU is required"}
		case l.Location == "" && l.LocationID == "":
			return &ValidationError{Field: lineField(i, "LocationID"), Reason: "Location or LocationID is required"}
		case !l.Quantity.IsPositive():
			return &ValidationError{Field: lineField(i, "Quantity"), Reason: "must be greater than zero"}
		}
	}
	return nil
}
