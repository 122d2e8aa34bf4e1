package cin7core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Event is a parsed webhook delivery. Payloads are thin notifications:
// read the document they name (by the IDs they carry) for its content.
// Switch on the concrete type or on EventType:
//
//	switch ev := ev.(type) {
//	case *cin7core.StockLevelChangedEvent: …
//	case *cin7core.SaleEvent: …
//	}
type Event interface {
	// EventType is the event's type, canonical spelling (see
	// [WebhookType.Canonical]). Stock/AvailableStockLevelChanged payloads
	// carry no type; it is inferred from their shape.
	EventType() WebhookType
}

// EventDate is a calendar date in a webhook payload, sent as dd/MM/yyyy
// ("29/01/2018"); any form [Time] reads is accepted too. It is written
// back as dd/MM/yyyy, as Cin7 Core sends it.
type EventDate struct{ Time }

// UnmarshalJSON reads dd/MM/yyyy, the other Cin7 Core forms, null or "".
func (d *EventDate) UnmarshalJSON(b []byte) error { return d.Time.UnmarshalJSON(b) }

// MarshalJSON writes dd/MM/yyyy, or null for the zero date.
func (d EventDate) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Time.Time.Format("02/01/2006"))
}

// SaleEvent is a sale notification keyed by the sale's ID: types
// Sale/QuoteAuthorised, OrderAuthorised, Backordered, Voided, Undo,
// PickAuthorised, PackAuthorised, CreditNoteAuthorised, and the newer
// Sale/Created, AttachmentAdded and AdditionalAttributesChanged (whose
// payloads are undocumented and assumed to carry SaleID). The quote,
// order and backorder payloads carry only SaleID and SaleOrderNumber.
type SaleEvent struct {
	// SaleID is the sale's GUID as sent (its case varies; compare with
	// [SameID] or use [SaleEvent.SaleKey]).
	SaleID          string `json:"SaleID"`
	SaleOrderNumber string `json:"SaleOrderNumber,omitempty"`
	// TaskID is the fulfilment or credit-note task (pick, pack, credit
	// note).
	TaskID               string      `json:"TaskID,omitempty"`
	CreditNoteNumber     string      `json:"CreditNoteNumber,omitempty"`
	CustomerName         string      `json:"CustomerName,omitempty"`
	CustomerContactName  string      `json:"CustomerContactName,omitempty"`
	CustomerContactEmail string      `json:"CustomerContactEmail,omitempty"`
	Type                 WebhookType `json:"EventType"`
}

// EventType implements [Event].
func (e *SaleEvent) EventType() WebhookType { return e.Type.Canonical() }

// SaleKey returns the sale's ID normalised (pitfall 26).
func (e *SaleEvent) SaleKey() string { return NormalizeID(e.SaleID) }

// SaleDocumentEvent is Sale/ShipmentAuthorised or Sale/InvoiceAuthorised.
// These payloads name the sale by SaleTaskID (not SaleID) and its number
// by OrderNumber (not SaleOrderNumber).
type SaleDocumentEvent struct {
	// SaleTaskID is the sale's ID (the task the document belongs to).
	SaleTaskID           string      `json:"SaleTaskID"`
	TenantID             string      `json:"TenantID,omitempty"`
	OrderNumber          string      `json:"OrderNumber,omitempty"`
	InvoiceNumber        string      `json:"InvoiceNumber,omitempty"`
	CustomerName         string      `json:"CustomerName,omitempty"`
	CustomerContactName  string      `json:"CustomerContactName,omitempty"`
	CustomerContactEmail string      `json:"CustomerContactEmail,omitempty"`
	Type                 WebhookType `json:"EventType"`
}

// EventType implements [Event].
func (e *SaleDocumentEvent) EventType() WebhookType { return e.Type.Canonical() }

// SaleKey returns SaleTaskID normalised: the ID to read the sale with.
func (e *SaleDocumentEvent) SaleKey() string { return NormalizeID(e.SaleTaskID) }

// SalePaymentEvent is Sale/PartialPaymentReceived or
// Sale/FullPaymentReceived.
type SalePaymentEvent struct {
	SaleID         string `json:"SaleID"`
	DocumentNumber string `json:"DocumentNumber,omitempty"`
	// DocumentType is the paid document's type ("invoice").
	DocumentType string `json:"DocumentType,omitempty"`
	// DocumentDate comes as dd/MM/yyyy.
	DocumentDate         EventDate `json:"DocumentDate"`
	CustomerName         string    `json:"CustomerName,omitempty"`
	CustomerContactName  string    `json:"CustomerContactName,omitempty"`
	CustomerContactEmail string    `json:"CustomerContactEmail,omitempty"`
	// AmountPercent comes as a string ("0.00") and only with partial
	// payments; nil when absent.
	AmountPercent *decimal.Decimal `json:"AmountPercent,omitempty"`
	Type          WebhookType      `json:"EventType"`
}

// EventType implements [Event].
func (e *SalePaymentEvent) EventType() WebhookType { return e.Type.Canonical() }

// SaleKey returns the sale's ID normalised.
func (e *SalePaymentEvent) SaleKey() string { return NormalizeID(e.SaleID) }

// ShipmentTracking is one shipment of a tracking-number change.
type ShipmentTracking struct {
	ShipmentDate   EventDate `json:"ShipmentDate"`
	TrackingNumber string    `json:"TrackingNumber"`
	TrackingUrl    string    `json:"TrackingUrl"`
	Carrier        string    `json:"Carrier"`
}

// SaleTrackingEvent is Sale/ShipmentTrackingNumberChanged. Its customer
// fields are named differently from the other sale payloads.
type SaleTrackingEvent struct {
	SaleID          string    `json:"SaleID"`
	TaskID          string    `json:"TaskID,omitempty"`
	SaleOrderNumber string    `json:"SaleOrderNumber,omitempty"`
	SaleOrderDate   EventDate `json:"SaleOrderDate"`
	CustomerContact string    `json:"CustomerContact,omitempty"`
	CustomerEmail   string    `json:"CustomerEmail,omitempty"`
	CustomerName    string    `json:"CustomerName,omitempty"`
	// TaskTypeSign is an undocumented integer (0 in the example).
	TaskTypeSign Int                `json:"TaskTypeSign"`
	Shipments    []ShipmentTracking `json:"Shipments"`
	Type         WebhookType        `json:"EventType"`
}

// EventType implements [Event].
func (e *SaleTrackingEvent) EventType() WebhookType { return e.Type.Canonical() }

// SaleKey returns the sale's ID normalised.
func (e *SaleTrackingEvent) SaleKey() string { return NormalizeID(e.SaleID) }

// PurchaseEvent is a purchase notification: Purchase/OrderAuthorised,
// InvoiceAuthorised, StockReceivedAuthorised, CreditNoteAuthorised and the
// newer Purchase/Updated (undocumented, assumed alike).
type PurchaseEvent struct {
	// TaskID is the purchase's ID (upper or lower case).
	TaskID               string      `json:"TaskID"`
	PurchaseOrderNumber  string      `json:"PurchaseOrderNumber,omitempty"`
	InvoiceNumber        string      `json:"InvoiceNumber,omitempty"`
	CreditNoteNumber     string      `json:"CreditNoteNumber,omitempty"`
	SupplierName         string      `json:"SupplierName,omitempty"`
	SupplierContactName  string      `json:"SupplierContactName,omitempty"`
	SupplierContactEmail string      `json:"SupplierContactEmail,omitempty"`
	Type                 WebhookType `json:"EventType"`
}

// EventType implements [Event].
func (e *PurchaseEvent) EventType() WebhookType { return e.Type.Canonical() }

// PurchaseKey returns the purchase's ID normalised.
func (e *PurchaseEvent) PurchaseKey() string { return NormalizeID(e.TaskID) }

// PartyContact is a contact of a customer or supplier in an update
// payload.
type PartyContact struct {
	ID             string `json:"ID"`
	CustomerID     string `json:"CustomerID,omitempty"`
	SupplierID     string `json:"SupplierID,omitempty"`
	Name           string `json:"Name"`
	JobTitle       string `json:"JobTitle,omitempty"`
	Phone          string `json:"Phone,omitempty"`
	MobilePhone    string `json:"MobilePhone,omitempty"`
	Fax            string `json:"Fax,omitempty"`
	Email          string `json:"Email,omitempty"`
	Website        string `json:"Website,omitempty"`
	Default        Bool   `json:"Default"`
	Comment        string `json:"Comment,omitempty"`
	IncludeInEmail Bool   `json:"IncludeInEmail"`
}

// PartyAddress is an address of a customer or supplier in an update
// payload (the documented examples send none; fields as in the customer
// and supplier resources).
type PartyAddress struct {
	ID             string `json:"ID"`
	CustomerID     string `json:"CustomerID,omitempty"`
	SupplierID     string `json:"SupplierID,omitempty"`
	Line1          string `json:"Line1"`
	Line2          string `json:"Line2,omitempty"`
	City           string `json:"City,omitempty"`
	State          string `json:"State,omitempty"`
	Postcode       string `json:"Postcode,omitempty"`
	Country        string `json:"Country,omitempty"`
	Type           string `json:"Type,omitempty"`
	DefaultForType Bool   `json:"DefaultForType"`
}

// EventCustomer is the customer record of a Customer/Updated payload.
type EventCustomer struct {
	ID                    string          `json:"ID"`
	Name                  string          `json:"Name"`
	Currency              string          `json:"Currency,omitempty"`
	PaymentTerm           string          `json:"PaymentTerm,omitempty"`
	Discount              decimal.Decimal `json:"Discount"`
	TaxRule               string          `json:"TaxRule,omitempty"`
	Carrier               string          `json:"Carrier,omitempty"`
	SalesRepresentative   string          `json:"SalesRepresentative,omitempty"`
	Location              string          `json:"Location,omitempty"`
	Comments              string          `json:"Comments,omitempty"`
	AccountReceivable     string          `json:"AccountReceivable,omitempty"`
	RevenueAccount        string          `json:"RevenueAccount,omitempty"`
	PriceTier             string          `json:"PriceTier,omitempty"`
	TaxNumber             string          `json:"TaxNumber,omitempty"`
	AdditionalAttribute1  string          `json:"AdditionalAttribute1,omitempty"`
	AdditionalAttribute2  string          `json:"AdditionalAttribute2,omitempty"`
	AdditionalAttribute3  string          `json:"AdditionalAttribute3,omitempty"`
	AdditionalAttribute4  string          `json:"AdditionalAttribute4,omitempty"`
	AdditionalAttribute5  string          `json:"AdditionalAttribute5,omitempty"`
	AdditionalAttribute6  string          `json:"AdditionalAttribute6,omitempty"`
	AdditionalAttribute7  string          `json:"AdditionalAttribute7,omitempty"`
	AdditionalAttribute8  string          `json:"AdditionalAttribute8,omitempty"`
	AdditionalAttribute9  string          `json:"AdditionalAttribute9,omitempty"`
	AdditionalAttribute10 string          `json:"AdditionalAttribute10,omitempty"`
	AttributeSet          string          `json:"AttributeSet,omitempty"`
	Tags                  string          `json:"Tags,omitempty"`
	Status                string          `json:"Status,omitempty"`
	LastModifiedOn        Time            `json:"LastModifiedOn"`
	CreditLimit           decimal.Decimal `json:"CreditLimit"`
}

// CustomerDetails is one updated customer with its addresses and
// contacts.
type CustomerDetails struct {
	Customer  EventCustomer  `json:"Customer"`
	Addresses []PartyAddress `json:"Addresses"`
	Contacts  []PartyContact `json:"Contacts"`
}

// CustomerUpdatedEvent is Customer/Updated; unlike the other events it
// carries the full records.
type CustomerUpdatedEvent struct {
	NumberOfCustomers   Int               `json:"NumberOfCustomers"`
	CustomerDetailsList []CustomerDetails `json:"CustomerDetailsList"`
	Type                WebhookType       `json:"EventType"`
}

// EventType implements [Event].
func (e *CustomerUpdatedEvent) EventType() WebhookType { return e.Type.Canonical() }

// EventSupplier is the supplier record of a Supplier/Updated payload.
type EventSupplier struct {
	ID                    string          `json:"ID"`
	Name                  string          `json:"Name"`
	Currency              string          `json:"Currency,omitempty"`
	PaymentTerm           string          `json:"PaymentTerm,omitempty"`
	TaxRule               string          `json:"TaxRule,omitempty"`
	Discount              decimal.Decimal `json:"Discount"`
	Comments              string          `json:"Comments,omitempty"`
	AccountPayable        string          `json:"AccountPayable,omitempty"`
	TaxNumber             string          `json:"TaxNumber,omitempty"`
	AdditionalAttribute1  string          `json:"AdditionalAttribute1,omitempty"`
	AdditionalAttribute2  string          `json:"AdditionalAttribute2,omitempty"`
	AdditionalAttribute3  string          `json:"AdditionalAttribute3,omitempty"`
	AdditionalAttribute4  string          `json:"AdditionalAttribute4,omitempty"`
	AdditionalAttribute5  string          `json:"AdditionalAttribute5,omitempty"`
	AdditionalAttribute6  string          `json:"AdditionalAttribute6,omitempty"`
	AdditionalAttribute7  string          `json:"AdditionalAttribute7,omitempty"`
	AdditionalAttribute8  string          `json:"AdditionalAttribute8,omitempty"`
	AdditionalAttribute9  string          `json:"AdditionalAttribute9,omitempty"`
	AdditionalAttribute10 string          `json:"AdditionalAttribute10,omitempty"`
	AttributeSet          string          `json:"AttributeSet,omitempty"`
	Status                string          `json:"Status,omitempty"`
	LastModifiedOn        Time            `json:"LastModifiedOn"`
}

// SupplierDetails is one updated supplier with its addresses and
// contacts.
type SupplierDetails struct {
	Supplier  EventSupplier  `json:"Supplier"`
	Addresses []PartyAddress `json:"Addresses"`
	Contacts  []PartyContact `json:"Contacts"`
}

// SupplierUpdatedEvent is Supplier/Updated.
type SupplierUpdatedEvent struct {
	NumberOfSuppliers   Int               `json:"NumberOfSuppliers"`
	SupplierDetailsList []SupplierDetails `json:"SupplierDetailsList"`
	Type                WebhookType       `json:"EventType"`
}

// EventType implements [Event].
func (e *SupplierUpdatedEvent) EventType() WebhookType { return e.Type.Canonical() }

// StockLevelRow is one row of a Stock/AvailableStockLevelChanged payload:
// the product's availability at one location, bin and batch, as
// ref/productavailability reports it. OnHand is units; StockOnHand is a
// value in base currency (pitfall 4); copy Available as sent (pitfall 5).
type StockLevelRow struct {
	// ID is the product's ID.
	ID          string          `json:"ID"`
	SKU         string          `json:"SKU"`
	Name        string          `json:"Name"`
	Barcode     string          `json:"Barcode"`
	Location    string          `json:"Location"`
	Bin         string          `json:"Bin"`
	Batch       string          `json:"Batch"`
	ExpiryDate  Time            `json:"ExpiryDate"`
	Category    string          `json:"Category"`
	OnHand      decimal.Decimal `json:"OnHand"`
	Allocated   decimal.Decimal `json:"Allocated"`
	Available   decimal.Decimal `json:"Available"`
	OnOrder     decimal.Decimal `json:"OnOrder"`
	StockOnHand decimal.Decimal `json:"StockOnHand"`
	// InTransit is not in the documented payload; nil when absent.
	InTransit *decimal.Decimal `json:"InTransit,omitempty"`
	// MaxRows is the number of rows of the notification.
	MaxRows Int `json:"MaxRows"`
}

// ProductKey returns the product's ID normalised.
func (r *StockLevelRow) ProductKey() string { return NormalizeID(r.ID) }

// StockLevelChangedEvent is Stock/AvailableStockLevelChanged. Its payload
// is a bare JSON array of rows with no EventType (pitfall 7); it is also
// high-volume. It encodes back to the bare array.
type StockLevelChangedEvent struct {
	Rows []StockLevelRow
}

// EventType implements [Event].
func (e *StockLevelChangedEvent) EventType() WebhookType {
	return WebhookStockAvailableStockLevelChanged
}

// ProductKeys returns the normalised IDs of the products the event
// concerns, each once, in order of appearance.
func (e *StockLevelChangedEvent) ProductKeys() []string {
	seen := map[string]bool{}
	var out []string
	for i := range e.Rows {
		k := e.Rows[i].ProductKey()
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// MarshalJSON writes the bare array Cin7 Core sends.
func (e StockLevelChangedEvent) MarshalJSON() ([]byte, error) {
	if e.Rows == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(e.Rows)
}

// UnmarshalJSON reads the bare array.
func (e *StockLevelChangedEvent) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, &e.Rows)
}

// RawEvent is a payload of a type without a documented shape (Product/*,
// Lead/*, Opportunity/*, Task/*, or a type Cin7 Core adds later), or an
// object without EventType. It is not an error: the host decides.
type RawEvent struct {
	// Type is EventType as sent ("" if the object had none).
	Type WebhookType
	// Body is the payload as received.
	Body json.RawMessage
}

// EventType implements [Event].
func (e *RawEvent) EventType() WebhookType { return e.Type.Canonical() }

// MarshalJSON writes the payload as received.
func (e RawEvent) MarshalJSON() ([]byte, error) {
	if len(e.Body) == 0 {
		return []byte("null"), nil
	}
	return e.Body, nil
}

// ErrInvalidPayload matches every error of [ParseEvent].
var ErrInvalidPayload = errors.New("cin7core: invalid webhook payload")

// ParseEvent decodes a webhook delivery. A JSON array is a
// Stock/AvailableStockLevelChanged notification (it has no EventType); an
// object is routed on its EventType (compared ignoring case and the
// Authorized/Authorised spelling) to [SaleEvent], [SaleDocumentEvent],
// [SalePaymentEvent], [SaleTrackingEvent], [PurchaseEvent],
// [CustomerUpdatedEvent] or [SupplierUpdatedEvent]; any other type, or
// none, gives a [RawEvent]. GUIDs are kept as sent. Invalid JSON, a
// payload that is neither object nor array, or a documented type whose
// fields do not decode is an error matching [ErrInvalidPayload].
func ParseEvent(body []byte) (Event, error) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrInvalidPayload)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("%w: not JSON", ErrInvalidPayload)
	}
	switch body[0] {
	case '[':
		var ev StockLevelChangedEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return nil, fmt.Errorf("%w: stock level rows: %v", ErrInvalidPayload, err)
		}
		return &ev, nil
	case '{':
	default:
		return nil, fmt.Errorf("%w: neither an object nor an array", ErrInvalidPayload)
	}
	var probe struct {
		EventType json.RawMessage `json:"EventType"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	var typ string
	if len(probe.EventType) > 0 {
		// A non-string EventType is treated as absent.
		_ = json.Unmarshal(probe.EventType, &typ)
	}
	raw := func() Event {
		return &RawEvent{Type: WebhookType(typ), Body: append(json.RawMessage(nil), body...)}
	}
	var ev Event
	switch WebhookType(typ).Canonical() {
	case WebhookSaleQuoteAuthorised, WebhookSaleOrderAuthorised, WebhookSaleBackordered,
		WebhookSaleVoided, WebhookSaleUndo, WebhookSalePickAuthorised, WebhookSalePackAuthorised,
		WebhookSaleCreditNoteAuthorised:
		ev = new(SaleEvent)
	case WebhookSaleCreated, WebhookSaleAttachmentAdded, WebhookSaleAdditionalAttributesChanged:
		// Undocumented payloads: typed if they fit, raw otherwise.
		var e SaleEvent
		if json.Unmarshal(body, &e) != nil || e.SaleID == "" {
			return raw(), nil
		}
		return &e, nil
	case WebhookPurchaseUpdated:
		var e PurchaseEvent
		if json.Unmarshal(body, &e) != nil || e.TaskID == "" {
			return raw(), nil
		}
		return &e, nil
	case WebhookSaleShipmentAuthorised, WebhookSaleInvoiceAuthorised:
		ev = new(SaleDocumentEvent)
	case WebhookSalePartialPaymentReceived, WebhookSaleFullPaymentReceived:
		ev = new(SalePaymentEvent)
	case WebhookSaleShipmentTrackingNumberChanged:
		ev = new(SaleTrackingEvent)
	case WebhookPurchaseOrderAuthorised, WebhookPurchaseInvoiceAuthorised,
		WebhookPurchaseStockReceivedAuthorised, WebhookPurchaseCreditNoteAuthorised:
		ev = new(PurchaseEvent)
	case WebhookCustomerUpdated:
		ev = new(CustomerUpdatedEvent)
	case WebhookSupplierUpdated:
		ev = new(SupplierUpdatedEvent)
	default:
		return raw(), nil
	}
	if err := json.Unmarshal(body, ev); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidPayload, strings.TrimSpace(typ), err)
	}
	return ev, nil
}
