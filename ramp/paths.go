package ramp

// Endpoint paths of the assumed Ramp contract (see API.md), relative to the
// tenant base URL. No public Ramp API exists; these follow the Locafi v2
// shapes. They are exported so ramptest serves exactly the same routes:
// adapting the SDK to Ramp's real endpoints is a change to this file only.
const (
	// PathLogin exchanges a username and password for a token group.
	PathLogin = "api/Authentication/Login"
	// PathRefreshLogin exchanges a refresh token for a new token group.
	PathRefreshLogin = "api/Authentication/RefreshLogin"

	// PathListPlaces is the OData-filtered, paged list of places.
	PathListPlaces = "api/Places/GetFilteredPlaces"
	// PathGetPlace reads one place; the ID follows as a last segment.
	PathGetPlace = "api/Places/GetPlace"
	// PathCreatePlace creates a place from a body without Id.
	PathCreatePlace = "api/Places/CreatePlace"
	// PathUpdatePlace replaces a place from a body with Id.
	PathUpdatePlace = "api/Places/UpdatePlace"
	// PathArchivePlace archives a place; the ID follows as a last segment.
	PathArchivePlace = "api/Places/ArchivePlace"
	// PathUnarchivePlace brings an archived place back.
	PathUnarchivePlace = "api/Places/UnarchivePlace"

	// PathListSkus is the OData-filtered, paged list of SKUs.
	PathListSkus = "api/Skus/GetFilteredSkus"
	// PathGetSku reads one SKU; the ID follows as a last segment.
	PathGetSku = "api/Skus/GetSku"
	// PathCreateSku creates a SKU from a body without Id.
	PathCreateSku = "api/Skus/CreateSku"
	// PathUpdateSku replaces a SKU from a body with Id.
	PathUpdateSku = "api/Skus/UpdateSku"
	// PathArchiveSku archives a SKU; the ID follows as a last segment.
	PathArchiveSku = "api/Skus/ArchiveSku"
	// PathUnarchiveSku brings an archived SKU back.
	PathUnarchiveSku = "api/Skus/UnarchiveSku"

	// PathListOrders is the OData-filtered, paged list of orders (with
	// their lines).
	PathListOrders = "api/Orders/GetFilteredOrders"
	// PathGetOrder reads one order; the ID follows as a last segment.
	PathGetOrder = "api/Orders/GetOrder"
	// PathCreateOrder creates an order from a body without Id.
	PathCreateOrder = "api/Orders/CreateOrder"
	// PathUpdateOrder replaces an order's header and lines (body with Id).
	PathUpdateOrder = "api/Orders/UpdateOrder"
	// PathAllocateOrder records picked units (ID as last segment).
	PathAllocateOrder = "api/Orders/AllocateOrder"
	// PathDispatchOrder ships what was allocated (ID as last segment).
	PathDispatchOrder = "api/Orders/DispatchOrder"
	// PathReceiveOrder records received units (ID as last segment).
	PathReceiveOrder = "api/Orders/ReceiveOrder"
	// PathCompleteOrder closes an order for good (ID as last segment).
	PathCompleteOrder = "api/Orders/CompleteOrder"
	// PathCancelOrder cancels an order before goods move (ID as last
	// segment).
	PathCancelOrder = "api/Orders/CancelOrder"

	// PathListStocktakes is the paged list of stocktakes (Locafi
	// "Inventories"), without their lines.
	PathListStocktakes = "api/Inventories/GetFilteredInventories"
	// PathGetStocktake reads one stocktake with its counted lines; the ID
	// follows as a last segment.
	PathGetStocktake = "api/Inventories/GetInventory"

	// PathSetPlaceStock replaces one place's expected counts, in parts.
	PathSetPlaceStock = "api/PlaceStock/SetPlaceStock"
	// PathListPlaceStock is the paged list of expected counts.
	PathListPlaceStock = "api/PlaceStock/GetFilteredPlaceStock"

	// PathListWriteOffs is the paged list of write-offs.
	PathListWriteOffs = "api/WriteOffs/GetFilteredWriteOffs"
)

// OData query parameter names used by the list endpoints. They are
// standard OData, kept here with the paths so every wire name is in one
// place.
const (
	ParamFilter = "$filter"
	ParamTop    = "$top"
	ParamSkip   = "$skip"
	ParamCount  = "$count"
)

// AuthScheme is the Authorization header scheme: Locafi used "Token <jwt>",
// not "Bearer".
const AuthScheme = "Token"
