package main

import "testing"

func TestOwnersSpread(t *testing.T) {
	for n, want := range map[int]string{1: "450206 lz-shifan", 2: "450202 lz-shifan", 3: "450206 gx-yangli", 4: "450202 gx-yangli", 5: "450206 lz-shifan"} {
		o := ownerOf(n)
		if got := o.JurisdictionCode + " " + o.AgencyID; got != want {
			t.Errorf("room-%d: %s, want %s", n, got, want)
		}
		if o.JurisdictionName == "" || o.AgencyName == "" {
			t.Errorf("room-%d: a name is missing: %+v", n, o)
		}
	}
}
