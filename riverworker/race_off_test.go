//go:build !race

package riverworker_test

const raceEnabled = false
