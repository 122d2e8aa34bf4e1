package cin7core

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Purchases come in two shapes (pitfall 22). A simple purchase
// (GET purchase) embeds its stock receipt, invoice, credit note and manual
// journal as single objects; an advanced purchase (GET advanced-purchase)
// holds arrays of them, one element per receiving or invoicing task, each
// with its TaskID and InvoicingAndReceivingNumber. purchaseList lists both;
// [PurchaseListItem.IsAdvanced] tells which endpoint reads a row.

// PurchaseStatus is a purchase's overall state. Open: the examples show
// values outside the documented list ("COMPLETED / CREDIT NOTE CLOSED").
type PurchaseStatus string

// Known purchase statuses, as the API spells them.
const (
	PurchaseStatusDraft                    PurchaseStatus = "DRAFT"
	PurchaseStatusVoided                   PurchaseStatus = "VOIDED"
	PurchaseStatusOrdering                 PurchaseStatus = "ORDERING"
	PurchaseStatusOrdered                  PurchaseStatus = "ORDERED"
	PurchaseStatusReceiving                PurchaseStatus = "RECEIVING"
	PurchaseStatusReceived                 PurchaseStatus = "RECEIVED"
	PurchaseStatusInvoiced                 PurchaseStatus = "INVOICED"
	PurchaseStatusCredited                 PurchaseStatus = "CREDITED"
	PurchaseStatusReceivingCredited        PurchaseStatus = "RECEIVING / CREDITED"
	PurchaseStatusReceivedCredited         PurchaseStatus = "RECEIVED / CREDITED"
	PurchaseStatusPartiallyInvoiced        PurchaseStatus = "PARTIALLY INVOICED"
	PurchaseStatusCompleted                PurchaseStatus = "COMPLETED"
	PurchaseStatusCompletedCreditNoteClose PurchaseStatus = "COMPLETED / CREDIT NOTE CLOSED"
)

// PurchaseTaskStatus is the state of one stage of a purchase: its order,
// stock receipt, put-away, unstock, credit note or invoice (which adds
// PAID).
type PurchaseTaskStatus string

// Known stage statuses.
const (
	PurchaseTaskNotAvailable PurchaseTaskStatus = "NOT AVAILABLE"
	PurchaseTaskDraft        PurchaseTaskStatus = "DRAFT"
	PurchaseTaskAuthorised   PurchaseTaskStatus = "AUTHORISED"
	PurchaseTaskVoided       PurchaseTaskStatus = "VOIDED"
	// PurchaseTaskPaid is an invoice status only.
	PurchaseTaskPaid PurchaseTaskStatus = "PAID"
)

// IsAuthorised reports whether the stage is authorised (for an invoice,
// paid counts as authorised). Case is ignored.
func (s PurchaseTaskStatus) IsAuthorised() bool {
	return strings.EqualFold(string(s), string(PurchaseTaskAuthorised)) || strings.EqualFold(string(s), string(PurchaseTaskPaid))
}

// CombinedReceivingStatus sums up every stock receipt of a purchase.
type CombinedReceivingStatus string

// Known combined receiving statuses.
const (
	ReceivingFullyReceived     CombinedReceivingStatus = "FULLY RECEIVED"
	ReceivingPartiallyReceived CombinedReceivingStatus = "PARTIALLY RECEIVED"
	ReceivingNotAvailable      CombinedReceivingStatus = "NOT AVAILABLE"
	ReceivingNotReceived       CombinedReceivingStatus = "NOT RECEIVED"
	ReceivingVoided            CombinedReceivingStatus = "VOIDED"
)

// PurchaseInvoiceStatus sums up every invoice of a purchase
// (CombinedInvoiceStatus).
type PurchaseInvoiceStatus string

// Known combined invoice statuses of purchases.
const (
	PurchaseInvoiced                  PurchaseInvoiceStatus = "INVOICED"
	PurchaseInvoicedCredited          PurchaseInvoiceStatus = "INVOICED / CREDITED"
	PurchaseInvoiceNotAvailable       PurchaseInvoiceStatus = "NOT AVAILABLE"
	PurchaseNotInvoiced               PurchaseInvoiceStatus = "NOT INVOICED"
	PurchasePartiallyInvoiced         PurchaseInvoiceStatus = "PARTIALLY INVOICED"
	PurchasePartiallyInvoicedCredited PurchaseInvoiceStatus = "PARTIALLY INVOICED / CREDITED"
)

// PurchasePaymentStatus sums up the payments of a purchase
// (CombinedPaymentStatus).
type PurchasePaymentStatus string

// Known combined payment statuses of purchases.
const (
	PurchasePrepaid          PurchasePaymentStatus = "PREPAID"
	PurchasePartiallyPaid    PurchasePaymentStatus = "PARTIALLY PAID"
	PurchaseUnpaid           PurchasePaymentStatus = "UNPAID"
	PurchasePaid             PurchasePaymentStatus = "PAID"
	PurchaseOverpaidCredited PurchasePaymentStatus = "OVERPAID / CREDITED"
	PurchasePaymentVoided    PurchasePaymentStatus = "VOIDED"
)

// PurchaseApproach says which comes first: the invoice or the stock
// receipt. The documented values are upper case, but an official example
// sends "Stock" (pitfall 25): compare with the methods, not with ==.
type PurchaseApproach string

// Known approaches.
const (
	// ApproachInvoice: invoice first; stock can only be received once the
	// invoice is authorised. Service purchases always use it.
	ApproachInvoice PurchaseApproach = "INVOICE"
	// ApproachStock: stock first.
	ApproachStock PurchaseApproach = "STOCK"
)

// IsInvoiceFirst reports whether the approach is INVOICE, ignoring case.
func (a PurchaseApproach) IsInvoiceFirst() bool {
	return strings.EqualFold(strings.TrimSpace(string(a)), string(ApproachInvoice))
}

// IsStockFirst reports whether the approach is STOCK, ignoring case.
func (a PurchaseApproach) IsStockFirst() bool {
	return strings.EqualFold(strings.TrimSpace(string(a)), string(ApproachStock))
}

// PurchaseType is the kind of a purchase (list rows and advanced
// purchases).
type PurchaseType string

// Known purchase types; the credit-note list adds the last two.
const (
	PurchaseTypeSimple             PurchaseType = "Simple Purchase"
	PurchaseTypeAdvanced           PurchaseType = "Advanced Purchase"
	PurchaseTypeService            PurchaseType = "Service Purchase"
	PurchaseTypePurchaseCreditNote PurchaseType = "Purchase Credit Note"
	PurchaseTypeCreditNote         PurchaseType = "Credit Note"
)

// IsAdvanced reports whether the type is "Advanced Purchase", ignoring
// case: such purchases are read with GetAdvanced and received through
// advanced-purchase/stock.
func (t PurchaseType) IsAdvanced() bool {
	return strings.EqualFold(strings.TrimSpace(string(t)), string(PurchaseTypeAdvanced))
}

// PurchaseListItem is one row of purchaseList. Simple and advanced
// purchases are both listed; the stage statuses of an advanced purchase are
// summed up in the Combined… fields.
type PurchaseListItem struct {
	ID                      string                  `json:"ID"`
	BlindReceipt            Bool                    `json:"BlindReceipt"`
	OrderNumber             string                  `json:"OrderNumber"`
	Status                  PurchaseStatus          `json:"Status"`
	OrderDate               Time                    `json:"OrderDate"`
	InvoiceDate             Time                    `json:"InvoiceDate"`
	Supplier                string                  `json:"Supplier"`
	SupplierID              string                  `json:"SupplierID"`
	InvoiceNumber           string                  `json:"InvoiceNumber"`
	InvoiceAmount           decimal.Decimal         `json:"InvoiceAmount"`
	PaidAmount              decimal.Decimal         `json:"PaidAmount"`
	InvoiceDueDate          Time                    `json:"InvoiceDueDate"`
	RequiredBy              Time                    `json:"RequiredBy"`
	BaseCurrency            string                  `json:"BaseCurrency"`
	SupplierCurrency        string                  `json:"SupplierCurrency"`
	CreditNoteNumber        string                  `json:"CreditNoteNumber"`
	OrderStatus             PurchaseTaskStatus      `json:"OrderStatus"`
	StockReceivedStatus     PurchaseTaskStatus      `json:"StockReceivedStatus"`
	UnstockStatus           PurchaseTaskStatus      `json:"UnstockStatus"`
	InvoiceStatus           PurchaseTaskStatus      `json:"InvoiceStatus"`
	CreditNoteStatus        PurchaseTaskStatus      `json:"CreditNoteStatus"`
	LastUpdatedDate         Time                    `json:"LastUpdatedDate"`
	Type                    PurchaseType            `json:"Type"`
	CombinedInvoiceStatus   PurchaseInvoiceStatus   `json:"CombinedInvoiceStatus"`
	CombinedPaymentStatus   PurchasePaymentStatus   `json:"CombinedPaymentStatus"`
	CombinedReceivingStatus CombinedReceivingStatus `json:"CombinedReceivingStatus"`
	IsServiceOnly           Bool                    `json:"IsServiceOnly"`
	DropShipTaskID          string                  `json:"DropShipTaskID,omitempty"`
}

// IsAdvanced reports whether the row is an advanced purchase, which must
// be read with [PurchasesService.GetAdvanced] (and received through
// advanced-purchase/stock) rather than with Get.
func (r *PurchaseListItem) IsAdvanced() bool { return r.Type.IsAdvanced() }

// PurchaseHeader holds the fields simple and advanced purchases share.
// Type, IsServiceOnly and the Combined… statuses are documented for
// advanced purchases only and stay empty on simple ones.
type PurchaseHeader struct {
	ID               string           `json:"ID,omitempty"`
	SupplierID       string           `json:"SupplierID,omitempty"`
	Supplier         string           `json:"Supplier,omitempty"`
	Contact          string           `json:"Contact,omitempty"`
	Phone            string           `json:"Phone,omitempty"`
	InventoryAccount string           `json:"InventoryAccount,omitempty"`
	BlindReceipt     Bool             `json:"BlindReceipt"`
	Approach         PurchaseApproach `json:"Approach,omitempty"`
	BillingAddress   *PurchaseAddress `json:"BillingAddress,omitempty"`
	ShippingAddress  *PurchaseAddress `json:"ShippingAddress,omitempty"`
	BaseCurrency     string           `json:"BaseCurrency,omitempty"`
	SupplierCurrency string           `json:"SupplierCurrency,omitempty"`
	TaxRule          string           `json:"TaxRule,omitempty"`
	// TaxCalculation is Inclusive or Exclusive.
	TaxCalculation string `json:"TaxCalculation,omitempty"`
	Terms          string `json:"Terms,omitempty"`
	RequiredBy     Time   `json:"RequiredBy"`
	// Location is the name of the purchase's default receiving location.
	Location    string         `json:"Location,omitempty"`
	Note        string         `json:"Note,omitempty"`
	OrderNumber string         `json:"OrderNumber,omitempty"`
	OrderDate   Time           `json:"OrderDate"`
	Status      PurchaseStatus `json:"Status,omitempty"`
	// RelatedDropShipSaleTask is the sale task of a drop-ship purchase.
	RelatedDropShipSaleTask string                  `json:"RelatedDropShipSaleTask,omitempty"`
	CurrencyRate            decimal.Decimal         `json:"CurrencyRate"`
	LastUpdatedDate         Time                    `json:"LastUpdatedDate"`
	Type                    PurchaseType            `json:"Type,omitempty"`
	IsServiceOnly           Bool                    `json:"IsServiceOnly,omitempty"`
	CombinedReceivingStatus CombinedReceivingStatus `json:"CombinedReceivingStatus,omitempty"`
	CombinedInvoiceStatus   PurchaseInvoiceStatus   `json:"CombinedInvoiceStatus,omitempty"`
	CombinedPaymentStatus   PurchasePaymentStatus   `json:"CombinedPaymentStatus,omitempty"`
	// Order is the purchase order stage.
	Order                *PurchaseOrder                `json:"Order,omitempty"`
	AdditionalAttributes *PurchaseAdditionalAttributes `json:"AdditionalAttributes,omitempty"`
	Attachments          []Attachment                  `json:"Attachments,omitempty"`
	InventoryMovements   []PurchaseInventoryMovement   `json:"InventoryMovements,omitempty"`
}

// Purchase is a simple purchase (GET purchase): each stage after the order
// is a single object.
type Purchase struct {
	PurchaseHeader
	StockReceived  *PurchaseStock         `json:"StockReceived,omitempty"`
	Invoice        *PurchaseInvoice       `json:"Invoice,omitempty"`
	CreditNote     *PurchaseCreditNote    `json:"CreditNote,omitempty"`
	ManualJournals *PurchaseManualJournal `json:"ManualJournals,omitempty"`
}

// AdvancedPurchase is an advanced purchase (GET advanced-purchase): every
// stage after the order is an array with one element per task, so a
// purchase can be received, put away and invoiced in several parts.
type AdvancedPurchase struct {
	PurchaseHeader
	// PurchaseType is sent only when creating through advanced-purchase:
	// "Simple" or "Advanced".
	PurchaseType   string                       `json:"PurchaseType,omitempty"`
	StockReceived  []PurchaseStock              `json:"StockReceived,omitempty"`
	PutAway        []PurchaseStock              `json:"PutAway,omitempty"`
	Invoice        []PurchaseInvoice            `json:"Invoice,omitempty"`
	CreditNote     []AdvancedPurchaseCreditNote `json:"CreditNote,omitempty"`
	ManualJournals []PurchaseManualJournal      `json:"ManualJournals,omitempty"`
}

// PurchaseAddress is a billing or shipping address. The Display lines are
// computed by Cin7 Core.
type PurchaseAddress struct {
	DisplayAddressLine1 string `json:"DisplayAddressLine1"`
	DisplayAddressLine2 string `json:"DisplayAddressLine2"`
	Line1               string `json:"Line1"`
	Line2               string `json:"Line2"`
	City                string `json:"City"`
	State               string `json:"State"`
	Postcode            string `json:"Postcode"`
	Country             string `json:"Country"`
	// ShipToOther is set on shipping addresses only.
	ShipToOther Bool `json:"ShipToOther,omitempty"`
}

// PurchaseAdditionalAttributes are the ten free attributes of a purchase.
type PurchaseAdditionalAttributes struct {
	AdditionalAttribute1  string `json:"AdditionalAttribute1"`
	AdditionalAttribute2  string `json:"AdditionalAttribute2"`
	AdditionalAttribute3  string `json:"AdditionalAttribute3"`
	AdditionalAttribute4  string `json:"AdditionalAttribute4"`
	AdditionalAttribute5  string `json:"AdditionalAttribute5"`
	AdditionalAttribute6  string `json:"AdditionalAttribute6"`
	AdditionalAttribute7  string `json:"AdditionalAttribute7"`
	AdditionalAttribute8  string `json:"AdditionalAttribute8"`
	AdditionalAttribute9  string `json:"AdditionalAttribute9"`
	AdditionalAttribute10 string `json:"AdditionalAttribute10"`
}

// CustomFieldValue is a product custom field copied onto a document line.
// Its type depends on the field's definition, so any JSON scalar decodes
// into its text; null and "" are empty.
type CustomFieldValue string

// UnmarshalJSON implements json.Unmarshaler.
func (v *CustomFieldValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*v = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = CustomFieldValue(s)
	default:
		*v = CustomFieldValue(b)
	}
	return nil
}

// PurchaseLineProduct are the product facts Cin7 Core copies onto every
// document line that has a ProductID (read-only).
type PurchaseLineProduct struct {
	ProductLength        decimal.Decimal  `json:"ProductLength"`
	ProductWidth         decimal.Decimal  `json:"ProductWidth"`
	ProductHeight        decimal.Decimal  `json:"ProductHeight"`
	ProductWeight        decimal.Decimal  `json:"ProductWeight"`
	WeightUnits          string           `json:"WeightUnits,omitempty"`
	DimensionsUnits      string           `json:"DimensionsUnits,omitempty"`
	ProductCustomField1  CustomFieldValue `json:"ProductCustomField1,omitempty"`
	ProductCustomField2  CustomFieldValue `json:"ProductCustomField2,omitempty"`
	ProductCustomField3  CustomFieldValue `json:"ProductCustomField3,omitempty"`
	ProductCustomField4  CustomFieldValue `json:"ProductCustomField4,omitempty"`
	ProductCustomField5  CustomFieldValue `json:"ProductCustomField5,omitempty"`
	ProductCustomField6  CustomFieldValue `json:"ProductCustomField6,omitempty"`
	ProductCustomField7  CustomFieldValue `json:"ProductCustomField7,omitempty"`
	ProductCustomField8  CustomFieldValue `json:"ProductCustomField8,omitempty"`
	ProductCustomField9  CustomFieldValue `json:"ProductCustomField9,omitempty"`
	ProductCustomField10 CustomFieldValue `json:"ProductCustomField10,omitempty"`
}

// PurchaseOrder is the order stage of a purchase (purchase/order, and
// Order inside a purchase). TaskID is the purchase's ID.
type PurchaseOrder struct {
	TaskID string `json:"TaskID,omitempty"`
	// CombineAdditionalCharges folds additional charges into Lines (then
	// lines need neither ProductID nor SKU).
	CombineAdditionalCharges Bool   `json:"CombineAdditionalCharges,omitempty"`
	Memo                     string `json:"Memo,omitempty"`
	// Status is DRAFT or AUTHORISED when posting; NOT AVAILABLE or VOIDED
	// may also be read.
	Status            PurchaseTaskStatus         `json:"Status,omitempty"`
	Lines             []PurchaseLine             `json:"Lines,omitempty"`
	AdditionalCharges []PurchaseAdditionalCharge `json:"AdditionalCharges,omitempty"`
	Prepayments       []PurchasePayment          `json:"Prepayments,omitempty"`
	TotalBeforeTax    decimal.Decimal            `json:"TotalBeforeTax"`
	Tax               decimal.Decimal            `json:"Tax"`
	Total             decimal.Decimal            `json:"Total"`
}

// PurchaseLine is a product line of an order, invoice or credit note.
// Discount is a percentage (0–100, 2 dp); Total is the line total Cin7 Core
// checks against Quantity, Price, Discount and Tax.
type PurchaseLine struct {
	ProductID   string          `json:"ProductID,omitempty"`
	SKU         string          `json:"SKU,omitempty"`
	Name        string          `json:"Name,omitempty"`
	Quantity    decimal.Decimal `json:"Quantity"`
	Price       decimal.Decimal `json:"Price"`
	Discount    decimal.Decimal `json:"Discount"`
	Tax         decimal.Decimal `json:"Tax"`
	TaxRule     string          `json:"TaxRule,omitempty"`
	SupplierSKU string          `json:"SupplierSKU,omitempty"`
	// Account is set on invoice and credit note lines.
	Account string          `json:"Account,omitempty"`
	Comment string          `json:"Comment,omitempty"`
	Total   decimal.Decimal `json:"Total"`
	PurchaseLineProduct
}

// PurchaseAdditionalCharge is a charge line that is no product (freight,
// services).
type PurchaseAdditionalCharge struct {
	Description string          `json:"Description"`
	Reference   string          `json:"Reference,omitempty"`
	Price       decimal.Decimal `json:"Price"`
	Quantity    decimal.Decimal `json:"Quantity"`
	Discount    decimal.Decimal `json:"Discount"`
	Tax         decimal.Decimal `json:"Tax"`
	Total       decimal.Decimal `json:"Total"`
	TaxRule     string          `json:"TaxRule,omitempty"`
	Account     string          `json:"Account,omitempty"`
}

// PurchasePayment is a prepayment, payment or refund.
type PurchasePayment struct {
	ID           string          `json:"ID,omitempty"`
	Reference    string          `json:"Reference,omitempty"`
	Amount       decimal.Decimal `json:"Amount"`
	DatePaid     Time            `json:"DatePaid"`
	Account      string          `json:"Account,omitempty"`
	CurrencyRate decimal.Decimal `json:"CurrencyRate"`
	DateCreated  Time            `json:"DateCreated"`
}

// PurchaseInvoice is an invoice of a purchase. Simple-purchase examples
// spell the number key InvocieNumber (pitfall 22): both spellings decode,
// and InvoiceNumber always holds the number.
type PurchaseInvoice struct {
	// TaskID and InvoicingAndReceivingNumber are set in advanced purchases.
	TaskID                      string `json:"TaskID,omitempty"`
	InvoicingAndReceivingNumber Int    `json:"InvoicingAndReceivingNumber,omitempty"`
	InvoiceDate                 Time   `json:"InvoiceDate"`
	InvoiceDueDate              Time   `json:"InvoiceDueDate"`
	InvoiceNumber               string `json:"InvoiceNumber,omitempty"`
	// InvocieNumber is the misspelt key as received; its value is also in
	// InvoiceNumber. Kept so that re-encoding loses nothing.
	InvocieNumber     string                     `json:"InvocieNumber,omitempty"`
	Status            PurchaseTaskStatus         `json:"Status,omitempty"`
	Lines             []PurchaseLine             `json:"Lines,omitempty"`
	AdditionalCharges []PurchaseAdditionalCharge `json:"AdditionalCharges,omitempty"`
	Payments          []PurchasePayment          `json:"Payments,omitempty"`
	TotalBeforeTax    decimal.Decimal            `json:"TotalBeforeTax"`
	Tax               decimal.Decimal            `json:"Tax"`
	Total             decimal.Decimal            `json:"Total"`
	Paid              decimal.Decimal            `json:"Paid"`
}

// UnmarshalJSON accepts both InvoiceNumber and InvocieNumber.
func (inv *PurchaseInvoice) UnmarshalJSON(b []byte) error {
	type plain PurchaseInvoice
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.InvoiceNumber == "" {
		p.InvoiceNumber = p.InvocieNumber
	}
	*inv = PurchaseInvoice(p)
	return nil
}

// PurchaseCreditNote is the credit note of a simple purchase; its Unstock
// (stock returned to the supplier) is a single object.
type PurchaseCreditNote struct {
	TaskID                  string                     `json:"TaskID,omitempty"`
	CreditNoteInvoiceNumber string                     `json:"CreditNoteInvoiceNumber,omitempty"`
	CreditNoteNumber        string                     `json:"CreditNoteNumber,omitempty"`
	CreditNoteDate          Time                       `json:"CreditNoteDate"`
	Status                  PurchaseTaskStatus         `json:"Status,omitempty"`
	Lines                   []PurchaseLine             `json:"Lines,omitempty"`
	AdditionalCharges       []PurchaseAdditionalCharge `json:"AdditionalCharges,omitempty"`
	Refunds                 []PurchasePayment          `json:"Refunds,omitempty"`
	Unstock                 *PurchaseStock             `json:"Unstock,omitempty"`
	TotalBeforeTax          decimal.Decimal            `json:"TotalBeforeTax"`
	Tax                     decimal.Decimal            `json:"Tax"`
	Total                   decimal.Decimal            `json:"Total"`
}

// AdvancedPurchaseCreditNote is one credit note of an advanced purchase;
// its Unstock is an array of lines.
type AdvancedPurchaseCreditNote struct {
	TaskID                  string                     `json:"TaskID,omitempty"`
	CreditNoteInvoiceNumber string                     `json:"CreditNoteInvoiceNumber,omitempty"`
	CreditNoteNumber        string                     `json:"CreditNoteNumber,omitempty"`
	CreditNoteDate          Time                       `json:"CreditNoteDate"`
	Status                  PurchaseTaskStatus         `json:"Status,omitempty"`
	Lines                   []PurchaseLine             `json:"Lines,omitempty"`
	AdditionalCharges       []PurchaseAdditionalCharge `json:"AdditionalCharges,omitempty"`
	Refunds                 []PurchasePayment          `json:"Refunds,omitempty"`
	Unstock                 []PurchaseStockLine        `json:"Unstock,omitempty"`
	TotalBeforeTax          decimal.Decimal            `json:"TotalBeforeTax"`
	Tax                     decimal.Decimal            `json:"Tax"`
	Total                   decimal.Decimal            `json:"Total"`
}

// PurchaseManualJournal holds the journal lines of a purchase (one object
// in a simple purchase, one per task in an advanced one).
type PurchaseManualJournal struct {
	TaskID                      string                      `json:"TaskID,omitempty"`
	InvoicingAndReceivingNumber Int                         `json:"InvoicingAndReceivingNumber,omitempty"`
	Status                      PurchaseTaskStatus          `json:"Status,omitempty"`
	Lines                       []PurchaseManualJournalLine `json:"Lines,omitempty"`
}

// PurchaseManualJournalLine is one journal entry; Debit and Credit are
// account codes.
type PurchaseManualJournalLine struct {
	Reference string          `json:"Reference,omitempty"`
	Amount    decimal.Decimal `json:"Amount"`
	Date      Time            `json:"Date"`
	Debit     string          `json:"Debit,omitempty"`
	Credit    string          `json:"Credit,omitempty"`
	IsSystem  Bool            `json:"IsSystem"`
}

// PurchaseInventoryMovement is a cost movement a purchase caused.
type PurchaseInventoryMovement struct {
	TaskID    string          `json:"TaskID,omitempty"`
	ProductID string          `json:"ProductID,omitempty"`
	Date      Time            `json:"Date"`
	COGS      decimal.Decimal `json:"COGS"`
	PurchaseLineProduct
}

// PurchaseListOptions filter purchaseList. Zero values are left out.
type PurchaseListOptions struct {
	// Search matches OrderNumber, Status, Supplier, InvoiceNumber and
	// CreditNoteNumber.
	Search string `url:"Search,omitempty"`
	// RequiredBy lists purchases required by this date.
	RequiredBy time.Time `url:"-"`
	// UpdatedSince lists purchases whose LastUpdatedDate is at or after
	// this instant (sent as UTC); the API leaves the boundary vague, so
	// overlap successive windows.
	UpdatedSince time.Time `url:"-"`
	// UpdatedUntil bounds UpdatedSince from above. It is missing from the
	// documented URI template but honoured (pitfall 27).
	UpdatedUntil time.Time `url:"-"`
	// OrderStatus, InvoiceStatus, CreditNoteStatus and UnstockStatus
	// filter by stage status.
	OrderStatus PurchaseTaskStatus `url:"OrderStatus,omitempty"`
	// StockReceivedStatus filters by the row's StockReceivedStatus; the
	// API calls this filter RestockReceivedStatus (pitfall 27).
	StockReceivedStatus PurchaseTaskStatus `url:"RestockReceivedStatus,omitempty"`
	InvoiceStatus       PurchaseTaskStatus `url:"InvoiceStatus,omitempty"`
	CreditNoteStatus    PurchaseTaskStatus `url:"CreditNoteStatus,omitempty"`
	UnstockStatus       PurchaseTaskStatus `url:"UnstockStatus,omitempty"`
	// Status filters by the overall status (the documented URI template
	// writes "Status{Status}" without "="; this sends Status=…).
	Status PurchaseStatus `url:"Status,omitempty"`
	// DropShipTaskID lists the purchase of a drop-ship sale task.
	DropShipTaskID string `url:"DropShipTaskID,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

func (o *PurchaseListOptions) query() (url.Values, error) {
	return valuesWithTimes(o, map[string]time.Time{"RequiredBy": o.RequiredBy, "UpdatedSince": o.UpdatedSince, "UpdatedUntil": o.UpdatedUntil})
}

// List returns a pager over purchases, simple and advanced.
func (s *PurchasesService) List(opts *PurchaseListOptions) *Pager[PurchaseListItem] {
	if opts == nil {
		opts = &PurchaseListOptions{}
	}
	o := *opts
	return newListPager[PurchaseListItem](s.client, "purchaseList", "PurchaseList", func() (url.Values, error) { return o.query() }, o.Limit, o.Page)
}

// Get returns a simple purchase by ID; ErrNotFound if there is none. Use
// GetAdvanced for a row whose IsAdvanced is true.
func (s *PurchasesService) Get(ctx context.Context, id string) (*Purchase, error) {
	return getDocument(ctx, s.client, "purchase", "ID", id, func(p *Purchase) string { return p.ID })
}

// GetAdvanced returns an advanced purchase by ID; ErrNotFound if there is
// none.
func (s *PurchasesService) GetAdvanced(ctx context.Context, id string) (*AdvancedPurchase, error) {
	return getDocument(ctx, s.client, "advanced-purchase", "ID", id, func(p *AdvancedPurchase) string { return p.ID })
}

// GetOrder returns the order stage of a purchase (simple or advanced); the
// task ID is the purchase's ID.
func (s *PurchasesService) GetOrder(ctx context.Context, taskID string) (*PurchaseOrder, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	var o PurchaseOrder
	if err := s.client.get(ctx, "purchase/order", url.Values{"TaskID": {taskID}}, &o); err != nil {
		return nil, err
	}
	if o.TaskID == "" {
		return nil, notFound("purchase/order", taskID)
	}
	return &o, nil
}

// PostOrder writes the order stage of a purchase whose order is still a
// draft (its lines replace the draft's), and authorises it when o.Status is
// AUTHORISED. Totals and product facts are not sent: Cin7 Core computes
// them. It is checked
// before sending: TaskID set, Status empty, DRAFT or AUTHORISED, and every
// line with a ProductID or SKU (unless CombineAdditionalCharges) and a
// positive Quantity. Not retried on 5xx or transport errors unless opts
// include [RetrySafe] (posting the same draft twice is harmless).
func (s *PurchasesService) PostOrder(ctx context.Context, o *PurchaseOrder, opts ...CallOption) (*PurchaseOrder, error) {
	if err := validatePurchaseOrder(o); err != nil {
		return nil, err
	}
	// Send what the documented request holds: no totals (Cin7 Core
	// computes them) and no read-only product facts on the lines.
	type lineBody struct {
		ProductID   string          `json:"ProductID,omitempty"`
		SKU         string          `json:"SKU,omitempty"`
		Name        string          `json:"Name,omitempty"`
		Quantity    decimal.Decimal `json:"Quantity"`
		Price       decimal.Decimal `json:"Price"`
		Discount    decimal.Decimal `json:"Discount"`
		Tax         decimal.Decimal `json:"Tax"`
		TaxRule     string          `json:"TaxRule,omitempty"`
		SupplierSKU string          `json:"SupplierSKU,omitempty"`
		Comment     string          `json:"Comment,omitempty"`
		Total       decimal.Decimal `json:"Total"`
	}
	body := struct {
		TaskID                   string                     `json:"TaskID"`
		CombineAdditionalCharges Bool                       `json:"CombineAdditionalCharges"`
		Memo                     string                     `json:"Memo,omitempty"`
		Status                   PurchaseTaskStatus         `json:"Status,omitempty"`
		Lines                    []lineBody                 `json:"Lines"`
		AdditionalCharges        []PurchaseAdditionalCharge `json:"AdditionalCharges,omitempty"`
	}{TaskID: o.TaskID, CombineAdditionalCharges: o.CombineAdditionalCharges, Memo: o.Memo, Status: o.Status,
		Lines: make([]lineBody, len(o.Lines)), AdditionalCharges: o.AdditionalCharges}
	for i, l := range o.Lines {
		body.Lines[i] = lineBody{l.ProductID, l.SKU, l.Name, l.Quantity, l.Price, l.Discount, l.Tax, l.TaxRule, l.SupplierSKU, l.Comment, l.Total}
	}
	var out PurchaseOrder
	if err := s.client.send(ctx, http.MethodPost, "purchase/order", nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

func validatePurchaseOrder(o *PurchaseOrder) error {
	if o == nil {
		return &ValidationError{Reason: "order must not be nil"}
	}
	if strings.TrimSpace(o.TaskID) == "" {
		return &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	switch strings.ToUpper(string(o.Status)) {
	case "", string(PurchaseTaskDraft), string(PurchaseTaskAuthorised):
	default:
		return &ValidationError{Field: "Status", Reason: "must be DRAFT or AUTHORISED, not " + string(o.Status)}
	}
	if o.Status.IsAuthorised() && len(o.Lines) == 0 && len(o.AdditionalCharges) == 0 {
		return &ValidationError{Field: "Lines", Reason: "an order cannot be authorised without lines"}
	}
	for i, l := range o.Lines {
		if !bool(o.CombineAdditionalCharges) && strings.TrimSpace(l.ProductID) == "" && strings.TrimSpace(l.SKU) == "" {
			return &ValidationError{Field: purchaseLineField(i, "ProductID"), Reason: "a line needs a ProductID or a SKU"}
		}
		if !l.Quantity.IsPositive() {
			return &ValidationError{Field: purchaseLineField(i, "Quantity"), Reason: "must be positive"}
		}
	}
	return nil
}

// purchaseLineField names a line's field in a ValidationError.
func purchaseLineField(i int, name string) string {
	return "Lines[" + strconv.Itoa(i) + "]." + name
}
