package recent

import (
	"fmt"
	"testing"
)

func TestMapForgetsTheOldestPastItsSize(t *testing.T) {
	m := New[string, string](3)
	for i := range 4 {
		m.Put(fmt.Sprint("k", i), fmt.Sprint("v", i))
	}
	if _, ok := m.Get("k0"); ok {
		t.Error("the oldest key is still kept past the size")
	}
	for i := 1; i < 4; i++ {
		if v, ok := m.Get(fmt.Sprint("k", i)); !ok || v != fmt.Sprint("v", i) {
			t.Errorf("k%d: %q %v", i, v, ok)
		}
	}
	m.Put("k3", "v3b") // an update keeps its place
	if v, _ := m.Get("k3"); v != "v3b" {
		t.Errorf("update: %q", v)
	}
	if _, ok := m.Get("k1"); !ok {
		t.Error("an update pushed out another key")
	}
}

func TestAddSaysWhetherTheKeyWasNew(t *testing.T) {
	m := New[string, struct{}](2)
	if !m.Add("a", struct{}{}) || m.Add("a", struct{}{}) {
		t.Error("Add: first true, then false")
	}
	m.Add("b", struct{}{})
	m.Add("c", struct{}{}) // pushes out a
	if !m.Add("a", struct{}{}) {
		t.Error("a forgotten key is new again")
	}
}

func TestZeroValueKeysAreKeysToo(t *testing.T) {
	m := New[string, int](2)
	m.Put("", 1) // the empty key is a key like any other
	m.Put("x", 2)
	m.Put("y", 3) // pushes out ""
	if _, ok := m.Get(""); ok {
		t.Error(`"" still kept`)
	}
	if len(m.vals) != 2 {
		t.Errorf("%d keys kept, want 2", len(m.vals))
	}
}
