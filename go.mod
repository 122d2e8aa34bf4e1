module github.com/cin7ramp/cin7ramp

go 1.23

require (
	github.com/google/go-querystring v1.2.0
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/jarcoal/httpmock v1.4.2
	github.com/shopspring/decimal v1.6.0
)
