package doctor

// ClockResult is clockResult, for the tests.
var ClockResult = clockResult
