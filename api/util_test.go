package api_test

import "strings"

func stringContains(s, sub string) bool { return strings.Contains(s, sub) }
