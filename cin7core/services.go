package cin7core

// The services below share the client's pipeline (limiter, retries, error
// decoding); each resource's methods live in the file named after it.

// PurchasesService reads purchase orders (simple and advanced) and posts
// their stock receipts.
type PurchasesService service

// SalesService reads sale orders and writes their fulfilment tasks.
type SalesService service

// StockTransfersService reads and writes stock transfers.
type StockTransfersService service

// AvailabilityService reads stock on hand (ref/productavailability).
type AvailabilityService service

// StockAdjustmentsService reads and writes stock adjustments.
type StockAdjustmentsService service

// StocktakesService reads and writes stocktakes.
type StocktakesService service

// WebhooksService manages the account's webhook subscriptions.
type WebhooksService service

// MeService checks connectivity and credentials.
type MeService service
