package auth

import (
	"errors"
	"testing"
)

func TestCheckScope(t *testing.T) {
	cases := []struct {
		role  Role
		scope string
		ok    bool
	}{
		{Operator, "", true}, {Operator, "450206", false},
		{Regulator, "450206", true}, {Regulator, "450000", true}, {Regulator, "*", true},
		{Regulator, "", false}, {Regulator, "4502", false}, {Regulator, "45020a", false}, {Regulator, "050206", false},
		{AgencyAdmin, "lz-a", true}, {AgencyStaff, "", false}, {AgencyStaff, "LZ", false},
		{Technician, "room-1,room-2", true}, {Technician, "room-1,", false}, {Technician, "", false},
		{Purchaser, "", true}, {Purchaser, "lj-school", true}, {Purchaser, "Bad Unit", false}, {Expert, "x", false},
		{Role("admin"), "", false},
	}
	for _, c := range cases {
		if err := CheckScope(c.role, c.scope); (err == nil) != c.ok {
			t.Errorf("%s %q: %v", c.role, c.scope, err)
		}
	}
	if err := CheckScope(Regulator, "x"); !errors.Is(err, ErrScope) {
		t.Errorf("want ErrScope, got %v", err)
	}
}

func TestSeesRoom(t *testing.T) {
	liujiang := Owner{Room: "room-1", Jurisdiction: "450206", Agency: "lz-a"}
	orphan := Owner{Room: "room-9"}
	cases := []struct {
		p    Principal
		o    Owner
		sees bool
	}{
		{Principal{Role: Operator}, orphan, true},
		{Principal{Role: Regulator, Scope: "450206"}, liujiang, true},
		{Principal{Role: Regulator, Scope: "450200"}, liujiang, true}, // the city
		{Principal{Role: Regulator, Scope: "450000"}, liujiang, true}, // the province
		{Principal{Role: Regulator, Scope: "450202"}, liujiang, false},
		{Principal{Role: Regulator, Scope: "452000"}, liujiang, false}, // 45 20xx is not 45 02xx
		{Principal{Role: Regulator, Scope: "450206"}, orphan, false},
		{Principal{Role: Regulator, Scope: AllJurisdictions}, orphan, true},
		{Principal{Role: AgencyStaff, Scope: "lz-a"}, liujiang, true},
		{Principal{Role: AgencyStaff, Scope: "lz-b"}, liujiang, false},
		{Principal{Role: Technician, Scope: "room-2,room-1"}, liujiang, true},
		{Principal{Role: Technician, Scope: "room-10"}, liujiang, false},
		{Principal{Role: Purchaser}, liujiang, false},
	}
	for _, c := range cases {
		if got := c.p.SeesRoom(c.o); got != c.sees {
			t.Errorf("%s %q sees %+v: %v, want %v", c.p.Role, c.p.Scope, c.o, got, c.sees)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := CheckPassword(h, pw); ok != want || err != nil {
			t.Errorf("%q: %v %v", pw, ok, err)
		}
	}
	if _, err := HashPassword("short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("short password: %v", err)
	}
	if _, err := CheckPassword("$2y$10$notargon", "x"); err == nil {
		t.Error("a foreign hash was accepted")
	}
}

func TestSeesParties(t *testing.T) {
	work := Parties{Purchaser: "lj-school", Agency: "lz-a", Jurisdiction: "450206"}
	cases := []struct {
		p    Principal
		sees bool
	}{
		{Principal{Role: Operator}, true},
		{Principal{Role: Regulator, Scope: "450200"}, true},
		{Principal{Role: Regulator, Scope: "450202"}, false},
		{Principal{Role: AgencyAdmin, Scope: "lz-a"}, true},
		{Principal{Role: AgencyStaff, Scope: "lz-b"}, false},
		{Principal{Role: Purchaser, Scope: "lj-school"}, true},
		{Principal{Role: Purchaser, Scope: "other-unit"}, false},
		{Principal{Role: Purchaser}, false}, // no unit, no procurement
		{Principal{Role: Expert}, false},
		{Principal{Role: Technician, Scope: "room-1"}, false},
	}
	for _, c := range cases {
		if got := c.p.SeesParties(work); got != c.sees {
			t.Errorf("%s %q sees %+v: %v, want %v", c.p.Role, c.p.Scope, work, got, c.sees)
		}
	}
}
