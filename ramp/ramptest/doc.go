// Package ramptest is a fake Ramp tenant for tests: a real HTTP server
// (httptest) with state that speaks the contract in ramp/API.md.
//
// It logs users in and issues JWT-shaped access tokens with an exp claim
// plus refresh tokens, rejects missing, unknown and expired tokens with
// 401 AuthenticationFailed, and stores places and SKUs in memory with the
// server-side rules that matter to a client: required fields, Name length,
// unique ExternalRef per entity type (409 DuplicateResource), parent place
// foreign keys (400 InvalidForeignKey) and cycles, 404 ResourceDoesNotExist
// for unknown IDs, and OData paging ($top capped at the maximum page size,
// $skip, $count, an absolute NextPageLink) and $filter evaluation. Lists
// are ordered by DateCreated, then Id.
//
// The $filter engine is a real parser for the subset the SDK's builder
// emits: eq, ne, gt, ge, lt, le; contains(Field,'text'); and, or, not;
// parentheses; string literals with doubled quotes, true, false, null,
// numbers and RFC 3339 times. An unknown property, a type mismatch or
// anything unparseable is a 400 ValidationError. String comparisons are
// exact and case-sensitive; an empty optional string reads as null.
//
// Orders, stocktakes, expected counts (PlaceStock) and write-offs are
// served with the same care: unique order ExternalRef, the order state
// machine (400 IllegalBusinessOperation for an illegal action, 409 for any
// change to a Completed or Cancelled order), progress kept across updates,
// SetPlaceStock parts applied atomically and idempotently. Tests act as a
// Ramp user with [Server.PickOrder], [Server.DispatchOrder],
// [Server.ReceiveOrder], [Server.CompleteOrder], [Server.CancelOrder],
// [Server.RunStocktake], [Server.ValidateStocktake] and
// [Server.RecordWriteOff], and seed with [Server.AddOrder] and
// [Server.SetPlaceStock].
//
// Tests steer and inspect it with [Server.ExpireTokens],
// [Server.RevokeRefreshTokens], [Server.FailNext], [Server.SetValidator],
// [Server.Calls], [Server.CallsTo], [Server.Places], [Server.Skus] and
// [Server.Reset]; [Server.AddPlace] and [Server.AddSku] seed data without
// HTTP calls.
//
//	srv := ramptest.NewServer()
//	defer srv.Close()
//	client, err := srv.NewClient() // logged in as the default user
package ramptest
