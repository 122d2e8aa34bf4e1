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

	// PathListSkus is the OData-filtered, paged list of SKUs.
	PathListSkus = "api/Skus/GetFilteredSkus"
	// PathGetSku reads one SKU; the ID follows as a last segment.
	PathGetSku = "api/Skus/GetSku"
	// PathCreateSku creates a SKU from a body without Id.
	PathCreateSku = "api/Skus/CreateSku"
	// PathUpdateSku replaces a SKU from a body with Id.
	PathUpdateSku = "api/Skus/UpdateSku"
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
