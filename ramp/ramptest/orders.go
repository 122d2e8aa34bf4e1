package ramptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// This file is the fake's order store and state machine (see the
// "Orders" section of ramp/API.md). Every change goes through a clone, so
// a refused request leaves the stored order as it was.

var orderFields = map[string]fieldDef{
	"Id":                   {kString, func(r any) value { return str(r.(*ramp.Order).ID) }},
	"ExternalRef":          {kString, func(r any) value { return str(r.(*ramp.Order).ExternalRef) }},
	"CustomerOrderNumber":  {kString, func(r any) value { return optStr(r.(*ramp.Order).CustomerOrderNumber) }},
	"OrderType":            {kString, func(r any) value { return str(string(r.(*ramp.Order).OrderType)) }},
	"State":                {kString, func(r any) value { return str(string(r.(*ramp.Order).State)) }},
	"FromPlaceId":          {kString, func(r any) value { return optStr(r.(*ramp.Order).FromPlaceID) }},
	"FromPlaceExternalRef": {kString, func(r any) value { return optStr(r.(*ramp.Order).FromPlaceExternalRef) }},
	"ToPlaceId":            {kString, func(r any) value { return optStr(r.(*ramp.Order).ToPlaceID) }},
	"ToPlaceExternalRef":   {kString, func(r any) value { return optStr(r.(*ramp.Order).ToPlaceExternalRef) }},
	"Comments":             {kString, func(r any) value { return optStr(r.(*ramp.Order).Comments) }},
	"RequiredBy":           {kTime, func(r any) value { return tm(r.(*ramp.Order).RequiredBy) }},
	"Version":              {kNumber, func(r any) value { return num(float64(r.(*ramp.Order).Version)) }},
	"DateCreated":          {kTime, func(r any) value { return tm(r.(*ramp.Order).DateCreated) }},
	"DateLastModified":     {kTime, func(r any) value { return tm(r.(*ramp.Order).DateLastModified) }},
}

var one = decimal.NewFromInt(1)

func cloneOrder(o *ramp.Order) *ramp.Order {
	c := *o
	c.Lines = make([]ramp.OrderLine, len(o.Lines))
	for i, l := range o.Lines {
		l.Allocated = slices.Clone(l.Allocated)
		l.Dispatched = slices.Clone(l.Dispatched)
		l.Received = slices.Clone(l.Received)
		c.Lines[i] = l
	}
	return &c
}

// orderView is an order as the API shows it: place and SKU names are the
// current ones.
func (s *Server) orderView(o *ramp.Order) ramp.Order {
	out := *cloneOrder(o)
	out.FromPlaceName, out.ToPlaceName = "", ""
	if p, ok := s.places[o.FromPlaceID]; ok {
		out.FromPlaceName = p.Name
	}
	if p, ok := s.places[o.ToPlaceID]; ok {
		out.ToPlaceName = p.Name
	}
	for i := range out.Lines {
		l := &out.Lines[i]
		if k, ok := s.skus[l.SkuID]; ok {
			l.SkuNumber, l.SkuName, l.SkuExternalRef = k.SkuNumber, k.Name, k.ExternalRef
		}
	}
	return out
}

func illegal(format string, args ...any) *failure {
	return fail(http.StatusBadRequest, ramp.CodeIllegalBusinessOperation, "State", format, args...)
}

func frozen(o *ramp.Order) *failure {
	return fail(http.StatusConflict, ramp.CodeIllegalBusinessOperation, "State", "order %s is %s and can no longer change", o.ID, o.State)
}

// checkOrder applies the header and line rules to o, which will be stored
// under id ("" for a new order), and fills the resolved IDs and refs.
func (s *Server) checkOrder(o *ramp.Order, id string) *failure {
	if f := checkExternalRef(o.ExternalRef); f != nil {
		return f
	}
	from, f := s.resolvePlace(o.FromPlaceID, o.FromPlaceExternalRef, "FromPlace")
	if f != nil {
		return f
	}
	to, f := s.resolvePlace(o.ToPlaceID, o.ToPlaceExternalRef, "ToPlace")
	if f != nil {
		return f
	}
	need := func(p *ramp.Place, field, typ string) *failure {
		if p == nil {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, field, "%s is required for %s orders", field, typ)
		}
		return nil
	}
	empty := func(p *ramp.Place, field, typ string) *failure {
		if p != nil {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, field, "%s must be empty for %s orders", field, typ)
		}
		return nil
	}
	switch o.OrderType {
	case ramp.OrderInbound:
		f = firstFailure(need(to, "ToPlaceId", "inbound"), empty(from, "FromPlaceId", "inbound"))
	case ramp.OrderOutbound:
		f = firstFailure(need(from, "FromPlaceId", "outbound"), empty(to, "ToPlaceId", "outbound"))
	case ramp.OrderTransfer:
		f = firstFailure(need(from, "FromPlaceId", "transfer"), need(to, "ToPlaceId", "transfer"))
		if f == nil && from.ID == to.ID {
			f = fail(http.StatusBadRequest, ramp.CodeValidationError, "ToPlaceId", "a transfer must go to another place")
		}
	default:
		f = fail(http.StatusBadRequest, ramp.CodeValidationError, "OrderType", "OrderType must be Inbound, Outbound or Transfer, not %q", o.OrderType)
	}
	if f != nil {
		return f
	}
	o.FromPlaceID, o.FromPlaceExternalRef, o.ToPlaceID, o.ToPlaceExternalRef = "", "", "", ""
	if from != nil {
		o.FromPlaceID, o.FromPlaceExternalRef = from.ID, from.ExternalRef
	}
	if to != nil {
		o.ToPlaceID, o.ToPlaceExternalRef = to.ID, to.ExternalRef
	}
	if len(o.Lines) == 0 {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "OrderSkuList", "an order needs at least one line")
	}
	idx := s.skuIndex()
	for i := range o.Lines {
		l := &o.Lines[i]
		field := fmt.Sprintf("OrderSkuList[%d].", i)
		k, f := s.resolveSku(idx, l.SkuID, l.SkuExternalRef, field)
		if f != nil {
			return f
		}
		l.SkuID, l.SkuExternalRef = k.ID, k.ExternalRef
		if !l.RequiredCount.IsPositive() {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, field+"RequiredCount", "RequiredCount must be positive, not %s", l.RequiredCount)
		}
	}
	for oid, other := range s.orders {
		if oid != id && other.ExternalRef == o.ExternalRef {
			return fail(http.StatusConflict, ramp.CodeDuplicateResource, "ExternalRef", "an order with ExternalRef %q already exists", o.ExternalRef)
		}
	}
	return s.custom("order", *o)
}

func firstFailure(fs ...*failure) *failure {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}

// clearProgress drops what a client may not write.
func clearProgress(l *ramp.OrderLine) {
	l.AllocatedCount, l.DispatchedCount, l.ReceivedCount = decimal.Zero, decimal.Zero, decimal.Zero
	l.Allocated, l.Dispatched, l.Received = nil, nil, nil
	l.SkuNumber, l.SkuName = "", ""
}

func (s *Server) createOrder(o ramp.Order) (ramp.Order, *failure) {
	if o.ID != "" {
		return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id must be empty on create")
	}
	o.Lines = slices.Clone(o.Lines)
	if f := s.checkOrder(&o, ""); f != nil {
		return ramp.Order{}, f
	}
	now := s.now().UTC()
	o.ID, o.State, o.Version, o.DateCreated, o.DateLastModified = newGUID(), ramp.OrderCreated, 1, now, now
	o.FromPlaceName, o.ToPlaceName = "", ""
	for i := range o.Lines {
		o.Lines[i].ID = newGUID()
		clearProgress(&o.Lines[i])
	}
	s.orders[o.ID] = &o
	return s.orderView(&o), nil
}

func (s *Server) updateOrder(o ramp.Order) (ramp.Order, *failure) {
	if o.ID == "" {
		return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id is required")
	}
	id := strings.ToLower(o.ID)
	old, ok := s.orders[id]
	if !ok {
		return ramp.Order{}, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no order with Id %s", o.ID)
	}
	if old.State.Frozen() {
		return ramp.Order{}, frozen(old)
	}
	o.ID = id
	o.Lines = slices.Clone(o.Lines)
	if f := s.checkOrder(&o, id); f != nil {
		return ramp.Order{}, f
	}
	if o.OrderType != old.OrderType {
		return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "OrderType", "an order's type cannot change (%s)", old.OrderType)
	}
	// Match the new lines to the old ones (by Id, then ExternalRef, then
	// SKU) so their progress survives.
	used := make([]bool, len(old.Lines))
	for i := range o.Lines {
		l := &o.Lines[i]
		match := -1
		for j, ol := range old.Lines {
			if used[j] {
				continue
			}
			switch {
			case l.ID != "":
				if strings.EqualFold(ol.ID, l.ID) {
					match = j
				}
			case l.ExternalRef != "":
				if ol.ExternalRef == l.ExternalRef {
					match = j
				}
			case ol.SkuID == l.SkuID:
				match = j
			}
			if match >= 0 {
				break
			}
		}
		if match < 0 && l.ID != "" {
			return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, fmt.Sprintf("OrderSkuList[%d].Id", i), "order %s has no line %s", id, l.ID)
		}
		clearProgress(l)
		if match < 0 {
			l.ID = newGUID()
			continue
		}
		used[match] = true
		ol := old.Lines[match]
		if ol.SkuID != l.SkuID && hasProgress(ol) {
			return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, fmt.Sprintf("OrderSkuList[%d].SkuId", i), "line %s has progress: its SKU cannot change", ol.ID)
		}
		l.ID = ol.ID
		l.AllocatedCount, l.DispatchedCount, l.ReceivedCount = ol.AllocatedCount, ol.DispatchedCount, ol.ReceivedCount
		l.Allocated, l.Dispatched, l.Received = slices.Clone(ol.Allocated), slices.Clone(ol.Dispatched), slices.Clone(ol.Received)
	}
	for j, ol := range old.Lines {
		if !used[j] && hasProgress(ol) {
			return ramp.Order{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "OrderSkuList", "line %s has progress and cannot be removed", ol.ID)
		}
	}
	o.State, o.DateCreated = old.State, old.DateCreated
	o.FromPlaceName, o.ToPlaceName = "", ""
	settle(&o)
	s.bump(&o, old)
	s.orders[id] = &o
	return s.orderView(&o), nil
}

func hasProgress(l ramp.OrderLine) bool {
	return len(l.Allocated)+len(l.Dispatched)+len(l.Received) > 0
}

// bump moves the version and modification time on from prev.
func (s *Server) bump(o, prev *ramp.Order) {
	o.Version = prev.Version + 1
	o.DateLastModified = laterThan(s.now().UTC(), prev.DateLastModified)
}

// receiveTarget is what a line expects to receive: the required count
// for inbound orders, what was dispatched for transfers.
func receiveTarget(o *ramp.Order, l *ramp.OrderLine) decimal.Decimal {
	if o.OrderType == ramp.OrderTransfer {
		return l.DispatchedCount
	}
	return l.RequiredCount
}

// settle moves between the partial and full states after progress or an
// update changed the counts.
func settle(o *ramp.Order) {
	full := func(done func(l *ramp.OrderLine) bool) bool {
		for i := range o.Lines {
			if !done(&o.Lines[i]) {
				return false
			}
		}
		return true
	}
	switch o.State {
	case ramp.OrderAllocating, ramp.OrderAllocated:
		o.State = ramp.OrderAllocating
		if full(func(l *ramp.OrderLine) bool { return l.AllocatedCount.GreaterThanOrEqual(l.RequiredCount) }) {
			o.State = ramp.OrderAllocated
		}
	case ramp.OrderReceiving, ramp.OrderReceived:
		o.State = ramp.OrderReceiving
		if full(func(l *ramp.OrderLine) bool { return l.ReceivedCount.GreaterThanOrEqual(receiveTarget(o, l)) }) {
			o.State = ramp.OrderReceived
		}
	}
}

func sumUnits(us []ramp.LineUnit) decimal.Decimal {
	t := decimal.Zero
	for _, u := range us {
		t = t.Add(u.Count)
	}
	return t
}

// addUnits records units on o's lines; which picks the list (Allocated or
// Received) and target how much a line wants, to spread units of one SKU
// over several lines.
func (s *Server) addUnits(o *ramp.Order, units []ramp.OrderUnit, which func(*ramp.OrderLine) *[]ramp.LineUnit, target func(*ramp.OrderLine) decimal.Decimal) *failure {
	if len(units) == 0 {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "Units", "at least one unit is required")
	}
	for i, u := range units {
		field := fmt.Sprintf("Units[%d]", i)
		if !u.Count.IsPositive() {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, field+".Count", "Count must be positive, not %s", u.Count)
		}
		if u.Serial != "" && !u.Count.Equal(one) {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, field+".Count", "a serial number counts exactly 1")
		}
		line := -1
		if u.LineID != "" {
			for j := range o.Lines {
				if strings.EqualFold(o.Lines[j].ID, u.LineID) {
					line = j
				}
			}
			if line < 0 {
				return fail(http.StatusBadRequest, ramp.CodeValidationError, field+".LineId", "order %s has no line %s", o.ID, u.LineID)
			}
		} else {
			k, f := s.resolveSku(nil, u.SkuID, u.SkuExternalRef, field+".")
			if f != nil {
				return f
			}
			for j := range o.Lines {
				l := &o.Lines[j]
				if l.SkuID != k.ID {
					continue
				}
				if line < 0 || sumUnits(*which(&o.Lines[line])).GreaterThanOrEqual(target(&o.Lines[line])) && sumUnits(*which(l)).LessThan(target(l)) {
					line = j
				}
			}
			if line < 0 {
				return fail(http.StatusBadRequest, ramp.CodeValidationError, field, "SKU %s is not on order %s", k.ExternalRef, o.ID)
			}
		}
		list := which(&o.Lines[line])
		merged := false
		for j := range *list {
			e := &(*list)[j]
			if e.Batch == u.Batch && e.Serial == u.Serial && e.Expiry.Equal(u.Expiry) {
				if u.Serial != "" {
					return fail(http.StatusBadRequest, ramp.CodeValidationError, field+".Serial", "serial %q is already on line %s", u.Serial, o.Lines[line].ID)
				}
				e.Count = e.Count.Add(u.Count)
				merged = true
				break
			}
		}
		if !merged {
			*list = append(*list, ramp.LineUnit{Batch: u.Batch, Serial: u.Serial, Expiry: u.Expiry.UTC(), Count: u.Count})
		}
	}
	for j := range o.Lines {
		l := &o.Lines[j]
		l.AllocatedCount, l.DispatchedCount, l.ReceivedCount = sumUnits(l.Allocated), sumUnits(l.Dispatched), sumUnits(l.Received)
	}
	return nil
}

func allocated(l *ramp.OrderLine) *[]ramp.LineUnit { return &l.Allocated }
func received(l *ramp.OrderLine) *[]ramp.LineUnit  { return &l.Received }

// orderForAction returns a working copy of the order, refusing frozen
// ones.
func (s *Server) orderForAction(id string) (*ramp.Order, *ramp.Order, *failure) {
	old, ok := s.orders[strings.ToLower(id)]
	if !ok {
		return nil, nil, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no order with Id %s", id)
	}
	if old.State.Frozen() {
		return nil, nil, frozen(old)
	}
	return cloneOrder(old), old, nil
}

// commit stores a changed working copy.
func (s *Server) commit(o, old *ramp.Order) ramp.Order {
	settle(o)
	s.bump(o, old)
	s.orders[o.ID] = o
	return s.orderView(o)
}

func (s *Server) allocate(id string, units []ramp.OrderUnit) (ramp.Order, *failure) {
	o, old, f := s.orderForAction(id)
	if f != nil {
		return ramp.Order{}, f
	}
	if o.OrderType == ramp.OrderInbound {
		return ramp.Order{}, illegal("inbound order %s is not allocated: receive it", o.ID)
	}
	if o.State != ramp.OrderCreated && o.State != ramp.OrderAllocating {
		return ramp.Order{}, illegal("order %s is %s: allocation needs Created or Allocating", o.ID, o.State)
	}
	if f := s.addUnits(o, units, allocated, func(l *ramp.OrderLine) decimal.Decimal { return l.RequiredCount }); f != nil {
		return ramp.Order{}, f
	}
	o.State = ramp.OrderAllocating
	return s.commit(o, old), nil
}

func (s *Server) dispatch(id string) (ramp.Order, *failure) {
	o, old, f := s.orderForAction(id)
	if f != nil {
		return ramp.Order{}, f
	}
	if o.OrderType == ramp.OrderInbound {
		return ramp.Order{}, illegal("inbound order %s cannot be dispatched", o.ID)
	}
	if o.State != ramp.OrderAllocating && o.State != ramp.OrderAllocated {
		return ramp.Order{}, illegal("order %s is %s: dispatch needs Allocating or Allocated", o.ID, o.State)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.Dispatched, l.DispatchedCount = slices.Clone(l.Allocated), l.AllocatedCount
	}
	o.State = ramp.OrderDispatched
	return s.commit(o, old), nil
}

func (s *Server) receive(id string, units []ramp.OrderUnit) (ramp.Order, *failure) {
	o, old, f := s.orderForAction(id)
	if f != nil {
		return ramp.Order{}, f
	}
	switch {
	case o.OrderType == ramp.OrderOutbound:
		return ramp.Order{}, illegal("outbound order %s is not received in Ramp", o.ID)
	case o.OrderType == ramp.OrderInbound && o.State != ramp.OrderCreated && o.State != ramp.OrderReceiving:
		return ramp.Order{}, illegal("inbound order %s is %s: receiving needs Created or Receiving", o.ID, o.State)
	case o.OrderType == ramp.OrderTransfer && o.State != ramp.OrderDispatched && o.State != ramp.OrderReceiving:
		return ramp.Order{}, illegal("transfer order %s is %s: receiving needs Dispatched or Receiving", o.ID, o.State)
	}
	if f := s.addUnits(o, units, received, func(l *ramp.OrderLine) decimal.Decimal { return receiveTarget(o, l) }); f != nil {
		return ramp.Order{}, f
	}
	o.State = ramp.OrderReceiving
	return s.commit(o, old), nil
}

func (s *Server) complete(id string) (ramp.Order, *failure) {
	o, old, f := s.orderForAction(id)
	if f != nil {
		return ramp.Order{}, f
	}
	ok := o.State == ramp.OrderReceiving || o.State == ramp.OrderReceived
	if o.OrderType == ramp.OrderOutbound {
		ok = o.State == ramp.OrderDispatched
	}
	if !ok {
		return ramp.Order{}, illegal("%s order %s is %s and cannot be completed yet", strings.ToLower(string(o.OrderType)), o.ID, o.State)
	}
	o.State = ramp.OrderCompleted
	return s.commit(o, old), nil
}

func (s *Server) cancel(id string) (ramp.Order, *failure) {
	o, old, f := s.orderForAction(id)
	if f != nil {
		return ramp.Order{}, f
	}
	switch o.State {
	case ramp.OrderCreated, ramp.OrderAllocating, ramp.OrderAllocated:
	default:
		return ramp.Order{}, illegal("order %s is %s: goods have moved, it cannot be cancelled", o.ID, o.State)
	}
	o.State = ramp.OrderCancelled
	return s.commit(o, old), nil
}

// HTTP handlers (s.mu held).

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, orderFields)
	if f != nil {
		return f
	}
	all := sortByCreation(s.orders, func(o *ramp.Order) time.Time { return o.DateCreated }, func(o *ramp.Order) string { return o.ID })
	writePage(w, r, p, all, s.orderView)
	return nil
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) *failure {
	id, f := idFrom(r, ramp.PathGetOrder)
	if f != nil {
		return f
	}
	o, ok := s.orders[id]
	if !ok {
		return fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no order with Id %s", id)
	}
	writeJSON(w, http.StatusOK, s.orderView(o))
	return nil
}

func (s *Server) handleCreateOrder(w http.ResponseWriter, r *http.Request) *failure {
	var o ramp.Order
	if f := decodeBody(r, &o); f != nil {
		return f
	}
	out, f := s.createOrder(o)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleUpdateOrder(w http.ResponseWriter, r *http.Request) *failure {
	var o ramp.Order
	if f := decodeBody(r, &o); f != nil {
		return f
	}
	out, f := s.updateOrder(o)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type orderActionFunc func(id string, units []ramp.OrderUnit) (ramp.Order, *failure)

// noUnits adapts an action without a body.
func (s *Server) noUnits(fn func(id string) (ramp.Order, *failure)) orderActionFunc {
	return func(id string, _ []ramp.OrderUnit) (ramp.Order, *failure) { return fn(id) }
}

// orderAction serves {Action}/{id}; a body, when sent, is {"Units": [...]}.
func (s *Server) orderAction(prefix string, fn orderActionFunc) func(http.ResponseWriter, *http.Request) *failure {
	return func(w http.ResponseWriter, r *http.Request) *failure {
		id, f := idFrom(r, prefix)
		if f != nil {
			return f
		}
		var body struct{ Units []ramp.OrderUnit }
		raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 8<<20))
		if err != nil {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, "", "cannot read the request body: %v", err)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				return fail(http.StatusBadRequest, ramp.CodeValidationError, "", "request body is not valid JSON: %v", err)
			}
		}
		out, f := fn(id, body.Units)
		if f != nil {
			return f
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// Test helpers: act as a Ramp user.

// AddOrder stores an order directly (no HTTP call, not counted), applying
// the same rules as CreateOrder.
func (s *Server) AddOrder(o ramp.Order) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, f := s.createOrder(o)
	if f != nil {
		return ramp.Order{}, f
	}
	return out, nil
}

// Orders returns a snapshot of every order, sorted by ExternalRef.
func (s *Server) Orders() []ramp.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ramp.Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, s.orderView(o))
	}
	slices.SortFunc(out, func(a, b ramp.Order) int { return strings.Compare(a.ExternalRef, b.ExternalRef) })
	return out
}

// PickOrder records picked units on an outbound or transfer order, as a
// Ramp user scanning goods for it would (AllocateOrder's rules): the order
// becomes Allocating, or Allocated once every line is fully picked.
func (s *Server) PickOrder(orderID string, units ...ramp.OrderUnit) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errOf(s.allocate(orderID, units))
}

// DispatchOrder ships an outbound or transfer order. Units given are
// picked first; with none, and nothing picked yet, every line's
// RequiredCount is picked (without batch or serial). The order becomes
// Dispatched.
func (s *Server) DispatchOrder(orderID string, units ...ramp.OrderUnit) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[strings.ToLower(orderID)]
	if ok && len(units) == 0 && o.State == ramp.OrderCreated {
		for _, l := range o.Lines {
			units = append(units, ramp.OrderUnit{LineID: l.ID, Count: l.RequiredCount})
		}
	}
	if len(units) > 0 {
		if _, f := s.allocate(orderID, units); f != nil {
			return ramp.Order{}, f
		}
	}
	return errOf(s.dispatch(orderID))
}

// ReceiveOrder records units received on an inbound order (Created or
// Receiving) or a transfer (Dispatched or Receiving), with batch, serial
// and expiry as given. With no units, everything outstanding is received:
// for a transfer, what was dispatched (same batches and serials); for an
// inbound order, each line's missing RequiredCount. The order becomes
// Receiving, or Received once every line is complete.
func (s *Server) ReceiveOrder(orderID string, units ...ramp.OrderUnit) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[strings.ToLower(orderID)]; ok && len(units) == 0 {
		units = outstanding(o)
	}
	return errOf(s.receive(orderID, units))
}

// outstanding lists what is still to be received on o.
func outstanding(o *ramp.Order) []ramp.OrderUnit {
	var units []ramp.OrderUnit
	for _, l := range o.Lines {
		if o.OrderType != ramp.OrderTransfer {
			if rest := l.RequiredCount.Sub(l.ReceivedCount); rest.IsPositive() {
				units = append(units, ramp.OrderUnit{LineID: l.ID, Count: rest})
			}
			continue
		}
		for _, d := range l.Dispatched {
			rest := d.Count
			for _, r := range l.Received {
				if r.Batch == d.Batch && r.Serial == d.Serial && r.Expiry.Equal(d.Expiry) {
					rest = rest.Sub(r.Count)
				}
			}
			if rest.IsPositive() {
				units = append(units, ramp.OrderUnit{LineID: l.ID, Batch: d.Batch, Serial: d.Serial, Expiry: d.Expiry, Count: rest})
			}
		}
	}
	return units
}

// CompleteOrder completes an order (CompleteOrder's rules); it is frozen
// afterwards.
func (s *Server) CompleteOrder(orderID string) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errOf(s.complete(orderID))
}

// CancelOrder cancels an order before goods moved (CancelOrder's rules).
func (s *Server) CancelOrder(orderID string) (ramp.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errOf(s.cancel(orderID))
}

// errOf turns a *failure result into an error result without the typed
// nil trap.
func errOf[T any](v T, f *failure) (T, error) {
	if f != nil {
		var zero T
		return zero, f
	}
	return v, nil
}
